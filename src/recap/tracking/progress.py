"""Where each indicator stands: its value to a date (computed for a derived indicator, from
approved values only for a reported one), against its target, with a status
(`tracking.status`: met, met late, missed, on track, behind), which of the places that report
it are late, and its trend.

A programme is read as of a date, never past its end: a finished programme shows its final
results (`status.reading_date`). Everything may be read for some of the programme's cities
(`cities`, a list of ids; None for all): a city-level value then counts those cities only,
programme-level values are left out, and the target is the part of the programme's that those
cities carry (`subset_share`). The status always compares the value since the programme began
with the target; a period (`start`) adds the value within it beside that."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from recap.cities.models import City, Programme

from .derived import DERIVED, derived_value
from .models import Indicator, IndicatorTarget, IndicatorUpdate
from .status import (
    BEHIND,
    MET,
    MET_LATE,
    MISSED,
    NO_DATA,
    NO_TARGET,
    ON_TRACK,
    ON_TRACK_SHARE,
    reading_date,
    target_status,
)

__all__ = [
    "BEHIND",
    "MET",
    "MET_LATE",
    "MISSED",
    "NO_DATA",
    "NO_TARGET",
    "ON_TRACK",
    "ON_TRACK_SHARE",
    "Late",
    "Progress",
    "Share",
    "indicator_progress",
    "public_results",
    "subset_share",
]
COUNTED = (IndicatorUpdate.Status.APPROVED,)


@dataclass(frozen=True)
class Share:
    """The part of the programme's target some of its cities carry: `fraction` of it, by their
    share of the programme's cities or countries (`by`), or all of it ("whole")."""

    fraction: Decimal
    by: str  # cities | countries | whole
    part: int = 0  # cities (or countries) of the subset
    of: int = 0  # ... of the programme's

    def describe(self, target: Decimal) -> str:
        whole = f"{target.normalize():f}"
        if self.by == "whole":
            return _("the programme's target, as it stands for any of its cities")
        if self.by == "countries":
            return _("share of the programme's %(t)s: %(a)s of its %(b)s countries") % {
                "t": whole,
                "a": f"{(self.fraction * self.of).normalize():f}",
                "b": self.of,
            }
        return _("share of the programme's %(t)s: %(a)s of its %(b)s cities") % {
            "t": whole,
            "a": self.part,
            "b": self.of,
        }


@dataclass(frozen=True)
class Late:
    city: City | None  # None: the programme itself reports it
    last: datetime.date | None  # the end of the last period reported (submitted or approved)


@dataclass(frozen=True)
class Progress:
    indicator: Indicator
    value: Decimal
    target: IndicatorTarget | None  # the programme's, whose date counts
    status: str
    late: list[Late]
    as_of: datetime.date
    period_value: Decimal | None = None  # within the period asked for, when one was
    trend: tuple[tuple[datetime.date, Decimal], ...] = ()
    #: For some of the programme's cities: the part of the target they carry.
    share: Share | None = None
    #: A reported value's breakdowns, added up as the value is: {dimension: {category: n}}.
    breakdown: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def target_value(self) -> Decimal | None:
        """The target the value is read against: the programme's, or its share of it."""
        if self.target is None:
            return None
        if self.share is None:
            return self.target.value
        return (self.target.value * self.share.fraction).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    @property
    def share_note(self) -> str:
        if self.share is None or self.target is None:
            return ""
        return self.share.describe(self.target.value)

    @property
    def percent(self) -> int | None:
        """Share of the target reached (for an indicator where higher is better)."""
        target = self.target_value
        if not target:
            return None
        if self.indicator.direction == Indicator.Direction.DOWN:
            return None
        return min(100, round(100 * self.value / target))


def _counted(
    indicator: Indicator,
    as_of: datetime.date,
    cities: list[int] | None,
    start: datetime.date | None = None,
) -> QuerySet[IndicatorUpdate]:
    approved = indicator.updates.filter(status__in=COUNTED, period_end__lte=as_of)
    if cities is not None:
        approved = approved.filter(city__in=cities)
    if start is not None:
        approved = approved.filter(period_start__gte=start)
    return approved


class Approved(NamedTuple):
    """What the figures read of an approved value: a plain row, not a model instance (a
    programme's dashboard reads thousands of them)."""

    period_start: datetime.date
    period_end: datetime.date
    city_id: int | None
    value: Decimal
    breakdown: dict[str, dict[str, Any]]


def approved_rows(
    indicator: Indicator,
    as_of: datetime.date,
    cities: list[int] | None = None,
    start: datetime.date | None = None,
) -> list[Approved]:
    """The approved values that count to `as_of`, in period order, read once for every figure
    of the indicator (its value, its value in a period, at its deadline, its trend and its
    breakdown); the breakdowns only where the indicator has some."""
    fields = ["period_start", "period_end", "city_id", "value"]
    rows = _counted(indicator, as_of, cities, start).order_by("period_end", "pk")
    if indicator.breakdowns:
        return [Approved(*row) for row in rows.values_list(*fields, "breakdown")]
    return [Approved(b, e, city, value, {}) for b, e, city, value in rows.values_list(*fields)]


