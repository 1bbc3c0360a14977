"""Peer learning over the API says what the pages say, to whom they say it: the lessons a caller
may read, a lesson whole, a city's exchanges, and the one search."""

from __future__ import annotations

import pytest
from django.test import Client

from recap.accounts.services import api_token_create
from recap.learning.models import Exchange, Lesson
from recap.learning.search import index_rebuild
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
