"""Where each indicator stands: its value to a date (computed for a derived indicator, from
approved values only for a reported one), against its target, with a status, which of the
places that report it are late, and its trend.

Everything may be read for some of the programme's cities (`cities`, a list of ids; None for
all): a city-level value then counts those cities only, and programme-level values are left
out. The status always compares the value since the programme began with the target; a period
(`start`) adds the value within it beside that."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from recap.cities.models import City, Programme

from .derived import derived_value
from .models import Indicator, IndicatorTarget, IndicatorUpdate

MET, ON_TRACK, BEHIND, NO_TARGET, NO_DATA = "met", "on_track", "behind", "no_target", "no_data"
#: Behind once the value falls below this share of what the time elapsed would expect.
ON_TRACK_SHARE = Decimal("0.8")
COUNTED = (IndicatorUpdate.Status.APPROVED,)


@dataclass(frozen=True)
class Late:
    city: City | None  # None: the programme itself reports it
    last: datetime.date | None  # the end of the last period reported (submitted or approved)


@dataclass(frozen=True)
class Progress:
    indicator: Indicator
    value: Decimal
    target: IndicatorTarget | None
    status: str
    late: list[Late]
    as_of: datetime.date
    period_value: Decimal | None = None  # within the period asked for, when one was
    trend: tuple[tuple[datetime.date, Decimal], ...] = ()

    @property
    def percent(self) -> int | None:
        """Share of the target reached (for an indicator where higher is better)."""
        if self.target is None or not self.target.value:
            return None
        if self.indicator.direction == Indicator.Direction.DOWN:
            return None
        return min(100, round(100 * self.value / self.target.value))


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


def reported_value(
    indicator: Indicator,
    as_of: datetime.date,
    cities: list[int] | None = None,
    start: datetime.date | None = None,
) -> Decimal:
    """Approved values only: summed over the periods (and places), or each place's latest."""
    approved = list(_counted(indicator, as_of, cities, start).order_by("period_end", "pk"))
    return _aggregate(indicator, approved, as_of)


def _aggregate(
    indicator: Indicator, approved: list[IndicatorUpdate], as_of: datetime.date
) -> Decimal:
    """The value to `as_of` of approved values in period order (those ending later ignored)."""
    approved = [u for u in approved if u.period_end <= as_of]
    if indicator.aggregation == Indicator.Aggregation.SUM:
        return sum((u.value for u in approved), Decimal(0))
    latest: dict[int | None, Decimal] = {}
    for u in approved:
        latest[u.city_id] = u.value
    return sum(latest.values(), Decimal(0))


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
    indicator: Indicator, as_of: datetime.date, cities: list[int] | None = None
) -> tuple[tuple[datetime.date, Decimal], ...]:
    """The value since the programme began, at six dates up to `as_of` (a reported indicator's
    approved values read once for all six)."""
    begin = indicator.outcome.programme.start_date
    days = trend_dates(begin, as_of)
    if indicator.kind == Indicator.Kind.REPORTED:
        approved = list(_counted(indicator, as_of, cities).order_by("period_end", "pk"))
        return tuple((day, _aggregate(indicator, approved, day)) for day in days)
    return tuple((day, value_at(indicator, day, cities)) for day in days)


def _target(indicator: Indicator, as_of: datetime.date) -> IndicatorTarget | None:
    targets = list(indicator.targets.all())
    upcoming = [t for t in targets if t.period_end >= as_of]
    return upcoming[0] if upcoming else (targets[-1] if targets else None)


def _status(
    indicator: Indicator,
    value: Decimal,
    target: IndicatorTarget | None,
    as_of: datetime.date,
    reported: bool,
) -> str:
    if not reported:
        return NO_DATA  # a reported indicator with no approved value yet
    if target is None:
        return NO_TARGET
    if indicator.direction == Indicator.Direction.DOWN:
        return MET if value <= target.value else BEHIND
    if value >= target.value:
        return MET
    if as_of > target.period_end:
        return BEHIND  # its date has passed
    start = indicator.baseline_date or indicator.outcome.programme.start_date
    span = (target.period_end - start).days
    elapsed = min(max((as_of - start).days, 0), span) if span > 0 else 1
    expected = target.value * Decimal(elapsed) / Decimal(span or 1)
    return ON_TRACK if value >= ON_TRACK_SHARE * expected else BEHIND


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
        places: list[City | None] = list(ours if cities is None else ours.filter(pk__in=cities))
    else:
        places = [None] if cities is None else []
    limit = datetime.timedelta(days=indicator.interval_days)
    # Nothing reported yet: late once an interval has passed since reporting could begin.
    since = max(programme.start_date, indicator.baseline_date or programme.start_date)
    out = []
    for place in places:
        end = last.get(place.pk if place is not None else None)
        if as_of - (end or since) > limit:
            out.append(Late(place, end))
    return out


def indicator_progress(
    indicator: Indicator,
    as_of: datetime.date | None = None,
    *,
    cities: list[int] | None = None,
    start: datetime.date | None = None,
    with_trend: bool = False,
) -> Progress:
    as_of = as_of or timezone.localdate()
    value = value_at(indicator, as_of, cities)
    target = _target(indicator, as_of) if cities is None else None
    reported = (
        indicator.kind == Indicator.Kind.DERIVED or _counted(indicator, as_of, cities).exists()
    )
    return Progress(
        indicator=indicator,
        value=value,
        target=target,
        status=_status(indicator, value, target, as_of, reported),
        late=late_places(indicator, as_of, cities),
        as_of=as_of,
        period_value=value_at(indicator, as_of, cities, start) if start is not None else None,
        trend=trend(indicator, as_of, cities) if with_trend else (),
    )


def public_results(programme: Programme, as_of: datetime.date | None = None) -> list[Progress]:
    """The indicators the programme marks public, as the dashboard reads them (derived ones
    computed, reported ones from approved values only), in the framework's order."""
    indicators = (
        Indicator.objects.filter(outcome__programme=programme, is_public=True)
        .select_related("outcome__programme")
        .prefetch_related("targets")
    )
    return [indicator_progress(i, as_of) for i in indicators]
