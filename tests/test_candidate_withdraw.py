"""Withdrawing a candidate action: the city's editors take one off its list (audited, with its
reason), unless something the city committed to holds it; every refusal names its reason and
changes nothing. Wrong role, wrong city and bad input are refused the same way."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from recap.accounts.models import AuditEvent
from recap.catalogue.candidates import (
    candidate_adopt,
    candidate_withdraw,
    candidate_withdraw_blockers,
)
from recap.catalogue.models import CandidateAction, CatalogueAction
from recap.catalogue.services import catalogue_load_shipped
from recap.hazards.services import hazard_taxonomy_load
from recap.pipeline.models import ConceptAction
from recap.planning.models import ActionPackage, PackageVersion, PrioritisationSession, Run
from recap.testing import World, concept_at
from recap.tracking.models import Measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate(world: World) -> CandidateAction:
    hazard_taxonomy_load()
    catalogue_load_shipped()
    return candidate_adopt(
        actor=world.users["editor_a"],
        city=world.city_a,
        source=CatalogueAction.objects.get(code="WAT-01"),
    )


def _session(world: World, candidate: CandidateAction) -> PrioritisationSession:
    session = PrioritisationSession.objects.create(
        city=world.city_a,
        title="Workshop",
        budget_short_usd=1_000_000,
        budget_medium_usd=1_000_000,
        staff_fte=Decimal(5),
    )
    session.candidates.add(candidate)
    return session


def _url(world: World, candidate: CandidateAction) -> str:
    return f"/cities/{world.city_a.slug}/workspace/candidates/{candidate.pk}/remove/"


def test_an_editor_withdraws_a_candidate_with_its_reason_on_record(
    world: World, candidate: CandidateAction
) -> None:
    session = _session(world, candidate)
    candidate_withdraw(actor=world.users["editor_a"], candidate=candidate, reason="  Too costly ")
    assert not CandidateAction.objects.filter(pk=candidate.pk).exists()
    assert session.candidates.count() == 0  # out of its sessions too
    event = AuditEvent.objects.get(verb="candidate.withdraw")
    assert event.actor == world.users["editor_a"] and event.city == world.city_a
    assert event.detail["code"] == "WAT-01" and event.detail["reason"] == "Too costly"
    assert event.detail["sessions"] == [session.pk] and event.detail["source"] == "WAT-01"


@pytest.mark.parametrize("actor", ["viewer_a", "editor_b", "manager", "funder", "reviewer"])
def test_only_the_city_editors_withdraw(world: World, candidate: CandidateAction, actor: str):
    with pytest.raises(PermissionDenied):
        candidate_withdraw(actor=world.users[actor], candidate=candidate)
    assert CandidateAction.objects.filter(pk=candidate.pk).exists()
    assert not AuditEvent.objects.filter(verb="candidate.withdraw").exists()


def test_a_reason_too_long_is_refused_by_its_field(world: World, candidate: CandidateAction):
    with pytest.raises(ValidationError) as caught:
        candidate_withdraw(actor=world.users["editor_a"], candidate=candidate, reason="x" * 501)
    assert "reason" in caught.value.message_dict
    assert CandidateAction.objects.filter(pk=candidate.pk).exists()


def test_what_the_city_committed_to_holds_a_candidate_and_every_reason_is_named(
    world: World, candidate: CandidateAction
) -> None:
    assert candidate_withdraw_blockers(candidate) == []
    # A project concept reads its figures from it.
    concept = concept_at(world.city_a, "Water kiosks")
    ConceptAction.objects.create(concept=concept, candidate=candidate, code="WAT-01", cost_in_run=1)
    # It is in the current version of an endorsed package.
    session = _session(world, candidate)
    run = Run.objects.create(session=session, number=1, input={}, status="done")
    package = ActionPackage.objects.create(
        session=session, city=world.city_a, name="Package A", status="endorsed"
    )
    PackageVersion.objects.create(
        package=package, number=1, run=run, selected=["WAT-01"], objective=1.0, status="optimal"
    )
    # A measure comes from it; a run with it is still queued.
    Measure.objects.create(city=world.city_a, title="Kiosk in Nyabugogo", action=candidate)
    Run.objects.create(session=session, number=2, input={}, status="queued")

    with pytest.raises(ValidationError) as caught:
        candidate_withdraw(actor=world.users["editor_a"], candidate=candidate)
    said = " ".join(caught.value.messages)
    assert "WAT-01 cannot be withdrawn yet" in said
    assert concept.reference in said and "Water kiosks" in said
    assert "endorsed package “Package A”" in said
    assert "Kiosk in Nyabugogo" in said
    assert "session “Workshop” is computing" in said
    assert CandidateAction.objects.filter(pk=candidate.pk).exists()
    assert not AuditEvent.objects.filter(verb="candidate.withdraw").exists()


def test_a_draft_package_or_a_later_version_without_it_does_not_hold_it(
    world: World, candidate: CandidateAction
) -> None:
    session = _session(world, candidate)
    run = Run.objects.create(session=session, number=1, input={}, status="done")
    draft = ActionPackage.objects.create(session=session, city=world.city_a, name="Draft")
    PackageVersion.objects.create(
        package=draft, number=1, run=run, selected=["WAT-01"], objective=1.0, status="optimal"
    )
    endorsed = ActionPackage.objects.create(
        session=session, city=world.city_a, name="Endorsed", status="endorsed"
    )
    for number, selected in [(1, ["WAT-01"]), (2, [])]:  # taken out in its latest version
        PackageVersion.objects.create(
            package=endorsed,
            number=number,
            run=run,
            selected=selected,
            objective=1.0,
            status="optimal",
        )
    assert candidate_withdraw_blockers(candidate) == []


def test_the_page_withdraws_and_says_so(client: Client, world: World, candidate: CandidateAction):
    client.force_login(world.users["editor_a"])
    detail = client.get(f"/cities/kigali/workspace/candidates/{candidate.pk}/").content.decode()
    assert "Withdraw from the candidates" in detail and 'name="reason"' in detail
    page = client.post(_url(world, candidate), {"reason": "Done by the utility"}, follow=True)
    assert "WAT-01 was withdrawn from the candidate actions." in page.content.decode()
    assert not CandidateAction.objects.filter(pk=candidate.pk).exists()


def test_the_page_names_what_holds_it_before_and_after_pressing(
    client: Client, world: World, candidate: CandidateAction
) -> None:
    Measure.objects.create(city=world.city_a, title="Kiosk in Nyabugogo", action=candidate)
    client.force_login(world.users["editor_a"])
    detail = client.get(f"/cities/kigali/workspace/candidates/{candidate.pk}/").content.decode()
    assert "It cannot be withdrawn yet:" in detail and "Kiosk in Nyabugogo" in detail
    assert 'name="reason"' not in detail  # no button that can only be refused
    page = client.post(_url(world, candidate), follow=True)
    body = page.content.decode()
    assert page.status_code == 200 and "WAT-01 cannot be withdrawn yet." in body
    assert CandidateAction.objects.filter(pk=candidate.pk).exists()


@pytest.mark.parametrize(("actor", "status"), [("viewer_a", 403), ("editor_b", 404)])
def test_the_page_refuses_a_viewer_and_another_city(
    client: Client, world: World, candidate: CandidateAction, actor: str, status: int
) -> None:
    client.force_login(world.users[actor])
    assert client.post(_url(world, candidate)).status_code == status
    assert CandidateAction.objects.filter(pk=candidate.pk).exists()
    detail = client.get(f"/cities/kigali/workspace/candidates/{candidate.pk}/")
    assert "Withdraw from the candidates" not in detail.content.decode()


def test_a_candidate_of_another_city_is_not_found_through_this_city(
    client: Client, world: World, candidate: CandidateAction
) -> None:
    client.force_login(world.users["editor_b"])
    wrong = f"/cities/rajshahi/workspace/candidates/{candidate.pk}/remove/"
    assert client.post(wrong).status_code == 404
    assert CandidateAction.objects.filter(pk=candidate.pk).exists()


def test_an_action_an_implementation_plan_followed_stays_on_the_list(
    client: Client, world: World, candidate: CandidateAction
) -> None:
    """Dropped by a later package, its plan action is closed but kept with its history: the
    candidate it points to is not withdrawn from under it (a refusal, not an error)."""
    from recap.implementation.models import ImplementationPlan, PlanAction

    session = _session(world, candidate)
    run = Run.objects.create(session=session, number=1, input={}, status="done")
    package = ActionPackage.objects.create(
        session=session, city=world.city_a, name="Endorsed", status="endorsed"
    )
    first = PackageVersion.objects.create(
        package=package, number=1, run=run, selected=["WAT-01"], objective=1.0, status="optimal"
    )
    PackageVersion.objects.create(
        package=package, number=2, run=run, selected=[], objective=1.0, status="optimal"
    )
    plan = ImplementationPlan.objects.create(
        city=world.city_a,
        package=package,
        version=first,
        starts="2026-01-01",
        short_term_ends="2028-01-01",
        medium_term_ends="2031-01-01",
    )
    PlanAction.objects.create(
        plan=plan, candidate=candidate, code="WAT-01", closed_reason="Not in version 2."
    )
    assert any("implementation plan" in r for r in candidate_withdraw_blockers(candidate))
    with pytest.raises(ValidationError):
        candidate_withdraw(actor=world.users["editor_a"], candidate=candidate, reason="Dropped.")
    client.force_login(world.users["editor_a"])
    response = client.post(_url(world, candidate), {"reason": "Dropped."})
    assert response.status_code in (200, 302, 400)
    assert CandidateAction.objects.filter(pk=candidate.pk).exists()
