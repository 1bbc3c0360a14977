"""Reads of the project pipeline: a city's concepts, as its policy shows them, how many have
been submitted per country (the programme's public figure), and the directory of facilities
with the fields due for checking."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from recap.accounts.access import Level, city_ids, programme_city_ids
from recap.accounts.models import Role
from recap.accounts.types import Reader, User
from recap.cities.models import City, Country, Programme
from recap.cities.selectors import programme_current
from recap.core.days import on_days

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
from .policies import programme_reader, project_concept_policy


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
        moves = moves.filter(**on_days("at", *between))
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


class Unseen(enum.Enum):
    """How much of the concepts never drafted (candidates) a reader of the board may read:
    reviewers read a concept once it is drafted, so a board of theirs counting "Candidate 0"
    would say there are none when there are some they may not see."""

    NONE = "none"  # every candidate of the board's cities is the reader's to read
    SOME = "some"  # their own cities' (or managed cities') candidates only
    ALL = "all"  # no candidate at all: a reviewer of other cities only


@dataclass(frozen=True)
class Funnel:
    countries: list[Country]
    stages: list[StageCount]  # the stages the reader may read concepts in
    progress: list[CountryProgress]
    ageing: list[Ageing]  # the open concepts longest in their stage, at most `AGEING_SHOWN`
    open_total: int  # every open concept the reader may read
    candidates_unseen: Unseen


#: Open concepts "Waiting longest" lists.
AGEING_SHOWN = 10
#: Concepts a board column shows on one page (seven columns of them: the page stays light on
#: 3G and quick to draw, each card's gates checked). At 12 the board of a 100-city network
#: takes about 77 ms of CPU against 102 ms at 20 (each card's gate data is about 3 ms).
BOARD_PAGE = 12
#: Concepts the funder's list shows on one page (every shared concept is matched to sort them,
#: only a page of them drawn).
SHARED_PAGE = 50
#: The board's columns: the open stages of the main line, then on hold.
BOARD_STAGES: tuple[str, ...] = (
    *(str(s) for s in MAIN_LINE if s not in CLOSED),
    str(Stage.ON_HOLD),
)


def candidates_unseen(user: Reader) -> Unseen:
    """Which candidates `user` cannot read on the board: those of the cities they read only
    as a reviewer (the policy shows a reviewer a concept once drafted)."""
    full = city_ids(user, Level.VIEW)
    if full is None:
        return Unseen.NONE
    only_reviewed = (programme_city_ids(user, Role.REVIEWER) or set()) - full
    if not only_reviewed:
        return Unseen.NONE
    return Unseen.SOME if full else Unseen.ALL


def board_queryset(*, user: Reader, country: Country | None = None) -> QuerySet[ProjectConcept]:
    """The one queryset the board's counts, its "waiting longest" and its columns all read:
    every concept `user` may read (in `country`, if given), as a plain queryset (the policy's
    joins kept in a subquery, so that counting and slicing count each concept once)."""
    concepts = ProjectConcept.objects.filter(pk__in=concept_queryset(user=user).values("pk"))
    return concepts if country is None else concepts.filter(city__country=country)


def pipeline_funnel(*, user: Reader, country: Country | None = None, now: Any = None) -> Funnel:
    """The programme's view of its pipeline, from what `user` may read: concepts by stage and
    country, submitted per country against the target, and the open concepts longest in their
    stage. Counted in the database, in the same queries whatever the number of concepts."""
    now = now or timezone.now()
    concepts = board_queryset(user=user, country=country)
    counts: dict[tuple[str, int], int] = {
        (row["stage"], row["city__country"]): row["n"]
        for row in concepts.values("stage", "city__country").annotate(n=Count("pk")).order_by()
    }
    countries = list(
        Country.objects.filter(pk__in={k for _stage, k in counts}).order_by("name", "pk")
    )
    index = {c.pk: i for i, c in enumerate(countries)}
    unseen = candidates_unseen(user)
    stages = []
    for stage, label in Stage.choices:
        if stage == Stage.CANDIDATE and unseen is Unseen.ALL:
            continue  # not "Candidate 0": there may be some, this reader reads none of them
        row = [0] * len(countries)
        for (s, k), n in counts.items():
            if s == stage:
                row[index[k]] += n
        stages.append(StageCount(stage, str(label), row, sum(row)))
    submitted = concepts_submitted_per_country(city_ids=concepts.values_list("city_id", flat=True))
    target = _country_target()
    progress = [CountryProgress(c, submitted.get(c.pk, 0), target) for c in countries]
    open_ = concepts.exclude(stage__in=CLOSED)
    longest = open_.select_related("city").order_by("stage_since", "pk")[:AGEING_SHOWN]
    ageing = [Ageing(c, max(0, (now - c.stage_since).days)) for c in longest]
    open_total = sum(n for (s, _k), n in counts.items() if s not in CLOSED)
    return Funnel(countries, stages, progress, ageing, open_total, unseen)


@dataclass(frozen=True)
class BoardColumn:
    """One stage of the board: how many concepts the reader may read in it, and one page of
    them, oldest in the stage first, each with what its gates read."""

    stage: str
    label: str
    total: int
    number: int  # this page, from 1
    pages: int
    concepts: list[ProjectConcept]

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def board_columns(
    *,
    user: Reader,
    country: Country | None = None,
    funnel: Funnel,
    pages: Mapping[str, int] | None = None,
) -> list[BoardColumn]:
    """The board's columns (`BOARD_STAGES`), each on its page (`pages`: stage -> page number
    asked for, 1 if absent, brought within the column's pages), counted as `funnel` counted
    them. One query for every column's page, and one fetch with the gate data of every
    page's concepts: the same queries for 5 concepts or 5,000."""
    pages = pages or {}
    totals = {s.stage: s.total for s in funnel.stages}
    concepts = board_queryset(user=user, country=country)
    chosen: dict[str, tuple[int, int, list[int]]] = {}
    window = Q()
    for stage in BOARD_STAGES:
        if stage not in totals:
            continue  # a stage the reader reads nothing in (candidates, for a reviewer)
        total = totals[stage]
        count = max(1, -(-total // BOARD_PAGE))
        number = min(max(1, pages.get(stage, 1)), count)
        chosen[stage] = (number, count, [])
        if total:
            start = (number - 1) * BOARD_PAGE
            window |= Q(stage=stage, row__gt=start, row__lte=start + BOARD_PAGE)
    if window:
        # Every column's page in one query: each concept numbered within its stage, oldest in
        # the stage first, and the rows of each column's page kept.
        rows = (
            concepts.annotate(
                row=Window(
                    RowNumber(),
                    partition_by=F("stage"),
                    order_by=(F("stage_since").asc(), F("pk").asc()),
                )
            )
            .filter(window)
            .order_by("stage", "row")
            .values_list("stage", "pk")
        )
        for stage, pk in rows:
            chosen[stage][2].append(pk)
    wanted = [pk for _n, _c, ids in chosen.values() for pk in ids]
    fetched = (
        {c.pk: c for c in with_gate_data(ProjectConcept.objects.filter(pk__in=wanted))}
        if wanted
        else {}
    )
    return [
        BoardColumn(
            stage,
            str(Stage(stage).label),
            totals[stage],
            number,
            count,
            [fetched[pk] for pk in ids if pk in fetched],
        )
        for stage, (number, count, ids) in chosen.items()
    ]


def _country_target() -> int:
    """The target of the programme the public site presents (the figure it shows too)."""
    programme = programme_current()
    return programme.projects_per_country_target if programme else 2


@dataclass
class SharedRow:
    """A concept shared with one of the funder's facilities, with the facts it is matched on;
    its full match (the words) is drawn only for the rows a page shows."""

    concept_id: int
    facility: Facility
    facts: Any  # matching.ConceptFacts
    concept: ProjectConcept | None = None  # read for the page's rows only (`shared_page`)

    @cached_property
    def match(self) -> Any:  # matching.Match
        from .matching import match

        return match(self.facts, self.facility)


def shared_with_funder(*, user: Reader) -> list[SharedRow]:
    """The concepts shared with the facilities `user` speaks for, each with its facts, best fit
    first (fewest failed criteria, then unknown ones, then the soft score). Every shared
    concept is matched to sort them, from plain rows (`matching.facts_for`) and remembered
    fit keys; `shared_page` reads the records of the rows a page shows."""
    from .matching import facts_for, fit_keys
    from .policies import funder_facility_ids

    facility_ids = funder_facility_ids(user)
    if not facility_ids:
        return []
    pairs = list(
        ConceptShare.objects.filter(facility_id__in=facility_ids)
        .exclude(concept__stage__in=OFF_OFFER)
        .values_list("concept_id", "facility_id", "concept__reference")
    )
    facilities = Facility.objects.in_bulk({f for _c, f, _r in pairs})
    facts = facts_for({c for c, _f, _r in pairs})
    rows = [SharedRow(c, facilities[f], facts[c]) for c, f, _r in pairs]
    keys = fit_keys([(r.facts, r.facility) for r in rows])
    order = sorted(range(len(rows)), key=lambda i: (keys[i], rows[i].facility.name, pairs[i][2]))
    return [rows[i] for i in order]


def shared_page(rows: Iterable[SharedRow]) -> list[SharedRow]:
    """`rows` with their concepts read (one query for the page, whatever its length)."""
    rows = list(rows)
    concepts = ProjectConcept.objects.select_related("city__country").in_bulk(
        {r.concept_id for r in rows}
    )
    for r in rows:
        r.concept = concepts[r.concept_id]
    return rows


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


def programme_of_reader(*, user: User) -> Programme | None:
    """The programme whose monitoring `user` reads (the first they belong to; else the current
    one, as for a platform admin)."""
    return (
        Programme.objects.filter(memberships__user=user).order_by("pk").first()
        or programme_current()
    )


def programme_read_by(user: User) -> Programme:
    """The programme `user` manages or reviews, whose monitoring pages they read (the first,
    for a platform admin); `PermissionDenied` for anyone else, or when there is none yet."""
    if not programme_reader(user):
        raise PermissionDenied(_("These pages are the programme's."))
    programme = programme_of_reader(user=user)
    if programme is None:
        raise PermissionDenied(_("There is no programme yet."))
    return programme
