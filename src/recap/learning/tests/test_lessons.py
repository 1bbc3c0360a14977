"""Lessons: drafted by a city's editors, submitted, published by the programme's manager (then
public) or returned with a reason; drafts seen only by their city, submitted ones by the
programme too; every step refused to whom it is not."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from recap.hazards.models import HazardType
from recap.learning.models import Lesson
from recap.learning.services import lesson_decide, lesson_save, lesson_submit
from recap.testing import World
from recap.tracking.models import Measure

pytestmark = pytest.mark.django_db

TEXT = {
    "title": "Water kiosks",
    "summary": "Kiosks where people gather.",
    "context": "Heat.",
    "what_was_done": "Kiosks.",
    "results": "12,400 people.",
}


def test_a_lesson_from_draft_to_public(client: Client, world: World) -> None:
    flood = HazardType.objects.create(
        code="flood", name="Flood", family="hydrological", kind="shock"
    )
    editor, manager = world.users["editor_a"], world.users["manager"]
    lesson = lesson_save(actor=editor, city=world.city_a, data=TEXT | {"hazards": [flood]})
    url = f"/lessons/{lesson.pk}/"
    assert client.get(url).status_code == 404  # a draft is nobody's business but the city's
    assert client.get("/lessons/").content.decode().count("Water kiosks") == 0
    client.force_login(world.users["viewer_a"])
    assert client.get(url).status_code == 200  # the city's own people see it
    client.force_login(world.users["manager"])
    assert client.get(url).status_code == 404  # the programme sees it once submitted
    lesson_submit(actor=editor, lesson=lesson)
    assert client.get(url).status_code == 200
    with pytest.raises(ValidationError, match="no longer be changed"):
        lesson_save(actor=editor, city=world.city_a, data=TEXT, lesson=lesson)
    with pytest.raises(ValidationError, match="Say why"):
        lesson_decide(actor=manager, lesson=lesson, publish=False)
    lesson_decide(actor=manager, lesson=lesson, publish=False, reason="Add the cost.")
    lesson.refresh_from_db()
    assert (lesson.status, lesson.return_reason) == ("draft", "Add the cost.")
    lesson_save(actor=editor, city=world.city_a, data=TEXT | {"cost_usd": 48000}, lesson=lesson)
    lesson_submit(actor=editor, lesson=lesson)
    lesson_decide(actor=manager, lesson=lesson, publish=True)
    client.logout()
    page = client.get(url).content.decode()
    assert "Water kiosks" in page and "48,000" in page and "Flood" in page
    listing = client.get("/lessons/?hazard=flood").content.decode()
    assert "Water kiosks" in listing


def test_lesson_refusals(world: World) -> None:
    measure_b = Measure.objects.create(city=world.city_b, title="Elsewhere")
    with pytest.raises(ValidationError, match="city's own"):
        lesson_save(
            actor=world.users["editor_a"], city=world.city_a, data=TEXT | {"measures": [measure_b]}
        )
    for who in ("viewer_a", "editor_b", "manager", "reviewer", "funder"):
        with pytest.raises(PermissionDenied):
            lesson_save(actor=world.users[who], city=world.city_a, data=TEXT)
    lesson = lesson_save(actor=world.users["editor_a"], city=world.city_a, data=TEXT)
    with pytest.raises(ValidationError, match="already with the city"):
        lesson_decide(actor=world.users["manager"], lesson=lesson, publish=False, reason="x")
    with pytest.raises(ValidationError, match="Only a submitted lesson"):
        lesson_decide(actor=world.users["manager"], lesson=lesson, publish=True)
    lesson_submit(actor=world.users["editor_a"], lesson=lesson)
    for who in ("editor_a", "coordinator_a", "reviewer", "funder", "editor_b"):
        with pytest.raises(PermissionDenied):
            lesson_decide(actor=world.users[who], lesson=lesson, publish=True)
    with pytest.raises(ValidationError, match="Only a draft"):
        lesson_submit(actor=world.users["editor_a"], lesson=lesson)
    assert Lesson.objects.get().status == "submitted"


def test_lesson_pages(client: Client, world: World) -> None:
    client.force_login(world.users["editor_a"])
    created = client.post("/cities/kigali/workspace/lessons/", TEXT | {"kind": "lesson"})
    assert created.status_code == 302
    lesson = Lesson.objects.get()
    bad = client.post("/cities/kigali/workspace/lessons/", {"kind": "lesson", "title": ""})
    assert bad.status_code == 400 and Lesson.objects.count() == 1
    edit = f"/cities/kigali/workspace/lessons/{lesson.pk}/"
    assert client.post(edit, {"submit": "1"}).status_code == 302
    client.force_login(world.users["manager"])
    listed = client.get("/programme/lessons/").content.decode()
    assert "Water kiosks" in listed and "Publish" in listed
    response = client.post(f"/programme/lessons/{lesson.pk}/decide/", {"publish": "1"})
    assert response.status_code == 302
    assert Lesson.objects.get().status == "published"
    client.force_login(world.users["editor_b"])
    assert client.get(edit.replace("kigali", "rajshahi")).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "viewer_a", "editor_b", "funder"])
def test_a_draft_stays_hidden(client: Client, world: World, who: str) -> None:
    lesson = lesson_save(actor=world.users["editor_a"], city=world.city_a, data=TEXT)
    user: Any = world.user(who)
    if user is not None:
        client.force_login(user)
    expected = 200 if who == "viewer_a" else 404
    assert client.get(f"/lessons/{lesson.pk}/").status_code == expected


def test_the_programme_does_not_read_a_citys_draft_in_its_workspace(
    client: Client, world: World
) -> None:
    lesson = lesson_save(actor=world.users["editor_a"], city=world.city_a, data=TEXT)
    client.force_login(world.users["manager"])
    assert "Water kiosks" not in client.get("/cities/kigali/workspace/lessons/").content.decode()
    assert client.get(f"/cities/kigali/workspace/lessons/{lesson.pk}/").status_code == 404


def test_a_published_lesson_names_a_concept_only_to_whoever_may_read_it(
    client: Client, world: World
) -> None:
    from recap.testing import concept_at

    concept = concept_at(world.city_a, "Secret wetlands plan", "drafted")
    editor = world.users["editor_a"]
    lesson = lesson_save(actor=editor, city=world.city_a, data=TEXT | {"concepts": [concept]})
    lesson_submit(actor=editor, lesson=lesson)
    lesson_decide(actor=world.users["manager"], lesson=lesson, publish=True)
    assert "Secret wetlands plan" not in client.get(f"/lessons/{lesson.pk}/").content.decode()
    client.force_login(editor)
    assert "Secret wetlands plan" in client.get(f"/lessons/{lesson.pk}/").content.decode()
