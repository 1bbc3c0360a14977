"""Benchmark of programme monitoring on the real default database (a fresh SQLite file): the
results dashboard, a donor report issued and drawn, and the IATI export, at two sizes of
programme: CITIES cities, each with a training a quarter (30 people, half of them checked
before and after), two measures, and four approved values a year of the two city-level
reported indicators.

Usage: .venv/bin/python -m benchmarks.results [CITIES ...]   (default: 5 40)
Columns: the dashboard as a browser gets it, cold (its charts drawn) and warm (charts from the
cache), each with its queries; the baseline in the same run, "no trend": the indicators read
as the dashboard read them before trends and filters (value, target, status, late places),
without the page; issuing a report (its snapshot), drawing its PDF and its XLSX; the IATI
activity file with its schema check.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
VAR = tempfile.mkdtemp(prefix="recap-bench-")
os.environ["RECAP_VAR_DIR"] = VAR
os.environ["DJANGO_SETTINGS_MODULE"] = "recap.settings.dev"

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from recap.cities.models import City  # noqa: E402
from recap.testing import make_world  # noqa: E402
from recap.tracking.iati import activity_xml, schema_problems  # noqa: E402
from recap.tracking.models import (  # noqa: E402
    Indicator,
    IndicatorUpdate,
    Measure,
    Participant,
    Training,
)
from recap.tracking.progress import indicator_progress  # noqa: E402
from recap.tracking.reports import report_issue, report_pdf, report_xlsx  # noqa: E402
from recap.tracking.services import framework_load_shipped  # noqa: E402

D = datetime.date


def timed(fn: Any, times: int = 3) -> tuple[float, int]:
    """Best wall time of `times` calls (ms), and the queries of the last."""
    out = []
    for _ in range(times):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return min(out) * 1000, len(queries)


def populate(world: Any, n_cities: int) -> None:
    programme = world.programme
    Training.objects.all().delete()
    Measure.objects.all().delete()
    IndicatorUpdate.objects.all().delete()
    cities = list(programme.cities.all())
    for i in range(len(cities), n_cities):
        city = City.objects.create(name=f"City {i}", slug=f"city-{i}", country=world.city_a.country)
        programme.cities.add(city)
        cities.append(city)
    quarters = [D(2021 + q // 4, 1 + 3 * (q % 4), 15) for q in range(1, 12)]
    reported = list(Indicator.objects.filter(kind="reported", level="city"))
    people = []
    updates = []
    for c, city in enumerate(cities):
        for q, day in enumerate(quarters):
            if (c + q) % 4:
                continue  # a training a year per city, spread over the quarters
            t = Training.objects.create(programme=programme, title=f"T{c}-{q}", held_on=day)
            t.cities.add(city)
            for k in range(30):
                checked = k % 2 == 0
                people.append(
                    Participant(
                        training=t,
                        city=city,
                        sex="female" if k % 2 else "male",
                        score_before=Decimal(40 + k % 20) if checked else None,
                        score_after=Decimal(55 + k % 25) if checked else None,
                    )
                )
        for m in range(2):
            Measure.objects.create(
                city=city,
                title=f"M{c}-{m}",
                status="implemented" if m == 0 else "in_progress",
                implemented_on=D(2023, 3, 1) if m == 0 else None,
                beneficiaries=1000 + c,
            )
        for indicator in reported:
            for q, day in enumerate(quarters):
                start = day.replace(day=1)
                updates.append(
                    IndicatorUpdate(
                        indicator=indicator,
                        city=city,
                        period_start=start,
                        period_end=start + datetime.timedelta(days=80),
                        value=Decimal(10 + q),
                        status="approved",
                    )
                )
    Participant.objects.bulk_create(people)
    IndicatorUpdate.objects.bulk_create(updates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[5, 40])
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    world = make_world()
    framework_load_shipped(world.programme)
    manager = world.users["manager"]
    client = Client(HTTP_HOST="localhost")
    client.force_login(manager)

    def dashboard() -> None:
        assert client.get("/programme/results/").status_code == 200

    def cold() -> None:
        cache.clear()
        dashboard()

    def no_trend() -> None:
        indicators = (
            Indicator.objects.filter(outcome__programme=world.programme)
            .select_related("outcome__programme")
            .prefetch_related("targets")
        )
        for indicator in indicators:
            indicator_progress(indicator)

    print(f"database: {connection.vendor} in {VAR}")
    print(
        f"{'cities':>6} {'people':>7} {'values':>6} {'cold ms':>8} {'q':>4} {'warm ms':>8} "
        f"{'q':>4} {'no trend ms':>12} {'q':>4} {'issue ms':>9} {'pdf ms':>7} {'xlsx ms':>8} "
        f"{'iati ms':>8}"
    )
    for n in args.sizes:
        populate(world, n)
        cold_ms, cold_q = timed(cold, times=1)
        warm_ms, warm_q = timed(dashboard)
        base_ms, base_q = timed(no_trend)
        report = None

        def issue() -> None:
            nonlocal report
            report = report_issue(
                actor=manager, programme=world.programme, start=D(2021, 9, 1), end=D(2024, 6, 30)
            )

        issue_ms, _q = timed(issue, times=1)
        assert report is not None
        issued = report
        pdf_ms, _q = timed(lambda: report_pdf(issued), times=1)  # noqa: B023 - used at once
        xlsx_ms, _q = timed(lambda: report_xlsx(issued), times=1)  # noqa: B023

        def iati() -> None:
            assert schema_problems(activity_xml(world.programme)) == []

        iati_ms, _q = timed(iati)
        print(
            f"{n:>6} {Participant.objects.count():>7} {IndicatorUpdate.objects.count():>6} "
            f"{cold_ms:>8.0f} {cold_q:>4} {warm_ms:>8.0f} {warm_q:>4} {base_ms:>12.0f} "
            f"{base_q:>4} {issue_ms:>9.0f} {pdf_ms:>7.0f} {xlsx_ms:>8.0f} {iati_ms:>8.0f}"
        )


if __name__ == "__main__":
    main()
