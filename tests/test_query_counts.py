"""Pages cost the same number of queries whatever the amount of data: ten times the cities,
candidates and sessions, the same queries (no query per row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from recap.cities.models import City
from recap.demo.scale import synthetic_candidates, synthetic_register, synthetic_session
from recap.hazards.services import hazard_taxonomy_load
from recap.testing import World

pytestmark = pytest.mark.django_db

PUBLIC = [
    "/",
    "/cities/",
    "/cities/kigali/",
    "/offices/?q=Africa",
    "/facilities/",
    "/api/v1/cities?limit=50",
]
KIGALI = [
    "/me/",
    "/cities/kigali/workspace/",
    "/cities/kigali/workspace/hazards/",
    "/cities/kigali/workspace/candidates/",
    "/cities/kigali/workspace/prioritisation/",
    "SESSION",
    "/api/v1/cities/CITY/sessions",
    "/api/v1/cities/CITY/candidates",
]


def _counts(world: World, session_pk: int) -> dict[str, int]:
    counts = {}
    for who, paths in [(None, PUBLIC), ("manager", KIGALI)]:
        client = Client()
        if who:
            client.force_login(world.users[who])
        for path in paths:
            url = path.replace("SESSION", f"/cities/kigali/workspace/prioritisation/{session_pk}/")
            url = url.replace("CITY", str(world.city_a.pk))
            client.get(url)  # warm
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            counts[path] = len(queries)
    return counts


def test_ten_times_the_data_costs_no_more_queries(world: World) -> None:
    hazard_taxonomy_load()
    admin = world.users["admin"]
    synthetic_register(world.city_a, admin, seed=1)
    session = synthetic_session(
        world.city_a, admin, synthetic_candidates(world.city_a, 5, seed=1), title="Small"
    )
    small = _counts(world, session.pk)
    more = synthetic_candidates(world.city_a, 45, seed=2)
    synthetic_session(world.city_a, admin, more, title="Second")
    session.candidates.add(*more)
    for k in range(10):
        city = City.objects.create(
            slug=f"more-{k}", name=f"More {k}", country=world.country_a, summary="Synthetic."
        )
        world.programme.cities.add(city)
        synthetic_register(city, admin, seed=10 + k)
        synthetic_session(city, admin, synthetic_candidates(city, 5, seed=10 + k), title="S")
    assert _counts(world, session.pk) == small


def _workshop_counts(world: World, size: int, seed: int) -> dict[str, int]:
    """Queries of a run's page, its package's page and reports, and the API's views of them,
    for a session of `size` candidates, run and saved as a package."""
    from recap.planning.packages import package_save
    from recap.planning.services import session_run

    admin = world.users["admin"]
    actions = synthetic_candidates(world.city_a, size, seed=seed)
    session = synthetic_session(world.city_a, admin, actions, title=f"Size {size}")
    run = session_run(actor=admin, session=session)
    assert run.is_done
    package = package_save(actor=admin, run=run, name=f"Package {size}")
    base = f"/cities/kigali/workspace/prioritisation/{session.pk}/"
    api = f"/api/v1/cities/{world.city_a.pk}"
    urls = {
        "run page": f"{base}runs/{run.number}/",
        "package page": package.get_absolute_url(),
        "PDF": package.get_absolute_url() + "report.pdf",
        "XLSX": package.get_absolute_url() + "report.xlsx",
        "API run": f"{api}/sessions/{session.pk}/runs/{run.number}",
        "API packages": f"{api}/packages",
    }
    client = Client()
    client.force_login(world.users["manager"])
    counts = {}
    for name, url in urls.items():
        client.get(url)  # warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counts[name] = len(queries)
    return counts


def test_a_workshop_of_forty_times_the_candidates_costs_no_more_queries(world: World) -> None:
    """A run's results, its package and its reports read the stored result, not a row per
    candidate: 5 candidates and 200 cost the same queries."""
    hazard_taxonomy_load()
    synthetic_register(world.city_a, world.users["admin"], seed=1)
    small = _workshop_counts(world, 5, seed=1)
    assert _workshop_counts(world, 200, seed=2) == small


def _pipeline_counts(world: World, n: int) -> dict[str, int]:
    """Queries of the pipeline's lists for `n` concepts per city (more of each as n grows)."""
    from recap.pipeline.concepts import concept_share
    from recap.pipeline.models import Facility, FundingSource
    from recap.testing import concept_at

    gap = Facility.objects.get(code="gap-fund")
    stages = ["candidate", "drafted", "screened", "submitted", "presented", "on_hold"]
    for i in range(n):
        for city in (world.city_a, world.city_b):
            c = concept_at(city, f"Concept {i}", stages[i % len(stages)], summary="S")
            FundingSource.objects.create(
                concept=c, kind="own", name="City", amount=1000 + i, status="secured"
            )
            if c.stage in ("submitted", "presented"):
                concept_share(actor=world.users["manager"], concept=c, facility=gap)
    counts = {}
    for who, url in [
        ("editor_a", "/cities/kigali/workspace/concepts/"),
        ("editor_a", "/me/"),
        ("manager", "/pipeline/"),
        ("manager", "/api/v1/pipeline/concepts"),
        ("funder", "/pipeline/shared/"),
    ]:
        client = Client()
        client.force_login(world.users[who])
        client.get(url)  # warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counts[f"{who} {url}"] = len(queries)
    return counts


