"""Load the demo programme, once.

`demo_load` fills a database that does not have the demo yet. Once it is there, people work in
it (change passwords, add team members, edit registers and packages): `recap demo` then
changes nothing. Only `recap demo --reset` empties the database and loads the demo afresh.

What it loads is in `data/` (programme.json, cities.json, planning.json here, and the packages of
implementation.json; the pipeline, the results, the implementation plans and the peer learning
and the resident vote in their own modules); this module only writes it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils import translation

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
from recap.planning.futures import future_set
from recap.planning.models import PrioritisationSession
from recap.planning.packages import package_endorse, package_save
from recap.planning.services import (
    session_create,
    session_run,
    session_update,
    stakeholder_weights_set,
)
from recap.planning.tasks import robustness_execute, run_execute

from .content import demo_data, demo_data_check
from .implementation import demo_plans
from .learning import demo_lessons
from .pipeline import demo_pipeline
from .results import demo_results
from .votes import demo_votes


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
                # Contact details with where they were read and when (cities/data/offices.json).
                "phone": row.get("phone", ""),
                "email": row.get("email", ""),
                "website": row.get("website", ""),
                "contact_source": row.get("source", ""),
                "contact_checked": date.fromisoformat(row["checked"])
                if row.get("checked")
                else None,
                "contact_note": row.get("note", ""),
            },
        )
    return len(rows)


def demo_loaded() -> bool:
    return Programme.objects.filter(slug=demo_data("programme")["programme"]["slug"]).exists()


def demo_accounts() -> list[DemoAccount]:
    """The demo's people as the data names them (no database read)."""
    people = demo_data("programme")
    cities = {c["slug"]: c["name"] for c in demo_data("cities")["cities"]}
    accounts = []
    for user in people["users"]:
        role, scope = user["role"], user["scope"]
        if role == "platform_admin":
            role_label, label = "Platform admin", "whole platform"
        elif role in (Role.PROGRAMME_MANAGER, Role.REVIEWER):
            role_label, label = str(Role(role).label), people["programme"]["short_name"]
        else:
            role_label, label = str(Role(role).label), cities.get(str(scope), str(scope))
        accounts.append(DemoAccount(user["username"], people["password"], role_label, label))
    return accounts


@transaction.atomic
def demo_load() -> list[DemoAccount]:
    """Load the demo into a database that does not have it (see `demo_loaded`)."""
    demo_data_check()
    people = demo_data("programme")
    countries = {}
    for c in people["countries"]:
        countries[c["iso2"]], _ = Country.objects.update_or_create(
            iso2=c["iso2"],
            defaults={"name": c["name_en"], "name_fr": c["name_fr"], "region": c["region"]},
        )
    offices_load()

    partners = []
    for p in people["partners"]:
        org, _ = Organisation.objects.update_or_create(
            name=p["name"],
            kind=p["kind"],
            defaults={"country": countries.get(p["country"]), "description": p["description"]},
        )
        partners.append(org)
    d = people["donor"]
    donor, _ = Organisation.objects.update_or_create(
        name=d["name"],
        kind=d["kind"],
        defaults={"country": countries[d["country"]], "description": d["description"]},
    )
    funders = {}
    for f in people["funders"]:
        funders[f["name"]], _ = Organisation.objects.update_or_create(
            name=f["name"],
            kind=Organisation.Kind.FUNDER,
            defaults={"description": f["description"]},
        )

    cities = {}
    places = demo_data("cities")["cities"]
    for c in places:
        iso2 = c["country"]
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
                "latitude": Decimal(c["latitude"]),
                "longitude": Decimal(c["longitude"]),
                "regional_office": Organisation.objects.get(
                    name=c["office"], kind__in=Organisation.OFFICE_KINDS
                ),
                "government": government,
                "summary": c["summary_en"],
                "context": c["context_en"],
                "summary_fr": c["summary_fr"],
                "context_fr": c["context_fr"],
            },
        )
        city.full_clean()
        cities[city.slug] = city

    p = people["programme"]
    programme, _ = Programme.objects.update_or_create(
        slug=p["slug"],
        defaults={k: v for k, v in p.items() if k not in ("slug", "countries")} | {"donor": donor},
    )
    programme.full_clean()
    programme.countries.set([countries[iso2] for iso2 in p["countries"]])
    programme.cities.set(cities.values())
    programme.implementers.set(partners)

    for u in people["users"]:
        role, scope = u["role"], u["scope"]
        user = User.objects.create_user(
            username=u["username"],
            email=f"{u['username']}@demo.recap.localhost",
            password=people["password"],
            first_name=u["first_name"],
            last_name=u["last_name"],
            is_staff=role == "platform_admin",
            is_superuser=role == "platform_admin",
        )
        if role in (Role.CITY_VIEWER, Role.CITY_EDITOR, Role.CITY_COORDINATOR):
            Membership.objects.create(user=user, role=role, city=cities[scope])
        elif role in (Role.PROGRAMME_MANAGER, Role.REVIEWER):
            Membership.objects.create(user=user, role=role, programme=programme)
        elif role == Role.FUNDER:
            user.organisation = funders[scope]
            user.save(update_fields=["organisation"])
            Membership.objects.create(user=user, role=role, organisation=funders[scope])

    _demo_baseline(cities, places)
    return demo_accounts()


