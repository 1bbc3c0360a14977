"""The people `benchmarks.load` sends at a running ReCAP: visitors on the public pages, city
editors in their workspaces and on run pages, scripts on the API, and the programme's people:
its manager, its reviewers, a funder and city coordinators, on the board, the results, the
cities' implementation plans side by side, concepts, the funder's list, search, peers,
exchanges and My work. Loopback only.

Reads `RECAP_LOAD_PLAN` (a JSON file `benchmarks.load` writes): the cities, sessions and runs
to visit, the editors' names and API tokens, the concepts and the programme's people. Every
request is named by its route, so the statistics come per route, not per URL.
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


def _sign_in(user: HttpUser, username: str) -> None:
    user.client.get("/accounts/login/", name="/accounts/login/")
    token = user.client.cookies.get("csrftoken", "")
    with user.client.post(
        "/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": user.host + "/accounts/login/"},
        name="/accounts/login/ (POST)",
        catch_response=True,
        allow_redirects=False,
    ) as r:
        _ok(r, 302)


def _get(user: HttpUser, url: str, name: str) -> None:
    with user.client.get(url, name=name, catch_response=True) as r:
        _ok(r)


class CityEditor(HttpUser):
    """A city team member at work: workspace, register, candidates, sessions and runs."""

    weight = 3
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.city = random.choice(PLAN["workspaces"])  # noqa: S311
        _sign_in(self, self.city["editor"])
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


class ProgrammeManager(HttpUser):
    """The programme's manager: the board (a page of it too), the results dashboard (filtered
    as well), every city's implementation plan side by side (filtered as well), concepts,
    search, a city's peers and exchanges, My work."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self) -> None:
        _sign_in(self, PLAN["programme"]["manager"])

    @task(3)
    def board(self) -> None:
        _get(self, "/pipeline/", "/pipeline/ (board)")

    @task(1)
    def board_page(self) -> None:
        _get(self, "/pipeline/?country=RW&page_drafted=2", "/pipeline/?country=&page_")

    @task(3)
    def results(self) -> None:
        _get(self, "/programme/results/", "/programme/results/")

    @task(1)
    def results_filtered(self) -> None:
        _get(self, "/programme/results/?country=rw", "/programme/results/?country=")

    @task(2)
    def plans(self) -> None:
        _get(self, "/programme/implementation/", "/programme/implementation/")

    @task(1)
    def plans_filtered(self) -> None:
        _get(self, "/programme/implementation/?country=BD", "/programme/implementation/?country=")

    @task(2)
    def concept(self) -> None:
        _get(self, random.choice(PLAN["concepts"]), "…/concepts/{pk}/ (manager)")  # noqa: S311

    @task(1)
    def search(self) -> None:
        query = random.choice(["flood", "drainage", "heat", "inondation"])  # noqa: S311
        _get(self, f"/search/?q={query}", "/search/?q=")

    @task(1)
    def peers(self) -> None:
        city = random.choice(PLAN["workspaces"])  # noqa: S311
        _get(self, f"/cities/{city['slug']}/workspace/peers/", "…/workspace/peers/")

    @task(1)
    def exchanges(self) -> None:
        city = random.choice(PLAN["workspaces"])  # noqa: S311
        _get(self, f"/cities/{city['slug']}/workspace/exchanges/", "…/workspace/exchanges/")

    @task(2)
    def my_work(self) -> None:
        _get(self, "/me/", "/me/ (manager)")


class Reviewer(HttpUser):
    """A programme reviewer: the board, the concepts to review, the results, My work."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        _sign_in(self, random.choice(PLAN["programme"]["reviewers"]))  # noqa: S311

    @task(2)
    def board(self) -> None:
        _get(self, "/pipeline/", "/pipeline/ (board, reviewer)")

    @task(2)
    def concept(self) -> None:
        url = random.choice(PLAN["reviewable"])  # noqa: S311
        _get(self, url, "…/concepts/{pk}/ (reviewer)")

    @task(1)
    def results(self) -> None:
        _get(self, "/programme/results/", "/programme/results/ (reviewer)")

    @task(1)
    def my_work(self) -> None:
        _get(self, "/me/", "/me/ (reviewer)")


class Funder(HttpUser):
    """A funder: the concepts shared with its facility, one of them, My work, the directory."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        _sign_in(self, PLAN["programme"]["funder"])

    @task(3)
    def shared(self) -> None:
        _get(self, "/pipeline/shared/", "/pipeline/shared/")

    @task(2)
    def one(self) -> None:
        url = random.choice(PLAN["shared"])  # noqa: S311
        _get(self, url, "/pipeline/shared/{pk}/")

    @task(1)
    def my_work(self) -> None:
        _get(self, "/me/", "/me/ (funder)")


class Coordinator(HttpUser):
    """A city's coordinator: My work (packages to endorse, values to submit), the workspace,
    the city's concepts, results, peers and exchanges."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.city = random.choice(PLAN["coordinators"])  # noqa: S311
        _sign_in(self, self.city["username"])
        self.base = f"/cities/{self.city['slug']}/workspace/"

    @task(2)
    def my_work(self) -> None:
        _get(self, "/me/", "/me/ (coordinator)")

    @task(1)
    def concepts(self) -> None:
        _get(self, self.base + "concepts/", "…/workspace/concepts/")

    @task(1)
    def results(self) -> None:
        _get(self, self.base + "results/", "…/workspace/results/")

    @task(1)
    def peers(self) -> None:
        _get(self, self.base + "peers/", "…/workspace/peers/ (coordinator)")

    @task(1)
    def exchanges(self) -> None:
        _get(self, self.base + "exchanges/", "…/workspace/exchanges/ (coordinator)")
