"""The pipeline tests' setting: Kigali's endorsed package (from the prioritisation tests'
session), the shipped directory of facilities with the Gap Fund run by the world's funder, and
a way to fill a concept's record as far as a stage needs."""

from __future__ import annotations

from typing import Any

import pytest

from recap.accounts.models import Membership, Role, User
from recap.pipeline.concepts import concept_save, concept_start
from recap.pipeline.models import Facility, ProjectConcept, Rubric
from recap.pipeline.reviews import review_submit
from recap.pipeline.services import facilities_load_shipped
from recap.planning.models import ActionPackage
from recap.planning.tests.conftest import endorsed, session  # noqa: F401  (fixtures)
from recap.testing import World, make_user


@pytest.fixture
def package(world: World, session: Any) -> ActionPackage:  # noqa: F811
    return endorsed(world, session)


@pytest.fixture
def facilities(world: World) -> dict[str, Facility]:
    facilities_load_shipped()
    Facility.objects.filter(code="gap-fund").update(organisation=world.funder_org)
    return {f.code: f for f in Facility.objects.all()}


def start(world: World, package: ActionPackage, n: int = 1) -> ProjectConcept:
    version = package.current
    assert version is not None
    return concept_start(
        actor=world.users["editor_a"], version=version, codes=list(version.selected[:n])
    )


SCREENING = {
    "summary": "Vegetated channels carry storm water through the wetland's edge.",
    "problem": "Flash floods cut the city's eastern districts off twice a year.",
    "objectives": "Keep 40,000 people's homes and roads dry in a 1-in-10-year storm.",
    "location": "Nyabugogo wetland, Kigali",
    "applicant": "City of Kigali",
    "applicant_type": "local_government",
    "lead_department": "Infrastructure",
    "contact_name": "Eric Mugisha",
    "contact_email": "eric@example.org",
    "climate_objectives": ["adaptation", "drr"],
    "beneficiaries": 40000,
    "vulnerable_groups": "Informal settlements on the wetland's edge",
    "plan_fit": "Kigali Master Plan 2050, green city pillar",
}


def fill(world: World, concept: ProjectConcept, **more: Any) -> ProjectConcept:
    """The record filled as screening needs it, with one funding source."""
    rows = more.pop("rows", None) or {
        "funding_sources": [
            {"kind": "own", "name": "City budget", "amount": 50_000, "status": "secured"}
        ]
    }
    return concept_save(
        actor=world.users["editor_a"],
        concept=concept,
        values={**SCREENING, **more},
        rows=rows,
    )


def second_reviewer(world: World) -> User:
    """Another programme reviewer, from no city."""
    user = make_user("reviewer_two")
    Membership.objects.create(user=user, role=Role.REVIEWER, programme=world.programme)
    return user


def full_scores(score: int = 2) -> dict[str, dict[str, int]]:
    return {r.code: {c["code"]: score for c in r.criteria} for r in Rubric.objects.all()}


def reviewed(world: World, concept: ProjectConcept) -> None:
    """Two reviews of the concept's round, by reviewers from other cities."""
    for reviewer in (world.users["reviewer"], second_reviewer(world)):
        review_submit(actor=reviewer, concept=concept, scores=full_scores(), comment="Clear.")
