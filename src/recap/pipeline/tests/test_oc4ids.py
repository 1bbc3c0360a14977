"""The OC4IDS export validates against OC4IDS 0.9.5 as far as a registry package brings it (the
project schema from ocdskit's sdist, 0.9.0-beta, with 0.9.5's codelists and package rules: see
oc4ids_095.py) and passes lib-cove-oc4ids's own checks: every stage, every kind, a package of
several projects. It says what ReCAP's record says, under the publisher's registered prefix,
at a URI that answers."""

from __future__ import annotations

from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings
from jsonschema import Draft4Validator

from recap.pipeline.concepts import attachment_add
from recap.pipeline.models import ProjectConcept
from recap.pipeline.oc4ids import STATUS, TYPE, NotConfigured, project_package
from recap.planning.models import ActionPackage
from recap.testing import World, concept_at

from . import oc4ids_095
from .conftest import fill, start

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    return oc4ids_095.validator(oc4ids_095.project_schema())


@pytest.fixture(scope="module")
def package_validator() -> Draft4Validator:
    return oc4ids_095.validator(oc4ids_095.package_schema())


@pytest.fixture(scope="module")
def cove() -> ModuleType:
    return oc4ids_095.lib_cove_checks()


def errors(validator: Draft4Validator, instance: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(instance)]


def check(package: dict[str, Any], package_validator: Draft4Validator, cove: ModuleType) -> None:
    """The whole package: the schema, lib-cove-oc4ids's checks, the codes of open codelists."""
    assert errors(package_validator, package) == []
    assert oc4ids_095.cove_problems(cove, package) == []
    for project in package["projects"]:
        assert {d["documentType"] for d in project.get("documents", [])} <= (
            oc4ids_095.DOCUMENT_TYPES
        )


def test_a_full_concept_validates(
    world: World,
    package: ActionPackage,
    package_validator: Draft4Validator,
    cove: ModuleType,
    client: Client,
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
    check(package_out, package_validator, cove)
    [project] = package_out["projects"]
    assert project["id"] == "oc4ids-xxxxxx-RW-KIGALI-001"
    assert project["status"] == "identification"
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
    [document] = project["documents"]
    assert document["format"] == "application/pdf" and document["documentType"] == "minutes"
    assert {"scheme": "ReCAP-hazard", "id": "flood_flash"} in project["additionalClassifications"]
    assert project["metrics"][0]["observations"][1]["measure"] == 17000.0
    assert package_out["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert package_out["publicationPolicy"].startswith("https://")
    # The document's URL is the document, for those who may read the concept.
    client.force_login(world.users["viewer_a"])
    response = client.get(urlsplit(document["url"]).path)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("stage", sorted(STATUS))
def test_every_stage_validates(
    world: World, package_validator: Draft4Validator, cove: ModuleType, stage: str
) -> None:
    """A bare concept at any stage: only what it holds, all of it valid."""
    concept = concept_at(world.city_a, "Bare", stage)
    package = project_package([ProjectConcept.objects.get(pk=concept.pk)])
    check(package, package_validator, cove)
    [project] = package["projects"]
    assert project["status"] in oc4ids_095.PROJECT_STATUS
    assert set(project) <= {"id", "updated", "title", "status", "publicAuthority", "parties"}


def test_a_completed_concept_is_in_completion(world: World) -> None:
    concept = concept_at(world.city_a, "Done", "completed")
    [project] = project_package([concept])["projects"]
    assert project["status"] == "completion"


@pytest.mark.parametrize("kind", [*sorted(TYPE), ""])
def test_every_kind_validates(
    world: World, package_validator: Draft4Validator, cove: ModuleType, kind: str
) -> None:
    concept = concept_at(world.city_a, "Kind", "drafted", kind=kind)
    package = project_package([concept])
    check(package, package_validator, cove)
    assert package["projects"][0].get("type") == TYPE.get(kind)


def test_a_package_of_several_projects_validates(
    world: World, package_validator: Draft4Validator, cove: ModuleType
) -> None:
    concepts = [
        concept_at(world.city_a, "One", "submitted", kind="new"),
        concept_at(world.city_a, "Two", "financed", kind="expansion"),
        concept_at(world.city_b, "Three", "completed"),
    ]
    uri = "https://recap.example.org/api/v1/pipeline/oc4ids?country=RW,BD"
    package = project_package(concepts, uri=uri)
    check(package, package_validator, cove)
    assert package["uri"] == uri and len({p["id"] for p in package["projects"]}) == 3
    with pytest.raises(ValueError, match="uri"):
        project_package(concepts)


def test_the_checks_catch_what_is_wrong(
    validator: Draft4Validator, package_validator: Draft4Validator, cove: ModuleType
) -> None:
    """The validators are not rubber stamps: 0.9.5's codes, no others, and lib-cove's prefix."""
    found = errors(validator, {"id": "x", "status": "completed", "type": "demolition"})
    assert len(found) == 2 and any("completed" in e for e in found)
    assert errors(validator, {"id": "x", "status": "completion", "type": "expansion"}) == []
    package = {
        "uri": "not a uri",
        "publishedDate": "2026-12-06T10:00:00+00:00",
        "version": "0.9.5",
        "publisher": {"name": "ReCAP"},
        "projects": [{"id": "recap-RW-KIGALI-001", "title": "Bare"}],
    }
    found = errors(package_validator, package)
    assert len(found) == 2 and any("uri" in e for e in found) and any("0.9.5" in e for e in found)
    [prefix] = oc4ids_095.cove_problems(cove, package)
    assert prefix["check_id"] == "invalid-project-ids"


def test_the_prefix_is_the_deployments_to_set(world: World) -> None:
    concept = concept_at(world.city_a, "Bare", "submitted")
    for prefix in ("", "recap", "oc4ids-ABCDEF", "oc4ids-abc"):
        with (
            override_settings(RECAP_OC4IDS_PREFIX=prefix),
            pytest.raises(NotConfigured, match="RECAP_OC4IDS_PREFIX"),
        ):
            project_package([concept])
    with override_settings(RECAP_OC4IDS_LICENSE="", RECAP_OC4IDS_PUBLICATION_POLICY=""):
        package = project_package([concept])
    assert "license" not in package and "publicationPolicy" not in package


def test_over_the_api(client: Client, world: World) -> None:
    concept = concept_at(world.city_a, "Bare", "submitted")
    client.force_login(world.users["viewer_a"])
    path = f"/api/v1/pipeline/concepts/{concept.pk}/oc4ids"
    body = client.get(path).json()
    assert body["version"] == "0.9" and body["projects"][0]["title"] == "Bare"
    # The package says where it is: the route that served it.
    assert body["uri"] == f"http://127.0.0.1:8000{path}"
    assert client.get(urlsplit(body["uri"]).path).json()["projects"] == body["projects"]
    client.force_login(world.users["editor_b"])
    assert client.get(path).status_code == 404
    # A deployment that has not set its registered prefix is told so, never given a 500.
    client.force_login(world.users["viewer_a"])
    with override_settings(RECAP_OC4IDS_PREFIX=""):
        refused = client.get(path)
    assert refused.status_code == 503
    assert "RECAP_OC4IDS_PREFIX" in refused.json()["detail"]
