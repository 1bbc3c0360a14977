"""The concept pages as people use them: from the package's page to a concept, its record
edited (and refused when wrong), its moves and their refusals, the programme's board, and a
funder's interest seen by the city."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from recap.pipeline.concepts import concept_share
from recap.pipeline.models import ConceptMove, Facility, FunderMessage, ProjectConcept, Stage
from recap.planning.models import ActionPackage
from recap.testing import World, concept_at

from .conftest import SCREENING, start

pytestmark = pytest.mark.django_db


def login(client: Client, world: World, role: str) -> Client:
    client.force_login(world.users[role])
    return client


def _management(prefix: str, total: int = 0) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "30",
    }


def record_post(**more: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Green drainage",
        "currency": "USD",
        "council_approval": "none",
        **SCREENING,
    }
    for prefix in ("funding", "preparation", "indicators", "studies"):
        data |= _management(prefix)
    data.update(more)
    return data


def test_from_the_package_page_to_a_concept(
    client: Client, world: World, package: ActionPackage
) -> None:
    login(client, world, "editor_a")
    page = client.get(package.get_absolute_url()).content.decode()
    assert "Start a concept from one or more of its actions" in page
    version = package.current
    assert version is not None
    response = client.post(
        f"/cities/kigali/workspace/concepts/from-package/{package.pk}/",
        {"actions": version.selected[:2], "title": "Wetland corridor"},
    )
    concept = ProjectConcept.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{concept.pk}/edit/")
    assert concept.title == "Wetland corridor" and concept.sources.count() == 2
    # The package's page lists it; a viewer sees it but is not offered the form.
    assert "Wetland corridor" in client.get(package.get_absolute_url()).content.decode()
    login(client, world, "viewer_a")
    page = client.get(package.get_absolute_url()).content.decode()
    assert "Wetland corridor" in page and "Start a concept from" not in page
    # An action from outside the package is refused with its code, and nothing is made.
    login(client, world, "editor_a")
    response = client.post(
        f"/cities/kigali/workspace/concepts/from-package/{package.pk}/", {"actions": ["NOPE-1"]}
    )
    assert response.status_code == 302
    assert ProjectConcept.objects.count() == 1


def test_the_record_is_edited_in_one_form_with_its_rows(
    client: Client, world: World, package: ActionPackage
) -> None:
    concept = start(world, package)
    login(client, world, "editor_a")
    url = f"/cities/kigali/workspace/concepts/{concept.pk}/edit/"
    page = client.get(url).content.decode()
    for heading in ("Identity", "Substance", "Maturity", "Money", "Results"):
        assert f"<h2>{heading}</h2>" in page
    assert "<h2>Funding sources <span" in page and "<h2>Studies done</h2>" in page
    data = record_post(
        **_management("funding", 1),
        **{
            "funding-0-kind": "own",
            "funding-0-name": "City budget",
            "funding-0-amount": "50,000",
            "funding-0-status": "secured",
        },
        **_management("preparation", 1),
        **{"preparation-0-item": "feasibility", "preparation-0-amount": "120000"},
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    concept.refresh_from_db()
    assert concept.applicant == "City of Kigali"
    assert list(concept.funding_sources.values_list("amount", flat=True)) == [50_000]
    assert list(concept.preparation_costs.values_list("amount", flat=True)) == [120_000]
    detail = client.get(concept.get_absolute_url()).content.decode()
    assert "City budget" in detail and "120,000" in detail

    # Bad input: a field named, nothing written.
    bad = record_post(sub_sectors=["health", "energy", "food"], contact_email="not-an-address")
    response = client.post(url, bad)
    body = response.content.decode()
    assert response.status_code == 400
    assert "At most two sub-sectors." in body and "Enter a valid email address." in body
    concept.refresh_from_db()
    assert concept.sub_sectors == [] and concept.contact_email == SCREENING["contact_email"]
    bad_row = record_post(
        **_management("funding", 1),
        **{"funding-0-kind": "own", "funding-0-name": "X", "funding-0-amount": "-5"},
    )
    response = client.post(url, bad_row)
    assert response.status_code == 400
    assert list(concept.funding_sources.values_list("amount", flat=True)) == [50_000]
    # Someone else's city: not found; a viewer: forbidden.
    login(client, world, "editor_b")
    assert client.post(url, record_post()).status_code == 404
    login(client, world, "viewer_a")
    assert client.post(url, record_post()).status_code == 403


def test_moves_from_the_page_say_what_is_missing(
    client: Client, world: World, package: ActionPackage
) -> None:
    concept = start(world, package)
    login(client, world, "editor_a")
    detail = concept.get_absolute_url()
    page = client.get(detail).content.decode()
    assert "Mark as drafted" in page and "Short description is empty" in page
    response = client.post(f"{detail}move/", {"to": "drafted"}, follow=True)
    assert "Not yet: Short description is empty" in response.content.decode()
    assert ProjectConcept.objects.get(pk=concept.pk).stage == Stage.CANDIDATE
    # A move that does not exist from here, and one for someone else: refused.
    response = client.post(f"{detail}move/", {"to": "financed"}, follow=True)
    assert "cannot move to financed" in response.content.decode()
    assert client.post(f"{detail}move/", {"to": "on_hold", "reason": "x"}).status_code == 403
    assert ConceptMove.objects.filter(concept=concept).count() == 1


def test_the_programme_board(client: Client, world: World) -> None:
    concept_at(world.city_a, "A", "submitted")
    concept_at(world.city_a, "B", "drafted")
    concept_at(world.city_b, "C", "financed")
    login(client, world, "manager")
    page = client.get("/pipeline/").content.decode()
    assert "Submitted per country, against the target" in page
    assert page.count('aria-label="1 / 2"') == 2  # Rwanda: A; Bangladesh: C
    assert "Accept: screened" in page  # B, drafted: its gate lists what is missing
    assert "RW-KIGALI-T002" in page
    filtered = client.get("/pipeline/?country=BD").content.decode()
    assert "RW-KIGALI-T002" not in filtered and "BD-RAJSHAHI-T001" in filtered
    login(client, world, "editor_a")
    assert client.get("/pipeline/").status_code == 403


def test_a_funder_expresses_interest_and_the_city_sees_it(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    concept = concept_at(world.city_a, "Wetlands", "submitted", applicant_type="local_government")
    hidden = concept_at(world.city_a, "Not shared", "submitted")
    concept_share(actor=world.users["manager"], concept=concept, facility=facilities["gap-fund"])
    login(client, world, "funder")
    listing = client.get("/pipeline/shared/").content.decode()
    assert "Wetlands" in listing and "Not shared" not in listing
    assert client.get(f"/pipeline/shared/{hidden.pk}/").status_code == 404
    # The funder cannot open the city's own page for it: its address leads to the funder's.
    assert client.get(concept.get_absolute_url())["Location"] == f"/pipeline/shared/{concept.pk}/"
    assert client.get(hidden.get_absolute_url()).status_code == 404
    response = client.post(
        f"/pipeline/shared/{concept.pk}/", {"kind": "interest", "text": "We can help."}
    )
    assert response.status_code == 302
    response = client.post(f"/pipeline/shared/{concept.pk}/", {"kind": "interest", "text": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert FunderMessage.objects.filter(concept=concept).count() == 1
    login(client, world, "editor_a")
    page = client.get(concept.get_absolute_url()).content.decode()
    assert "Expression of interest" in page and "We can help." in page
    response = client.post(f"{concept.get_absolute_url()}reply/gap-fund/", {"text": "Thank you."})
    assert response.status_code == 302
    assert FunderMessage.objects.filter(concept=concept, kind="reply").count() == 1
    login(client, world, "funder")
    assert "Thank you." in client.get(f"/pipeline/shared/{concept.pk}/").content.decode()


def test_matches_page_lists_every_facility_with_reasons(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted", applicant_type="local_government")
    login(client, world, "viewer_a")
    page = client.get(f"{concept.get_absolute_url()}matches/").content.decode()
    for f in facilities.values():
        assert f.name in page
    assert "Rwanda is on the OECD DAC list of ODA recipients" in page
    assert "Say what preparation it has reached" in page
