"""Reads of the project pipeline: a city's concepts, as its policy shows them, how many have
been submitted per country (the programme's public figure), and the directory of facilities
with the fields due for checking."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from recap.accounts.types import Reader
from recap.cities.models import City, Country
from recap.cities.selectors import programme_current

from .models import (
    CLOSED,
    MAIN_LINE,
    OFF_OFFER,
    ConceptMove,
    ConceptShare,
    Facility,
    FunderMessage,
    ProjectConcept,
    Rubric,
    Stage,
)
from .policies import project_concept_policy


def concept_queryset(*, user: Reader) -> QuerySet[ProjectConcept]:
    """Every concept `user` may read (the policy), with what a list shows."""
    return project_concept_policy.queryset(user).select_related("city__country")


#: What the gates, the money and the matching read of a concept, fetched for a whole list at
#: once (a list of concepts costs the same queries however long it is).
GATE_DATA = (
    "sources__candidate",
    "funding_sources",
    "preparation_costs",
    "shares",
    "funder_messages",
    "reviews__reviewer__memberships",
    "city__hazards__hazard",
)


def with_gate_data(queryset: QuerySet[ProjectConcept]) -> QuerySet[ProjectConcept]:
    return queryset.select_related("city__country").prefetch_related(*GATE_DATA)


def concept_list(*, user: Reader, city: City) -> QuerySet[ProjectConcept]:
    return concept_queryset(user=user).filter(city=city)


def concept_get(*, user: Reader, city: City, pk: int) -> ProjectConcept:
    """One concept of `city` that `user` may read, with what its page reads; else a 404."""
    queryset = with_gate_data(concept_list(user=user, city=city)).prefetch_related(
        "indicators", "studies", "shares__facility"
    )
    return get_object_or_404(queryset.select_related("package_version__package"), pk=pk)


def concepts_moved_to(
    stage: str,
    *,
    city_ids: Iterable[int] | None = None,
    between: tuple[datetime.date, datetime.date] | None = None,
) -> QuerySet[ProjectConcept]:
    """The concepts moved to `stage` (within `between`, by the move's day, if given), whatever
    came after, unless the city withdrew them. The one meaning of "submitted" (and "presented")
    that the public figure, the results framework and peer matching all count."""
    moves = ConceptMove.objects.filter(to_stage=stage)
    if between is not None:
        moves = moves.filter(at__date__range=between)
    concepts = ProjectConcept.objects.filter(pk__in=moves.values("concept_id")).exclude(
        stage=Stage.WITHDRAWN
    )
    # A queryset of ids stays a subquery: counting per period costs no query of its own.
    return concepts if city_ids is None else concepts.filter(city_id__in=city_ids)


def concepts_submitted(
    *,
    city_ids: Iterable[int] | None = None,
    between: tuple[datetime.date, datetime.date] | None = None,
) -> QuerySet[ProjectConcept]:
    """Concepts submitted to the pipeline: moved to "submitted", unless withdrawn since."""
    return concepts_moved_to(Stage.SUBMITTED, city_ids=city_ids, between=between)


def concepts_submitted_per_country(*, city_ids: Iterable[int]) -> dict[int, int]:
    """Country id -> concepts of these cities submitted to the pipeline (`concepts_submitted`)."""
    submitted = (
        concepts_submitted(city_ids=city_ids)
        .values("city__country")
        .annotate(n=Count("pk", distinct=True))
    )
    return {row["city__country"]: row["n"] for row in submitted}


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    per_country: list[int]  # in the order of `Funnel.countries`
    total: int


@dataclass(frozen=True)
class CountryProgress:
    country: Country
    submitted: int
    target: int

    @property
    def met(self) -> bool:
        return self.submitted >= self.target


@dataclass(frozen=True)
class Ageing:
    concept: ProjectConcept
    days: int


@dataclass(frozen=True)
class Funnel:
    countries: list[Country]
    stages: list[StageCount]
    progress: list[CountryProgress]
    ageing: list[Ageing]  # open concepts, longest in their stage first
    board: dict[str, list[ProjectConcept]]  # stage -> open concepts in it


def pipeline_funnel(*, user: Reader, country: Country | None = None, now: Any = None) -> Funnel:
    """The programme's view of its pipeline, from what `user` may read: concepts by stage and
    country, submitted per country against the target, and how long each open concept has
    been in its stage."""
    now = now or timezone.now()
    concepts = list(with_gate_data(concept_queryset(user=user)).order_by("stage_since"))
    if country is not None:
        concepts = [c for c in concepts if c.city.country_id == country.pk]
    countries = sorted({c.city.country for c in concepts}, key=lambda c: c.name)
    index = {c.pk: i for i, c in enumerate(countries)}
    stages = []
    for stage, label in Stage.choices:
        row = [0] * len(countries)
        for c in concepts:
            if c.stage == stage:
                row[index[c.city.country_id]] += 1
        stages.append(StageCount(stage, str(label), row, sum(row)))
    submitted = concepts_submitted_per_country(city_ids={c.city_id for c in concepts})
    target = _country_target()
    progress = [CountryProgress(c, submitted.get(c.pk, 0), target) for c in countries]
    open_ = [c for c in concepts if c.stage not in CLOSED]
    ageing = sorted(
        (Ageing(c, max(0, (now - c.stage_since).days)) for c in open_),
        key=lambda a: (-a.days, a.concept.reference),
    )
    board: dict[str, list[ProjectConcept]] = {s: [] for s in MAIN_LINE if s not in CLOSED}
    board[Stage.ON_HOLD] = []
    for c in open_:
        board.setdefault(c.stage, []).append(c)
    return Funnel(countries, stages, progress, ageing, board)


def _country_target() -> int:
    """The target of the programme the public site presents (the figure it shows too)."""
    programme = programme_current()
    return programme.projects_per_country_target if programme else 2


def shared_with_funder(*, user: Reader) -> list[tuple[ProjectConcept, Facility, Any]]:
    """The concepts shared with the facilities `user` speaks for, each with its match to that
    facility, best first (fewest failed criteria, then the soft score)."""
    from .matching import ConceptFacts, match
    from .policies import funder_facility_ids

    facility_ids = funder_facility_ids(user)
    if not facility_ids:
        return []
    shares = (
        ConceptShare.objects.filter(facility_id__in=facility_ids)
        .exclude(concept__stage__in=OFF_OFFER)
        .select_related("facility", "concept__city__country")
        .prefetch_related(
            "concept__sources__candidate", "concept__funding_sources", "concept__preparation_costs"
        )
    )
    rows = [(s.concept, s.facility, match(ConceptFacts.of(s.concept), s.facility)) for s in shares]
    return sorted(rows, key=lambda r: (r[2].sort_key, r[0].reference))


def funder_threads(
    concept: ProjectConcept, *, facility_ids: set[int] | None
) -> dict[Facility, list[FunderMessage]]:
    """A concept's messages by facility: all of them (`facility_ids` None, for the city and the
    programme), or those of the funder's own facilities."""
    messages = concept.funder_messages.select_related("facility", "author")
    if facility_ids is not None:
        messages = messages.filter(facility_id__in=facility_ids)
    threads: dict[Facility, list[FunderMessage]] = {}
    for m in messages:
        threads.setdefault(m.facility, []).append(m)
    return threads


