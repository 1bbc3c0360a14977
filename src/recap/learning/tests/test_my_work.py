"""My work for the programme's manager lists the lessons the cities submitted, to publish."""

from __future__ import annotations

from django.test import Client

from recap.learning.models import Lesson
from recap.testing import World


def _lesson(world: World, status: str, title: str) -> Lesson:
    return Lesson.objects.create(
        city=world.city_a, title=title, summary="What worked.", status=status
    )


def test_the_manager_is_asked_to_publish_the_submitted_lessons(
    client: Client, world: World
) -> None:
    submitted = _lesson(world, Lesson.Status.SUBMITTED, "Drills in the rainy season")
    _lesson(world, Lesson.Status.DRAFT, "A draft the city still writes")
    _lesson(world, Lesson.Status.PUBLISHED, "Already public")
    client.force_login(world.users["manager"])
    page = client.get("/me/").content.decode()
    assert "Lesson to publish (1)" in page
    assert f'href="/programme/lessons/#lesson-{submitted.pk}"' in page
    assert "A draft the city still writes" not in page and "Already public" not in page
    assert f'id="lesson-{submitted.pk}"' in client.get("/programme/lessons/").content.decode()
    for role in ("reviewer", "editor_a", "coordinator_a", "funder", "admin"):
        client.force_login(world.users[role])
        assert "Lesson to publish (" not in client.get("/me/").content.decode(), role
