"""Benchmark of the workshop as a browser meets it, on the real default database (a fresh
SQLite file in WAL mode) with the real database task queue, at 50, 200 and 1,000 candidates.

Usage: .venv/bin/python -m benchmarks.web [CANDIDATES ...]   (default: 50 200 1000)
Columns: the POST that starts a run (it stores the input and queues the work), the run page
while the run is queued, one progress poll, then the background work itself (the run, its
robustness), the results page's first view and the next one, and the PDF report of a package
saved from the run. The worker draws the run's charts ahead, so "run (worker)" includes them
(the first drawing in a process starts matplotlib, about 1.5 s) and the page does not. The
baseline in the same run is "compute s": what the POST would cost if it computed the run
itself, as it did before runs went to the background.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
VAR = tempfile.mkdtemp(prefix="recap-bench-")
os.environ["RECAP_VAR_DIR"] = VAR
os.environ["DJANGO_SETTINGS_MODULE"] = "recap.settings.dev"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from recap.demo.scale import synthetic_candidates, synthetic_session  # noqa: E402
from recap.hazards.models import HazardType  # noqa: E402
from recap.hazards.services import city_hazard_add, hazard_taxonomy_load  # noqa: E402
from recap.planning import tasks  # noqa: E402
from recap.planning.models import Run  # noqa: E402
from recap.planning.packages import package_save  # noqa: E402
from recap.planning.report import package_pdf  # noqa: E402
from recap.planning.tasks import robustness_execute, run_execute  # noqa: E402
from recap.testing import make_world  # noqa: E402


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def clocked(writer: Any) -> tuple[list[float], Any]:
    """`writer` (tasks.partial_writer), noting when the package was stored to be shown: the
    writer stores it, then draws the run's charts ahead (which the page does not wait for)."""
    shown: list[float] = []
    started = time.perf_counter()
    draw = tasks.charts_draw_ahead

    def stamped(pk: int) -> None:
        shown.append(time.perf_counter() - started)
        draw(pk)

    def wrapped(pk: int) -> Any:
        write = writer(pk)

        def partial(result: dict[str, Any]) -> None:
            tasks.charts_draw_ahead = stamped
            try:
                write(result)
            finally:
                tasks.charts_draw_ahead = draw
            if not shown:  # stored, but nothing drawn (a run that is no longer running)
                shown.append(time.perf_counter() - started)

        return partial

    return shown, wrapped


def setting(n: int, world: Any) -> Any:
    """A session over `n` synthetic candidate actions of Kigali (see recap.demo.scale)."""
    city = world.city_a
    actions = synthetic_candidates(city, n, seed=n)
    return synthetic_session(city, world.users["editor_a"], actions, title=f"Benchmark {n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[50, 200, 1000], metavar="N")
    sizes = parser.parse_args().sizes
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
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
        f"{'poll s':>6}  {'package shown s':>15}  {'run (worker) s':>14}  {'robustness s':>12}  "
        f"{'first view s':>12}  {'results page s':>14}  {'page KB':>7}  {'PDF s':>5}  "
        f"{'stored KB':>9}"
    )
    for n in sizes:
        session = setting(n, world)
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
        writer = tasks.partial_writer
        shown, tasks.partial_writer = clocked(writer)
        worker, _ = timed(lambda r=run: run_execute(r))
        tasks.partial_writer = writer
        run.refresh_from_db()
        job = run.robustness_jobs.get()
        robust, _ = timed(lambda j=job: robustness_execute(j))
        # The first view draws the frontier charts (then cached) and warms templates.
        first, _ = timed(lambda r=response: client.get(r["Location"]))
        results, page = timed(lambda r=response: client.get(r["Location"]))
        assert b"Proven optimal" in page.content or b"Feasible" in page.content
        package = package_save(actor=world.users["editor_a"], run=run, name=f"Package {n}")
        pdf, _ = timed(lambda p=package: package_pdf(p, user=world.users["editor_a"]))
        compute = run.seconds
        stored = len(json.dumps(run.result)) / 1024
        print(
            f"{n:>10}  {post:>10.3f}  {compute:>9.2f}  {queued_page:>13.3f}  {poll:>6.3f}  "
            f"{shown[0] if shown else float('nan'):>15.2f}  {worker:>14.2f}  {robust:>12.2f}  "
            f"{first:>12.3f}  {results:>14.3f}  {len(page.content) / 1024:>7.0f}  {pdf:>5.2f}  "
            f"{stored:>9.0f}"
        )


if __name__ == "__main__":
    main()
