"""Benchmark of peer learning on the real default database (a fresh SQLite file, or the one
DATABASE_URL names): peer matching for one city, and the search over knowledge, at sizes of
CITIES cities, each with a hazard register of four, a completed Ten Essentials assessment, two
measures and a published lesson (plus the 66 shipped catalogue actions).

Usage: .venv/bin/python -m benchmarks.learning [CITIES ...]   (default: 5 50 200)
Columns: documents in the index; both match lists for one city (ms, queries); the peers page
as a browser gets it; rebuilding the index; a two-word search ranked by the index (FTS5 or
PostgreSQL full-text) as an anonymous reader and as a city's editor; the baseline in the same
run: the same words looked up by a plain case-insensitive scan of every document's text
(`icontains` on six columns, no ranking), which is what a site without a search index does.
"""

from __future__ import annotations

import argparse
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

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from recap.assessments.models import Answer, Assessment, Framework, Question  # noqa: E402
from recap.assessments.services import framework_load_shipped  # noqa: E402
from recap.catalogue.services import catalogue_load_shipped  # noqa: E402
from recap.cities.models import City  # noqa: E402
from recap.hazards.models import CityHazard, HazardType  # noqa: E402
from recap.hazards.services import hazard_taxonomy_load  # noqa: E402
from recap.learning.models import Lesson, SearchDocument  # noqa: E402
from recap.learning.peers import matches  # noqa: E402
from recap.learning.search import index_rebuild, search  # noqa: E402
from recap.testing import make_world  # noqa: E402
from recap.tracking.models import Measure  # noqa: E402

WORDS = "flood warning"


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
    hazards = list(HazardType.objects.order_by("code"))
    framework = Framework.objects.get(code="ten-essentials-preliminary")
    questions = list(Question.objects.filter(framework=framework))
    have = City.objects.count()
    for i in range(have, n_cities):
        city = City.objects.create(
            name=f"City {i:04d}",
            slug=f"city-{i}",
            country=world.country_a if i % 2 else world.country_b,
            population=50_000 + 37_000 * i,
            languages=[["fr"], ["en"], ["fr", "ar"]][i % 3],
        )
        for k in range(4):
            CityHazard.objects.create(
                city=city,
                hazard=hazards[(i * 3 + k * 5) % len(hazards)],
                likelihood=1 + (i + k) % 5,
                impact=1 + (i * k) % 5,
            )
        assessment = Assessment.objects.create(
            city=city, framework=framework, title="Scorecard", status="completed"
        )
        Answer.objects.bulk_create(
            Answer(assessment=assessment, question=q, score=(i + j) % 4)
            for j, q in enumerate(questions)
        )
        for k in range(2):
            measure = Measure.objects.create(
                city=city, title=f"Flood drains {i}-{k}", status="in_progress"
            )
            measure.hazards.add(hazards[(i + k) % len(hazards)])
        lesson = Lesson.objects.create(
            city=city,
            title=f"Flood warning by ward volunteers in city {i}",
            summary="Volunteers pass on the warning.",
            context="The river floods the low wards every few years.",
            what_was_done="Forty volunteers trained; shelters agreed with schools.",
            results="2,100 people reached the shelters before the water.",
            status="published",
        )
        lesson.hazards.add(hazards[i % len(hazards)])


def scan(words: list[str]) -> list[int]:
    """The baseline: every word somewhere in a document's text, by a plain scan."""
    documents = SearchDocument.objects.all()
    for word in words:
        where = Q()
        for column in ("title_en", "title_fr", "summary_en", "summary_fr", "body_en", "body_fr"):
            where |= Q(**{f"{column}__icontains": word})
        documents = documents.filter(where)
    return list(documents.values_list("pk", flat=True)[:50])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[5, 50, 200])
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    world = make_world()
    hazard_taxonomy_load()
    catalogue_load_shipped()
    framework_load_shipped()
    editor = world.users["editor_a"]
    client = Client(HTTP_HOST="localhost")
    client.force_login(editor)
    anonymous = AnonymousUser()
    print(f"database: {connection.vendor} in {VAR}")
    print(
        f"{'cities':>6} {'docs':>5} {'match ms':>9} {'q':>3} {'page ms':>8} {'q':>3} "
        f"{'index ms':>9} {'search ms':>10} {'q':>3} {'as editor ms':>13} {'hits':>5} "
        f"{'scan ms':>8} {'hits':>5}"
    )
    for n in args.sizes:
        populate(world, n)
        kigali = City.objects.get(slug="kigali")
        match_ms, match_q = timed(lambda: matches(kigali))  # noqa: B023 - used at once

        def page() -> None:
            assert client.get("/cities/kigali/workspace/peers/").status_code == 200

        page_ms, page_q = timed(page)
        index_ms, _q = timed(index_rebuild, times=1)
        search_ms, search_q = timed(lambda: search(anonymous, WORDS))
        editor_ms, _q = timed(lambda: search(editor, WORDS))
        found = len(search(anonymous, WORDS))
        scan_ms, _q = timed(lambda: scan(WORDS.split()))
        scanned = scan(WORDS.split())
        print(
            f"{n:>6} {SearchDocument.objects.count():>5} {match_ms:>9.0f} {match_q:>3} "
            f"{page_ms:>8.0f} {page_q:>3} {index_ms:>9.0f} {search_ms:>10.1f} {search_q:>3} "
            f"{editor_ms:>13.1f} {found:>5} {scan_ms:>8.1f} {len(scanned):>5}"
        )


if __name__ == "__main__":
    main()
