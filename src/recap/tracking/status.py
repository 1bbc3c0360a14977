"""Where an indicator stands against a target, as of a date: the one vocabulary the dashboard,
the public home page, the donor reports and the API all speak.

Contract:
- `reading_date(programme, as_of)`: the day a programme is read as of. A finished programme is
  read as of its end date (its final results), never as of today: a target due at the end is
  then judged on what the programme did, not on the years since.
- `target_status(...)`: one of `STATUSES`, decided from the value as of the reading date, the
  value on the target's date and the target itself:
  - before the target's date: *met* once reached, else *on track* while the value keeps up with
    at least `ON_TRACK_SHARE` of what the time elapsed would expect, else *behind*;
  - after it: *met* if reached by its date, *met late* if reached since, else *missed*.
  "Reached" reads the other way round where lower is better.
- `status_label(status)`: its words in the reader's language.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from recap.cities.models import Programme

MET, MET_LATE, MISSED = "met", "met_late", "missed"
ON_TRACK, BEHIND = "on_track", "behind"
NO_TARGET, NO_DATA = "no_target", "no_data"
STATUSES = (MET, MET_LATE, MISSED, ON_TRACK, BEHIND, NO_TARGET, NO_DATA)
#: Behind once the value falls below this share of what the time elapsed would expect.
ON_TRACK_SHARE = Decimal("0.8")


def reading_date(programme: Programme, as_of: datetime.date | None = None) -> datetime.date:
    """`as_of` (today when not given), or the programme's end date once it has ended."""
    return min(as_of or timezone.localdate(), programme.end_date)


def programme_finished(programme: Programme, today: datetime.date | None = None) -> bool:
    return (today or timezone.localdate()) > programme.end_date


def _reached(value: Decimal, target: Decimal, lower_is_better: bool) -> bool:
    return value <= target if lower_is_better else value >= target


def target_status(
    *,
    value: Decimal,
    value_by_deadline: Decimal,
    target: Decimal,
    deadline: datetime.date,
    as_of: datetime.date,
    start: datetime.date,
    lower_is_better: bool = False,
) -> str:
    """The status of a value against a target due on `deadline`, read on `as_of` (see the
    module's contract). `value_by_deadline` is the value as it stood on the deadline (the same
    as `value` until then); `start` is when counting towards the target began."""
    if as_of > deadline:
        if _reached(value_by_deadline, target, lower_is_better):
            return MET
        return MET_LATE if _reached(value, target, lower_is_better) else MISSED
    if _reached(value, target, lower_is_better):
        return MET
    if lower_is_better:
        return BEHIND  # no path to expect: above the ceiling is behind
    span = (deadline - start).days
    elapsed = min(max((as_of - start).days, 0), span) if span > 0 else 1
    expected = target * Decimal(elapsed) / Decimal(span or 1)
    return ON_TRACK if value >= ON_TRACK_SHARE * expected else BEHIND


def status_label(status: str) -> str:
    labels = {
        MET: _("met"),
        MET_LATE: _("met late"),
        MISSED: _("missed"),
        ON_TRACK: _("on track"),
        BEHIND: _("behind"),
        NO_DATA: _("not reported yet"),
        NO_TARGET: _("no target"),
    }
    return labels.get(status, status)
