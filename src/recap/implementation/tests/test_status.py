"""The derived status on hand-made timelines: every rule of `status.derive`, in its order."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest

from recap.implementation.status import (
    AT_RISK,
    CANCELLED,
    DELAYED,
    DONE,
    NOT_STARTED,
    ON_TRACK,
    Record,
    derive,
)

D = datetime.date
TODAY = D(2026, 6, 1)
START, END = D(2026, 1, 1), D(2026, 12, 31)


@dataclass
class A:
    """An action's own fields, as `derive` reads them."""

    progress: int = 0
    closed_reason: str = ""
    set_status: str = "on_track"
    status_reason: str = ""
    planned_start: datetime.date | None = START
    planned_end: datetime.date | None = END
    actual_start: datetime.date | None = None


@dataclass
class M:
    title: str
    due: datetime.date
    done_on: datetime.date | None = None


@dataclass
class Case:
    action: A
    milestones: list[M] = field(default_factory=list)
    record: Record | None = None
    approved_on: datetime.date | None = None


def concept(stage: str) -> Record:
    return Record("concept", "RW-KIGALI-001 · Corridors", "/c/1/", stage)


def measure(status: str) -> Record:
    return Record("measure", "Lights", "/m/1/", status)


CASES = [
    ("closed by a new version", Case(A(closed_reason="Not in version 2")), CANCELLED, True),
    (
        "cancelled by a person",
        Case(A(set_status="cancelled", status_reason="No land")),
        CANCELLED,
        False,
    ),
    ("done by a person", Case(A(set_status="done", progress=80)), DONE, False),
    ("its measure implemented", Case(A(), record=measure("implemented")), DONE, True),
    ("its concept financed", Case(A(), record=concept("financed")), DONE, True),
    (
        "a milestone missed",
        Case(A(progress=30, actual_start=D(2026, 1, 5)), [M("Design", D(2026, 5, 1))]),
        DELAYED,
        True,
    ),
    (
        "a missed milestone beats a person's at-risk",
        Case(A(set_status="at_risk", status_reason="Funds late"), [M("Design", D(2026, 5, 1))]),
        DELAYED,
        True,
    ),
    (
        "progress approved after the milestone's date: not delayed",
        Case(A(progress=40), [M("Design", D(2026, 5, 1))], approved_on=D(2026, 5, 15)),
        ON_TRACK,
        False,
    ),
    (
        "the milestone reached",
        Case(A(progress=40), [M("Design", D(2026, 5, 1), done_on=D(2026, 4, 28))]),
        ON_TRACK,
        False,
    ),
    (
        "the milestone due today is not yet missed",
        Case(A(progress=40), [M("Design", TODAY)]),
        ON_TRACK,
        False,
    ),
    ("its planned end past", Case(A(planned_end=D(2026, 5, 31), progress=90)), DELAYED, True),
    ("its concept on hold", Case(A(progress=10), record=concept("on_hold")), AT_RISK, True),
    ("its concept withdrawn", Case(A(), record=concept("withdrawn")), AT_RISK, True),
    (
        "at risk, said by a person",
        Case(A(set_status="at_risk", status_reason="Funds late")),
        AT_RISK,
        False,
    ),
    (
        "delayed, said by a person",
        Case(A(set_status="delayed", status_reason="Rains")),
        DELAYED,
        False,
    ),
    ("before its start", Case(A(planned_start=D(2026, 9, 1))), NOT_STARTED, True),
    ("never planned", Case(A(planned_start=None, planned_end=None)), NOT_STARTED, True),
    ("begun before its start", Case(A(planned_start=D(2026, 9, 1), progress=5)), ON_TRACK, False),
    ("running", Case(A(progress=20)), ON_TRACK, False),
]


@pytest.mark.parametrize(("name", "case", "state", "derived"), CASES, ids=[c[0] for c in CASES])
def test_each_rule(name: str, case: Case, state: str, derived: bool) -> None:
    status = derive(case.action, case.milestones, case.record, TODAY, case.approved_on)
    assert (status.state, status.derived) == (state, derived), name
    if state in (DELAYED, AT_RISK, CANCELLED):
        assert status.reason, "a delay, a risk or a cancellation always says why"


def test_a_missed_milestone_is_named_with_its_date() -> None:
    status = derive(A(), [M("Tender out", D(2026, 3, 2)), M("Design", D(2026, 5, 1))], None, TODAY)
    assert "Tender out" in status.reason and "2026" in status.reason


def test_progress_follows_the_record_when_it_is_further() -> None:
    assert derive(A(progress=10), [], concept("submitted"), TODAY).progress == 40
    assert derive(A(progress=70), [], concept("submitted"), TODAY).progress == 70
    assert derive(A(progress=10), [], measure("in_progress"), TODAY).progress == 50
    assert derive(A(), [], measure("implemented"), TODAY).progress == 100
