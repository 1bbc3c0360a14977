"""The sweep: work held by a dead worker fails (or is cancelled, if someone asked), work held
by a live one is left alone, and the queue's task rows a dead worker held go back once."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recap.core import work
from recap.core.models import WorkerProcess
from recap.planning.models import PrioritisationSession, RobustnessJob, Run
from recap.planning.tasks import run_compute
from recap.testing import DATABASE_QUEUE, World


def _worker(worker_id: str, *, host: str = "elsewhere", pid: int = 1, age: float = 0) -> None:
    WorkerProcess.objects.create(
        worker_id=worker_id,
        host=host,
        pid=pid,
        queues="short,long",
        heartbeat_at=timezone.now() - timedelta(seconds=age),
    )


@pytest.fixture
def session(world: World) -> PrioritisationSession:
    return PrioritisationSession.objects.create(
        city=world.city_a, title="Held", budget_short_usd=1, budget_medium_usd=1, staff_fte=1
    )


def _run(session: PrioritisationSession, number: int, worker_id: str, **extra: object) -> Run:
    return Run.objects.create(
        session=session,
        number=number,
        input={},
        status="running",
        worker_id=worker_id,
        **extra,
    )


@pytest.mark.django_db
def test_the_sweep_fails_only_what_dead_workers_held(
    world: World, session: PrioritisationSession
) -> None:
    _worker("alive")  # on another host, beating
    _worker("silent", age=120)  # on another host, no beat for two minutes
    _worker("gone-here", host=work.host_name(), pid=2**22 + 7)  # beating, but no such process
    _worker("stopped")
    WorkerProcess.objects.filter(worker_id="stopped").update(stopped_at=timezone.now())
    kept = _run(session, 1, "alive")
    silent = _run(session, 2, "silent")
    gone = _run(session, 3, "gone-here")
    stopped = _run(session, 4, "stopped", cancel_requested=True)
    unknown = _run(session, 5, "")  # claimed before claims were recorded
    here = work.host_name()
    inline_dead = _run(session, 6, f"pid:{here}:{2**22 + 9}")  # computed inline, then killed
    inline_alive = _run(session, 7, work.claimer_id())  # this very process
    elsewhere = _run(session, 8, "pid:other-host:123")  # cannot be checked from here
    job = RobustnessJob.objects.create(run=kept, status="running", worker_id="silent")
    assert work.work_sweep() == 6
    for left_alone in (kept, inline_alive, elsewhere):
        assert Run.objects.get(pk=left_alone.pk).status == "running"
    for run in (silent, gone, unknown, inline_dead):
        run.refresh_from_db()
        assert (run.status, run.failure, run.worker_id) == ("failed", "interrupted", "")
    assert Run.objects.get(pk=stopped.pk).status == "cancelled"  # it was asked to stop anyway
    job.refresh_from_db()
    assert (job.status, job.failure) == ("failed", "interrupted")
    assert work.work_sweep() == 0  # nothing left to do


@pytest.mark.django_db
def test_a_live_worker_on_this_host_is_alive() -> None:
    _worker("me", host=work.host_name(), pid=os.getpid())
    assert work.live_worker_ids() == {"me"}


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_QUEUE)
def test_a_task_a_dead_worker_held_fails_and_goes_back_to_the_queue_once(
    world: World, session: PrioritisationSession
) -> None:
    run = Run.objects.create(session=session, number=9, input={"problem": {"actions": []}})
    run_compute.using(queue_name="short").enqueue(run.pk)
    task = DBTaskResult.objects.get()
    _worker("dead-worker", age=120)
    task.claim("dead-worker")  # claimed, then the worker died before it took the run
    assert work.work_sweep() == 0  # the run was still queued: nothing to fail
    task.refresh_from_db()
    assert task.status == "FAILED" and "no heartbeat" in task.traceback
    again = DBTaskResult.objects.exclude(pk=task.pk).get()
    assert (again.status, again.args_kwargs["args"], again.queue_name) == (
        "READY",
        [run.pk],
        "short",
    )
    assert work.work_sweep() == 0 and DBTaskResult.objects.count() == 2


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_QUEUE)
def test_a_task_claimed_by_an_unregistered_worker_is_left_alone(
    world: World, session: PrioritisationSession
) -> None:
    """A bare `db_worker` on another host registers nothing: it cannot be told dead."""
    run = Run.objects.create(session=session, number=9, input={"problem": {"actions": []}})
    run_compute.using(queue_name="short").enqueue(run.pk)
    DBTaskResult.objects.get().claim("some-db-worker")
    work.work_sweep()
    assert DBTaskResult.objects.get().status == "RUNNING"


@pytest.mark.django_db
def test_forgotten_workers_are_deleted_after_a_day() -> None:
    _worker("ancient", age=2 * 24 * 3600)
    _worker("recent", age=120)
    work.work_sweep()
    assert set(WorkerProcess.objects.values_list("worker_id", flat=True)) == {"recent"}


def test_stop_check_asks_at_most_twice_a_second_and_heeds_shutdown() -> None:
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return False

    should_stop = work.stop_check(cancelled)
    for _ in range(50):
        assert should_stop() is False
    assert len(asked) == 1
    work.context().stopping.set()
    try:
        assert should_stop() is True
    finally:
        work.context().stopping.clear()
