"""Lessons decided and edited at the same moment (two managers; an editor saving while
another submits) on PostgreSQL: the first decision holds and the second is told who made it;
an edit never writes back a status it did not set. See `recap.core.tests.racing`."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from recap.accounts.models import AuditEvent, Membership, Role
from recap.core.tests.racing import needs_postgres, race
from recap.learning import services
from recap.learning.models import Lesson
from recap.learning.services import lesson_save, lesson_submit
from recap.testing import World, make_user

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "title": "Water kiosks",
    "summary": "Kiosks where people gather.",
    "context": "Heat.",
    "what_was_done": "Kiosks.",
    "results": "12,400 people.",
}


@needs_postgres
def test_published_and_returned_at_once_the_first_holds(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = make_user("second_manager")
    Membership.objects.create(user=other, role=Role.PROGRAMME_MANAGER, programme=world.programme)
    editor = world.users["editor_a"]
    lesson = lesson_save(actor=editor, city=world.city_a, data=TEXT)
    lesson_submit(actor=editor, lesson=lesson)
    seen_by_one, seen_by_two = Lesson.objects.get(pk=lesson.pk), Lesson.objects.get(pk=lesson.pk)

    one, two = race(
        monkeypatch,
        (services, "audit"),
        lambda: services.lesson_decide(
            actor=world.users["manager"], lesson=seen_by_one, publish=True
        ),
        lambda: services.lesson_decide(
            actor=other, lesson=seen_by_two, publish=False, reason="Add the cost."
        ),
    )
    one.unwrap()
    assert isinstance(two.error, ValidationError)
    assert "just published by" in " ".join(two.error.messages)
    lesson.refresh_from_db()
    assert (lesson.status, lesson.published_by) == ("published", world.users["manager"])
    assert AuditEvent.objects.filter(verb__in=("lesson.publish", "lesson.return")).count() == 1


@needs_postgres
def test_an_edit_made_while_another_editor_submits_does_not_undo_the_submission(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = world.users["editor_a"]
    colleague = make_user("editor_a2")
    Membership.objects.create(user=colleague, role=Role.CITY_EDITOR, city=world.city_a)
    lesson = lesson_save(actor=editor, city=world.city_a, data=TEXT)
    open_in_form = Lesson.objects.get(pk=lesson.pk)  # the editor's form, opened on the draft

    one, two = race(
        monkeypatch,
        (services, "audit"),
        lambda: services.lesson_submit(actor=colleague, lesson=Lesson.objects.get(pk=lesson.pk)),
        lambda: services.lesson_save(
            actor=editor,
            city=world.city_a,
            data=TEXT | {"title": "Water kiosks, priced"},
            lesson=open_in_form,
        ),
    )
    one.unwrap()
    assert isinstance(two.error, ValidationError)
    assert "no longer be changed" in " ".join(two.error.messages)
    lesson.refresh_from_db()
    assert (lesson.status, lesson.title) == ("submitted", "Water kiosks")


def test_an_edit_writes_only_its_own_fields(world: World) -> None:
    """A save writes the texts, kind and cost it was given, never the status or the reason
    it read earlier (what a concurrent decision may have changed)."""
    editor = world.users["editor_a"]
    lesson = lesson_save(actor=editor, city=world.city_a, data=TEXT)
    Lesson.objects.filter(pk=lesson.pk).update(return_reason="Add the cost.")
    lesson_save(actor=editor, city=world.city_a, data={"cost_usd": 48000}, lesson=lesson)
    lesson.refresh_from_db()
    assert (lesson.cost_usd, lesson.return_reason, lesson.title) == (
        48000,
        "Add the cost.",
        "Water kiosks",
    )
