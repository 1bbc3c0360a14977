"""The demo as large as a city network grows: many cities, each with a register, many candidate
actions and a prioritisation session (`recap demo --scale 100`), for load tests, benchmarks and
the tests that run real workers; and the programme's side of such a network
(`demo_scale_programme`: concepts along the pipeline, a year of reported values, coordinators,
implementation plans).

Everything here is synthetic and says so: the cities are "Scale city 001"… in the demo's
programme countries, each with an editor (`scale.editor.001`, the demo's password); candidate
actions are drawn at random, seeded, with costs, staff, co-benefits, hazards and phases in the
ranges of the shipped catalogue. The same arguments give the same data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from recap.accounts.models import Membership, Role, User
from recap.catalogue.models import CandidateAction, Sector
from recap.cities.models import City, Country, Programme
from recap.engine.value import CRITERIA
from recap.hazards.models import CityHazard, HazardType
from recap.hazards.services import city_hazard_add
from recap.planning.models import PrioritisationSession
from recap.planning.services import session_create, stakeholder_weights_set

from .content import demo_data

QUALITIES = ["reflective", "resourceful", "robust", "redundant", "flexible", "inclusive"]
STAKEHOLDERS = [("Mayor", [50, 10, 10, 10, 10, 10]), ("Finance", [20, 40, 10, 10, 10, 10])]


@dataclass(frozen=True)
class ScaleSummary:
    cities: int
    candidates: int
    sessions: int


def synthetic_candidates(city: City, count: int, *, seed: int) -> list[CandidateAction]:
    """`count` new candidate actions for `city`, coded by `seed` (S007-0001…): the city's other
    candidates, and the sessions over them, are left as they are."""
    rng = np.random.default_rng(seed)
    hazards = list(CityHazard.objects.filter(city=city).values_list("hazard__code", flat=True))
    hazards = hazards or list(HazardType.objects.values_list("code", flat=True)[:3])
    sectors = [s for s, _ in Sector.choices]
    prefix = f"S{seed:03d}-"
    CandidateAction.objects.bulk_create(
        CandidateAction(
            city=city,
            code=f"{prefix}{i + 1:04d}",
            title=f"Synthetic action {i + 1}",
            sectors=[str(rng.choice(sectors))],
            hazards={
                str(h): int(rng.integers(1, 4))
                for h in rng.choice(hazards, min(2, len(hazards)), replace=False)
            },
            qualities=[str(q) for q in rng.choice(QUALITIES, 2, replace=False)],
            economy=int(rng.integers(0, 4)),
            equity=int(rng.integers(0, 4)),
            mitigation=int(rng.integers(0, 4)),
            adaptation=int(rng.integers(0, 4)),
            health=int(rng.integers(0, 4)),
            feasibility=int(rng.integers(0, 4)),
            local_cost_usd=int(rng.lognormal(12, 1.0)),
            staff_fte=Decimal(str(round(float(rng.gamma(2.0, 0.4)), 2))),
            phase=str(rng.choice(["short", "medium"])),
        )
        for i in range(count)
    )
    return list(CandidateAction.objects.filter(city=city, code__startswith=prefix).order_by("code"))


def synthetic_session(
    city: City, actor: User, candidates: list[CandidateAction], *, title: str
) -> PrioritisationSession:
    """A session over `candidates` with budgets for about a quarter of them, and two
    stakeholders who disagree."""
    short = sum(c.local_cost_usd for c in candidates if c.phase == "short")
    medium = sum(c.local_cost_usd for c in candidates if c.phase == "medium")
    session = session_create(
        actor=actor,
        city=city,
        title=title,
        candidates=candidates,
        budget_short_usd=max(1, short // 4),
        budget_medium_usd=max(1, medium // 4),
        staff_fte=Decimal(str(round(0.3 * sum(float(c.staff_fte) for c in candidates), 2))),
        max_actions=max(5, len(candidates) // 5),
    )
    for name, points in STAKEHOLDERS:
        stakeholder_weights_set(
            actor=actor,
            session=session,
            name=name,
            weights=dict(zip(CRITERIA, map(float, points), strict=True)),
        )
    return session


def synthetic_register(city: City, actor: User, *, seed: int) -> None:
    """Three shocks or stresses, entered through the register's own service."""
    rng = np.random.default_rng(seed)
    codes = list(HazardType.objects.order_by("code").values_list("code", flat=True))
    for code in rng.choice(codes, 3, replace=False):
        if not CityHazard.objects.filter(city=city, hazard__code=code).exists():
            city_hazard_add(
                actor=actor,
                city=city,
                hazard=HazardType.objects.get(code=code),
                likelihood=int(rng.integers(2, 6)),
                impact=int(rng.integers(2, 6)),
                trend="rising",
            )


