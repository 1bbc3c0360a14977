"""The demo as large as a city network grows: many cities, each with a register, many candidate
actions and a prioritisation session (`recap demo --scale 100`), for load tests, benchmarks and
the tests that run real workers.

Everything here is synthetic and says so: the cities are "Scale city 001"… in the demo's
programme countries, each with an editor (`scale.editor.001`, the demo's password); candidate
actions are drawn at random, seeded, with costs, staff, co-benefits, hazards and phases in the
ranges of the shipped catalogue. The same arguments give the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db import transaction

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