def test_the_pipelines_lists_cost_no_more_queries_for_more_concepts(world: World) -> None:
    from recap.pipeline.models import Facility
    from recap.pipeline.services import facilities_load_shipped

    facilities_load_shipped()
    Facility.objects.filter(code="gap-fund").update(organisation=world.funder_org)
    small = _pipeline_counts(world, 6)
    assert _pipeline_counts(world, 24) == small


def _monitoring_counts(world: World, n: int) -> dict[str, int]:
    """Pages of monitoring with `n` trainings (ten people each), measures with evidence-free
    history, and approved values."""
    from datetime import date, timedelta
    from decimal import Decimal

    from recap.tracking.models import (
        Indicator,
        IndicatorUpdate,
        Measure,
        MeasureStatusChange,
        Participant,
        Training,
    )

    reached = Indicator.objects.get(code="reached")
    for i in range(n):
        day = date(2022, 1 + i % 12, 1 + i // 12)
        t = Training.objects.create(programme=world.programme, title=f"T{n}-{i}", held_on=day)
        t.cities.add(world.city_a)
        Participant.objects.bulk_create(
            Participant(training=t, city=world.city_a, score_before=40, score_after=50 + k)
            for k in range(10)
        )
        m = Measure.objects.create(city=world.city_a, title=f"M{n}-{i}")
        MeasureStatusChange.objects.create(measure=m, status="planned", on=day)
        one_day = date(2000, 1, 1) + timedelta(days=40 * n + i)  # one value a period
        IndicatorUpdate.objects.create(
            indicator=reached,
            city=world.city_b,
            period_start=one_day,
            period_end=one_day,
            value=Decimal(1),
            status="approved",
        )
    client = Client()
    client.force_login(world.users["manager"])
    counts = {}
    for path in [
        "/programme/results/",
        "/programme/results/?country=rw&from=2022-01-01",
        "/programme/trainings/",
        "/cities/kigali/workspace/measures/",
        "/cities/rajshahi/workspace/results/",
        "/api/v1/programme/results",
    ]:
        client.get(path)  # charts drawn and cached: the count is of the page's own work
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200, path
        counts[path] = len(queries)
    return counts


def test_monitoring_pages_cost_no_more_queries_for_more_records(world: World) -> None:
    from recap.tracking.services import framework_load_shipped

    framework_load_shipped(world.programme)
    small = _monitoring_counts(world, 3)
    assert _monitoring_counts(world, 30) == small


def _learning_counts(world: World, n: int) -> dict[str, int]:
    """Peer learning's pages with `n` exchanges, published lessons and cities to match."""
    from recap.learning.models import Exchange, ExchangeMessage, Lesson
    from recap.learning.search import index_rebuild

    City.objects.filter(pk__in=[world.city_a.pk, world.city_b.pk]).update(shares_with_peers=True)
    for i in range(Exchange.objects.count(), n):
        city = City.objects.create(
            name=f"Peer {i}", slug=f"peer-{i}", country=world.country_a, shares_with_peers=True
        )
        exchange = Exchange.objects.create(
            from_city=world.city_a, to_city=city, subject=f"Question {i}", awaiting=city
        )
        ExchangeMessage.objects.create(exchange=exchange, city=world.city_a, body="Flood?")
        Lesson.objects.create(
            city=city,
            title=f"Flood lesson {i}",
            summary="Flood",
            context="C",
            what_was_done="W",
            results="R",
            status="published",
        )
    index_rebuild()
    exchange_pk = Exchange.objects.order_by("pk").first().pk  # type: ignore[union-attr]
    counts = {}
    client = Client()
    client.force_login(world.users["editor_a"])
    for url in (
        "/cities/kigali/workspace/peers/",
        "/cities/kigali/workspace/exchanges/",
        f"/exchanges/{exchange_pk}/",
        "/search/?q=flood",
        "/lessons/",
        "/me/",
    ):
        client.get(url)  # warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counts[url] = len(queries)
    return counts


def test_peer_learning_pages_cost_no_more_queries_for_more_records(world: World) -> None:
    hazard_taxonomy_load()
    small = _learning_counts(world, 3)
    assert _learning_counts(world, 30) == small
