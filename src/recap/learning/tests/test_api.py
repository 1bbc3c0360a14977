"""Peer learning over the API says what the pages say, to whom they say it: the lessons a caller
may read, a lesson whole, a city's peers and its exchanges, and the one search."""

from __future__ import annotations

import pytest
from django.test import Client

from recap.accounts.services import api_token_create
from recap.cities.models import City
from recap.hazards.models import CityHazard, HazardType
from recap.learning.models import Exchange, Lesson
from recap.learning.search import index_rebuild
from recap.learning.services import match_override
from recap.testing import World

pytestmark = pytest.mark.django_db

TEXTS = {"summary": "S", "context": "C", "what_was_done": "W", "results": "Flood drills: 40"}


def _as(client: Client, world: World, who: str) -> dict[str, str]:
    _token, key = api_token_create(user=world.users[who], name="t")
    return {"Authorization": f"Bearer {key}"}


def test_lessons_exchanges_and_search_over_the_api(client: Client, world: World) -> None:
    published = Lesson.objects.create(
        city=world.city_a, title="Ward flood warnings", status="published", **TEXTS
    )
    draft = Lesson.objects.create(city=world.city_a, title="Drainage draft", **TEXTS)
    asked = Exchange.objects.create(
        from_city=world.city_a, to_city=world.city_b, subject="Kiosk prices"
    )
    Exchange.objects.create(from_city=world.city_b, to_city=world.hidden, subject="Not Kigali's")
    index_rebuild()

    anyone = client.get("/api/v1/learning/lessons").json()
    assert [row["title"] for row in anyone] == ["Ward flood warnings"]
    editor = _as(client, world, "editor_a")
    mine = client.get("/api/v1/learning/lessons", headers=editor).json()
    assert {row["title"] for row in mine} == {"Ward flood warnings", "Drainage draft"}
    whole = client.get(f"/api/v1/learning/lessons/{published.pk}").json()
    assert whole["results"] == "Flood drills: 40" and whole["city"] == "Kigali"
    assert client.get(f"/api/v1/learning/lessons/{draft.pk}").status_code == 404

    rows = client.get(f"/api/v1/cities/{world.city_a.pk}/exchanges", headers=editor).json()
    assert [(r["id"], r["subject"], r["to_city"]) for r in rows] == [
        (asked.pk, "Kiosk prices", "Rajshahi")
    ]
    other = _as(client, world, "editor_b")
    assert (
        client.get(f"/api/v1/cities/{world.city_a.pk}/exchanges", headers=other).status_code == 404
    )

    hits = client.get("/api/v1/learning/search?q=flood&kind=lesson").json()
    assert [(h["kind"], h["title"]) for h in hits] == [("lesson", "Ward flood warnings")]
    assert client.get("/api/v1/learning/search?q=drainage").json() == []  # a draft: not public
    refused = client.get("/api/v1/learning/search?q=flood&kind=planet")
    assert refused.status_code == 422 and "kind" in refused.content.decode()


def test_a_citys_peers_over_the_api_as_its_page_shows_them(client: Client, world: World) -> None:
    flood = HazardType.objects.create(
        code="flood", name="Flooding", family="hydrological", kind="shock"
    )
    kigali = world.city_a
    kigali.languages = ["en"]
    kigali.save()
    musanze = City.objects.create(
        name="Musanze",
        slug="musanze",
        country=world.country_a,
        population=1_200_000,
        languages=["en"],
        shares_with_peers=True,
    )
    CityHazard.objects.create(city=kigali, hazard=flood, likelihood=4, impact=5)
    CityHazard.objects.create(city=musanze, hazard=flood, likelihood=3, impact=4)
    lesson = Lesson.objects.create(city=musanze, title="Flood drills", status="published", **TEXTS)
    lesson.hazards.add(flood)
    manager = world.users["manager"]
    # Rajshahi has nothing in common with Kigali: listed only because the programme pinned it.
    match_override(
        actor=manager, city=kigali, peer=world.city_b, kind="similar", action="pin", note="Twins"
    )
    match_override(actor=manager, city=kigali, peer=musanze, kind="help", action="hide")
    url = f"/api/v1/cities/{kigali.pk}/peers"

    rows = client.get(url, headers=_as(client, world, "viewer_a")).json()
    assert [(r["kind"], r["city"], r["score"], r["pinned"], r["hidden"]) for r in rows] == [
        ("similar", "Rajshahi", 0.0, True, False),  # pinned: first, whatever its score
        ("similar", "Musanze", 70.0, False, False),
    ]  # Musanze's help match is hidden from the city
    pinned, twin = rows
    assert (pinned["country"], pinned["note"]) == ("Bangladesh", "Twins")
    assert (twin["city_id"], twin["country"], twin["url"]) == (
        musanze.pk,
        "Rwanda",
        "/cities/musanze/",
    )
    factors = {f["label"]: (f["detail"], f["points"], f["out_of"]) for f in twin["factors"]}
    assert factors == {
        "Hazard profile": ("both face Flooding", 35.0, 35.0),
        "Main stresses": ("no stress scored 8 or more in one of the two registers", 0.0, 15.0),
        "Population": ("both 1 to 5 million", 10.0, 10.0),
        "Population growth": ("not known for one of the two cities", 0.0, 5.0),
        "Region": ("Africa", 10.0, 10.0),
        "Income group": ("not known for one of the two cities", 0.0, 10.0),
        "Language": ("both work in English", 15.0, 15.0),
    }
    assert twin["score"] == sum(points for _detail, points, _out_of in factors.values())

    # The programme's manager also sees what it hid from the city, marked.
    seen = client.get(url, headers=_as(client, world, "manager")).json()
    helping = [r for r in seen if r["kind"] == "help"]
    assert [(r["city"], r["score"], r["hidden"]) for r in helping] == [("Musanze", 25.0, True)]
    assert [(f["label"], f["detail"]) for f in helping[0]["factors"]][-1] == (
        "Has addressed Flooding",
        "1 published lesson",
    )

    # Another city's people, a funder and anyone not signed in: not theirs to read.
    for who in ("editor_b", "funder"):
        assert client.get(url, headers=_as(client, world, who)).status_code == 404, who
    assert client.get(url).status_code == 401
    # A hidden city, to someone who does not work on it, is as a city that does not exist.
    editor = _as(client, world, "editor_a")
    assert client.get(f"/api/v1/cities/{world.hidden.pk}/peers", headers=editor).status_code == 404
    assert client.get("/api/v1/cities/999999/peers", headers=editor).status_code == 404
    admin = _as(client, world, "admin")
    assert client.get("/api/v1/cities/999999/peers", headers=admin).status_code == 404
