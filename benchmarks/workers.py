"""What `recap serve` does with long work, before and after, in one run.

Usage:  .venv/bin/python -m benchmarks.workers [--baseline REV] [--candidates 3000]

For this checkout and, with `--baseline`, another revision checked out beside it (`git
worktree`), on a fresh SQLite file each, with `recap serve` as shipped (its default workers):

1. A long run (city A, `--candidates` actions) is computing its explanations; then city B asks
   for a short run (8 actions): seconds until B's run is done.
2. Cancel the long run (where a cancel exists): seconds until it has stopped, and whether any
   engine process is left.
3. A long run again; SIGTERM to `recap serve`: processes of its tree still alive 25 s later.
4. A long run again; `kill -9` of the background worker: its engine processes still alive 5 s
   later, and their CPU use; then `recap serve` again: task rows still RUNNING 15 s after.

Prints one table, a column per revision.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
SETUP = """
import json
from decimal import Decimal
import numpy as np
from django.test import override_settings
from recap.catalogue.models import CandidateAction, Sector
from recap.hazards.models import HazardType
from recap.hazards.services import city_hazard_add, hazard_taxonomy_load
from recap.planning.services import session_create, stakeholder_weights_set
from recap.testing import make_world
world = make_world()
hazard_taxonomy_load()
codes = list(HazardType.objects.order_by("code").values_list("code", flat=True)[:4])
sessions = {}
for city, n, seed in [(world.city_a, LONG, 1), (world.city_b, 8, 2)]:
    for k, code in enumerate(codes[:3]):
        city_hazard_add(actor=world.users["admin"], city=city, hazard=HazardType.objects.get(code=code),
                        likelihood=2 + k, impact=5 - k, trend="rising")
    rng = np.random.default_rng(seed)
    sectors = [s for s, _ in Sector.choices]
    CandidateAction.objects.bulk_create(CandidateAction(
        city=city, code=f"B{seed}-{i:04d}", title=f"Action {i}", sectors=[str(rng.choice(sectors))],
        hazards={c: int(rng.integers(1, 4)) for c in codes[:2]}, qualities=["robust"],
        economy=int(rng.integers(0, 4)), equity=int(rng.integers(0, 4)),
        mitigation=int(rng.integers(0, 4)), adaptation=int(rng.integers(0, 4)),
        health=int(rng.integers(0, 4)), feasibility=int(rng.integers(0, 4)),
        local_cost_usd=int(rng.lognormal(12, 1.0)), staff_fte=Decimal("0.5"),
        phase=str(rng.choice(["short", "medium"]))) for i in range(n))
    cands = list(CandidateAction.objects.filter(city=city))
    short = sum(c.local_cost_usd for c in cands if c.phase == "short")
    medium = sum(c.local_cost_usd for c in cands if c.phase == "medium")
    # Above the cap a person may set on a session, so that the long run is long (a revision
    # without the cap ignores the setting).
    with override_settings(RECAP_SESSION_MAX_CANDIDATES=max(n, 1000)):
        s = session_create(actor=world.users["admin"], city=city, title="Bench", candidates=cands,
                           budget_short_usd=short // 4, budget_medium_usd=medium // 4,
                           staff_fte=Decimal(str(0.3 * len(cands) * 0.5)), max_actions=max(5, n // 5))
    for name, w in [("Mayor", [50, 10, 10, 10, 10, 10]), ("Finance", [20, 40, 10, 10, 10, 10])]:
        stakeholder_weights_set(actor=world.users["admin"], session=s, name=name, weights=dict(zip(
            ["resilience", "economy", "equity", "climate", "health", "feasibility"], map(float, w))))
    sessions["long" if n == LONG else "short"] = s.pk
print(json.dumps(sessions))
"""
QUEUE = """
import json
from django.test import override_settings
from recap.accounts.models import User
from recap.planning.models import PrioritisationSession
from recap.planning.services import session_run, session_update
s = PrioritisationSession.objects.get(pk=PK)
# A new budget each time, so the run is never the same as one still pending.
with override_settings(RECAP_SESSION_MAX_CANDIDATES=max(s.candidates.count(), 1000)):
    session_update(actor=User.objects.get(username="admin"), session=s,
                   candidates=list(s.candidates.all()), budget_short_usd=s.budget_short_usd + 1)
    print(json.dumps(session_run(actor=User.objects.get(username="admin"), session=s).pk))
"""
RUN = """
import json
from recap.planning.models import Run
r = Run.objects.get(pk=PK)
print(json.dumps([r.status, r.stage]))
"""
CANCEL = """
import json
from recap.accounts.models import User
from recap.planning.models import Run
from recap.planning.services import run_cancel
print(json.dumps(run_cancel(actor=User.objects.get(username="admin"), run=Run.objects.get(pk=PK))))
"""
RUNNING_TASKS = """
import json
from django_tasks_db.models import DBTaskResult
print(json.dumps([str(pk) for pk in DBTaskResult.objects.filter(status="RUNNING").values_list("pk", flat=True)]))
"""


class Tree:
    def __init__(self, label: str, root: Path, candidates: int) -> None:
        self.label, self.root = label, root
        self.var = Path(tempfile.mkdtemp(prefix=f"recap-workers-{label}-"))
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        } | {
            "RECAP_VAR_DIR": str(self.var),
            "PYTHONPATH": str(root / "src"),
            "RECAP_HOME": str(root),
        }
        self.recap = [sys.executable, "-c", "from recap.cli import main; main()"]
        self.candidates = candidates

    def shell(self, code: str, **values: Any) -> Any:
        for k, v in values.items():
            code = code.replace(k, repr(v))
        done = subprocess.run(  # noqa: S603 - our own interpreter
            [*self.recap, "shell", "-c", code],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-1500:])
        return json.loads(done.stdout.strip().splitlines()[-1])

    def serve(self) -> subprocess.Popen[bytes]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return subprocess.Popen(  # noqa: S603 - our own interpreter
            [*self.recap, "serve", "--port", str(port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def until(self, run: int, want: Any, timeout: float) -> float | None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if want(self.shell(RUN, PK=run)):
                return time.monotonic() - t0
            time.sleep(0.25)
        return None


def _worker_of(serve: subprocess.Popen[bytes]) -> psutil.Process | None:
    """The background worker that takes long work (the only one, before)."""
    workers = [
        c for c in psutil.Process(serve.pid).children() if any("worker" in p for p in c.cmdline())
    ]
    takes_long = [w for w in workers if any("long" in p for p in w.cmdline())]
    return (takes_long or workers or [None])[0]


def _tree(pid: int) -> list[psutil.Process]:
    try:
        return [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    return [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _kill(procs: list[psutil.Process]) -> None:
    for p in _alive(procs):
        p.kill()


def _explaining(state: list[str]) -> bool:
    return state == ["running", "explain"]


def measure(tree: Tree) -> dict[str, str]:
    out: dict[str, str] = {}
    subprocess.run([*tree.recap, "migrate", "-v", "0"], env=tree.env, check=True)  # noqa: S603
    sessions = tree.shell(SETUP.replace("LONG", str(tree.candidates)))
    serve = tree.serve()
    time.sleep(3)
    # 1. Short work behind long work.
    long_run = tree.shell(QUEUE, PK=sessions["long"])
    tree.until(long_run, _explaining, 120)
    short_run = tree.shell(QUEUE, PK=sessions["short"])
    took = tree.until(short_run, lambda s: s[0] == "done", 120)
    long_state = tree.shell(RUN, PK=long_run)[0]
    out["short run done after (s)"] = f"{took:.1f}" if took else "still waiting after 120"
    out["long run meanwhile"] = long_state
    # 2. Cancel.
    worker = _worker_of(serve)
    engine = worker.children(recursive=True) if worker else []
    try:
        tree.shell(CANCEL, PK=long_run)
        stopped = tree.until(long_run, lambda s: s[0] in ("cancelled", "failed", "done"), 60)
        out["cancel: stopped after (s)"] = f"{stopped:.1f}" if stopped else "not in 60"
        time.sleep(2)
        out["cancel: engine processes left"] = str(len(_alive(engine)))
    except RuntimeError:
        out["cancel: stopped after (s)"] = "no cancel"
        out["cancel: engine processes left"] = "-"
        tree.until(long_run, lambda s: s[0] != "running", 600)
    # 3. SIGTERM to serve during a long run.
    again = tree.shell(QUEUE, PK=sessions["long"])
    tree.until(again, _explaining, 120)
    everything = _tree(serve.pid)
    serve.send_signal(signal.SIGTERM)
    time.sleep(25)
    left = _alive(everything)
    out["SIGTERM serve: processes left after 25 s"] = str(len(left))
    _kill(left)
    # 4. kill -9 of the worker during a long run.
    serve = tree.serve()
    time.sleep(3)
    third = tree.shell(QUEUE, PK=sessions["long"])
    tree.until(third, _explaining, 180)
    time.sleep(1)
    worker = _worker_of(serve)
    engine = worker.children(recursive=True) if worker else []
    held = set(tree.shell(RUNNING_TASKS))
    if worker:
        worker.kill()
    time.sleep(5)
    orphans = _alive(engine)
    before = _cpu(orphans)
    time.sleep(5)
    busy = _cpu(orphans) - before
    out["kill -9 worker: engine processes left after 5 s"] = (
        f"{len(orphans)} (using {busy / 5:.0%} of a core over the next 5 s)" if orphans else "0"
    )
    _kill(_tree(serve.pid) + orphans)
    serve.wait()
    restarted = tree.serve()
    time.sleep(15)
    still = held & set(tree.shell(RUNNING_TASKS))
    out["the killed worker's task rows still RUNNING 15 s after restart"] = (
        f"{len(still)} of {len(held)}"
    )
    _kill(_tree(restarted.pid))
    return out


def git(*args: str) -> None:
    exe = shutil.which("git") or "git"
    subprocess.run([exe, "-C", str(ROOT), *args], check=True)  # noqa: S603 - our own repository


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", help="a git revision to measure beside this checkout")
    # 3,000: about a minute of explanations today (1,000 take seconds since the engine's core).
    parser.add_argument("--candidates", type=int, default=3000)
    args = parser.parse_args()
    trees = [Tree("now", ROOT, args.candidates)]
    worktree = None
    if args.baseline:
        worktree = Path(tempfile.mkdtemp(prefix="recap-baseline-"))
        git("worktree", "add", "-q", "--detach", str(worktree), args.baseline)
        (worktree / "node_modules").symlink_to(ROOT / "node_modules")
        trees.insert(0, Tree(args.baseline, worktree, args.candidates))
    try:
        results = [(t.label, measure(t)) for t in trees]
    finally:
        if worktree is not None:
            git("worktree", "remove", "--force", str(worktree))
    rows = list(results[-1][1])
    print(
        f"| {args.candidates} candidates, this machine | "
        + " | ".join(r[0] for r in results)
        + " |"
    )
    print("|---|" + "---|" * len(results))
    for row in rows:
        print(f"| {row} | " + " | ".join(r[1].get(row, "-") for r in results) + " |")


if __name__ == "__main__":
    main()
