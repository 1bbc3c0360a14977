"""Benchmark of the workshop as a browser meets it, on the real default database (a fresh
SQLite file in WAL mode) with the real database task queue, at 50, 200 and 1,000 candidates.

Usage: .venv/bin/python -m benchmarks.web
Columns: the POST that starts a run (it stores the input and queues the work), the run page
while the run is queued, one progress poll, then the background work itself (the run, its
robustness), the results page, and the PDF report of a package saved from the run. The
baseline in the same run is "compute s": what the POST would cost if it computed the run
itself, as it did before runs went to the background.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
VAR = tempfile.mkdtemp(prefix="recap-bench-")
os.environ["RECAP_VAR_DIR"] = VAR
os.environ["DJANGO_SETTINGS_MODULE"] = "recap.settings.dev"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from recap.catalogue.models import CandidateAction, Sector  # noqa: E402
from recap.hazards.models import HazardType  # noqa: E402
from recap.hazards.services import city_hazard_add, hazard_taxonomy_load  # noqa: E402
from recap.planning.models import Run  # noqa: E402
from recap.planning.packages import package_save  # noqa: E402
from recap.planning.report import package_pdf  # noqa: E402
from recap.planning.services import run_execute, session_create  # noqa: E402
from recap.planning.tasks import robustness_execute  # noqa: E402
from recap.testing import make_world  # noqa: E402

QUALITIES = ["reflective", "resourceful", "robust", "redundant", "flexible", "inclusive"]


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def setting(n: int, world: Any, hazards: list[str]) -> Any:
    rng = np.random.default_rng(n)
    city = world.city_a
    CandidateAction.objects.filter(city=city).delete()
    sectors = [s for s, _ in Sector.choices]
    CandidateAction.objects.bulk_create(
        CandidateAction(
            city=city,
            code=f"B{n}-{i:04d}",
            title=f"Benchmark action {i}",
            sectors=[str(rng.choice(sectors))],
            hazards={h: int(rng.integers(0, 4)) for h in rng.choice(hazards, 2, replace=False)},
            qualities=list(rng.choice(QUALITIES, 2, replace=False)),
            economy=int(rng.integers(0, 4)),
            equity=int(rng.integers(0, 4)),
            mitigation=int(rng.integers(0, 4)),
            adaptation=int(rng.integers(0, 4)),
            health=int(rng.integers(0, 4)),
            feasibility=int(rng.integers(0, 4)),
            local_cost_usd=int(rng.lognormal(12, 1.0)),
            staff_fte=round(float(rng.gamma(2.0, 0.4)), 2),
            phase=str(rng.choice(["short", "medium"])),
        )
        for i in range(n)
    )
    candidates = list(CandidateAction.objects.filter(city=city))
    short = sum(c.local_cost_usd for c in candidates if c.phase == "short")
    medium = sum(c.local_cost_usd for c in candidates if c.phase == "medium")
    session = session_create(
        actor=world.users["editor_a"],
        city=city,
        title=f"Benchmark {n}",
        candidates=candidates,
        budget_short_usd=short // 4,
        budget_medium_usd=medium // 4,
        staff_fte=Decimal(str(round(0.3 * sum(float(c.staff_fte) for c in candidates), 2))),
        max_actions=max(5, n // 5),
    )
    from recap.planning.services import stakeholder_weights_set

    for name, w in [("Mayor", [50, 10, 10, 10, 10, 10]), ("Finance", [20, 40, 10, 10, 10, 10])]:
        stakeholder_weights_set(
            actor=world.users["editor_a"],
            session=session,
            name=name,
            weights=dict(
                zip(
                    ["resilience", "economy", "equity", "climate", "health", "feasibility"],
                    map(float, w),
                    strict=True,
                )
            ),
        )
    return session


def main() -> None:
    call_command("migrate", verbosity=0)
    world = make_world()
    hazard_taxonomy_load()
    codes = list(HazardType.objects.values_list("code", flat=True)[:6])
    for k, code in enumerate(codes):
        city_hazard_add(
            actor=world.users["editor_a"],
            city=world.city_a,
            hazard=HazardType.objects.get(code=code),
            likelihood=1 + k % 5,
            impact=5 - k % 4,
            trend="rising",
        )
    client = Client(HTTP_HOST="localhost")
    client.force_login(world.users["editor_a"])
    client.get("/cities/kigali/workspace/prioritisation/")  # warm up: imports, templates
    print(f"SQLite file in {VAR}; the task queue is the database (django-tasks-db)")
    print(
        f"{'candidates':>10}  {'POST run s':>10}  {'compute s':>9}  {'page queued s':>13}  "
        f"{'poll s':>6}  {'run (worker) s':>14}  {'robustness s':>12}  {'results page s':>14}  "
        f"{'page KB':>7}  {'PDF s':>5}"
    )
    for n in (50, 200, 1000):
        session = setting(n, world, codes)
        base = f"/cities/kigali/workspace/prioritisation/{session.pk}/"
        post, response = timed(lambda base=base: client.post(base + "run/"))
        assert response.status_code == 302, response.status_code
        run = Run.objects.filter(session=session).get()
        assert run.status == "queued"
        queued_page, page = timed(lambda r=response: client.get(r["Location"]))
        assert b"Waiting for the background worker" in page.content
        poll, _ = timed(
            lambda base=base, r=run: client.get(
                base + f"runs/{r.number}/status/", headers={"HX-Request": "true"}
            )
        )
        worker, _ = timed(lambda r=run: run_execute(r))
        run.refresh_from_db()
        job = run.robustness_jobs.get()
        robust, _ = timed(lambda j=job: robustness_execute(j))
        results, page = timed(lambda r=response: client.get(r["Location"]))
        assert b"Proven optimal" in page.content or b"Feasible" in page.content
        package = package_save(actor=world.users["editor_a"], run=run, name=f"Package {n}")
        pdf, _ = timed(lambda p=package: package_pdf(p, user=world.users["editor_a"]))
        compute = run.seconds
        print(
            f"{n:>10}  {post:>10.3f}  {compute:>9.2f}  {queued_page:>13.3f}  {poll:>6.3f}  "
            f"{worker:>14.2f}  {robust:>12.2f}  {results:>14.3f}  "
            f"{len(page.content) / 1024:>7.0f}  {pdf:>5.2f}"
        )


if __name__ == "__main__":
    main()