@dataclass(frozen=True)
class Unchecked:
    """A field of a facility's entry that is due for checking: never checked (`checked` None),
    or checked longer ago than the entry's interval."""

    field: str
    checked: datetime.date | None


def facility_unchecked(facility: Facility, today: datetime.date | None = None) -> list[Unchecked]:
    """The entry's sourced fields not checked within `Facility.CHECK_EVERY_DAYS` (or never), in
    the order the directory shows them."""
    today = today or timezone.localdate()
    due = []
    for field in Facility.SOURCED:
        sources = facility.sources if isinstance(facility.sources, dict) else {}
        entry = sources.get(field)
        raw = entry.get("checked") if isinstance(entry, dict) else None
        try:
            checked = datetime.date.fromisoformat(raw) if raw else None
        except (TypeError, ValueError):  # typed by hand in the admin: as good as unchecked
            checked = None
        if checked is None or (today - checked).days > Facility.CHECK_EVERY_DAYS:
            due.append(Unchecked(field, checked))
    return due


def facility_get(code: str) -> Facility:
    """A facility of the directory by its code (public: anyone may read it), or a 404."""
    return get_object_or_404(Facility, code=code)


def facility_list() -> QuerySet[Facility]:
    """The directory of facilities and funders (public information: everyone may read it)."""
    return Facility.objects.all()


# ---------------------------------------------------------------- what the pages and the API read


def country_by_code(code: str) -> Country | None:
    """The country of an ISO code typed in an address (`?country=rw`), or None."""
    return Country.objects.filter(iso2=code[:2].upper()).first() if code else None


def countries_with_concepts() -> QuerySet[Country]:
    return Country.objects.filter(city__concepts__isnull=False).distinct()


def city_by_slug(slug: str) -> City:
    """The city of a concept's address (whoever may read the concept is checked after)."""
    return get_object_or_404(City.objects.select_related("country"), slug=slug)


def rubrics() -> list[Rubric]:
    return list(Rubric.objects.all())


def facilities_sharing(*, concept: ProjectConcept, facility_ids: Iterable[int]) -> list[Facility]:
    """Which of these facilities the concept is shared with."""
    return list(Facility.objects.filter(pk__in=list(facility_ids), shares__concept=concept))


def concept_fresh(concept: ProjectConcept) -> ProjectConcept:
    """The concept as stored now (a bound form may have written onto the object in hand)."""
    return ProjectConcept.objects.get(pk=concept.pk)
