"""Indicators the platform computes from its own records, never typed: each a function of a
programme, a period (start and end inclusive) and optionally some of its cities, giving one
number.

Contract: `DERIVED[source].compute(programme, start, end, cities)`; `derived_value(indicator,
start, end, cities=None)` for an indicator whose `source` names one. Trainings and their
participants count where held in the period (the learning gain is the mean over everyone with
both scores; for some cities, the sessions and people of those cities); measures and the people
they reach where implemented in it; concepts where moved to the stage in it (from their audited
moves), the way the public figure counts them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recap.cities.models import City, Programme
from recap.core.days import on_days
from recap.pipeline.models import ConceptMove, Stage
from recap.pipeline.selectors import concepts_moved_to

from .models import Indicator, Measure, Participant, Training
from .trainings import gain_of

#: (programme, start, end, city ids or None for all the programme's cities) -> value
Compute = Callable[[Programme, datetime.date, datetime.date, "list[int] | None"], Decimal]


#: (programme, start, end, city ids or None) -> the dated events whose count or sum the value
#: is: (day, weight) for each session, person, measure or concept, read in one query.
Events = Callable[
    [Programme, datetime.date, datetime.date, "list[int] | None"],
    "list[tuple[datetime.date, Decimal]]",
]


@dataclass(frozen=True)
class Derived:
    label: object
    unit: object
    compute: Compute
    #: What part of the programme's target some of its cities carry (`progress.subset_share`):
    #: "cities", their share of its cities (people, measures); "countries", their share of its
    #: countries (the projects, so many per country); "whole", all of it (a mean, or sessions
    #: that serve many cities at once).
    share: str = "cities"
    #: For a value that is a count or a sum of dated events: those events, so that a trend
    #: (the value from `start` to each of several days) reads them once (`series`).
    events: Events | None = None

    def series(
        self,
        programme: Programme,
        start: datetime.date,
        days: list[datetime.date],
        cities: list[int] | None,
    ) -> list[Decimal]:
        """`compute(programme, start, day, cities)` for each of `days`, in one query where
        the value is a count or sum of dated events, else one computation a day."""
        if not days:
            return []
        if self.events is None:
            return [self.compute(programme, start, day, cities) for day in days]
        events = self.events(programme, start, max(days), cities)
        return [sum((w for d, w in events if d <= day), Decimal(0)) for day in days]


def _cities(programme: Programme, cities: list[int] | None) -> Any:
    return programme.cities.all() if cities is None else programme.cities.filter(pk__in=cities)


def _trainings(
    programme: Programme, start: datetime.date, end: datetime.date, cities: list[int] | None
) -> Decimal:
    """Sessions held in the period (for some cities: the sessions that had them)."""
    held = Training.objects.filter(programme=programme, held_on__range=(start, end))
    return Decimal(sessions_for(held, cities).count())


def _country_sessions(cities: list[int]) -> Any:
    """Sessions that name no city but the country of one of `cities`."""
    countries = City.objects.filter(pk__in=cities).values("country")
    return Training.objects.filter(cities__isnull=True, countries__in=countries).values("pk")


def sessions_for(sessions: Any, cities: list[int] | None) -> Any:
    """The sessions of some cities: those naming one of them, and those naming no city but
    one of their countries (a session for a whole country). Subqueries, never joins: each
    session once."""
    if cities is None:
        return sessions
    naming = Training.objects.filter(cities__in=cities).values("pk")
    return sessions.filter(Q(pk__in=naming) | Q(pk__in=_country_sessions(cities)))


def people_for(people: Any, cities: list[int] | None) -> Any:
    """The participants of some cities: from one of them, or without a city at a session for
    one of their countries."""
    if cities is None:
        return people
    return people.filter(
        Q(city__in=cities) | Q(city__isnull=True, training__in=_country_sessions(cities))
    )


def _participants(
    programme: Programme, start: datetime.date, end: datetime.date, cities: list[int] | None
) -> Any:
    people = Participant.objects.filter(
        training__programme=programme, training__held_on__range=(start, end)
    )
    return people_for(people, cities)


def _people_trained(
    programme: Programme, start: datetime.date, end: datetime.date, cities: list[int] | None
) -> Decimal:
    total = _participants(programme, start, end, cities).aggregate(n=Sum("count"))["n"]
    return Decimal(total or 0)


def _learning_gain(
    programme: Programme, start: datetime.date, end: datetime.date, cities: list[int] | None
) -> Decimal:
    """The mean gain, in points out of 100, of everyone who took the knowledge check both
    before and after a training held in the period."""
    checked = _participants(programme, start, end, cities).filter(
        score_before__isnull=False, score_after__isnull=False
    )
    gain = gain_of(checked.values_list("score_before", "score_after"))
    return Decimal(str(round(gain.mean, 1))) if gain.n else Decimal(0)


def _people_reached(
    programme: Programme, start: datetime.date, end: datetime.date, cities: list[int] | None
) -> Decimal:
    total = Measure.objects.filter(
        city__in=_cities(programme, cities),
        status=Measure.Status.IMPLEMENTED,
        implemented_on__range=(start, end),
    ).aggregate(n=Sum("beneficiaries"))["n"]
    return Decimal(total or 0)


def _trainings_held_on(
    programme: Programme, start: datetime.date, end: datetime.date, cities: list[int] | None
) -> list[tuple[datetime.date, Decimal]]:
    held = Training.objects.filter(programme=programme, held_on__range=(start, end))
    days = sessions_for(held, cities).values_list("held_on", flat=True)
    return [(day, Decimal(1)) for day in days]


def _people_on(
    programme: Programme, start: datetime.date, end: datetime.date, cities: list[int] | None
) -> list[tuple[datetime.date, Decimal]]:
    rows = _participants(programme, start, end, cities).values_list("training__held_on", "count")
    return [(day, Decimal(n)) for day, n in rows]


def _moved_on(stage: str) -> Events:
    def events(
        programme: Programme, start: datetime.date, end: datetime.date, cities: list[int] | None
    ) -> list[tuple[datetime.date, Decimal]]:
        """Each concept counted from the first day it moved to `stage` in the period."""
        city_ids = _cities(programme, cities).values_list("pk", flat=True)
        moved = concepts_moved_to(stage, city_ids=city_ids, between=(start, end)).values("pk")
        first = (
            ConceptMove.objects.filter(
                to_stage=stage, concept_id__in=moved, **on_days("at", start, end)
            )
            .values("concept_id")
            .annotate(first=Min("at"))
            .values_list("first", flat=True)
        )
        # The day in the current time zone, read here: the earliest instant has the earliest day.
        return [(timezone.localdate(at), Decimal(1)) for at in first]

    return events


def _measures_on(weight: str | None) -> Events:
    def events(
        programme: Programme, start: datetime.date, end: datetime.date, cities: list[int] | None
    ) -> list[tuple[datetime.date, Decimal]]:
        rows = Measure.objects.filter(
            city__in=_cities(programme, cities),
            status=Measure.Status.IMPLEMENTED,
            implemented_on__range=(start, end),
        ).values_list("implemented_on", weight or "pk")
        return [(day, Decimal(w or 0) if weight else Decimal(1)) for day, w in rows]

    return events


def _moved_to(stage: str) -> Compute:
    def compute(
        programme: Programme, start: datetime.date, end: datetime.date, cities: list[int] | None
    ) -> Decimal:
        city_ids = _cities(programme, cities).values_list("pk", flat=True)
        moved = concepts_moved_to(stage, city_ids=city_ids, between=(start, end))
        return Decimal(moved.count())

    return compute


def _measures(
    programme: Programme, start: datetime.date, end: datetime.date, cities: list[int] | None
) -> Decimal:
    n = Measure.objects.filter(
        city__in=_cities(programme, cities),
        status=Measure.Status.IMPLEMENTED,
        implemented_on__range=(start, end),
    ).count()
    return Decimal(n)


DERIVED: dict[str, Derived] = {
    "trainings_held": Derived(
        _("Trainings held"), _("trainings"), _trainings, share="whole", events=_trainings_held_on
    ),
    "people_trained": Derived(_("People trained"), _("people"), _people_trained, events=_people_on),
    "learning_gain": Derived(
        _("Learning gain of participants (mean, after minus before)"),
        _("points out of 100"),
        _learning_gain,
        share="whole",
    ),
    "projects_submitted": Derived(
        _("Project concepts submitted to the pipeline"),
        _("concepts"),
        _moved_to(Stage.SUBMITTED),
        share="countries",
        events=_moved_on(Stage.SUBMITTED),
    ),
    "concepts_presented": Derived(
        _("Project concepts presented to funders"),
        _("concepts"),
        _moved_to(Stage.PRESENTED),
        share="countries",
        events=_moved_on(Stage.PRESENTED),
    ),
    "measures_implemented": Derived(
        _("Small-scale measures implemented"),
        _("measures"),
        _measures,
        events=_measures_on(None),
    ),
    "people_reached": Derived(
        _("People reached by small-scale measures"),
        _("people"),
        _people_reached,
        events=_measures_on("beneficiaries"),
    ),
}


def derived_value(
    indicator: Indicator,
    start: datetime.date,
    end: datetime.date,
    cities: list[int] | None = None,
) -> Decimal:
    programme = indicator.outcome.programme
    return DERIVED[indicator.source].compute(programme, start, end, cities)
