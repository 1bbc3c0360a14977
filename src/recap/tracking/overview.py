"""The programme dashboard's reading of everything it tracks, for all its cities or some of them
(a country, a city) and a period: every indicator against target with its status and trend,
the trainings with their learning gains, the pipeline by stage, the measures by status, what
is late and what waits for approval. Charts are drawn here; each has a table beside it on the
page, so the figures read without the picture.

Contract: `filters_from(programme, params)` returns checked `Filters` and the problems with the
parameters (a bad one is dropped and named, never a crash); `overview(user, programme, filters)`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from recap.accounts.types import Reader
from recap.cities.models import City, Country, Programme
from recap.core.charts import Chart, bar_chart, cached
from recap.pipeline.models import MAIN_LINE, ConceptMove, Stage
from recap.pipeline.selectors import concept_queryset

from .derived import people_for, sessions_for
from .models import (
    Indicator,
    IndicatorUpdate,
    Measure,
    MeasureStatusChange,
    Participant,
    Training,
)
from .progress import Late, Progress, indicator_progress
from .status import reading_date
from .templatetags.figures import figure
from .trainings import Gain, gain_of
from .trend_svg import trend_svg


@dataclass(frozen=True)
class Filters:
    country: Country | None = None
    city: City | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None  # "as of"; today when not given

    def city_ids(self, programme: Programme) -> list[int] | None:
        if self.city is not None:
            return [self.city.pk]
        if self.country is not None:
            return list(programme.cities.filter(country=self.country).values_list("pk", flat=True))
        return None

    @property
    def query(self) -> dict[str, str]:
        out = {}
        if self.country:
            out["country"] = self.country.iso2
        if self.city:
            out["city"] = self.city.slug
        if self.start:
            out["from"] = self.start.isoformat()
        if self.end:
            out["to"] = self.end.isoformat()
        return out


def _day(raw: str, name: str, problems: list[str]) -> datetime.date | None:
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw[:10])
    except ValueError:
        problems.append(_("%(f)s: %(v)s is not a date (YYYY-MM-DD).") % {"f": name, "v": raw[:20]})
        return None


def filters_from(programme: Programme, params: Any) -> tuple[Filters, list[str]]:
    problems: list[str] = []
    country = city = None
    if code := (params.get("country") or "").strip()[:2]:
        country = programme_countries(programme).filter(iso2__iexact=code).first()
        if country is None:
            problems.append(_("country: %(v)s is not a country of the programme.") % {"v": code})
    if slug := (params.get("city") or "").strip()[:80]:
        city = programme.cities.filter(slug=slug).first()
        if city is None:
            problems.append(_("city: %(v)s is not a city of the programme.") % {"v": slug})
        elif country is not None and city.country_id != country.pk:
            problems.append(_("city: %(c)s is not in %(n)s.") % {"c": city.name, "n": country.name})
            city = None
    start = _day(params.get("from") or "", _("from"), problems)
    end = _day(params.get("to") or "", _("to"), problems)
    if start and end and end < start:
        problems.append(_("The period ends before it starts."))
        start = end = None
    if end and end > timezone.localdate():
        end = timezone.localdate()
    return Filters(country, city, start, end), problems


def programme_countries(programme: Programme) -> Any:
    return Country.objects.filter(city__in=programme.cities.all()).distinct().order_by("name")


def filter_cities(programme: Programme, filters: Filters) -> list[tuple[Country, list[City]]]:
    """The cities the filter offers, by country: those of the chosen country only, once one
    is chosen."""
    cities = programme.cities.select_related("country").order_by("country__name", "name")
    if filters.country is not None:
        cities = cities.filter(country=filters.country)
    groups: dict[int, tuple[Country, list[City]]] = {}
    for city in cities:
        groups.setdefault(city.country_id, (city.country, []))[1].append(city)
    return list(groups.values())


@dataclass(frozen=True)
class TrainingRow:
    training: Training
    people: int
    gain: Gain


@dataclass(frozen=True)
class IndicatorRow:
    progress: Progress
    chart: SafeString | None  # the trend, an inline SVG


@dataclass
class Overview:
    programme: Programme
    filters: Filters
    as_of: datetime.date
    rows: list[IndicatorRow]
    trainings: list[TrainingRow]
    overall_gain: Gain
    funnel: list[tuple[str, int]]
    funnel_chart: Chart | None
    measures: list[tuple[str, int]]
    measures_chart: Chart | None
    late: list[tuple[Indicator, Late]]
    waiting: list[IndicatorUpdate] = field(default_factory=list)
    #: The programme has ended: it is read as of its end date (its final results).
    finished: bool = False


def _trend(progress: Progress) -> SafeString | None:
    if not progress.trend:
        return None
    labels = [date_format(day, "M Y") for day, _v in progress.trend]
    values = [float(v) for _d, v in progress.trend]
    target = progress.target_value
    alt = _("%(name)s from %(a)s to %(b)s: %(values)s") % {
        "name": progress.indicator.name,
        "a": labels[0],
        "b": labels[-1],
        "values": ", ".join(figure(v) for v in values),
    }
    if target is not None and progress.target is not None:
        alt += " " + _("Target %(t)s by %(d)s.") % {
            "t": figure(target),
            "d": progress.target.period_end.isoformat(),
        }
    return trend_svg(
        list(zip(labels, values, strict=True)),
        target=float(target) if target is not None else None,
        target_label=_("target %(t)s") % {"t": figure(target)} if target is not None else "",
        alt=alt,
        number=figure,
    )


def _bars(key: str, pairs: list[tuple[str, int]], alt: str) -> Chart | None:
    if not any(n for _l, n in pairs):
        return None
    labels = [label for label, _n in pairs]
    values = [float(n) for _l, n in pairs]
    return cached(f"{key}:{labels}:{values}", lambda: bar_chart(labels, values, alt=alt))


def measure_statuses_at(measures: Any, as_of: datetime.date) -> dict[int, str]:
    """Each measure's status on `as_of`, from its dated steps (a measure whose first step is
    later did not exist yet; one without any step, made before steps were kept, is as it is)."""
    status: dict[int, str] = {}
    stepped: set[int] = set()
    for measure_id, step, on in (
        MeasureStatusChange.objects.filter(measure__in=measures)
        .order_by("measure_id", "on", "pk")
        .values_list("measure_id", "status", "on")
    ):
        stepped.add(measure_id)
        if on <= as_of:
            status[measure_id] = step
    for measure_id, current in measures.values_list("pk", "status"):
        if measure_id not in stepped:
            status[measure_id] = current
    return status


def stages_at(concepts: Any, as_of: datetime.date) -> dict[int, str]:
    """Each concept's stage on `as_of`, from its audited moves (today: as it is)."""
    if as_of >= timezone.localdate():
        return dict(concepts.values_list("pk", "stage"))
    stage: dict[int, str] = {}
    first_from: dict[int, str] = {}
    for concept_id, from_stage, to_stage, at in (
        ConceptMove.objects.filter(concept__in=concepts)
        .order_by("concept_id", "at", "pk")
        .values_list("concept_id", "from_stage", "to_stage", "at")
    ):
        first_from.setdefault(concept_id, from_stage)
        if at.date() <= as_of:
            stage[concept_id] = to_stage
    for concept_id, current, created in concepts.values_list("pk", "stage", "created_at"):
        if concept_id not in stage and created.date() <= as_of:
            stage[concept_id] = first_from.get(concept_id) or current
    return stage


