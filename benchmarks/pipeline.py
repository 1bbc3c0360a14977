"""Benchmark of the project pipeline's lists on the real default database (a fresh SQLite
file), at 50 and 500 concepts across two cities, each with a funding source, a share where
submitted, and two reviews where drafted.

Usage: .venv/bin/python -m benchmarks.pipeline [CONCEPTS ...]   (default: 50 500)
Columns: the programme's board page, a city's concept list page, the funder's shared list
page (each as a browser gets it, best of 5), and matching one concept against the whole
directory 1,000 times. The baseline in the same run is "board, no prefetch": the board's work
(every concept's moves and their gates) on a plain queryset, one query per relation per
concept, as it was before `selectors.with_gate_data`.
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

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from recap.accounts.models import Membership, Role  # noqa: E402
from recap.pipeline.concept_page import offered_moves  # noqa: E402
from recap.pipeline.matching import ConceptFacts, match  # noqa: E402
from recap.pipeline.models import (  # noqa: E402
    ConceptReview,
    ConceptShare,
    Facility,
    FundingSource,
    ProjectConcept,
)
from recap.pipeline.selectors import concept_queryset  # noqa: E402
from recap.pipeline.services import facilities_load_shipped  # noqa: E402
from recap.testing import concept_at, make_user, make_world  # noqa: E402

STAGES = ["candidate", "drafted", "screened", "submitted", "presented", "on_hold"]


def best(fn: Any, times: int = 5) -> tuple[float, int]:
    """Best wall time of `times` calls, and the queries of the last."""
    out = []
    for _ in range(times):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return min(out), len(queries)


def populate(world: Any, n: int, gap: Facility, reviewers: list[Any]) -> None:
    ProjectConcept.objects.all().delete()
    for i in range(n):
        city = world.city_a if i % 2 else world.city_b
        c = concept_at(city, f"Concept {i}", STAGES[i % len(STAGES)], summary="S", problem="P")
        FundingSource.objects.create(
            concept=c, kind="own", name="City", amount=1000 + i, status="secured"
        )
        if c.stage in ("submitted", "presented"):
            ConceptShare.objects.create(concept=c, facility=gap)
        if c.stage == "drafted":
            for r in reviewers:
                ConceptReview.objects.create(concept=c, reviewer=r, scores={}, comment="ok")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[50, 500])
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    world = make_world()
    facilities_load_shipped()
    Facility.objects.filter(code="gap-fund").update(organisation=world.funder_org)
    gap = Facility.objects.get(code="gap-fund")
    two = make_user("reviewer_two")
    Membership.objects.create(user=two, role=Role.REVIEWER, programme=world.programme)
    reviewers = [world.users["reviewer"], two]
    facilities = list(Facility.objects.all())
    manager = world.users["manager"]

    def page(user: str, url: str) -> Any:
        client = Client(HTTP_HOST="localhost")
        client.force_login(world.users[user])
        assert client.get(url).status_code == 200, url  # warm, and a page, not an error

        return lambda: client.get(url)

    print(f"database: {connection.vendor} in {VAR}")
    header = (
        f"{'concepts':>8} {'board ms':>9} {'q':>4} {'no prefetch ms':>15} {'q':>5} "
        f"{'list ms':>8} {'q':>4} {'shared ms':>10} {'q':>4} {'1000 matches ms':>16}"
    )
    print(header)
    for n in args.sizes:
        populate(world, n, gap, reviewers)
        board = best(page("manager", "/pipeline/"))
        listing = best(page("editor_a", "/cities/kigali/workspace/concepts/"))
        shared = best(page("funder", "/pipeline/shared/"))

        def unprefetched() -> None:
            for c in concept_queryset(user=manager).select_related("city__country"):
                offered_moves(manager, c)

        plain = best(unprefetched, times=1)
        concept = ProjectConcept.objects.filter(stage="submitted").first()
        assert concept is not None
        facts = ConceptFacts.of(concept)
        t0 = time.perf_counter()
        for _ in range(1000 // len(facilities) + 1):
            for f in facilities:
                match(facts, f)
        matching = time.perf_counter() - t0
        print(
            f"{n:>8} {board[0] * 1000:>9.0f} {board[1]:>4} {plain[0] * 1000:>15.0f} "
            f"{plain[1]:>5} {listing[0] * 1000:>8.0f} {listing[1]:>4} {shared[0] * 1000:>10.0f} "
            f"{shared[1]:>4} {matching * 1000:>16.1f}"
        )


if __name__ == "__main__":
    main()
