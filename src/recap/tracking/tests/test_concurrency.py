"""Monitoring's writes made twice at the same moment (two managers, two tabs) on PostgreSQL:
an attendance import confirmed twice replaces, never doubles; a reported value approved by
one manager and returned by another keeps the first decision and tells the second who made
it. See `recap.core.tests.racing` for how the moment is arranged."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from recap.accounts.models import AuditEvent, Membership, Role
from recap.core.tests.racing import needs_postgres, race
from recap.testing import World, make_user
from recap.tracking import services, trainings
from recap.tracking.models import Indicator, IndicatorUpdate, Participant, Training
from recap.tracking.services import framework_load_shipped, update_save, update_submit
from recap.tracking.trainings import AttendancePlan, attendance_apply

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def _plan(rows: int) -> AttendancePlan:
    plan = AttendancePlan()
    for k in range(rows):
        plan.rows.append(
            {
                "name": "",
                "consent": False,
                "count": 1 + k % 2,
                "city": None,
                "department": "",
                "sex": "not_said",
                "age_band": "not_said",
                "score_before": None,
                "score_after": None,
            }
        )
        plan.people += 1 + k % 2
    return plan


def test_two_attendance_confirms_at_once_replace_not_double(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    training = Training.objects.create(
        programme=world.programme, title="Basics", held_on=datetime.date(2022, 3, 1)
    )
    manager = world.users["manager"]
    attendance_apply(actor=manager, training=training, plan=_plan(5))  # an earlier import
    plan = _plan(29)

    def confirm() -> int:
        return attendance_apply(actor=manager, training=training, plan=plan)

    one, two = race(monkeypatch, (trainings, "audit"), confirm, confirm)
    assert one.unwrap() == two.unwrap() == plan.people
    assert Participant.objects.filter(training=training).count() == 29  # not 58
    assert sum(Participant.objects.filter(training=training).values_list("count", flat=True)) == (
        plan.people
    )


@pytest.mark.parametrize("first_approves", [True, False])
def test_approve_and_return_at_once_keep_one_decision(
    world: World, monkeypatch: pytest.MonkeyPatch, first_approves: bool
) -> None:
    framework_load_shipped(world.programme)
    other = make_user("second_manager")
    Membership.objects.create(user=other, role=Role.PROGRAMME_MANAGER, programme=world.programme)
    editor = world.users["editor_a"]
    update = update_save(
        actor=editor,
        indicator=Indicator.objects.get(code="reached"),
        city=world.city_a,
        period_start=datetime.date(2023, 1, 1),
        period_end=datetime.date(2023, 3, 31),
        value=Decimal(1200),
    )
    update_submit(actor=editor, update=update)
    seen_by_one = IndicatorUpdate.objects.get(pk=update.pk)  # each manager's page, loaded
    seen_by_two = IndicatorUpdate.objects.get(pk=update.pk)  # before either decided

    one, two = race(
        monkeypatch,
        (services, "audit"),
        lambda: services.update_decide(
            actor=world.users["manager"],
            update=seen_by_one,
            approve=first_approves,
            reason="" if first_approves else "Count people, not visits.",
        ),
        lambda: services.update_decide(
            actor=other,
            update=seen_by_two,
            approve=not first_approves,
            reason="Count people, not visits." if first_approves else "",
        ),
    )
    one.unwrap()
    assert isinstance(two.error, ValidationError)
    word = "approved" if first_approves else "returned"
    assert f"already {word} by manager" in " ".join(two.error.messages)
    update.refresh_from_db()
    expected = (
        IndicatorUpdate.Status.APPROVED if first_approves else IndicatorUpdate.Status.RETURNED
    )
    assert (update.status, update.decided_by) == (expected, world.users["manager"])
    decisions = AuditEvent.objects.filter(
        target_id=str(update.pk), verb__startswith="indicator.update_", actor__isnull=False
    ).exclude(verb__in=("indicator.update_save", "indicator.update_submit"))
    assert decisions.count() == 1