def overview(*, user: Reader, programme: Programme, filters: Filters) -> Overview:
    as_of = reading_date(programme, filters.end)
    city_ids = filters.city_ids(programme)
    indicators = (
        Indicator.objects.filter(outcome__programme=programme)
        .select_related("outcome__programme")
        .prefetch_related("targets")
    )
    rows = []
    for indicator in indicators:
        progress = indicator_progress(
            indicator, as_of, cities=city_ids, start=filters.start, with_trend=True
        )
        rows.append(IndicatorRow(progress, _trend(progress)))
    sessions = Training.objects.filter(
        programme=programme,
        held_on__range=(programme.start_date, programme.counted_until(as_of)),
    )
    if filters.start:
        sessions = sessions.filter(held_on__gte=filters.start)
    sessions = sessions_for(sessions, city_ids)
    people = people_for(Participant.objects.filter(training__in=sessions), city_ids)
    # Counts and scores only: a programme's thousands of participants never become objects.
    heads: dict[int, int] = {}
    scores: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for training_id, count, before, after in people.values_list(
        "training_id", "count", "score_before", "score_after"
    ):
        heads[training_id] = heads.get(training_id, 0) + count
        if before is not None and after is not None:
            scores.setdefault(training_id, []).append((before, after))
    trainings = [
        TrainingRow(t, heads.get(t.pk, 0), gain_of(scores.get(t.pk, [])))
        for t in sessions.order_by("-held_on")
    ]
    concepts = concept_queryset(user=user).filter(city__in=programme.cities.all())
    if city_ids is not None:
        concepts = concepts.filter(city__in=city_ids)
    stages: dict[str, int] = {str(s): 0 for s in (*MAIN_LINE, Stage.ON_HOLD)}
    for stage in stages_at(concepts, as_of).values():
        if stage in stages:
            stages[stage] += 1
    funnel = [(str(Stage(s).label), n) for s, n in stages.items()]
    measures_qs = Measure.objects.filter(city__in=programme.cities.all())
    if city_ids is not None:
        measures_qs = measures_qs.filter(city__in=city_ids)
    counts = dict.fromkeys(Measure.Status.values, 0)
    for status in measure_statuses_at(measures_qs, as_of).values():
        counts[status] += 1
    measures = [(str(Measure.Status(s).label), n) for s, n in counts.items()]
    waiting = IndicatorUpdate.objects.filter(
        indicator__outcome__programme=programme, status=IndicatorUpdate.Status.SUBMITTED
    ).select_related("indicator", "city", "created_by")
    if city_ids is not None:
        waiting = waiting.filter(city__in=city_ids)
    return Overview(
        programme=programme,
        filters=filters,
        as_of=as_of,
        rows=rows,
        trainings=trainings,
        overall_gain=gain_of(pair for pairs in scores.values() for pair in pairs),
        funnel=funnel,
        funnel_chart=_bars("funnel", funnel, _("Project concepts by stage")),
        measures=measures,
        measures_chart=_bars("measures", measures, _("Small-scale measures by status")),
        late=[(r.progress.indicator, late) for r in rows for late in r.progress.late],
        waiting=list(waiting.prefetch_related("evidence")),
        finished=as_of >= programme.end_date,
    )
