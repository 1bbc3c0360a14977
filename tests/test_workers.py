"""Real workers on a real shared database, as a deployment runs them.

Each test here starts `recap worker` (or `recap serve`) processes on a database of their own:
a SQLite file, or, when the suite runs on PostgreSQL (`DATABASE_URL`), a fresh PostgreSQL
database made for the module and dropped after it. The test reads and writes that database
only through `recap shell`, as an operator would (`processes.Installation`).

What they show: two workers on one queue never run a task twice and lose none; short work
overtakes another city's long work; a cancelled run stops within seconds and leaves no engine
process behind; killing a worker outright takes its engine processes with it and the sweep
fails what it held; stopping `recap serve` stops everything it started and puts the run it
was computing back in the queue.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import psutil
import pytest

from processes import (
    ON_POSTGRES,
    Installation,
    descendants,
    free_port,
    fresh_databases,
    http_ok,
    patience,
    server_admin,
    wait_for,
)

# Candidates in a long run: about 70 s of explanations on this 2-core machine, on the 'long'
# queue. Above the cap a person may set on a session (the engine has become fast enough that
# 1,000 explain in seconds), so the drill's sessions are made with the cap lifted.
LONG = 3000
SETUP = """
import json
from recap.testing import make_world
from recap.hazards.services import hazard_taxonomy_load
from recap.demo.scale import synthetic_register
world = make_world()
hazard_taxonomy_load()
for k, city in enumerate([world.city_a, world.city_b]):
    synthetic_register(city, world.users["admin"], seed=k + 1)
print(json.dumps({"ok": True}))
"""
SESSIONS = """
import json
from recap.accounts.models import User
from recap.cities.models import City
from recap.demo.scale import synthetic_candidates, synthetic_session
from django.test import override_settings
admin = User.objects.get(username="admin")
out = []
for slug, size, seed in {specs!r}:
    city = City.objects.get(slug=slug)
    actions = synthetic_candidates(city, size, seed=seed)
    with override_settings(RECAP_SESSION_MAX_CANDIDATES=max(size, 1000)):
        session = synthetic_session(city, admin, actions, title=f"Drill {{seed}}")
    out.append(session.pk)
print(json.dumps(out))
"""
QUEUE = """
import json
from django.db import transaction
from recap.planning.models import PrioritisationSession, Run
from recap.planning.services import build_input
from recap.planning.tasks import run_enqueue
out = []
for pk in {sessions!r}:
    session = PrioritisationSession.objects.get(pk=pk)
    with transaction.atomic():
        number = session.runs.count() + 1
        run = Run.objects.create(session=session, number=number, input=build_input(session))
        run_enqueue(run)
    out.append(run.pk)
print(json.dumps(out))
"""
STATE = """
import json
from recap.planning.models import Run, RobustnessJob
from django_tasks_db.models import DBTaskResult
print(json.dumps({{
    "runs": {{r.pk: [r.status, r.stage, r.failure, r.worker_id] for r in Run.objects.all()}},
    "jobs": {{j.pk: [j.run_id, j.status] for j in RobustnessJob.objects.all()}},
    "tasks": [[t.task_path, t.args_kwargs["args"], t.status, t.worker_ids]
              for t in DBTaskResult.objects.all()],
}}))
"""

#: What a test before left in the queue (a run a stopped process held, its task put back) is
#: cancelled, so that each test starts on an empty queue: the drill is shared by the module, and
#: a long run left over would otherwise hold up the next test's worker on a busy machine.
QUIET = """
import json
from django_tasks_db.models import DBTaskResult
from recap.planning.models import RobustnessJob, Run
open_work = ["queued", "running"]
runs = Run.objects.filter(status__in=open_work).update(status="cancelled", cancel_requested=True)
jobs = RobustnessJob.objects.filter(status__in=open_work).update(status="cancelled")
tasks, _ = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).delete()
print(json.dumps([runs, jobs, tasks]))
"""


class Drill(Installation):
    """The drill's installation: its sessions, runs and workers."""

    def sessions(self, *specs: tuple[str, int, int]) -> list[int]:
        """(city slug, candidates, seed) each: a session over that many synthetic actions."""
        return list(self.shell(SESSIONS.format(specs=list(specs))))

    def queue(self, *sessions: int) -> list[int]:
        return list(self.shell(QUEUE.format(sessions=list(sessions))))

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.shell(STATE.format())
        state["runs"] = {int(k): v for k, v in state["runs"].items()}
        return state

    def worker(self, queues: str = "short,long,default", *, batch: bool = False) -> Any:
        return self.start(
            "worker", "--queues", queues, "--interval", "0.1", *(["--batch"] if batch else [])
        )

    def until(self, what: Callable[[dict[str, Any]], bool], timeout: float = 60) -> dict[str, Any]:
        last: dict[str, Any] = {}

        def reached() -> dict[str, Any] | None:
            nonlocal last
            last = self.state()
            return last if what(last) else None

        def report() -> str:
            return f"timed out; last state: {last['runs']}\n{self.errors_of_all()}"

        return wait_for(reached, timeout, report, interval=0.3)


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drill]:
    with (
        fresh_databases("recap_drill") as database,
        Drill(tmp_path_factory.mktemp("drill"), database()) as ready,
    ):
        ready.run("migrate", "-v", "0")
        ready.shell(SETUP)
        yield ready


