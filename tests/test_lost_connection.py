"""A page read while its database connection is cut is read again on a fresh connection,
not answered with a 500 (issue #19, item 20); a write is never repeated."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client

from recap.testing import make_world

SERVER = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not SERVER.startswith("postgres"),
    reason="cutting a connection from outside needs a database server (PostgreSQL)",
)


@contextmanager
def cut_at_query(n: int) -> Iterator[list[int]]:
    """Cut this thread's connection from outside (pg_terminate_backend) just before its n-th
    query from now, once: as a restart or a failover does to a request in flight."""
    import psycopg

    seen, cuts = [0], []

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        seen[0] += 1
        if seen[0] == n and not cuts:
            pid = connection.connection.info.backend_pid  # type: ignore[union-attr]
            with psycopg.connect(SERVER.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            cuts.append(pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield cuts


def test_a_read_whose_connection_is_cut_is_read_again(transactional_db: None) -> None:
    world = make_world()
    client = Client()
    client.force_login(world.users["manager"])
    assert client.get("/programme/results/").status_code == 200
    with cut_at_query(3) as cuts:
        response = client.get("/programme/results/")
    assert cuts, "the connection was cut"
    assert response.status_code == 200
    assert client.get("/programme/results/").status_code == 200


def test_a_write_whose_connection_is_cut_is_not_repeated(transactional_db: None) -> None:
    world = make_world()
    client = Client(raise_request_exception=True)
    client.force_login(world.users["manager"])
    client.get("/programme/trainings/")
    with cut_at_query(3) as cuts, pytest.raises(OperationalError):
        client.post(
            "/programme/trainings/", {"title": "T", "held_on": "2022-03-01", "mode": "virtual"}
        )
    assert cuts
    from recap.tracking.models import Training

    connection.close()
    assert Training.objects.count() == 0
