"""Live figures for the public "how we are tracking" section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from recap.accounts.types import Reader
from recap.cities.models import City, Country, Programme
from recap.pipeline.selectors import (
    concepts_submitted_per_country,
)

from .models import (
    DonorReport,
    Evidence,
    Indicator,
    IndicatorUpdate,
    Measure,
    Outcome,
    Participant,
    Training,
)
from .policies import measure_policy


@dataclass(frozen=True)
class CountryProgress:
    country: Country
    cities: int
    projects_submitted: int
    target: int

    @property
    def met(self) -> bool:
        return self.projects_submitted >= self.target

    @property
    def percent(self) -> int:
        """Share of the target reached, capped at 100 for drawing a bar."""
        if self.target <= 0:
            return 100
        return min(100, round(100 * self.projects_submitted / self.target))


@dataclass(frozen=True)
class ProgrammeProgress:
    cities: int
    countries: int
    trainings_held: int
    trainings_target: int | None
    participants: int
    measures_implemented: int
    measures_in_progress: int
    measures_target: int | None
    projects_submitted: int
    by_country: list[CountryProgress]
    as_of: date

    @property
    def countries_meeting_target(self) -> int:
        return sum(1 for c in self.by_country if c.met)


def programme_progress(*, programme: Programme) -> ProgrammeProgress:
    today = timezone.localdate()
    city_ids = list(programme.cities.values_list("pk", flat=True))
    # The programme's one period (`Programme.period_refusal`), as its indicators count it.
    held = Training.objects.filter(
        programme=programme,
        held_on__range=(programme.start_date, programme.counted_until(today)),
    )
    trainings = {
        "n": held.count(),
        "people": Participant.objects.filter(training__in=held).aggregate(n=Sum("count"))["n"],
    }
    measures = Measure.objects.filter(city_id__in=city_ids).aggregate(
        done=Count("pk", filter=Q(status=Measure.Status.IMPLEMENTED)),
        doing=Count("pk", filter=Q(status=Measure.Status.IN_PROGRESS)),
    )
    per_country = concepts_submitted_per_country(city_ids=city_ids)
    countries = (
        Country.objects.filter(
            Q(pk__in=programme.countries.values("pk")) | Q(city__pk__in=city_ids)
        )
        .distinct()
        .annotate(n_cities=Count("city", filter=Q(city__pk__in=city_ids), distinct=True))
        .order_by("name")
    )
    by_country = [
        CountryProgress(
            country=c,
            cities=c.n_cities,
            projects_submitted=per_country.get(c.pk, 0),
            target=programme.projects_per_country_target,
        )
        for c in countries
    ]
    return ProgrammeProgress(
        cities=len(city_ids),
        countries=len(by_country),
        trainings_held=trainings["n"] or 0,
        trainings_target=programme.trainings_target,
        participants=trainings["people"] or 0,
        measures_implemented=measures["done"] or 0,
        measures_in_progress=measures["doing"] or 0,
        measures_target=programme.measures_target,
        projects_submitted=sum(per_country.values()),
        by_country=by_country,
        as_of=today,
    )


def measure_list(*, user: Reader, city: City) -> QuerySet[Measure]:
    """A city's small-scale measures, as their policy shows them to this person."""
    return measure_policy.queryset(user).filter(city=city)


def framework_dump(programme: Programme) -> dict[str, Any]:
    """The programme's framework in the file's own layout: `framework_load` reads it back to
    the same framework."""

    def indicator(i: Indicator) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": i.code,
            "name": getattr(i, "name_en", None) or i.name,
            "unit": getattr(i, "unit_en", None) or i.unit,
            "kind": i.kind,
            "level": i.level,
            "direction": i.direction,
            "aggregation": i.aggregation,
            "interval_days": i.interval_days,
            "breakdowns": list(i.breakdowns),
            "targets": [[t.period_end.isoformat(), float(t.value)] for t in i.targets.all()],
            "public": i.is_public,
        }
        if i.source:
            out["source"] = i.source
        out |= {f"{key}_fr": text for key in ("name", "unit") if (text := getattr(i, f"{key}_fr"))}
        if i.baseline_date is not None and i.baseline_value is not None:
            out["baseline"] = [i.baseline_date.isoformat(), float(i.baseline_value)]
        return out

    outcomes = Outcome.objects.filter(programme=programme).prefetch_related("indicators__targets")
    return {
        "outcomes": [
            {
                "code": o.code,
                "title": getattr(o, "title_en", None) or o.title,
                **({"title_fr": title_fr} if (title_fr := getattr(o, "title_fr", None)) else {}),
                "indicators": [indicator(i) for i in o.indicators.all()],
            }
            for o in outcomes
        ]
    }


# ---------------------------------------------------------------- what the pages and the API read


def city_measure_get(*, city: City, pk: int) -> Measure:
    """A measure of a city already read through the city's policy; any other is a 404."""
    return get_object_or_404(
        Measure.objects.select_related("city__country", "action").prefetch_related("hazards"),
        pk=pk,
        city=city,
    )


def city_measures(*, city: City) -> QuerySet[Measure]:
    """A city's measures with what their pages and the API show of them, by status and title."""
    return (
        Measure.objects.filter(city=city)
        .select_related("action")
        .prefetch_related("hazards", "evidence")
        .order_by("status", "title")
    )


def evidence_get(*, pk: int) -> Evidence:
    """A piece of evidence with what deciding who may read it needs (the caller checks)."""
    return get_object_or_404(
        Evidence.objects.select_related(
            "measure__city", "update__city", "update__indicator__outcome__programme"
        ),
        pk=pk,
    )


def programme_trainings(*, programme: Programme) -> list[Training]:
    """The programme's sessions, newest first, with their attendance and cities."""
    return list(
        Training.objects.filter(programme=programme)
        .prefetch_related("attendance", "cities")
        .order_by("-held_on")
    )


def training_get(*, programme: Programme, pk: int) -> Training:
    return get_object_or_404(
        Training.objects.prefetch_related("cities", "countries"), pk=pk, programme=programme
    )


def report_get(*, programme: Programme, pk: int) -> DonorReport:
    return get_object_or_404(
        DonorReport.objects.select_related("issued_by"), pk=pk, programme=programme
    )


def framework_outcomes(*, programme: Programme) -> QuerySet[Outcome]:
    return Outcome.objects.filter(programme=programme).prefetch_related("indicators__targets")


def programme_indicators(*, programme: Programme) -> QuerySet[Indicator]:
    return (
        Indicator.objects.filter(outcome__programme=programme)
        .select_related("outcome__programme")
        .prefetch_related("targets")
    )


def update_get(*, pk: int, city: City | None = None) -> IndicatorUpdate:
    """A reported value (of `city`, if given): a 404 otherwise. Whoever acts on it is checked
    by the service."""
    rows = IndicatorUpdate.objects.select_related("indicator__outcome")
    return (
        get_object_or_404(rows, pk=pk)
        if city is None
        else get_object_or_404(rows, pk=pk, city=city)
    )


def city_reported_indicators(*, city: City, code: str | None = None) -> QuerySet[Indicator]:
    """The indicators a city reports itself (city level, reported), of its programmes."""
    rows = Indicator.objects.filter(
        outcome__programme__cities=city, kind=Indicator.Kind.REPORTED, level=Indicator.Level.CITY
    )
    return (rows if code is None else rows.filter(code=code)).distinct()


def city_updates(*, city: City) -> QuerySet[IndicatorUpdate]:
    return (
        IndicatorUpdate.objects.filter(city=city)
        .select_related("indicator")
        .prefetch_related("evidence")
    )
