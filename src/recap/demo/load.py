"""Load the demo programme, once.

`demo_load` fills a database that does not have the demo yet. Once it is there, people work in
it (change passwords, add team members, edit registers and packages): `recap demo` then
changes nothing. Only `recap demo --reset` empties the database and loads the demo afresh."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

from django.db import transaction

from recap.accounts.models import Membership, Role, User
from recap.assessments.models import Assessment, Framework, Question
from recap.assessments.services import (
    AnswerInput,
    answers_save,
    assessment_complete,
    assessment_start,
    framework_load_shipped,
)
from recap.catalogue.candidates import candidate_adopt
from recap.catalogue.models import CandidateAction, CatalogueAction
from recap.catalogue.services import catalogue_load_shipped
from recap.cities.models import City, Country, Organisation, Programme
from recap.engine.value import CRITERIA, DEFAULT_WEIGHTS
from recap.hazards.models import CityHazard, HazardType
from recap.hazards.services import city_hazard_add, hazard_taxonomy_load
from recap.pipeline.services import facilities_load_shipped
from recap.planning.models import PrioritisationSession
from recap.planning.packages import package_endorse, package_save
from recap.planning.services import session_create, session_run, stakeholder_weights_set
from recap.planning.tasks import robustness_execute, run_execute

from . import data
from .learning import demo_lessons
from .pipeline import demo_pipeline
from .results import demo_results


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    scope: str


def offices_load() -> int:
    """The network's secretariats and offices, from the directory file shipped in the package."""
    raw = resources.files("recap.cities").joinpath("data/offices.json").read_text("utf-8")
    rows = json.loads(raw)
    for row in rows:
        Organisation.objects.update_or_create(
            name=row["name"],
            kind=row["kind"],
            defaults={
                "region": row["region"],
                "country": Country.objects.get(iso2=row["country"]),
                "locality": row["locality"],
                "address": row["address"],
            },
        )
    return len(rows)


def demo_loaded() -> bool:
    return Programme.objects.filter(slug=data.PROGRAMME["slug"]).exists()


def demo_accounts() -> list[DemoAccount]:
    """The demo's people as the data names them (no database read)."""
    accounts = []
    for username, _first, _last, role, scope in data.USERS:
        if role == "platform_admin":
            role_label, label = "Platform admin", "whole platform"
        elif role in (Role.PROGRAMME_MANAGER, Role.REVIEWER):
            role_label, label = str(Role(role).label), str(data.PROGRAMME["short_name"])
        else:
            role_label, label = str(Role(role).label), _scope_label(str(scope))
        accounts.append(DemoAccount(username, data.DEMO_PASSWORD, role_label, label))
    return accounts


def _scope_label(scope: str) -> str:
    city = next((c for c in data.CITIES if c["slug"] == scope), None)
    return str(city["name"]) if city else scope


#: The pilot cities' summary and context in French (the demo's own words, like the English).
CITIES_FR = json.loads(resources.files("recap.demo").joinpath("cities_fr.json").read_text("utf-8"))


@transaction.atomic
def demo_load() -> list[DemoAccount]:
    """Load the demo into a database that does not have it (see `demo_loaded`)."""
    countries = {}
    for name, iso2, region in data.COUNTRIES:
        countries[iso2], _ = Country.objects.update_or_create(
            iso2=iso2,
            defaults={"name": name, "name_fr": data.COUNTRY_NAMES_FR[iso2], "region": region},
        )
    offices_load()

    partners = []
    for name, kind, iso2, description in data.PARTNERS:
        org, _ = Organisation.objects.update_or_create(
            name=name,
            kind=kind,
            defaults={"country": countries.get(iso2), "description": description},
        )
        partners.append(org)
    name, kind, iso2, description = data.DONOR
    donor, _ = Organisation.objects.update_or_create(
        name=name, kind=kind, defaults={"country": countries[iso2], "description": description}
    )
    funders = {}
    for name, description in data.FUNDERS:
        funders[name], _ = Organisation.objects.update_or_create(
            name=name, kind=Organisation.Kind.FUNDER, defaults={"description": description}
        )

    cities = {}
    for c in data.CITIES:
        iso2 = str(c["country"])
        government, _ = Organisation.objects.update_or_create(
            name=c["government"],
            kind=Organisation.Kind.CITY_GOVERNMENT,
            defaults={"country": countries[iso2]},
        )
        city, _ = City.objects.update_or_create(
            slug=c["slug"],
            defaults={
                "name": c["name"],
                "country": countries[iso2],
                "population": c["population"],
                "population_year": c["population_year"],
                "latitude": Decimal(str(c["latitude"])),
                "longitude": Decimal(str(c["longitude"])),
                "regional_office": Organisation.objects.get(
                    name=c["office"], kind__in=Organisation.OFFICE_KINDS
                ),
                "government": government,
                "summary": c["summary"],
                "context": c["context"],
                "summary_fr": CITIES_FR[c["slug"]]["summary"],
                "context_fr": CITIES_FR[c["slug"]]["context"],
            },
        )
        city.full_clean()
        cities[city.slug] = city

    p = data.PROGRAMME
    programme, _ = Programme.objects.update_or_create(
        slug=p["slug"], defaults={k: v for k, v in p.items() if k != "slug"} | {"donor": donor}
    )
    programme.full_clean()
    programme.countries.set([countries["RW"], countries["BD"], countries["MR"]])
    programme.cities.set(cities.values())
    programme.implementers.set(partners)

    for username, first, last, role, scope in data.USERS:
        user = User.objects.create_user(
            username=username,
            email=f"{username}@demo.recap.localhost",
            password=data.DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            is_staff=role == "platform_admin",
            is_superuser=role == "platform_admin",
        )
        if role in (Role.CITY_VIEWER, Role.CITY_EDITOR, Role.CITY_COORDINATOR):
            Membership.objects.create(user=user, role=role, city=cities[str(scope)])
        elif role in (Role.PROGRAMME_MANAGER, Role.REVIEWER):
            Membership.objects.create(user=user, role=role, programme=programme)
        elif role == Role.FUNDER:
            user.organisation = funders[str(scope)]
            user.save(update_fields=["organisation"])
            Membership.objects.create(user=user, role=role, organisation=funders[str(scope)])

    _demo_baseline(cities)
    return demo_accounts()


