"""The pipeline over the API: the same policy and gates as the pages."""

from __future__ import annotations

import pytest
from django.test import Client

from recap.pipeline.concepts import concept_share
from recap.pipeline.models import Facility
from recap.testing import World, concept_at

pytestmark = pytest.mark.django_db


def test_concepts_over_the_api(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    kigali = concept_at(world.city_a, "Wetlands", "candidate", summary="S")
    concept_at(world.city_b, "Markets", "drafted")
    client.force_login(world.users["editor_a"])
    listing = client.get("/api/v1/pipeline/concepts").json()
    assert [c["title"] for c in listing] == ["Wetlands"]
    detail = client.get(f"/api/v1/pipeline/concepts/{kigali.pk}").json()
    assert (
        detail["stage"] == "candidate" and "Problem addressed is empty" in detail["next_step_needs"]
    )
    # A move refused by its gate: 422 and what is missing; a move made: the new stage.
    url = f"/api/v1/pipeline/concepts/{kigali.pk}/moves"
    refused = client.post(url, {"to": "drafted"}, content_type="application/json")
    assert refused.status_code == 422
    assert "Problem addressed is empty" in refused.json()["detail"]["__all__"][0]
    assert client.post(url, {"to": "flying"}, content_type="application/json").status_code == 422
    hold = client.post(url, {"to": "on_hold", "reason": "x"}, content_type="application/json")
    assert hold.status_code == 403  # the city's coordinator's or the manager's
    client.force_login(world.users["coordinator_a"])
    held = client.post(
        url, {"to": "on_hold", "reason": "Elections"}, content_type="application/json"
    )
    assert held.status_code == 200 and held.json()["stage"] == "on_hold"
    assert held.json()["moves"][-1] | {"at": None} == {
        "from_stage": "candidate",
        "to_stage": "on_hold",
        "by": "coordinator_a",
        "reason": "Elections",
        "at": None,
    }
    matches = client.get(f"/api/v1/pipeline/concepts/{kigali.pk}/matches").json()
    assert len(matches) == 7 and {m["verdict"] for m in matches} <= {"pass", "unknown", "fail"}
    gap = next(m for m in matches if m["facility"] == "gap-fund")
    assert gap["criteria"][0] == {
        "name": "country",
        "outcome": "pass",
        "why": gap["criteria"][0]["why"],
        "task": "",
    }
    # Funders: only what was shared with them.
    submitted = concept_at(world.city_a, "Shared", "submitted")
    client.force_login(world.users["funder"])
    assert client.get("/api/v1/pipeline/concepts").json() == []
    concept_share(actor=world.users["manager"], concept=submitted, facility=facilities["gap-fund"])
    assert [c["title"] for c in client.get("/api/v1/pipeline/concepts").json()] == ["Shared"]
    assert client.get(f"/api/v1/pipeline/concepts/{kigali.pk}").status_code == 404


def test_funnel_and_directory(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    concept_at(world.city_a, "A", "submitted")
    concept_at(world.city_b, "B", "drafted")
    client.force_login(world.users["manager"])
    funnel = client.get("/api/v1/pipeline/funnel").json()
    submitted = next(s for s in funnel["stages"] if s["stage"] == "submitted")
    assert submitted == {"stage": "submitted", "per_country": {"BD": 0, "RW": 1}, "total": 1}
    assert {p["country"]: p["submitted"] for p in funnel["progress"]} == {"BD": 0, "RW": 1}
    only_bd = client.get("/api/v1/pipeline/funnel?country=bd").json()
    assert [p["country"] for p in only_bd["progress"]] == ["BD"]
    client.logout()
    directory = Client().get("/api/v1/pipeline/facilities").json()
    assert len(directory) == 7
    gap = next(f for f in directory if f["code"] == "gap-fund")
    # Checked against the facility's own page, with the day; a fact not checked says so.
    assert gap["country_rule"] == "oda"
    assert gap["sources"]["country_rule"]["checked"] == "2026-12-06"
    assert gap["sources"]["country_rule"]["source"].startswith("https://www.citygapfund.org/")
    assert gap["sources"]["ticket_max_usd"]["checked"] is None


def test_sharing_messages_and_reviews_over_the_api(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    from .conftest import full_scores

    concept = concept_at(world.city_a, "Wetlands", "submitted")
    base = f"/api/v1/pipeline/concepts/{concept.pk}"
    client.force_login(world.users["coordinator_a"])
    for code in ("gap-fund", "cdia"):
        response = client.post(
            f"{base}/shares", {"facility": code}, content_type="application/json"
        )
        assert response.status_code == 201
    assert (
        client.post(
            f"{base}/shares", {"facility": "nope"}, content_type="application/json"
        ).status_code
        == 404
    )
    # The funder asks; the city answers; a funder sees only its own facility's thread.
    client.force_login(world.users["funder"])
    asked = client.post(
        f"{base}/messages",
        {"kind": "question", "facility": "gap-fund", "text": "Land?"},
        content_type="application/json",
    )
    assert asked.status_code == 201 and asked.json()[0]["text"] == "Land?"
    refused = client.post(
        f"{base}/messages",
        {"kind": "question", "facility": "cdia", "text": "Not mine"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    client.force_login(world.users["editor_a"])
    replied = client.post(
        f"{base}/messages",
        {"kind": "reply", "facility": "gap-fund", "text": "The city's."},
        content_type="application/json",
    )
    assert [m["kind"] for m in replied.json()] == ["question", "reply"]
    # Reviews: a drafted concept, scored by a reviewer; half a score sheet is refused.
    drafted = concept_at(world.city_a, "Draft", "drafted")
    url = f"/api/v1/pipeline/concepts/{drafted.pk}/reviews"
    client.force_login(world.users["reviewer"])
    half = {"scores": {"screening": {"climate": 2}}, "comment": "Partial."}
    response = client.post(url, half, content_type="application/json")
    assert response.status_code == 422 and "still to score" in str(response.json()["detail"])
    good = {"scores": full_scores(), "comment": "Clear."}
    assert client.post(url, good, content_type="application/json").status_code == 201
    client.force_login(world.users["editor_a"])
    [review] = client.get(url).json()
    assert review["comment"] == "Clear." and review["round"] == 1
    client.force_login(world.users["funder"])
    assert client.get(url).status_code == 404  # a draft is not the funder's to see