def demo_scale(*, cities: int, candidates: int) -> ScaleSummary:
    """Add `cities` synthetic cities to the loaded demo, each with `candidates` candidate
    actions and a session over them (not run). Cities already added are left as they are."""
    people = demo_data("programme")
    programme = Programme.objects.get(slug=people["programme"]["slug"])
    countries = list(
        Country.objects.filter(iso2__in=people["programme"]["countries"]).order_by("iso2")
    )
    admin = User.objects.get(username="admin")
    made = 0
    for k in range(1, cities + 1):
        slug = f"scale-city-{k:03d}"
        if City.objects.filter(slug=slug).exists():
            continue
        with transaction.atomic():
            city = City.objects.create(
                slug=slug,
                name=f"Scale city {k:03d}",
                country=countries[k % len(countries)],
                population=50_000 + 1_000 * k,
                summary="A synthetic city for load tests (recap demo --scale).",
            )
            programme.cities.add(city)
            editor = User.objects.create_user(
                username=f"scale.editor.{k:03d}", password=people["password"]
            )
            Membership.objects.create(user=editor, role=Role.CITY_EDITOR, city=city)
            synthetic_register(city, admin, seed=k)
            actions = synthetic_candidates(city, candidates, seed=k)
            synthetic_session(city, admin, actions, title=f"Scale workshop {k:03d}")
        made += 1
    return ScaleSummary(cities=made, candidates=candidates, sessions=made)


@dataclass(frozen=True)
class ProgrammeScaleSummary:
    cities: int
    concepts: int
    values: int
    coordinators: int
    plans: int = 0


#: The stages a synthetic city's concepts stand at, in turn (so that a network of them fills
#: every column of the board, the funders' lists and the results' pipeline).
CONCEPT_STAGES = (
    "candidate",
    "drafted",
    "drafted",
    "screened",
    "submitted",
    "submitted",
    "presented",
    "preparation",
    "on_hold",
    "financed",
)


def synthetic_concepts(city: City, count: int, *, seed: int, shared_with: Any = None) -> int:
    """`count` project concepts of `city` at the stages of `CONCEPT_STAGES` in turn, each with
    the moves that brought it there (so every figure counted from moves sees it), a funding
    source, and, once submitted, a share with `shared_with` (a facility) if given. Written in
    bulk: the search index is rebuilt once by the caller."""
    from recap.pipeline.models import (
        MAIN_LINE,
        ConceptMove,
        ConceptShare,
        FundingSource,
        ProjectConcept,
        Stage,
    )

    rng = np.random.default_rng(10_000 + seed)
    now = timezone.now()
    line = [str(s) for s in MAIN_LINE]
    prefix = f"{city.country.iso2}-{city.slug.upper()}-S"
    made = ProjectConcept.objects.bulk_create(
        ProjectConcept(
            city=city,
            title=f"Synthetic concept {i + 1} of {city.name}",
            reference=f"{prefix}{i + 1:03d}",
            stage=CONCEPT_STAGES[i % len(CONCEPT_STAGES)],
            stage_since=now - datetime.timedelta(days=int(rng.integers(1, 300))),
            summary="A synthetic concept for load tests (recap demo --scale).",
            problem="Synthetic.",
        )
        for i in range(count)
    )
    concepts = list(ProjectConcept.objects.filter(reference__startswith=prefix).order_by("pk"))
    moves = []
    for concept in concepts:
        stage = concept.stage
        last = line.index(stage) if stage in line else line.index(Stage.DRAFTED)
        previous = ""
        for step in line[: last + 1]:
            moves.append(ConceptMove(concept=concept, from_stage=previous, to_stage=step))
            previous = step
        if stage not in line:
            moves.append(ConceptMove(concept=concept, from_stage=previous, to_stage=stage))
    ConceptMove.objects.bulk_create(moves)
    FundingSource.objects.bulk_create(
        FundingSource(
            concept=c,
            kind="own",
            name=city.name,
            amount=int(rng.lognormal(12, 1.0)),
            status="secured",
        )
        for c in concepts
    )
    if shared_with is not None:
        ConceptShare.objects.bulk_create(
            ConceptShare(concept=c, facility=shared_with)
            for c in concepts
            if c.stage in ("submitted", "presented", "preparation", "financed")
        )
    return len(made)


