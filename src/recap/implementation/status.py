"""An action's status, partly set by the city and partly derived, in one pure function.

Contract: `derive(action, milestones, record, today)` → `Status`: `state` one of `STATES`, the
reason in words, the progress in percent, whether it was derived (from a date or a record,
not set by a person) and the record it follows, if any. In order:

1. closed (dropped by a later package version) or set *cancelled* → *cancelled*, with the reason;
2. set *done*, or its record says done (a measure implemented, a concept financed) → *done*;
3. a milestone past its date and not reached, with no approved progress since that date, or
   the planned end past → *delayed*, by itself, naming the milestone or the date;
4. its record stuck (a concept on hold or withdrawn) → *at risk*, by itself;
5. set *delayed* or *at risk* → that, with the person's reason;
6. before its planned start (or never planned) with no progress → *not started*;
7. else *on track*.

Progress is the approved progress, or what the record it follows says if more (a concept
submitted is 40 %, a measure in progress 50 %), 100 when done.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

NOT_STARTED, ON_TRACK, DELAYED, AT_RISK, DONE, CANCELLED = (
    "not_started",
    "on_track",
    "delayed",
    "at_risk",
    "done",
    "cancelled",
)
STATES = {
    NOT_STARTED: gettext_lazy("Not started"),
    ON_TRACK: gettext_lazy("On track"),
    DELAYED: gettext_lazy("Delayed"),
    AT_RISK: gettext_lazy("At risk"),
    DONE: gettext_lazy("Done"),
    CANCELLED: gettext_lazy("Cancelled"),
}
#: Late or at risk: what "My work", the programme's dashboard and the digest list.
NEEDS_ATTENTION = (DELAYED, AT_RISK)

#: How far a project concept's stage carries its action (percent).
CONCEPT_PROGRESS = {
    "candidate": 0,
    "drafted": 10,
    "screened": 20,
    "submitted": 40,
    "presented": 60,
    "financed": 100,
}
MEASURE_PROGRESS = {"planned": 0, "in_progress": 50, "implemented": 100}


@dataclass(frozen=True)
class Record:
    """The project concept or small-scale measure an action became."""

    kind: str  # "concept" | "measure"
    label: str  # its reference and title
    url: str
    state: str  # the concept's stage, the measure's status
    on: datetime.date | None = None  # the day it was implemented or financed, if known


@dataclass(frozen=True)
class Status:
    state: str
    reason: str
    progress: int
    derived: bool
    record: Record | None = None

    @property
    def label(self) -> str:
        return str(STATES[self.state])

    @property
    def needs_attention(self) -> bool:
        return self.state in NEEDS_ATTENTION


def _day(d: datetime.date) -> str:
    return _day_in(d, get_language())


@functools.lru_cache(maxsize=4096)
def _day_in(d: datetime.date, language: str | None) -> str:
    """A date as the reader's language writes it, worked out once a day and language: the late
    lists derive a network's thousand actions, and most share a few dates."""
    return formats.date_format(d, "DATE_FORMAT")


def derive(  # noqa: PLR0911 - one return per rule of the docstring, in its order
    action: Any,  # a PlanAction (its own fields are read)
    milestones: list[Any],
    record: Record | None,
    today: datetime.date,
    approved_on: datetime.date | None = None,  # the latest approved progress report's day
) -> Status:
    record_progress = 0
    if record is not None:
        table = CONCEPT_PROGRESS if record.kind == "concept" else MEASURE_PROGRESS
        record_progress = table.get(record.state, 0)
    progress = max(action.progress, record_progress)
    if action.closed_reason:
        return Status(CANCELLED, action.closed_reason, progress, True, record)
    if action.set_status == CANCELLED:
        return Status(CANCELLED, action.status_reason, progress, False, record)
    if action.set_status == DONE:
        return Status(DONE, action.status_reason, 100, False, record)
    if record is not None and record_progress == 100:
        if record.kind == "measure":
            why = _("Its measure was implemented.")
        else:
            why = _("Its project concept was financed.")
        return Status(DONE, why, 100, True, record)
    missed = [
        m
        for m in milestones
        if m.done_on is None and m.due < today and (approved_on is None or approved_on < m.due)
    ]
    if missed:
        first = min(missed, key=lambda m: m.due)
        why = _("The milestone “%(m)s” was due on %(d)s and is not reached.") % {
            "m": first.title,
            "d": _day(first.due),
        }
        return Status(DELAYED, why, progress, True, record)
    if action.planned_end is not None and action.planned_end < today:
        why = _("It was planned to end on %(d)s.") % {"d": _day(action.planned_end)}
        return Status(DELAYED, why, progress, True, record)
    if record is not None and record.kind == "concept" and record.state in ("on_hold", "withdrawn"):
        why = (
            _("Its project concept is on hold.")
            if record.state == "on_hold"
            else _("Its project concept was withdrawn.")
        )
        return Status(AT_RISK, why, progress, True, record)
    if action.set_status in (DELAYED, AT_RISK):
        return Status(action.set_status, action.status_reason, progress, False, record)
    started = action.actual_start is not None or progress > 0
    if not started and (action.planned_start is None or action.planned_start > today):
        return Status(NOT_STARTED, "", progress, True, record)
    return Status(ON_TRACK, "", progress, False, record)
