"""Load: the demo scaled to a network's size, many people at once, on SQLite and PostgreSQL.

Usage:  .venv/bin/python -m benchmarks.load [--database sqlite|postgres|both] [--cities 100]
        [--candidates 200] [--concepts 10] [--runs 10] [--users 20] [--seconds 60]
        [--web-workers 3] [--warm-seconds 20]

For each database: a fresh one (a SQLite file; or a PostgreSQL database made for the run on the
server of $DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres, dropped after), the
demo, then `recap demo --scale` (cities with candidates and a session each), the programme's
side of such a network (`demo.scale.demo_scale_programme`: `--concepts` project concepts per
city along the pipeline, the submitted ones shared with the demo funder's facility, a year of
quarterly values of every city-level reported indicator, a coordinator per city, an
implementation plan of 30 actions per city) and `--runs` of those sessions run. It prints:

1. queries per page with the demo's 5 cities and with the scaled demo: a page written right
   costs the same queries whatever the data (the baseline is the small demo, same run); and
   the application's CPU time per page (the median of 5, in one process, the test client): a
   figure that a busy machine does not inflate as it does wall-clock times (on PostgreSQL it
   leaves out the database server's own work);
2. with `recap serve` on loopback and locust (headless, bounded by `--seconds`) sending
   `--users` people (after `--warm-seconds` of the same, not measured, so that every web
   process has served every route once: a first request costs 0.5-0.7 s, once a process;
   visitors, city editors, API scripts, the programme's manager and reviewers, a funder, city
   coordinators: benchmarks/locustfile.py), each route's requests, errors, and p50 / p95 /
   p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUERIES = """
import json
import time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from recap.accounts.models import User
from recap.cities.models import City
from recap.pipeline.models import ProjectConcept
from recap.planning.models import PrioritisationSession
kigali = City.objects.get(slug="kigali")
session = PrioritisationSession.objects.filter(city=kigali).order_by("pk").first()
concept = ProjectConcept.objects.filter(city=kigali).order_by("pk").first()
shared = ProjectConcept.objects.filter(shares__isnull=False).order_by("pk").first()
public = ["/", "/cities/", "/cities/kigali/", "/offices/?q=Africa", "/catalogue/?q=flood",
          "/api/v1/cities?limit=50"]
private = ["/me/", "/cities/kigali/workspace/", "/cities/kigali/workspace/hazards/",
           "/cities/kigali/workspace/candidates/", "/cities/kigali/workspace/prioritisation/",
           f"/cities/kigali/workspace/prioritisation/{session.pk}/",
           f"/api/v1/cities/{kigali.pk}/sessions", f"/api/v1/cities/{kigali.pk}/candidates"]
manager = ["/pipeline/", "/programme/results/", concept.get_absolute_url(), "/search/?q=flood",
           "/cities/kigali/workspace/peers/", "/cities/kigali/workspace/exchanges/",
           "/programme/implementation/", "/programme/implementation/?country=RW"]
out = {}
for who, paths in [(None, public), ("admin", private), ("programme.manager", manager),
                   ("reviewer", ["/pipeline/", "/me/"]), ("kigali.coordinator", ["/me/"]),
                   ("funder", ["/pipeline/shared/", f"/pipeline/shared/{shared.pk}/", "/me/"])]:
    client = Client(HTTP_HOST="localhost")
    if who:
        client.force_login(User.objects.get(username=who))
    for path in paths:
        client.get(path)  # warm: templates, caches
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path).status_code
        count = len(queries)  # now: each request clears the log the context reads
        cpu = []
        for _ in range(5):
            t0 = time.process_time()
            client.get(path)
            cpu.append((time.process_time() - t0) * 1000)
        out[f"{path} ({who or 'visitor'})"] = [status, count, sorted(cpu)[2]]