def _demo_baseline(cities: dict[str, City], places: list[dict[str, Any]]) -> None:
    hazard_taxonomy_load()
    catalogue_load_shipped()
    facilities_load_shipped()
    _demo_hazards(cities, places)
    _demo_candidates(cities, places)
    planning = demo_data("planning")
    _demo_assessments(cities, planning["assessments"])
    _demo_session(cities, planning["session"])
    demo_pipeline(cities)
    implementation = demo_data("implementation")
    languages = {place["slug"]: place.get("language", "en") for place in places}
    for spec in implementation["packages"]:  # Rajshahi's and Sebkha's: endorsed, so planned
        with translation.override(languages[spec["city"]]):
            _demo_session(cities, spec)
    # Before the results, so that the donor report they issue counts every endorsement (the
    # actions that follow a measure follow it whenever it is written).
    demo_plans(cities, implementation["plans"], languages)
    demo_results(Programme.objects.get(slug=demo_data("programme")["programme"]["slug"]), cities)
    demo_lessons(cities)
    demo_votes(cities)


def _demo_session(cities: dict[str, City], spec: dict[str, Any]) -> None:
    """The prioritisation workshop, with its stakeholders, a first run and the package the city
    endorsed."""
    city = cities[spec["city"]]
    if PrioritisationSession.objects.filter(city=city).exists():
        return
    admin = User.objects.get(username="admin")
    session = session_create(
        actor=admin,
        city=city,
        title=spec["title"],
        candidates=list(CandidateAction.objects.filter(city=city)),
        weights=dict(DEFAULT_WEIGHTS),
        budget_short_usd=spec["budget_short_usd"],
        budget_medium_usd=spec["budget_medium_usd"],
        staff_fte=spec["staff_fte"],
        min_per_sector=spec["min_per_sector"],
        max_actions=spec["max_actions"],
    )
    for stakeholder in spec["stakeholders"]:
        weights = stakeholder["weights"]  # points per criterion, all of them (the schema's)
        stakeholder_weights_set(
            actor=admin,
            session=session,
            name=stakeholder["name"],
            weights={c: float(weights[c]) for c in CRITERIA},
        )
    run = session_run(actor=admin, session=session)
    # The demo is ready at once: compute here what the background worker would.
    run_execute(run)
    for job in run.robustness_jobs.all():
        robustness_execute(job)
    run.refresh_from_db()
    package = package_save(
        actor=admin, run=run, name=spec["package"]["name"], rationale=spec["package"]["rationale"]
    )
    package_endorse(
        actor=User.objects.get(username=spec["endorsement"]["by"]),
        package=package,
        note=spec["endorsement"]["note"],
    )
    if spec.get("second_run"):
        _demo_second_run(session, spec["second_run"])


def _demo_second_run(session: PrioritisationSession, spec: dict[str, Any]) -> None:
    """After the endorsement: what if two actions of each budget overrun at once, and in two
    other futures? A second run, with its budget risk, price of robustness and regrets."""
    admin = User.objects.get(username="admin")
    for future in spec["futures"]:
        future_set(
            actor=admin,
            session=session,
            name=future["name"],
            hazards={code: (pair[0], pair[1]) for code, pair in future["hazards"].items()},
        )
    session.refresh_from_db()
    session_update(
        actor=admin,
        session=session,
        candidates=list(session.candidates.all()),
        gamma_short=spec["gamma_short"],
        gamma_medium=spec["gamma_medium"],
    )
    run = session_run(actor=admin, session=session)
    run_execute(run)
    for job in run.robustness_jobs.all():
        robustness_execute(job)


def _demo_assessments(cities: dict[str, City], spec: dict[str, Any]) -> None:
    """A completed baseline and a completed follow-up a year later, so progress shows."""
    framework_load_shipped()
    city = cities[spec["city"]]
    admin = User.objects.get(username="admin")
    framework = Framework.objects.get(code=spec["framework"])
    questions = list(Question.objects.filter(framework=framework).order_by("order"))
    for round_ in spec["rounds"]:
        title, lift = round_["title"], round_["lift"]
        if Assessment.objects.filter(city=city, title=title).exists():
            continue
        assessment = assessment_start(
            actor=admin,
            city=city,
            framework=framework,
            title=title,
            respondents=spec["respondents"],
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


def _demo_candidates(cities: dict[str, City], places: list[dict[str, Any]]) -> None:
    """The catalogue actions each city has adopted as candidates, in the language its team
    works in (the catalogue's French for Sebkha's)."""
    admin = User.objects.get(username="admin")
    for place in places:
        city = cities[place["slug"]]
        with translation.override(place.get("language", "en")):
            for code in place["candidates"]:
                if not CandidateAction.objects.filter(city=city, code=code).exists():
                    source = CatalogueAction.objects.get(code=code)
                    candidate_adopt(actor=admin, city=city, source=source)


def _demo_hazards(cities: dict[str, City], places: list[dict[str, Any]]) -> None:
    """Each city's register of shocks and stresses."""
    admin = User.objects.get(username="admin")
    for place in places:
        city = cities[place["slug"]]
        for entry in place["hazards"]:
            code = entry["hazard"]
            if CityHazard.objects.filter(city=city, hazard__code=code).exists():
                continue
            city_hazard_add(
                actor=admin,
                city=city,
                hazard=HazardType.objects.get(code=code),
                likelihood=entry["likelihood"],
                impact=entry["impact"],
                trend=entry["trend"],
                affected_groups=entry["affected_groups"],
                affected_areas=entry["affected_areas"],
            )
