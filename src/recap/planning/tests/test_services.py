"""Writes of the prioritisation (planning.services): sessions and their checks, who may
create and run, queueing a run once, a city's cap on pending runs, a session's cap on
candidates, cancelling."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from recap.catalogue.candidates import candidate_adopt
from recap.catalogue.models import CandidateAction, CatalogueAction
from recap.engine import parse_problem
from recap.planning.models import PrioritisationSession, RobustnessJob, Run
from recap.planning.services import (
    robustness_cancel,
    run_cancel,
    session_create,
    session_run,
)
from recap.planning.tasks import robustness_execute, run_execute
from recap.planning.tests.conftest import CODES, base_url, rerun
from recap.testing import DATABASE_QUEUE, World

pytestmark = pytest.mark.django_db


def test_a_run_respects_every_constraint_and_is_stored_with_its_input(
    world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    package = run.result["package"]
    assert package["status"] == "optimal"
    assert "DRM-01" in package["selected"] and len(package["selected"]) <= 4
    problem_json = run.input["problem"] | {
        "actions": [
            a | {"value": run.result["values"][a["id"]]} for a in run.input["problem"]["actions"]
        ]
    }
    problem = parse_problem(problem_json)
    assert problem.violations(package["selected"]) == []
    assert abs(problem.objective_of(package["selected"]) - package["objective"]) < 1e-6
    assert run.result["ranking"][0] == max(run.result["values"], key=run.result["values"].get)
    assert set(run.result["explanations"]) == set(CODES)
    assert set(run.result["frontiers"]) == {"capex_short", "capex_medium"}


@pytest.mark.parametrize("actor", ["viewer_a", "editor_b", "manager", "funder"])
def test_only_the_citys_editors_create_or_run(
    world: World, session: PrioritisationSession, actor: str
) -> None:
    with pytest.raises(PermissionDenied):
        session_run(actor=world.users[actor], session=session)
    with pytest.raises(PermissionDenied):
        session_create(
            actor=world.users[actor],
            city=world.city_a,
            title="x",
            candidates=[],
            budget_short_usd=1,
            budget_medium_usd=1,
            staff_fte=1,
        )
    assert not Run.objects.exists()


def test_bad_session_settings_are_refused(world: World, session: PrioritisationSession) -> None:
    candidates = list(CandidateAction.objects.filter(city=world.city_a))
    with pytest.raises(ValidationError) as exc:
        session_create(
            actor=world.users["editor_a"],
            city=world.city_a,
            title="Bad",
            candidates=candidates,
            budget_short_usd=1,
            budget_medium_usd=1,
            staff_fte=1,
            weights={"resilience": 0, "economy": 0, "equity": 0, "climate": 0, "health": 0},
            min_per_sector={"space": 1},
            must_include=["NOPE-1"],
        )
    assert {"weights", "min_per_sector", "must_include"} <= set(exc.value.message_dict)
    other = candidate_adopt(
        actor=world.users["editor_b"],
        city=world.city_b,
        source=CatalogueAction.objects.get(code="WAT-01"),
    )
    with pytest.raises(ValidationError, match="city's own"):
        session_create(
            actor=world.users["editor_a"],
            city=world.city_a,
            title="Mixed",
            candidates=[other],
            budget_short_usd=1,
            budget_medium_usd=1,
            staff_fte=1,
        )


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_second_click_on_a_pending_run_does_not_queue_it_twice(
    client: Client, world: World, session: PrioritisationSession
) -> None:

    client.force_login(world.users["editor_a"])
    first = client.post(base_url(session) + "run/")
    again = client.post(base_url(session) + "run/")
    assert first["Location"] == again["Location"]  # the same run, shown with its progress
    assert Run.objects.filter(session=session).count() == 1 and DBTaskResult.objects.count() == 1
    # Changed settings are another scenario: that one is queued.
    session.budget_short_usd = 1_000_000
    session.save()
    client.post(base_url(session) + "run/")
    assert Run.objects.filter(session=session).count() == 2 and DBTaskResult.objects.count() == 2


def test_a_lock_on_a_candidate_no_longer_in_the_session_is_named_before_queueing(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.catalogue.candidates import candidate_remove
    from recap.catalogue.models import CandidateAction

    # DRM-01 is locked in (the fixture); the city then removes it from its candidates.
    candidate_remove(
        actor=world.users["editor_a"],
        candidate=CandidateAction.objects.get(city=world.city_a, code="DRM-01"),
    )
    with pytest.raises(ValidationError, match="DRM-01 is locked in but no longer among"):
        session_run(actor=world.users["editor_a"], session=session)
    client.force_login(world.users["editor_a"])
    page = client.post(base_url(session) + "run/", follow=True).content.decode()
    assert "DRM-01 is locked in but no longer among the session" in page
    assert not Run.objects.exists()


@override_settings(TASKS=DATABASE_QUEUE, RECAP_PENDING_RUNS_PER_CITY=2)
def test_a_city_has_a_few_runs_pending_at_most(
    world: World, session: PrioritisationSession
) -> None:
    session_run(actor=world.users["editor_a"], session=session)
    rerun(world, session, 250_000)
    with pytest.raises(ValidationError, match="Kigali already has 2 runs waiting or being"):
        rerun(world, session, 260_000)
    assert Run.objects.count() == 2
    # Cancelling one makes room.
    run_cancel(actor=world.users["editor_a"], run=Run.objects.get(number=1))
    rerun(world, session, 270_000)
    assert Run.objects.count() == 3


@override_settings(RECAP_SESSION_MAX_CANDIDATES=5)
def test_a_session_takes_a_bounded_number_of_candidates(
    world: World, session: PrioritisationSession
) -> None:
    candidates = list(CandidateAction.objects.filter(city=world.city_a))
    assert len(candidates) == 7
    with pytest.raises(ValidationError, match="at most 5 candidate actions; this one has 7"):
        session_create(
            actor=world.users["editor_a"],
            city=world.city_a,
            title="Too many",
            candidates=candidates,
            budget_short_usd=1,
            budget_medium_usd=1,
            staff_fte=1,
        )
    # A session made before the cap is refused when it is run, with the same words.
    with pytest.raises(ValidationError, match="at most 5 candidate actions"):
        session_run(actor=world.users["editor_a"], session=session)
    assert not Run.objects.exists()


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_queued_run_is_cancelled_at_once_and_never_computed(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    client.force_login(world.users["viewer_a"])
    assert client.post(base_url(session) + "runs/1/cancel/").status_code == 403
    client.force_login(world.users["editor_a"])
    page = client.get(base_url(session) + "runs/1/").content.decode()
    assert "Cancel run 1" in page
    response = client.post(base_url(session) + "runs/1/cancel/", follow=True)
    assert "Run 1 was cancelled before it started." in response.content.decode()
    assert "Run 1 was cancelled." in response.content.decode()
    run.refresh_from_db()
    assert run.status == "cancelled"
    run_execute(run)  # the queued task, when the worker gets to it, leaves it alone
    assert Run.objects.get(pk=run.pk).status == "cancelled"
    again = client.post(base_url(session) + "runs/1/cancel/", follow=True).content.decode()
    assert "Run 1 has already finished: there is nothing to cancel." in again


def test_robustness_can_be_cancelled_too(world: World, session: PrioritisationSession) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    job = RobustnessJob.objects.create(run=run)
    with pytest.raises(PermissionDenied):
        robustness_cancel(actor=world.users["viewer_a"], job=job)
    assert robustness_cancel(actor=world.users["editor_a"], job=job) == "cancelled"
    robustness_execute(job)
    assert RobustnessJob.objects.get(pk=job.pk).status == "cancelled"
    running = RobustnessJob.objects.create(run=run, status="running")
    assert robustness_cancel(actor=world.users["editor_a"], job=running) == "stopping"
    RobustnessJob.objects.filter(pk=running.pk).update(status="queued")
    robustness_execute(running)
    running.refresh_from_db()
    assert (running.status, running.result) == ("cancelled", None)
