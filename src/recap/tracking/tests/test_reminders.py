"""The weekly reminder digest: the right people told once a week, lateness and returned values in
it, a failure tried again without stopping the others, queued once for next Monday."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from recap.testing import DATABASE_QUEUE, World
from recap.tracking.models import (
    Indicator,
    ReminderSent,
)
from recap.tracking.progress import late_places
from recap.tracking.reminders import digest_items, next_run, reminders_schedule, reminders_send
from recap.tracking.services import (
    framework_load_shipped,
    update_decide,
    update_save,
    update_submit,
)

from .conftest import _FailingFor

pytestmark = pytest.mark.django_db

D = datetime.date


def test_the_reminder_digest_tells_the_right_people_once_a_week(world: World) -> None:
    framework_load_shipped(world.programme)
    as_of = D(2024, 5, 1)
    reached = Indicator.objects.get(code="reached")
    # Kigali reported recently; Rajshahi never did, so it is late.
    update = update_save(
        actor=world.users["editor_a"],
        indicator=reached,
        city=world.city_a,
        period_start=D(2024, 1, 1),
        period_end=D(2024, 3, 31),
        value=Decimal(10),
    )
    update_submit(actor=world.users["editor_a"], update=update)
    lines_b = digest_items(world.users["editor_b"], as_of)
    assert any("Rajshahi has not reported “People reached" in line for line in lines_b)
    lines_a = digest_items(world.users["editor_a"], as_of)
    assert not any("People reached" in line for line in lines_a)
    manager_lines = digest_items(world.users["manager"], as_of)
    assert any("1 reported value(s) wait for your approval" in line for line in manager_lines)
    # The manager hears of the programme's late cities too, one line a city.
    rajshahi = [line for line in manager_lines if line.startswith("Rajshahi is late with")]
    assert len(rajshahi) == 1 and "People reached" in rajshahi[0]
    assert digest_items(world.users["viewer_a"], as_of) == []  # a viewer is responsible for nothing
    sent = reminders_send(as_of)
    recipients = {m.to[0] for m in mail.outbox}
    assert (
        world.users["editor_b"].email in recipients and world.users["manager"].email in recipients
    )
    assert (
        world.users["viewer_a"].email not in recipients
        and world.users["funder"].email not in recipients
    )
    assert sent == len(mail.outbox) == ReminderSent.objects.count()
    assert reminders_send(as_of + datetime.timedelta(days=2)) == 0  # same week: nothing more
    assert reminders_send(as_of + datetime.timedelta(days=7)) > 0  # next week: again
    monday = next_run(datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC))
    assert monday.weekday() == 0 and monday.hour == 6 and monday.date() == D(2024, 5, 6)


@override_settings(TASKS=DATABASE_QUEUE)
def test_the_digest_is_queued_once_for_next_monday() -> None:
    from django_tasks_db.models import DBTaskResult

    assert reminders_schedule() is True
    assert reminders_schedule() is False  # one is waiting already
    [queued] = DBTaskResult.objects.all()
    assert queued.status == "READY" and queued.task_path.endswith("reminder_digest")
    assert queued.run_after.weekday() == 0 and queued.run_after > timezone.now()


def test_an_immediate_queue_schedules_nothing() -> None:
    assert reminders_schedule() is False  # the tests' queue runs work at once: no Monday


def test_a_failed_digest_is_tried_again_and_does_not_stop_the_others(
    world: World, settings: Any
) -> None:
    framework_load_shipped(world.programme)
    world.users["editor_b"].email = _FailingFor.refused
    world.users["editor_b"].save()
    settings.EMAIL_BACKEND = f"{__name__}._FailingFor"
    as_of = D(2024, 5, 1)
    sent = reminders_send(as_of)
    assert sent >= 1 and world.users["editor_b"].email not in {m.to[0] for m in mail.outbox}
    assert not ReminderSent.objects.filter(user=world.users["editor_b"]).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders_send(as_of) == 1  # tried again: only the one that failed


def test_lateness_and_returned_values_in_the_digest(world: World) -> None:
    framework_load_shipped(world.programme)
    reached = Indicator.objects.get(code="reached")  # every 90 days, from 2021-09-01
    assert late_places(reached, D(2021, 10, 1)) == []  # too soon for anyone to be late
    assert len(late_places(reached, D(2021, 12, 15))) == 2
    editor = world.users["editor_b"]
    returned = update_save(
        actor=editor,
        indicator=reached,
        city=world.city_b,
        period_start=D(2024, 1, 1),
        period_end=D(2024, 3, 31),
        value=Decimal(5),
    )
    update_submit(actor=editor, update=returned)
    update_decide(actor=world.users["manager"], update=returned, approve=False, reason="Recount")
    assert any("Returned for Rajshahi" in line for line in digest_items(editor, D(2024, 5, 1)))
    again = update_save(
        actor=editor,
        indicator=reached,
        city=world.city_b,
        period_start=D(2024, 1, 1),
        period_end=D(2024, 3, 31),
        value=Decimal(4),
    )
    update_submit(actor=editor, update=again)
    assert not any("Returned" in line for line in digest_items(editor, D(2024, 5, 1)))
    # A later period reported does not hide that a past date was late.
    assert {p.city for p in late_places(reached, D(2023, 12, 31))} == {world.city_a, world.city_b}