@pytest.fixture(autouse=True)
def _quiet_queue(request: pytest.FixtureRequest) -> None:
    """Every drill test starts with no process of an earlier one running and nothing queued."""
    if "drill" in request.fixturenames:
        drill: Drill = request.getfixturevalue("drill")
        drill.stop_all()
        drill.shell(QUIET)


def test_two_workers_on_one_queue_run_every_task_once(drill: Drill) -> None:
    sessions = drill.sessions(*[("kigali" if k % 2 else "rajshahi", 4, 100 + k) for k in range(14)])
    runs = drill.queue(*sessions)
    first, second = drill.worker(batch=True), drill.worker(batch=True)
    assert first.wait(timeout=240) == 0 and second.wait(timeout=240) == 0
    state = drill.state()
    assert {state["runs"][r][0] for r in runs} == {"done"}
    # Each worker also queued the weekly reminder digest (for next Monday: not run here).
    digests = [t for t in state["tasks"] if t[0].endswith("reminder_digest")]
    assert len(digests) == 1 and digests[0][2] == "READY"
    ours = [
        t
        for t in state["tasks"]
        if t[1] and (t[1][0] in runs or t[0].endswith("robustness_compute"))
    ]
    computes = [t for t in ours if t[0].endswith("run_compute")]
    assert sorted(t[1][0] for t in computes) == sorted(runs)  # one task a run, none lost
    assert all(t[2] == "SUCCESSFUL" and len(t[3]) == 1 for t in ours)  # each claimed once
    jobs = [j for j in state["jobs"].values() if j[0] in runs]
    assert len(jobs) == len(runs) and {j[1] for j in jobs} == {"done"}
    assert len({t[3][0] for t in ours}) == 2  # both workers took part


def test_short_work_overtakes_long_work_and_a_cancel_stops_it_at_once(drill: Drill) -> None:
    long_session, short_session = drill.sessions(("kigali", LONG, 7), ("rajshahi", 6, 8))
    short_only = drill.worker("short,default")
    any_work = drill.worker("short,long,default")
    (long_run,) = drill.queue(long_session)
    drill.until(lambda s: s["runs"][long_run][:2] == ["running", "explain"])
    (short_run,) = drill.queue(short_session)
    state = drill.until(lambda s: s["runs"][short_run][0] == "done", timeout=60)
    assert state["runs"][long_run][0] == "running"  # the long run is still being computed
    engine = descendants(any_work.pid)
    assert engine, "the long run's explanations run on processes of their own"
    asked = time.monotonic()
    drill.shell(
        "import json; from recap.planning.models import Run; "
        f"print(json.dumps(Run.objects.filter(pk={long_run}).update(cancel_requested=True)))"
    )
    drill.until(lambda s: s["runs"][long_run][0] == "cancelled", timeout=30)
    stopped_in = time.monotonic() - asked
    assert stopped_in < patience(10), stopped_in
    _gone, alive = psutil.wait_procs(engine, timeout=patience(5))
    assert alive == []
    for proc in (short_only, any_work):
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) is not None


