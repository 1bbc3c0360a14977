"""The people `benchmarks.load` sends at a running ReCAP: visitors on the public pages, city
editors in their workspaces and on run pages, and scripts on the API. Loopback only.

Reads `RECAP_LOAD_PLAN` (a JSON file `benchmarks.load` writes): the cities, sessions and runs
to visit, the editors' names and API tokens. Every request is named by its route, so the
statistics come per route, not per URL.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(open(os.environ["RECAP_LOAD_PLAN"]).read())  # noqa: SIM115
PASSWORD = PLAN["password"]


@events.init.add_listener
def loopback_only(environment: Any, **_: Any) -> None:
    host = urlsplit(environment.host or "").hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"benchmarks.load drives a local server only, not {host!r}")


def _ok(response: Any, *expected: int) -> None:
    if response.status_code not in (expected or (200,)):
        response.failure(f"status {response.status_code}")


class Visitor(HttpUser):
    """Someone reading the programme's public pages."""

    weight = 6
    wait_time = between(1, 3)

    @task(4)
    def home(self) -> None:
        with self.client.get("/", name="/ (home)", catch_response=True) as r:
            _ok(r)

    @task(2)
    def cities(self) -> None:
        with self.client.get("/cities/", name="/cities/", catch_response=True) as r:
            _ok(r)

    @task(2)
    def profile(self) -> None:
        city = random.choice(PLAN["cities"])  # noqa: S311 - a load pattern, not a secret
        with self.client.get(
            f"/cities/{city['slug']}/", name="/cities/{slug}/", catch_response=True
        ) as r:
            _ok(r)

    @task(2)
    def offices(self) -> None:
        query = random.choice(["", "Kigali", "Rwanda", "Africa", "Bonn"])  # noqa: S311
        with self.client.get(f"/offices/?q={query}", name="/offices/?q=", catch_response=True) as r:
            _ok(r)

    @task(2)
    def catalogue(self) -> None:
        with self.client.get(
            "/catalogue/?q=flood", name="/catalogue/?q=", catch_response=True
        ) as r:
            _ok(r)

    @task(1)
    def action(self) -> None:
        code = random.choice(PLAN["actions"])  # noqa: S311
        with self.client.get(
            f"/catalogue/{code}/", name="/catalogue/{code}/", catch_response=True
        ) as r:
            _ok(r)


class CityEditor(HttpUser):
    """A city team member at work: workspace, register, candidates, sessions and runs."""

    weight = 3
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.city = random.choice(PLAN["workspaces"])  # noqa: S311
        self.client.get("/accounts/login/", name="/accounts/login/")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/accounts/login/",
            {"username": self.city["editor"], "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + "/accounts/login/"},
            name="/accounts/login/ (POST)",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            _ok(r, 302)
        self.base = f"/cities/{self.city['slug']}/workspace/"

    @task(2)
    def workspace(self) -> None:
        with self.client.get(self.base, name="/cities/{slug}/workspace/", catch_response=True) as r:
            _ok(r)

    @task(1)
    def register(self) -> None:
        with self.client.get(
            self.base + "hazards/", name="…/workspace/hazards/", catch_response=True
        ) as r:
            _ok(r)

    @task(1)
    def candidates(self) -> None:
        with self.client.get(
            self.base + "candidates/", name="…/workspace/candidates/", catch_response=True
        ) as r:
            _ok(r)

    @task(1)
    def sessions(self) -> None:
        with self.client.get(
            self.base + "prioritisation/", name="…/prioritisation/", catch_response=True
        ) as r:
            _ok(r)

    @task(2)
    def session(self) -> None:
        url = f"{self.base}prioritisation/{self.city['session']}/"
        with self.client.get(
            url, name="…/prioritisation/{session}/ (a run's page)", catch_response=True
        ) as r:
            _ok(r)

    @task(1)
    def my_work(self) -> None:
        with self.client.get("/me/", name="/me/", catch_response=True) as r:
            _ok(r)


class ApiScript(HttpUser):
    """A script with a personal token reading a city's data."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.city = random.choice(PLAN["workspaces"])  # noqa: S311
        self.client.headers["Authorization"] = f"Bearer {self.city['token']}"

    @task(1)
    def cities(self) -> None:
        with self.client.get(
            "/api/v1/cities?limit=50", name="/api/v1/cities", catch_response=True
        ) as r:
            _ok(r)

    @task(1)
    def sessions(self) -> None:
        url = f"/api/v1/cities/{self.city['id']}/sessions"
        with self.client.get(url, name="/api/v1/cities/{id}/sessions", catch_response=True) as r:
            _ok(r)

    @task(1)
    def a_run(self) -> None:
        url = f"/api/v1/cities/{self.city['id']}/sessions/{self.city['session']}/runs/1"
        with self.client.get(url, name="/api/v1/…/runs/{n}", catch_response=True) as r:
            _ok(r)

    @task(1)
    def candidates(self) -> None:
        url = f"/api/v1/cities/{self.city['id']}/candidates"
        with self.client.get(url, name="/api/v1/cities/{id}/candidates", catch_response=True) as r:
            _ok(r)