def synthetic_values(city: City, *, seed: int, today: datetime.date) -> int:
    """A year of approved values, one a quarter, of every city-level reported indicator of the
    city's programmes' results frameworks."""
    from recap.tracking.models import Indicator, IndicatorUpdate

    rng = np.random.default_rng(20_000 + seed)
    indicators = Indicator.objects.filter(
        kind=Indicator.Kind.REPORTED,
        level=Indicator.Level.CITY,
        outcome__programme__cities=city,
    ).distinct()
    quarters = []
    year, month = today.year - 1, 1 + 3 * ((today.month - 1) // 3)
    for _ in range(4):
        start = datetime.date(year, month, 1)
        month += 3
        if month > 12:
            year, month = year + 1, month - 12
        quarters.append((start, datetime.date(year, month, 1) - datetime.timedelta(days=1)))
    made = IndicatorUpdate.objects.bulk_create(
        IndicatorUpdate(
            indicator=indicator,
            city=city,
            period_start=start,
            period_end=end,
            value=Decimal(int(rng.integers(1, 500))),
            status="approved",
            comment="Synthetic (recap demo --scale).",
        )
        for indicator in indicators
        for start, end in quarters
    )
    return len(made)


#: A synthetic plan's actions stand, in turn, done, on track, not started, at risk (set, with
#: a reason), delayed by a missed milestone, and on track again: every share of the
#: programme's side-by-side view has something.
PLAN_PATTERN = ("done", "on_track", "not_started", "at_risk", "delayed", "on_track")
#: The actions of each synthetic city's plan (`demo_scale_programme`).
PLAN_ACTIONS = 30


def synthetic_plan(city: City, actor: User, *, actions: int, today: datetime.date) -> Any:
    """An implementation plan of `city` over its first `actions` candidate actions, started
    300 days before `today`, as if a package had been endorsed then (a session, a run and
    an endorsed package stand behind it, as behind a real one), its actions at the states of
    `PLAN_PATTERN` in turn, each planned inside its window with two milestones. Written in
    bulk. None if the city has a plan already or no candidates."""
    from recap.implementation.models import ImplementationPlan, Milestone, PlanAction
    from recap.planning.models import ActionPackage, PackageVersion, Run
    from recap.planning.services import build_input

    candidates = list(CandidateAction.objects.filter(city=city).order_by("code")[:actions])
    if not candidates or ImplementationPlan.objects.filter(city=city).exists():
        return None
    day = datetime.timedelta(days=1)
    starts = today - 300 * day
    session = PrioritisationSession.objects.create(
        city=city,
        title=f"Synthetic plan workshop of {city.name}",
        budget_short_usd=1,
        budget_medium_usd=1,
        staff_fte=Decimal(1),
        created_by=actor,
    )
    session.candidates.set(candidates)
    codes = [c.code for c in candidates]
    # The run behind the package: its input as the engine gets it, and a result that chose
    # every action (not the engine's: no value, frontier or ranking computed), so that the
    # package's pages read as for any package.
    run = Run.objects.create(
        session=session,
        number=1,
        input=build_input(session),
        status="done",
        result={
            "values": dict.fromkeys(codes, 0.0),
            "ranking": [],
            "package": {
                "status": "optimal",
                "objective": 0.0,
                "bound": 0.0,
                "gap": 0.0,
                "selected": codes,
                "usage": {},
                "message": "Synthetic: every action chosen (recap demo --scale).",
            },
            "explanations": {},
            "frontiers": {},
            "rank_robustness": {},
        },
        created_by=actor,
    )
    package = ActionPackage.objects.create(
        session=session,
        city=city,
        name=f"Synthetic package of {city.name}",
        status=ActionPackage.Status.ENDORSED,
        endorsed_by=actor,
        endorsed_at=timezone.now() - 300 * day,
        created_by=actor,
    )
    version = PackageVersion.objects.create(
        package=package, number=1, run=run, selected=codes, objective=0, status="optimal"
    )
    plan = ImplementationPlan.objects.create(
        city=city,
        package=package,
        version=version,
        starts=starts,
        short_term_ends=starts + 730 * day,
        medium_term_ends=starts + 1825 * day,
        created_by=actor,
    )
    rows, milestones = [], []
    for i, candidate in enumerate(candidates):
        state = PLAN_PATTERN[i % len(PLAN_PATTERN)]
        start = starts + (400 if state == "not_started" else 30) * day
        action = PlanAction(
            plan=plan,
            candidate=candidate,
            code=candidate.code,
            lead_department=candidate.lead_department or "Synthetic department",
            planned_start=start,
            planned_end=start + 300 * day,
            actual_start=None if state == "not_started" else start,
            actual_end=today - 20 * day if state == "done" else None,
            set_status=state if state in ("done", "at_risk") else "on_track",
            status_reason="Synthetic: the contractor withdrew." if state == "at_risk" else "",
            progress={"done": 100, "not_started": 0, "delayed": 20}.get(state, 40),
            # The delayed action's progress was last approved before its first milestone.
            progress_on=None
            if state == "not_started"
            else start + 50 * day
            if state == "delayed"
            else today - 60 * day,
        )
        rows.append(action)
        for k in range(2):
            due = start + (100 + 150 * k) * day
            missed = state == "delayed" and k == 0
            reached = due < today and not missed
            milestones.append((action, f"Synthetic milestone {k + 1}", due, reached))
    PlanAction.objects.bulk_create(rows)  # sets each row's pk (SQLite, PostgreSQL)
    Milestone.objects.bulk_create(
        Milestone(action=a, title=title, due=due, done_on=due if reached else None)
        for a, title, due, reached in milestones
    )
    return plan


def demo_scale_programme(*, cities: int, concepts: int = 10) -> ProgrammeScaleSummary:
    """The programme's side of a network's scale, on the cities `demo_scale` added (the first
    `cities` of them): in each, `concepts` project concepts along the pipeline (those submitted
    shared with the Gap Fund, which the demo's funder speaks for), a year of values of every
    city-level reported indicator, a coordinator (`scale.coordinator.001`, the demo's
    password) and an implementation plan of `PLAN_ACTIONS` actions (`synthetic_plan`). Cities
    that have them already are left as they are."""
    from django.contrib.auth.hashers import make_password

    from recap.learning.search import index_rebuild
    from recap.pipeline.models import Facility, ProjectConcept

    people = demo_data("programme")
    password = make_password(people["password"])  # hashed once: a hundred people, one hash
    gap = Facility.objects.filter(code="gap-fund").first()
    today = timezone.localdate()
    admin = User.objects.get(username="admin")
    made = values = coordinators = plans = 0
    for k in range(1, cities + 1):
        city = City.objects.select_related("country").filter(slug=f"scale-city-{k:03d}").first()
        if city is None or ProjectConcept.objects.filter(city=city).exists():
            continue
        with transaction.atomic():
            made += synthetic_concepts(city, concepts, seed=k, shared_with=gap)
            values += synthetic_values(city, seed=k, today=today)
            if synthetic_plan(city, admin, actions=PLAN_ACTIONS, today=today) is not None:
                plans += 1
            username = f"scale.coordinator.{k:03d}"
            if not User.objects.filter(username=username).exists():
                user = User.objects.create(username=username, password=password)
                Membership.objects.create(user=user, role=Role.CITY_COORDINATOR, city=city)
                coordinators += 1
    if made:
        index_rebuild()
    return ProgrammeScaleSummary(
        cities=cities, concepts=made, values=values, coordinators=coordinators, plans=plans
    )