def test_a_worker_killed_outright_takes_its_engine_processes_with_it(drill: Drill) -> None:
    (session,) = drill.sessions(("kigali", LONG, 9))
    worker = drill.worker()
    (run,) = drill.queue(session)
    drill.until(lambda s: s["runs"][run][:2] == ["running", "explain"])
    engine = wait_for(lambda: descendants(worker.pid), 10, "no engine process", interval=0.1)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    _gone, alive = psutil.wait_procs(engine, timeout=patience(5))
    assert alive == [], [p.pid for p in alive]
    # The worker's process is gone on this host: the sweep fails its run at once.
    assert (
        drill.shell(
            "import json; from recap.core.work import work_sweep; print(json.dumps(work_sweep()))"
        )
        >= 1
    )
    status, _stage, failure, _worker = drill.state()["runs"][run]
    assert (status, failure) == ("failed", "interrupted")


def test_stopping_serve_stops_everything_and_the_run_goes_back_to_the_queue(
    drill: Drill,
) -> None:
    (session,) = drill.sessions(("rajshahi", LONG, 11))
    port = free_port()
    serve = drill.start("serve", "--port", str(port), "--workers", "1", "--web-workers", "1")
    (run,) = drill.queue(session)
    drill.until(lambda s: s["runs"][run][:2] == ["running", "explain"])
    everything = descendants(serve.pid)
    assert len(everything) >= 3  # gunicorn and its worker, the worker and its engine processes
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=30) is not None
    _gone, alive = psutil.wait_procs(everything, timeout=patience(5))
    assert alive == [], [(p.pid, p.name()) for p in alive]
    state = drill.state()
    assert state["runs"][run][0] == "queued"  # put back for the next worker
    ready = [t for t in state["tasks"] if t[1] == [run] and t[2] == "READY"]
    assert len(ready) == 1


def _workers_of(serve: subprocess.Popen[bytes]) -> list[psutil.Process]:
    out = []
    for child in descendants(serve.pid):
        try:
            if "worker" in child.cmdline()[1:3]:
                out.append(child)
        except psutil.NoSuchProcess:
            continue
    return out


def test_the_site_outlives_a_worker_killed_outright_and_the_worker_comes_back(
    drill: Drill,
) -> None:
    port = free_port()
    serve = drill.start("serve", "--port", str(port), "--workers", "1", "--web-workers", "1")
    wait_for(lambda: http_ok(port), 60, "the site never answered")
    [first] = wait_for(lambda: _workers_of(serve), 30, "no worker started")
    # Links in the e-mails it sends name the port served on (unless the operator set one).
    site = drill.env.get("RECAP_SITE_URL", f"http://127.0.0.1:{port}")
    assert first.environ().get("RECAP_SITE_URL") == site
    first.kill()
    wait_for(lambda: not first.is_running() or first.status() == psutil.STATUS_ZOMBIE, 10, "alive")
    # The site goes on answering, and a new worker takes the old one's place.
    assert http_ok(port)
    [second] = wait_for(
        lambda: [w for w in _workers_of(serve) if w.pid != first.pid], 30, "no worker again"
    )
    assert serve.poll() is None and second.is_running()
    (session,) = drill.sessions(("kigali", 5, 21))
    (run,) = drill.queue(session)
    drill.until(lambda s: s["runs"][run][0] == "done", timeout=120)
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=30) is not None


@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="cutting a connection from outside needs a database server (PostgreSQL)",
)
def test_a_worker_whose_connection_is_cut_mid_run_goes_on_working(drill: Drill) -> None:
    (session,) = drill.sessions(("kigali", LONG, 23))
    worker = drill.worker()
    (run,) = drill.queue(session)
    drill.until(lambda s: s["runs"][run][:2] == ["running", "explain"])
    with server_admin() as admin:
        cut = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [drill.database],
        ).fetchone()
    assert cut and cut[0] >= 1
    # The run it held is released (failed as interrupted) on a fresh connection...
    state = drill.until(lambda s: s["runs"][run][0] in ("failed", "queued", "done"), timeout=120)
    assert state["runs"][run][0] != "running"
    assert worker.poll() is None  # ...and the worker is still there,
    # (A run put back in the queue is claimed again: the long one is cancelled, so that the new
    # work below does not wait behind it on a busy machine.)
    drill.shell(
        "import json; from recap.planning.models import Run; "
        f"print(json.dumps(Run.objects.filter(pk={run}).update(cancel_requested=True)))"
    )
    (small,) = drill.sessions(("rajshahi", 5, 24))
    (after,) = drill.queue(small)
    drill.until(lambda s: s["runs"][after][0] == "done", timeout=120)  # doing new work
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) is not None
