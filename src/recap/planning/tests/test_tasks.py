"""Background work (planning.tasks): a run and its robustness computed by the worker with
progress, queued by size, stopped when cancelled or when the worker shuts down, and what a
stopped worker leaves."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recap.core import work
from recap.core.models import WorkerProcess
from recap.planning.models import PrioritisationSession, RobustnessJob, Run
from recap.planning.packages import package_save
from recap.planning.services import (
    run_cancel,
    session_run,
)
from recap.planning.tasks import run_execute
from recap.planning.tests.conftest import CODES, base_url, mayor_and_finance, rerun
from recap.testing import DATABASE_QUEUE, World

pytestmark = pytest.mark.django_db


def test_robustness_runs_as_a_task_and_reports_progress(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.models import RobustnessJob

    mayor_and_finance(world, session)
    run = session_run(actor=world.users["editor_a"], session=session)
    # The run queues its robustness when it finishes (the test settings run tasks at once).
    job = RobustnessJob.objects.get(run=run)
    assert (job.status, job.done, job.samples) == ("done", 200, 200)
    probs = job.result["selection_probability"]  # type: ignore[index]
    assert set(probs) == set(CODES) and probs["DRM-01"] == 1.0  # locked in: always chosen
    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/{run.number}/robustness/"
    partial = client.get(url + "status/").content.decode()
    assert "The package itself came out in" in partial and "hx-trigger" not in partial
    # An editor may compute it again (same seed, same answer); a viewer may not.
    assert client.post(url).status_code == 302
    again = RobustnessJob.objects.filter(run=run).first()
    assert again is not None and again.pk != job.pk and again.result == job.result
    client.force_login(world.users["viewer_a"])
    assert client.post(url).status_code == 403
    assert RobustnessJob.objects.count() == 2


def test_robustness_is_not_queued_twice(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.models import RobustnessJob

    run = session_run(actor=world.users["editor_a"], session=session)
    assert RobustnessJob.objects.filter(run=run, status="done").count() == 1  # after the run
    waiting = RobustnessJob.objects.create(run=run, samples=200)  # one waiting for the worker
    client.force_login(world.users["editor_a"])
    client.post(
        f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/{run.number}/robustness/"
    )
    assert RobustnessJob.objects.filter(run=run).count() == 2
    assert RobustnessJob.objects.filter(run=run).first() == waiting  # the page shows this one


# The real worker closes and reopens database connections, as it does in production: the test
# commits its data (a transactional test) instead of hiding it in a rolled-back transaction.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_QUEUE)
def test_a_run_is_queued_shows_progress_and_the_worker_finishes_it(
    client: Client,
    world: World,
    session: PrioritisationSession,
) -> None:
    client.force_login(world.users["editor_a"])
    response = client.post(base_url(session) + "run/")
    run = Run.objects.get(session=session)
    assert response["Location"].endswith(f"/runs/{run.number}/")
    assert (run.status, run.result) == ("queued", None)  # stored with its input, not computed
    assert run.input["problem"]["actions"]
    page = client.get(response["Location"]).content.decode()
    assert "is being computed" in page and "Waiting for the background worker" in page
    assert f'hx-get="{base_url(session)}runs/1/status/"' in page
    assert "Proven optimal" not in page and "Save the package" not in page
    # Unfinished: it cannot be saved as a package, compared or given robustness yet.
    with pytest.raises(ValidationError, match="not finished"):
        package_save(actor=world.users["editor_a"], run=run, name="Too early")
    client.post(base_url(session) + "runs/1/robustness/")
    assert not RobustnessJob.objects.exists()

    call_command("db_worker", batch=True, queue_name="*", no_startup_delay=True, verbosity=0)

    run.refresh_from_db()
    assert run.status == "done" and run.result is not None
    assert run.result["package"]["status"] == "optimal" and set(run.result["explanations"]) == set(
        CODES
    )
    job = RobustnessJob.objects.get(run=run)  # queued by the run, done by the same worker
    assert job.status == "done" and job.done == job.samples
    # The polling partial tells the page to reload itself once the run is done.
    status = client.get(base_url(session) + "runs/1/status/", headers={"HX-Request": "true"})
    assert status["HX-Refresh"] == "true"
    page = client.get(base_url(session) + "runs/1/").content.decode()
    assert "Proven optimal" in page and "is being computed" not in page


def test_a_failing_run_says_so_and_keeps_its_input(
    client: Client,
    world: World,
    session: PrioritisationSession,
) -> None:
    broken: dict[str, Any] = {"problem": {"resources": {}, "actions": []}}  # no weights
    run = Run.objects.create(session=session, number=7, input=broken)
    with pytest.raises(KeyError):
        run_execute(run)
    run.refresh_from_db()
    assert (run.status, run.failure) == ("failed", "error")
    assert "KeyError" in run.error and run.input == broken
    run_execute(run)  # a failed run is not claimed again
    assert Run.objects.get(pk=run.pk).status == "failed"
    client.force_login(world.users["viewer_a"])
    page = client.get(base_url(session) + "runs/7/").content.decode()
    assert "Run 7 failed" in page and "hx-get" not in page.split('id="run-progress"')[1][:200]
    # A finished run cannot be compared with a failed one.
    good = session_run(actor=world.users["editor_a"], session=session)
    response = client.get(base_url(session) + f"runs/{good.number}/compare/7/", follow=True)
    assert "Only finished runs can be compared" in response.content.decode()


def test_work_left_running_by_a_stopped_worker_can_be_started_again(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.core.work import work_sweep

    run = session_run(actor=world.users["editor_a"], session=session)
    job = RobustnessJob.objects.get(run=run)
    # Claimed by a worker that has since died (no heartbeat left to say otherwise).
    RobustnessJob.objects.filter(pk=job.pk).update(status="running", result=None, worker_id="gone")
    WorkerProcess.objects.create(
        worker_id="gone", host="elsewhere", pid=1, queues="short", heartbeat_at=timezone.now()
    )
    WorkerProcess.objects.filter(worker_id="gone").update(stopped_at=timezone.now())
    waiting = Run.objects.create(session=session, number=2, input=run.input)  # queued
    assert work_sweep() == 1
    job.refresh_from_db()
    assert (job.status, job.failure, job.error) == ("failed", "interrupted", "")
    assert Run.objects.get(pk=waiting.pk).status == "queued"  # the new worker will take it
    client.force_login(world.users["editor_a"])
    page = client.get(base_url(session) + "runs/1/").content.decode()
    assert "The computation was interrupted" in page and "Compute robustness again" in page
    # The partial the page polls offers the same, so no reload is needed to start again.
    partial = client.get(base_url(session) + "runs/1/robustness/status/").content.decode()
    assert "was interrupted" in partial and "Compute robustness again" in partial
    # The reason is a kind, worded in each reader's language.
    page = client.get(base_url(session) + "runs/1/", headers={"Accept-Language": "fr"})
    assert "Le calcul a été interrompu" in page.content.decode()
    client.post(base_url(session) + "runs/1/robustness/")
    assert RobustnessJob.objects.filter(run=run).first().status == "done"  # type: ignore[union-attr]


def test_robustness_needs_a_package_and_a_choice(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    # Too small a budget for the locked-in DRM-01: no package at all.
    session.budget_short_usd = 1
    session.save()
    run = session_run(actor=world.users["editor_a"], session=session)
    assert run.outcome["package"]["status"] == "infeasible"
    assert not RobustnessJob.objects.exists()
    client.force_login(world.users["editor_a"])
    page = client.get(base_url(session) + "runs/1/").content.decode()
    assert "Compute robustness" not in page and "DRM-01" in page
    response = client.post(base_url(session) + "runs/1/robustness/", follow=True)
    assert "no package to test" in response.content.decode()
    assert not RobustnessJob.objects.exists()
    # One candidate: nothing to choose between, so nothing to test either.
    session.budget_short_usd = 300_000
    session.min_per_sector = {}
    session.save()
    session.candidates.set(session.candidates.filter(code="DRM-01"))
    single = session_run(actor=world.users["editor_a"], session=session)
    assert single.outcome["package"]["selected"] == ["DRM-01"]
    assert not RobustnessJob.objects.filter(run=single).exists()


def test_progress_is_written_for_each_stage_and_then_a_few_times_a_second(
    world: World, session: PrioritisationSession
) -> None:
    from recap.planning.tasks import progress_writer

    run = Run.objects.create(session=session, number=5, input={}, status="running")
    progress = progress_writer(run.pk, every=3600)
    progress("optimise", 0, 1)
    assert Run.objects.values_list("stage", "done", "total").get(pk=run.pk) == ("optimise", 0, 1)
    progress("explain", 0, 7)  # a new stage is written at once
    progress("explain", 3, 7)  # within the hour: not written
    assert Run.objects.values_list("stage", "done", "total").get(pk=run.pk) == ("explain", 0, 7)
    Run.objects.filter(pk=run.pk).update(status="failed")
    progress("frontier", 0, 18)  # a run no longer running is left as it is
    assert Run.objects.get(pk=run.pk).stage == "explain"


def test_a_run_stopped_by_the_worker_says_it_was_interrupted_not_that_it_failed(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.core.work import work_sweep

    run = Run.objects.create(session=session, number=4, input={}, status="running")
    assert work_sweep() == 1
    run.refresh_from_db()
    assert (run.status, run.failure, run.error) == ("failed", "interrupted", "")
    client.force_login(world.users["editor_a"])
    page = client.get(base_url(session) + "runs/4/").content.decode()
    assert "Run 4 was interrupted" in page and "stopped with an error" not in page
    page = client.get(base_url(session) + "runs/4/", headers={"Accept-Language": "fr"})
    assert "exécution 4 a été interrompue" in page.content.decode()


@override_settings(TASKS=DATABASE_QUEUE, RECAP_LONG_WORK_CANDIDATES=5)
def test_large_work_goes_to_the_long_queue_and_cities_take_turns(
    world: World, session: PrioritisationSession
) -> None:
    first = session_run(actor=world.users["editor_a"], session=session)  # 7 candidates > 5
    second = rerun(world, session, 250_000)
    tasks = {t.args_kwargs["args"][0]: t for t in DBTaskResult.objects.all()}
    assert tasks[first.pk].queue_name == "long" and tasks[first.pk].priority == 0
    assert tasks[second.pk].priority == -1  # Kigali's second pending run waits for turns
    with override_settings(RECAP_LONG_WORK_CANDIDATES=50):
        third = rerun(world, session, 260_000)
    task = DBTaskResult.objects.get(args_kwargs__args=[third.pk])
    assert (task.queue_name, task.priority) == ("short", -2)


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


def test_the_worker_draws_a_runs_charts_ahead_so_pages_do_not(
    client: Client, world: World, session: PrioritisationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawing with matplotlib takes a web process seconds the first time: the worker draws
    each frontier in every language as soon as the run has one, and the page reads them."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    from recap.planning import charts

    drawn: list[str] = []
    draw = charts._draw

    def counted(*args: Any) -> Any:
        drawn.append(get_language())
        return draw(*args)

    monkeypatch.setattr(charts, "_draw", counted)
    run = session_run(actor=world.users["editor_a"], session=session)
    frontiers = len(run.outcome["frontiers"])
    assert frontiers == 2 and sorted(drawn) == ["en"] * frontiers + ["fr"] * frontiers
    drawn.clear()
    client.force_login(world.users["viewer_a"])
    for language in ("en", "fr"):
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
        assert client.get(base_url(session) + "runs/1/").status_code == 200
    assert drawn == []  # every chart came from the cache
    # A chart that cannot be drawn ahead is left to the page: the run is done all the same.
    cache.clear()

    def broken(*args: Any) -> Any:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(charts, "_draw", broken)
    again = rerun(world, session, 310_000)
    assert again.status == "done" and again.outcome["package"]["selected"]