def reported_value(
    indicator: Indicator,
    as_of: datetime.date,
    cities: list[int] | None = None,
    start: datetime.date | None = None,
) -> Decimal:
    """Approved values only: summed over the periods (and places), or each place's latest."""
    return _aggregate(indicator, approved_rows(indicator, as_of, cities, start), as_of)


def _aggregate(
    indicator: Indicator,
    approved: list[Approved],
    as_of: datetime.date,
    start: datetime.date | None = None,
) -> Decimal:
    """The value to `as_of` of approved values in period order (those ending later, or
    starting before `start`, ignored)."""
    approved = [
        u for u in approved if u.period_end <= as_of and (start is None or u.period_start >= start)
    ]
    if indicator.aggregation == Indicator.Aggregation.SUM:
        return sum((u.value for u in approved), Decimal(0))
    latest: dict[int | None, Decimal] = {}
    for u in approved:
        latest[u.city_id] = u.value
    return sum(latest.values(), Decimal(0))


def approved_breakdown(
    indicator: Indicator, as_of: datetime.date, cities: list[int] | None = None
) -> dict[str, dict[str, float]]:
    """The breakdowns of the approved values that make up the value (every period's when the
    indicator sums them, each place's latest otherwise), added up category by category."""
    return _breakdown(indicator, approved_rows(indicator, as_of, cities))


def _breakdown(indicator: Indicator, approved: list[Approved]) -> dict[str, dict[str, float]]:
    if indicator.aggregation != Indicator.Aggregation.SUM:
        latest: dict[int | None, Approved] = {}
        for update in approved:
            latest[update.city_id] = update
        approved = list(latest.values())
    total: dict[str, dict[str, float]] = {}
    for update in approved:
        for dimension, parts in (update.breakdown or {}).items():
            into = total.setdefault(dimension, {})
            for category, number in parts.items():
                into[category] = into.get(category, 0.0) + float(number)
    return total


def value_at(
    indicator: Indicator,
    as_of: datetime.date,
    cities: list[int] | None = None,
    start: datetime.date | None = None,
) -> Decimal:
    if indicator.kind == Indicator.Kind.DERIVED:
        begin = start or indicator.outcome.programme.start_date
        return derived_value(indicator, begin, as_of, cities)
    return reported_value(indicator, as_of, cities, start)


def trend_dates(begin: datetime.date, end: datetime.date, points: int = 6) -> list[datetime.date]:
    """`points` dates evenly spread from `begin` (exclusive) to `end` (inclusive)."""
    span = max((end - begin).days, 0)
    return sorted(
        {begin + datetime.timedelta(days=round(span * i / points)) for i in range(1, points + 1)}
    )


def trend(
    indicator: Indicator,
    as_of: datetime.date,
    cities: list[int] | None = None,
    approved: list[Approved] | None = None,
) -> tuple[tuple[datetime.date, Decimal], ...]:
    """The value since the programme began, at six dates up to `as_of` (a reported indicator's
    approved values read once for all six, or given as `approved_rows` read them)."""
    begin = indicator.outcome.programme.start_date
    days = trend_dates(begin, as_of)
    if indicator.kind == Indicator.Kind.REPORTED:
        if approved is None:
            approved = approved_rows(indicator, as_of, cities)
        return tuple((day, _aggregate(indicator, approved, day)) for day in days)
    if indicator.kind == Indicator.Kind.DERIVED and indicator.source in DERIVED:
        values = DERIVED[indicator.source].series(indicator.outcome.programme, begin, days, cities)
        return tuple(zip(days, values, strict=True))
    return tuple((day, value_at(indicator, day, cities)) for day in days)


def _target(indicator: Indicator, as_of: datetime.date) -> IndicatorTarget | None:
    """The first target due on or after `as_of`, else the last one (all of them past)."""
    targets = list(indicator.targets.all())
    upcoming = [t for t in targets if t.period_end >= as_of]
    return upcoming[0] if upcoming else (targets[-1] if targets else None)