print(json.dumps(out))
"""
RUNS = """
import json
from recap.accounts.models import User, ApiToken
from recap.accounts.services import api_token_create
from recap.catalogue.models import CatalogueAction
from recap.cities.models import City
from recap.planning.models import PrioritisationSession
from recap.planning.services import session_run
from recap.planning.tasks import run_execute
from recap.planning.tasks import robustness_execute
admin = User.objects.get(username="admin")
workspaces = []
for k in range(1, RUNS + 1):
    city = City.objects.get(slug=f"scale-city-{k:03d}")
    session = PrioritisationSession.objects.filter(city=city).order_by("pk").first()
    run = session_run(actor=admin, session=session)
    run_execute(run)
    for job in run.robustness_jobs.all():
        robustness_execute(job)
    editor = User.objects.get(username=f"scale.editor.{k:03d}")
    _token, key = api_token_create(user=editor, name="load test")
    workspaces.append({"slug": city.slug, "id": city.pk, "session": session.pk,
                       "editor": editor.username, "token": key})
from recap.accounts.models import Membership, Role
from recap.pipeline.models import ProjectConcept
concepts = ProjectConcept.objects.order_by("pk")
coordinators = Membership.objects.filter(role=Role.CITY_COORDINATOR).select_related("user", "city")
print(json.dumps({
    "password": "resilient-demo",
    "workspaces": workspaces,
    "cities": [{"slug": c.slug} for c in City.objects.filter(is_public=True)],
    "actions": list(CatalogueAction.objects.values_list("code", flat=True)),
    "programme": {
        "manager": "programme.manager",
        "reviewers": ["reviewer", "reviewer.two"],
        "funder": "funder",
    },
    "concepts": [c.get_absolute_url() for c in concepts[:200]],
    "reviewable": [c.get_absolute_url() for c in concepts.filter(stage="drafted")[:100]],
    "shared": [f"/pipeline/shared/{pk}/" for pk in concepts.filter(
        shares__facility__code="gap-fund").values_list("pk", flat=True)[:100]],
    "coordinators": [{"username": m.user.username, "slug": m.city.slug}
                     for m in coordinators.order_by("pk")[:50]],
}))
"""
PROGRAMME = """
import json
from recap.demo.scale import demo_scale_programme
done = demo_scale_programme(cities=CITIES, concepts=CONCEPTS)
print(json.dumps({"concepts": done.concepts, "values": done.values}))
"""


def recap(env: dict[str, str], *args: str, capture: bool = True) -> str:
    done = subprocess.run(  # noqa: S603 - our own command
        [str(BIN / "recap"), *args], env=env, capture_output=capture, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"recap {' '.join(args[:2])}: {done.stderr[-1500:]}")
    return done.stdout


def shell(env: dict[str, str], code: str) -> Any:
    return json.loads(recap(env, "shell", "-c", code).strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def warm(port: int, plan: dict[str, Any]) -> None:
    """Each web process loads its code and templates on its first requests: not measured.
    Waits (a minute at most) for the server to answer first: a busy machine starts it slowly."""
    import urllib.error
    import urllib.request

    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310
                response.read()
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    slug = plan["cities"][0]["slug"]
    for _ in range(6):
        for path in [
            "/",
            "/cities/",
            f"/cities/{slug}/",
            "/offices/",
            "/catalogue/",
            "/accounts/login/",
            "/facilities/",
            "/lessons/",
        ]:
            with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 - loopback
                response.read()


def swarm(
    port: int,
    plan_file: Path,
    users: int,
    seconds: int,
    *,
    env: dict[str, str],
    csv_to: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """locust, headless, `users` people for `seconds` (statistics to `csv_to`, if given)."""
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "benchmarks" / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(max(1, users // 4)),
        "-t",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--only-summary",
        "--loglevel",
        "ERROR",
    ]
    if csv_to is not None:
        command += ["--csv", str(csv_to)]
    return subprocess.run(  # noqa: S603 - our own tool
        command,
        env=env | {"RECAP_LOAD_PLAN": str(plan_file)},
        check=False,  # locust exits 1 when any request failed: the table says which
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )


def percentiles(stats_csv: Path) -> list[dict[str, str]]:
    with stats_csv.open() as fh:
        return [row for row in csv.DictReader(fh) if row["Name"] != "Aggregated"]


def run_one(database: str, args: argparse.Namespace) -> None:
    var = Path(tempfile.mkdtemp(prefix=f"recap-load-{database}-"))
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {"RECAP_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "recap.settings.dev"}
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = ""
    if database == "postgres":
        import psycopg

        name = f"recap_load_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    serve = None
    try:
        t0 = time.perf_counter()
        recap(env, "demo")
        small = shell(env, QUERIES)
        recap(env, "demo", "--scale", str(args.cities), "--candidates", str(args.candidates))
        grown = shell(
            env,
            PROGRAMME.replace("CITIES", str(args.cities)).replace("CONCEPTS", str(args.concepts)),
        )
        plan = shell(env, RUNS.replace("RUNS + 1", str(args.runs + 1)))
        if name:
            # The planner's statistics, as autovacuum gathers them within a minute or so of a
            # bulk load: measured before it has, the planner takes 500 rows for 2.
            import psycopg

            with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
                db.execute("ANALYZE")
        large = shell(env, QUERIES)
        print(
            f"\n## {database}: the demo and {args.cities} cities x {args.candidates} candidates, "
            f"{args.runs} runs, {grown['concepts']} concepts, {grown['values']} reported values "
            f"({time.perf_counter() - t0:.0f} s to set up)\n"
        )
        print(
            f"| page (as) | queries, 5 cities | queries, {5 + args.cities} cities | status | "
            f"app CPU ms, 5 cities | app CPU ms, {5 + args.cities} cities |"
        )
        print("|---|---|---|---|---|---|")
        for path, (_status, count, cpu) in small.items():
            print(
                f"| {path} | {count} | {large[path][1]} | {large[path][0]} | {cpu:.0f} | "
                f"{large[path][2]:.0f} |"
            )
        plan_file = var / "plan.json"
        plan_file.write_text(json.dumps(plan))
        port = free_port()
        serve = subprocess.Popen(  # noqa: S603 - our own command
            [
                str(BIN / "recap"),
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
                "--web-workers",
                str(args.web_workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(4)
        warm(port, plan)
        # Every route once on every web process first, not measured: a process's first request
        # to a page loads its code, templates and translations (0.5-0.7 s), once in its life.
        if args.warm_seconds:
            swarm(port, plan_file, args.users, args.warm_seconds, env=env)
        out = var / "locust"
        done = swarm(port, plan_file, args.users, args.seconds, env=env, csv_to=out)
        if not Path(f"{out}_stats.csv").exists():
            raise RuntimeError(f"locust did not run: {done.stderr[-1500:]}")
        rows = percentiles(Path(f"{out}_stats.csv"))
        total = sum(int(r["Request Count"]) for r in rows)
        errors = sum(int(r["Failure Count"]) for r in rows)
        print(
            f"\n{args.users} people for {args.seconds} s: {total} requests, {errors} errors, "
            f"{total / args.seconds:.1f} requests/s\n"
        )
        print("| route | requests | errors | p50 ms | p95 ms | p99 ms |")
        print("|---|---|---|---|---|---|")
        for r in sorted(rows, key=lambda r: -int(r["Request Count"])):
            print(
                f"| {r['Type']} {r['Name']} | {r['Request Count']} | {r['Failure Count']} | "
                f"{r['50%']} | {r['95%']} | {r['99%']} |"
            )
        failures = Path(f"{out}_failures.csv")
        if failures.exists():
            for f in list(csv.DictReader(failures.open()))[:10]:
                print(f"- failed: {f['Method']} {f['Name']}: {f['Error']} ({f['Occurrences']}x)")
        slow = [r["Name"] for r in rows if r["95%"] not in ("N/A", "") and float(r["95%"]) > 300]
        print(f"\nroutes over 300 ms at p95: {', '.join(slow) or 'none'}")
    finally:
        if serve is not None:
            serve.terminate()
            serve.wait(timeout=30)
        if name:
            import psycopg

            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cities", type=int, default=100)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--concepts", type=int, default=10, help="project concepts per city")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument(
        "--warm-seconds", type=int, default=20, help="people at work before the measured run"
    )
    args = parser.parse_args()
    bounded = 1 <= args.users <= 200 and 1 <= args.seconds <= 600
    if not (bounded and 0 <= args.warm_seconds <= 600):
        parser.error(
            "--users takes 1 to 200, --seconds 1 to 600, --warm-seconds 0 to 600: "
            "this is a bounded benchmark"
        )
    for database in ["sqlite", "postgres"] if args.database == "both" else [args.database]:
        run_one(database, args)


if __name__ == "__main__":
    main()
