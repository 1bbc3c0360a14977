"""How runs meet the queue: sized to a queue, cities taking turns, a cap per city and per
session, a rate per person on the page as on the API, and a cancel that works at every stage."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from recap.catalogue.models import CandidateAction
from recap.core import work
from recap.planning.models import PrioritisationSession, RobustnessJob, Run
from recap.planning.services import (
    robustness_cancel,
    run_cancel,
    session_create,
    session_run,
    session_update,
)
from recap.planning.tasks import robustness_execute, run_execute
from recap.testing import DATABASE_QUEUE, World

pytestmark = pytest.mark.django_db


def _base(session: PrioritisationSession) -> str:
    return f"/cities/kigali/workspace/prioritisation/{session.pk}/"


def _rerun(world: World, session: PrioritisationSession, budget: int) -> Run:
    """Another run of the session, with a budget of its own (an identical one is not queued)."""
    session_update(
        actor=world.users["editor_a"],
        session=session,
        candidates=list(session.candidates.all()),
        budget_short_usd=budget,
    )
    return session_run(actor=world.users["editor_a"], session=session)


@override_settings(TASKS=DATABASE_QUEUE, RECAP_LONG_WORK_CANDIDATES=5)
def test_large_work_goes_to_the_long_queue_and_cities_take_turns(
    world: World, session: PrioritisationSession
) -> None:
    first = session_run(actor=world.users["editor_a"], session=session)  # 7 candidates > 5
    second = _rerun(world, session, 250_000)
    tasks = {t.args_kwargs["args"][0]: t for t in DBTaskResult.objects.all()}
    assert tasks[first.pk].queue_name == "long" and tasks[first.pk].priority == 0
    assert tasks[second.pk].priority == -1  # Kigali's second pending run waits for turns
    with override_settings(RECAP_LONG_WORK_CANDIDATES=50):
        third = _rerun(world, session, 260_000)
    task = DBTaskResult.objects.get(args_kwargs__args=[third.pk])
    assert (task.queue_name, task.priority) == ("short", -2)


@override_settings(TASKS=DATABASE_QUEUE, RECAP_PENDING_RUNS_PER_CITY=2)
def test_a_city_has_a_few_runs_pending_at_most(
    world: World, session: PrioritisationSession
) -> None:
    session_run(actor=world.users["editor_a"], session=session)
    _rerun(world, session, 250_000)
    with pytest.raises(ValidationError, match="Kigali already has 2 runs waiting or being"):
        _rerun(world, session, 260_000)
    assert Run.objects.count() == 2
    # Cancelling one makes room.
    run_cancel(actor=world.users["editor_a"], run=Run.objects.get(number=1))
    _rerun(world, session, 270_000)
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


@override_settings(RECAP_API_RUN_RATE="2/h")
def test_the_run_button_is_rate_limited_per_person(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    client.force_login(world.users["editor_a"])
    statuses = [client.post(_base(session) + "run/").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert "Too many requests" in client.post(_base(session) + "run/").content.decode()


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_queued_run_is_cancelled_at_once_and_never_computed(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    client.force_login(world.users["viewer_a"])
    assert client.post(_base(session) + "runs/1/cancel/").status_code == 403
    client.force_login(world.users["editor_a"])
    page = client.get(_base(session) + "runs/1/").content.decode()
    assert "Cancel run 1" in page
    response = client.post(_base(session) + "runs/1/cancel/", follow=True)
    assert "Run 1 was cancelled before it started." in response.content.decode()
    assert "Run 1 was cancelled." in response.content.decode()
    run.refresh_from_db()
    assert run.status == "cancelled"
    run_execute(run)  # the queued task, when the worker gets to it, leaves it alone
    assert Run.objects.get(pk=run.pk).status == "cancelled"
    again = client.post(_base(session) + "runs/1/cancel/", follow=True).content.decode()
    assert "Run 1 has already finished: there is nothing to cancel." in again


def test_a_run_asked_to_stop_while_computing_is_cancelled(
    world: World, session: PrioritisationSession
) -> None:
    run = Run.objects.create(
        session=session,
        number=5,
        input=session_run(actor=world.users["editor_a"], session=session).input,
    )
    Run.objects.filter(pk=run.pk).update(status="running")
    assert run_cancel(actor=world.users["editor_a"], run=run) == "stopping"
    assert Run.objects.get(pk=run.pk).cancel_requested
    # The worker's next look at it: the engine stops and the run is marked cancelled.
    Run.objects.filter(pk=run.pk).update(status="queued")
    run_execute(run)
    run.refresh_from_db()
    assert (run.status, run.result) == ("cancelled", None)


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_run_its_worker_stops_goes_back_to_the_queue(
    world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    work.context().stopping.set()  # SIGTERM to the worker
    try:
        run_execute(run)
    finally:
        work.context().stopping.clear()
    run.refresh_from_db()
    assert (run.status, run.stage, run.worker_id, run.result) == ("queued", "", "", None)
    assert DBTaskResult.objects.filter(args_kwargs__args=[run.pk]).count() == 2  # queued again
    run_execute(run)  # the next worker computes it
    assert Run.objects.get(pk=run.pk).status == "done"


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