def subset_share(indicator: Indicator, cities: list[int]) -> Share | None:
    """The part of the programme's target that `cities` carry (see `derived.Derived.share`);
    None for an indicator the programme reports itself (those cities have no value of it)."""
    programme: Programme = indicator.outcome.programme
    if indicator.kind == Indicator.Kind.DERIVED:
        by = DERIVED[indicator.source].share if indicator.source in DERIVED else "cities"
    elif indicator.level == Indicator.Level.CITY:
        by = "cities"
    else:
        return None
    if by == "whole":
        return Share(Decimal(1), "whole")
    ours = dict(programme.cities.values_list("pk", "country_id"))
    chosen = [pk for pk in set(cities) if pk in ours]
    if not ours:
        return None
    if by == "countries":
        per_country: dict[int, int] = {}
        for country in ours.values():
            per_country[country] = per_country.get(country, 0) + 1
        # Each country carries an equal part, shared evenly by its cities.
        fraction = sum(
            (Decimal(1) / (len(per_country) * per_country[ours[pk]]) for pk in chosen),
            Decimal(0),
        )
        return Share(fraction, "countries", len({ours[pk] for pk in chosen}), len(per_country))
    return Share(Decimal(len(chosen)) / len(ours), "cities", len(chosen), len(ours))


def late_places(
    indicator: Indicator, as_of: datetime.date, cities: list[int] | None = None
) -> list[Late]:
    """The places whose last reported period (submitted or approved, ended by `as_of`) ended
    more than the indicator's interval before `as_of`, or that have reported nothing an
    interval after the programme (or the indicator's baseline) began."""
    if indicator.kind != Indicator.Kind.REPORTED:
        return []
    programme: Programme = indicator.outcome.programme
    # Periods that had ended by `as_of` (when they were entered does not matter: a value
    # recorded afterwards for a past period still covers it).
    reported = indicator.updates.filter(
        status__in=(IndicatorUpdate.Status.SUBMITTED, IndicatorUpdate.Status.APPROVED),
        period_end__lte=as_of,
    )
    last: dict[int | None, datetime.date] = {}
    for city_id, ended in reported.values_list("city_id", "period_end"):
        if city_id not in last or ended > last[city_id]:
            last[city_id] = ended
    if indicator.level == Indicator.Level.CITY:
        ours = programme.cities.order_by("name")
        if cities is not None:
            ours = ours.filter(pk__in=cities)
        keys: list[int | None] = list(ours.values_list("pk", flat=True))  # by name
    else:
        keys = [None] if cities is None else []
    limit = datetime.timedelta(days=indicator.interval_days)
    # Nothing reported yet: late once an interval has passed since reporting could begin.
    since = max(programme.start_date, indicator.baseline_date or programme.start_date)
    late = [key for key in keys if as_of - (last.get(key) or since) > limit]
    # Only the late places become objects (a network's hundred cities are mostly on time).
    places = City.objects.in_bulk([key for key in late if key is not None])
    return [Late(places[key] if key is not None else None, last.get(key)) for key in late]


def indicator_progress(
    indicator: Indicator,
    as_of: datetime.date | None = None,
    *,
    cities: list[int] | None = None,
    start: datetime.date | None = None,
    with_trend: bool = False,
) -> Progress:
    """The indicator as of `as_of` (today), never past the programme's end (`reading_date`)."""
    programme: Programme = indicator.outcome.programme
    as_of = reading_date(programme, as_of)
    is_reported = indicator.kind == Indicator.Kind.REPORTED
    # A reported indicator's approved values, read once for every figure below.
    approved = approved_rows(indicator, as_of, cities) if is_reported else []

    def at(day: datetime.date, begin: datetime.date | None = None) -> Decimal:
        if is_reported:
            return _aggregate(indicator, approved, day, begin)
        return value_at(indicator, day, cities, begin)

    value = at(as_of)
    share = subset_share(indicator, cities) if cities is not None else None
    target = _target(indicator, as_of) if cities is None or share is not None else None
    progress = Progress(
        indicator=indicator,
        value=value,
        target=target,
        status=NO_TARGET,
        late=late_places(indicator, as_of, cities),
        as_of=as_of,
        period_value=at(as_of, start) if start is not None else None,
        trend=trend(indicator, as_of, cities, approved if is_reported else None)
        if with_trend
        else (),
        share=share,
        breakdown=_breakdown(indicator, approved) if is_reported and indicator.breakdowns else {},
    )
    reported = not is_reported or bool(approved)
    target_value = progress.target_value
    if not reported:
        status = NO_DATA  # a reported indicator with no approved value yet
    elif target is None or target_value is None:
        status = NO_TARGET
    else:
        past = as_of > target.period_end
        status = target_status(
            value=value,
            value_by_deadline=at(target.period_end) if past else value,
            target=target_value,
            deadline=target.period_end,
            as_of=as_of,
            start=indicator.baseline_date or programme.start_date,
            lower_is_better=indicator.direction == Indicator.Direction.DOWN,
        )
    return replace(progress, status=status)


def public_results(programme: Programme, as_of: datetime.date | None = None) -> list[Progress]:
    """The indicators the programme marks public, as the dashboard reads them (derived ones
    computed, reported ones from approved values only), in the framework's order."""
    indicators = (
        Indicator.objects.filter(outcome__programme=programme, is_public=True)
        .select_related("outcome__programme")
        .prefetch_related("targets")
    )
    return [indicator_progress(i, as_of) for i in indicators]