def _demo_baseline(cities: dict[str, City]) -> None:
    hazard_taxonomy_load()
    catalogue_load_shipped()
    facilities_load_shipped()
    _demo_hazards(cities)
    _demo_candidates(cities)
    _demo_assessments(cities["kigali"])
    _demo_session(cities["kigali"])
    demo_pipeline(cities)
    demo_results(Programme.objects.get(slug=data.PROGRAMME["slug"]), cities)
    demo_lessons(cities)


def _demo_session(city: City) -> None:
    """Kigali's prioritisation workshop, with three stakeholders and a first run."""
    if PrioritisationSession.objects.filter(city=city).exists():
        return
    admin = User.objects.get(username="admin")
    session = session_create(
        actor=admin,
        city=city,
        title="Resilient recovery workshop",
        candidates=list(CandidateAction.objects.filter(city=city)),
        weights=dict(DEFAULT_WEIGHTS),
        budget_short_usd=600_000,
        budget_medium_usd=9_000_000,
        staff_fte=12,
        min_per_sector={"health": 1, "drm": 1},
        max_actions=7,
    )
    for name, weights in [
        ("Chief Resilience Officer", [40, 10, 15, 15, 15, 5]),
        ("Finance department", [25, 30, 10, 10, 10, 15]),
        ("Community representatives", [25, 15, 30, 5, 15, 10]),
    ]:
        stakeholder_weights_set(
            actor=admin,
            session=session,
            name=name,
            weights=dict(zip(CRITERIA, map(float, weights), strict=True)),
        )
    run = session_run(actor=admin, session=session)
    # The demo is ready at once: compute here what the background worker would.
    run_execute(run)
    for job in run.robustness_jobs.all():
        robustness_execute(job)
    run.refresh_from_db()
    package = package_save(
        actor=admin,
        run=run,
        name="Kigali resilient recovery package 2026",
        rationale=(
            "The workshop's choice: the best total value within both budgets and the staff the "
            "city has, with early warning and primary health care in the first two years."
        ),
    )
    package_endorse(
        actor=User.objects.get(username="kigali.coordinator"),
        package=package,
        note=(
            "Endorsed after the workshop: the package is the best value the short- and medium-term "
            "budgets allow, covers health and disaster risk management, and every stakeholder's "
            "weighting ranks its leading actions highly."
        ),
    )


def _demo_assessments(city: City) -> None:
    """Kigali: a completed baseline and a completed follow-up a year later, so progress shows."""
    framework_load_shipped()
    admin = User.objects.get(username="admin")
    framework = Framework.objects.get(code="ten-essentials-preliminary")
    questions = list(Question.objects.filter(framework=framework).order_by("order"))
    for title, lift in [("Preliminary scorecard 2022", 0), ("Preliminary scorecard 2023", 1)]:
        if Assessment.objects.filter(city=city, title=title).exists():
            continue
        assessment = assessment_start(
            actor=admin,
            city=city,
            framework=framework,
            title=title,
            respondents="Chief Resilience Officer\nCity planning\nHealth department\nFinance",
        )
        # A plausible profile: foundational essentials stronger, recovery weakest.
        answers = {
            q.code: AnswerInput(
                score=min(
                    3,
                    (i * 7 + 3) % 4 // (2 if q.dimension.code in ("E09", "E10") else 1)
                    + (lift if i % 3 == 0 else 0),
                )
            )
            for i, q in enumerate(questions)
        }
        answers_save(actor=admin, assessment=assessment, answers=answers)
        assessment_complete(actor=admin, assessment=assessment)


def _demo_candidates(cities: dict[str, City]) -> None:
    admin = User.objects.get(username="admin")
    for slug, codes in data.CANDIDATES.items():
        for code in codes:
            if not CandidateAction.objects.filter(city=cities[slug], code=code).exists():
                source = CatalogueAction.objects.get(code=code)
                candidate_adopt(actor=admin, city=cities[slug], source=source)


def _demo_hazards(cities: dict[str, City]) -> None:
    admin = User.objects.get(username="admin")
    for slug, entries in data.HAZARDS.items():
        for code, likelihood, impact, trend, groups, areas in entries:
            if CityHazard.objects.filter(city=cities[slug], hazard__code=code).exists():
                continue
            city_hazard_add(
                actor=admin,
                city=cities[slug],
                hazard=HazardType.objects.get(code=code),
                likelihood=likelihood,
                impact=impact,
                trend=trend,
                affected_groups=groups,
                affected_areas=areas,
            )
