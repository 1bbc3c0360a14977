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

PUBLIC = ["/", "/cities/", "/cities/kigali/", "/offices/?q=Africa", "/api/v1/cities?limit=50"]
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
