"""A run of the engine in the background: queued with its input, computed by the worker with
progress the page can poll, then followed by its robustness; failures and unfinished runs are
handled without losing anything."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone, translation

from recap.core.models import WorkerProcess
from recap.planning.compute import compute_run
from recap.planning.models import PrioritisationSession, RobustnessJob, Run
from recap.planning.packages import package_save
from recap.planning.services import session_run
from recap.planning.tasks import run_execute
from recap.planning.wording import consistency_advice, kept_out_text
from recap.testing import DATABASE_QUEUE, World

from .conftest import CODES

pytestmark = pytest.mark.django_db


def _base(session: PrioritisationSession) -> str:
    return f"/cities/kigali/workspace/prioritisation/{session.pk}/"


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
    response = client.post(_base(session) + "run/")
    run = Run.objects.get(session=session)
    assert response["Location"].endswith(f"/runs/{run.number}/")
    assert (run.status, run.result) == ("queued", None)  # stored with its input, not computed
    assert run.input["problem"]["actions"]
    page = client.get(response["Location"]).content.decode()
    assert "is being computed" in page and "Waiting for the background worker" in page
    assert f'hx-get="{_base(session)}runs/1/status/"' in page
    assert "Proven optimal" not in page and "Save the package" not in page
    # Unfinished: it cannot be saved as a package, compared or given robustness yet.
    with pytest.raises(ValidationError, match="not finished"):
        package_save(actor=world.users["editor_a"], run=run, name="Too early")
    client.post(_base(session) + "runs/1/robustness/")
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
    status = client.get(_base(session) + "runs/1/status/", headers={"HX-Request": "true"})
    assert status["HX-Refresh"] == "true"
    page = client.get(_base(session) + "runs/1/").content.decode()
    assert "Proven optimal" in page and "is being computed" not in page


def test_progress_comes_stage_by_stage_and_in_full(
    world: World,
    session: PrioritisationSession,
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    seen: list[tuple[str, int, int]] = []
    again = compute_run(run.input, lambda stage, done, total: seen.append((stage, done, total)))
    # The same input gives the same package and explanations.
    assert again["package"]["selected"] == run.outcome["package"]["selected"]
    assert again["explanations"].keys() == run.outcome["explanations"].keys()
    stages = [s for s, _d, _t in seen]
    assert stages[0] == "optimise"
    explain = [(d, t) for s, d, t in seen if s == "explain"]
    assert explain[0] == (0, len(CODES)) and explain[-1] == (len(CODES), len(CODES))
    assert [d for d, _t in explain] == sorted(d for d, _t in explain)  # never goes back
    frontier = [(d, t) for s, d, t in seen if s == "frontier"]
    assert frontier == [(i, 18) for i in range(18)]  # 9 budget levels for each of 2 phases
    assert stages.index("frontier") > stages.index("explain")


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
    page = client.get(_base(session) + "runs/7/").content.decode()
    assert "Run 7 failed" in page and "hx-get" not in page.split('id="run-progress"')[1][:200]
    # A finished run cannot be compared with a failed one.
    good = session_run(actor=world.users["editor_a"], session=session)
    response = client.get(_base(session) + f"runs/{good.number}/compare/7/", follow=True)
    assert "Only finished runs can be compared" in response.content.decode()


def test_run_status_is_the_citys_own(
    client: Client,
    world: World,
    session: PrioritisationSession,
) -> None:
    session_run(actor=world.users["editor_a"], session=session)
    url = _base(session) + "runs/1/status/"
    client.force_login(world.users["editor_b"])
    assert client.get(url).status_code == 404
    client.force_login(world.users["viewer_a"])
    response = client.get(url)
    assert response.status_code == 200 and "Run 1 is ready" in response.content.decode()
    assert "HX-Refresh" not in response  # only an HTMX poll is told to reload
    client.logout()
    assert client.get(url).status_code == 302


def test_reasons_and_advice_are_in_the_readers_language(
    world: World,
    session: PrioritisationSession,
) -> None:
    why = {
        "kept_out_because": [
            {
                "kind": "resource",
                "resource": "capex_short",
                "need": 250000.0,
                "left": 1000.0,
                "limit": 300000.0,
            },
            {"kind": "max_actions", "limit": 4},
        ]
    }
    ahp = {
        "consistent": False,
        "consistency_ratio": 0.234,
        "least_consistent_pair": ["economy", "equity"],
    }
    with translation.override("en"):
        text = kept_out_text(why)
        assert text == (
            "Short-term budget (US$): it needs 250,000 but only 1,000 of 300,000 is left; "
            "the package already has the largest allowed number of actions (4)"
        )
        assert "consistency ratio 0.23" in consistency_advice(ahp)
        assert "Start with Economy and jobs against Equity" in consistency_advice(ahp)
    with translation.override("fr"):
        text = kept_out_text(why)
        assert "Budget à court terme" in text and "250" in text and "it needs" not in text
        advice = consistency_advice(ahp)
        assert "0,23" in advice and "contradict" not in advice
    # Runs stored before reasons were data keep their English sentences.
    assert kept_out_text({"kept_out_by": ["capex: it needs 5"]}) == "capex: it needs 5"


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
    page = client.get(_base(session) + "runs/1/").content.decode()
    assert "The computation was interrupted" in page and "Compute robustness again" in page
    # The partial the page polls offers the same, so no reload is needed to start again.
    partial = client.get(_base(session) + "runs/1/robustness/status/").content.decode()
    assert "was interrupted" in partial and "Compute robustness again" in partial
    # The reason is a kind, worded in each reader's language.
    page = client.get(_base(session) + "runs/1/", headers={"Accept-Language": "fr"})
    assert "Le calcul a été interrompu" in page.content.decode()
    client.post(_base(session) + "runs/1/robustness/")
    assert RobustnessJob.objects.filter(run=run).first().status == "done"  # type: ignore[union-attr]


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_second_click_on_a_pending_run_does_not_queue_it_twice(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from django_tasks_db.models import DBTaskResult

    client.force_login(world.users["editor_a"])
    first = client.post(_base(session) + "run/")
    again = client.post(_base(session) + "run/")
    assert first["Location"] == again["Location"]  # the same run, shown with its progress
    assert Run.objects.filter(session=session).count() == 1 and DBTaskResult.objects.count() == 1
    # Changed settings are another scenario: that one is queued.
    session.budget_short_usd = 1_000_000
    session.save()
    client.post(_base(session) + "run/")
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
    page = client.post(_base(session) + "run/", follow=True).content.decode()
    assert "DRM-01 is locked in but no longer among the session" in page
    assert not Run.objects.exists()


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
    page = client.get(_base(session) + "runs/1/").content.decode()
    assert "Compute robustness" not in page and "DRM-01" in page
    response = client.post(_base(session) + "runs/1/robustness/", follow=True)
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


def test_the_engines_error_is_shown_to_editors_only(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    run = Run.objects.create(
        session=session, number=3, input={}, status="failed", error="KeyError: 'weights'"
    )
    client.force_login(world.users["editor_a"])
    page = client.get(_base(session) + f"runs/{run.number}/").content.decode()
    assert "Run 3 failed" in page and "KeyError" in page
    client.force_login(world.users["viewer_a"])
    page = client.get(_base(session) + f"runs/{run.number}/").content.decode()
    assert "Run 3 failed" in page and "KeyError" not in page


def test_a_run_stopped_by_the_worker_says_it_was_interrupted_not_that_it_failed(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.core.work import work_sweep

    run = Run.objects.create(session=session, number=4, input={}, status="running")
    assert work_sweep() == 1
    run.refresh_from_db()
    assert (run.status, run.failure, run.error) == ("failed", "interrupted", "")
    client.force_login(world.users["editor_a"])
    page = client.get(_base(session) + "runs/4/").content.decode()
    assert "Run 4 was interrupted" in page and "stopped with an error" not in page
    page = client.get(_base(session) + "runs/4/", headers={"Accept-Language": "fr"})
    assert "exécution 4 a été interrompue" in page.content.decode()


def test_a_failed_robustness_computation_shows_the_engines_words_to_editors_only(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    RobustnessJob.objects.filter(run=run).update(
        status="failed", failure="error", error="LinAlgError: singular", result=None
    )
    url = _base(session) + "runs/1/robustness/status/"
    client.force_login(world.users["editor_a"])
    partial = client.get(url).content.decode()
    assert "stopped with an error" in partial and "LinAlgError" in partial
    assert "Compute robustness again" in partial
    api = f"/api/v1/cities/{session.city.pk}/sessions/{session.pk}/runs/1"
    body = client.get(api).json()["robustness"]
    assert (body["failure"], body["error"]) == ("error", "LinAlgError: singular")
    client.force_login(world.users["viewer_a"])
    for text in (
        client.get(url).content.decode(),
        client.get(_base(session) + "runs/1/").content.decode(),
    ):
        assert "stopped with an error" in text
        assert "LinAlgError" not in text and "Compute robustness" not in text
    body = client.get(api).json()["robustness"]
    assert (body["failure"], body["error"]) == ("error", "")


def test_a_signed_out_poll_sends_the_whole_page_to_the_login(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    session_run(actor=world.users["editor_a"], session=session)
    url = _base(session) + "runs/1/status/"
    page = "http://testserver" + _base(session) + "runs/1/"
    response = client.get(url, headers={"HX-Request": "true", "HX-Current-URL": page})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=" + (
        _base(session) + "runs/1/"
    ).replace("/", "%2F")
    assert client.get(url).status_code == 302  # without HTMX, the usual redirect
