"""The OC4IDS export validates against the OC4IDS project schema that a registry package ships
(ocdskit's sdist: 0.9.0-beta; `make install` brings it with scripts/ensure-oc4ids-schema), and
says what ReCAP's record says."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from jsonschema import Draft4Validator

from recap.pipeline.concepts import attachment_add
from recap.pipeline.models import ProjectConcept
from recap.pipeline.oc4ids import STATUS, project_package
from recap.planning.models import ActionPackage
from recap.testing import World, concept_at

from .conftest import fill, start

pytestmark = pytest.mark.django_db

SCHEMA = Path(
    os.environ.get(
        "RECAP_OC4IDS_SCHEMA", Path(settings.BASE_DIR) / "var" / "oc4ids" / "project-schema.json"
    )
)


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    assert SCHEMA.exists(), f"{SCHEMA} is missing: run make install (scripts/ensure-oc4ids-schema)"
    schema = json.loads(SCHEMA.read_text("utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def errors(validator: Draft4Validator, project: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(project)]


def test_a_full_concept_validates(
    world: World, package: ActionPackage, validator: Draft4Validator
) -> None:
    from recap.core.tests.test_documents import MINIMAL_PDF

    concept = fill(world, start(world, package, n=2), kind="rehabilitation")
    fill(
        world,
        concept,
        rows={
            "funding_sources": [
                {"kind": "own", "name": "City budget", "amount": 50_000, "status": "secured"},
                {"kind": "grant", "name": "Donor", "amount": 80_000, "status": "sought"},
            ],
            "indicators": [
                {
                    "name": "Households protected",
                    "unit": "households",
                    "baseline": 0,
                    "target": 17000,
                }
            ],
        },
    )
    attachment_add(
        actor=world.users["editor_a"],
        concept=concept,
        role="council",
        title="Council decision",
        data=MINIMAL_PDF,
        filename="decision.pdf",
    )
    package_out = project_package([concept])
    [project] = package_out["projects"]
    assert errors(validator, project) == []
    assert project["id"] == "recap-RW-KIGALI-001" and project["status"] == "identification"
    assert project["type"] == "rehabilitation"
    assert project["budget"]["amount"] == {
        "amount": sum(s.candidate.local_cost_usd for s in concept.sources.all()),
        "currency": "USD",
    }
    roles = {p["name"]: p["roles"] for p in project["parties"]}
    assert roles == {
        "City of Kigali": ["publicAuthority"],
        "City budget": ["funder"],
    }  # sought: not yet
    assert project["documents"][0]["format"] == "application/pdf"
    assert {"scheme": "ReCAP-hazard", "id": "flood_flash"} in project["additionalClassifications"]
    assert project["metrics"][0]["observations"][1]["measure"] == 17000.0


@pytest.mark.parametrize("stage", sorted(STATUS))
def test_every_stage_validates(world: World, validator: Draft4Validator, stage: str) -> None:
    """A bare concept at any stage: only what it holds, all of it valid."""
    concept = concept_at(world.city_a, "Bare", stage)
    [project] = project_package([ProjectConcept.objects.get(pk=concept.pk)])["projects"]
    assert errors(validator, project) == []
    assert set(project) <= {"id", "updated", "title", "status", "publicAuthority", "parties"}


def test_the_schema_catches_what_is_wrong(validator: Draft4Validator) -> None:
    """The validator is not a rubber stamp: a wrong status and a wrong type are named."""
    found = errors(validator, {"id": "x", "status": "financed", "type": "demolition"})
    assert len(found) == 2 and any("financed" in e for e in found)


def test_over_the_api(client: Client, world: World) -> None:
    concept = concept_at(world.city_a, "Bare", "submitted")
    client.force_login(world.users["viewer_a"])
    body = client.get(f"/api/v1/pipeline/concepts/{concept.pk}/oc4ids").json()
    assert body["version"] == "0.9" and body["projects"][0]["title"] == "Bare"
    client.force_login(world.users["editor_b"])
    assert client.get(f"/api/v1/pipeline/concepts/{concept.pk}/oc4ids").status_code == 404
