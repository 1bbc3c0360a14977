"""The prioritisation tests' shared setting: Kigali with a flood hazard, seven candidate
actions and a session over them."""

from __future__ import annotations

import pytest

from recap.catalogue.candidates import candidate_adopt
from recap.catalogue.models import CandidateAction, CatalogueAction
from recap.catalogue.services import catalogue_load_shipped
from recap.engine.value import CRITERIA
from recap.hazards.models import HazardType
from recap.hazards.services import city_hazard_add, hazard_taxonomy_load
from recap.planning.models import ActionPackage, PrioritisationSession, Run
from recap.planning.packages import package_endorse, package_save
from recap.planning.services import (
    session_create,
    session_run,
    session_update,
    stakeholder_weights_set,
)
from recap.testing import World

CODES = ["DRM-01", "DRM-02", "HLT-01", "HLT-04", "WAT-01", "NBS-02", "ECO-01"]


@pytest.fixture
def session(world: World) -> PrioritisationSession:
    hazard_taxonomy_load()
    catalogue_load_shipped()
    city_hazard_add(
        actor=world.users["editor_a"],
        city=world.city_a,
        hazard=HazardType.objects.get(code="flood_flash"),
        likelihood=5,
        impact=4,
        trend="rising",
    )
    for code in CODES:
        candidate_adopt(
            actor=world.users["editor_a"],
            city=world.city_a,
            source=CatalogueAction.objects.get(code=code),
        )
    return session_create(
        actor=world.users["editor_a"],
        city=world.city_a,
        title="Workshop",
        candidates=list(CandidateAction.objects.filter(city=world.city_a)),
        weights={
            "resilience": 40,
            "economy": 15,
            "equity": 15,
            "climate": 15,
            "health": 15,
            "feasibility": 10,
        },
        budget_short_usd=300_000,
        budget_medium_usd=3_000_000,
        staff_fte=5,
        min_per_sector={"health": 1},
        max_actions=4,
        must_include=["DRM-01"],
    )


def mayor_and_finance(world: World, session: PrioritisationSession) -> None:
    """Two stakeholders who disagree: the mayor weighs resilience, finance the economy."""
    for name, points in [("Mayor", [60, 10, 10, 10, 10, 0]), ("Finance", [10, 60, 10, 10, 10, 0])]:
        stakeholder_weights_set(
            actor=world.users["editor_a"],
            session=session,
            name=name,
            weights=dict(zip(CRITERIA, map(float, points), strict=True)),
        )


def base_url(session: PrioritisationSession) -> str:
    """A session's page (runs, stakeholders and the rest hang below it)."""
    return f"/cities/kigali/workspace/prioritisation/{session.pk}/"


def endorsed(world: World, session: PrioritisationSession) -> ActionPackage:
    """The session's first run, saved as a package and endorsed by Kigali's coordinator."""
    run = session_run(actor=world.users["editor_a"], session=session)
    package = package_save(actor=world.users["editor_a"], run=run, name="Kigali package")
    return package_endorse(actor=world.users["coordinator_a"], package=package, note="Agreed.")


def rerun(world: World, session: PrioritisationSession, budget: int) -> Run:
    """Another run of the session, with a budget of its own (an identical one is not queued)."""
    session_update(
        actor=world.users["editor_a"],
        session=session,
        candidates=list(session.candidates.all()),
        budget_short_usd=budget,
    )
    return session_run(actor=world.users["editor_a"], session=session)
