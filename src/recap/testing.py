"""Builders for tests: a small world of two programmes' worth of cities and one person per role.

Kept in the package (not under tests/) so app tests and cross-cutting tests share it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from recap.accounts.models import Membership, Role, User
from recap.cities.models import City, Country, Organisation, Programme

PASSWORD = "a-long-test-password"  # noqa: S105
#: The real database queue (tests otherwise compute background work at once, in-process).
DATABASE_QUEUE = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["short", "long", "default"],
    }
}
#: A 1×1 PNG image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63382127070002b6010534a675aa0000000049454e44ae426082"
)


@dataclass
class Beacon:
    """A real HTTP server on loopback that records every request it gets (answering each with
    a PNG), to prove that the server under test fetched nothing from it."""

    hits: list[str] = field(default_factory=list)
    url: str = ""

    def __enter__(self) -> Beacon:
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(PNG)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def make_user(username: str, *, superuser: bool = False, **extra: object) -> User:
    return User.objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=PASSWORD,
        is_superuser=superuser,
        is_staff=superuser,
        **extra,
    )


@dataclass
class World:
    country_a: Country
    country_b: Country
    office: Organisation
    funder_org: Organisation
    city_a: City
    city_b: City
    hidden: City
    programme: Programme
    users: dict[str, User]

    def user(self, role: str) -> User | None:
        return self.users.get(role)


ROLES = [
    "anonymous",
    "viewer_a",
    "editor_a",
    "coordinator_a",
    "editor_b",
    "manager",
    "funder",
    "reviewer",
    "admin",
]


def make_world() -> World:
    country_a = Country.objects.create(name="Rwanda", iso2="RW", region="africa")
    country_b = Country.objects.create(name="Bangladesh", iso2="BD", region="south_asia")
    office = Organisation.objects.create(
        name="Africa Secretariat",
        kind="secretariat",
        region="africa",
        country=country_a,
        locality="Cape Town",
        address="Century City\nCape Town",
    )
    funder_org = Organisation.objects.create(name="Gap Fund", kind="funder")
    city_a = City.objects.create(
        name="Kigali",
        slug="kigali",
        country=country_a,
        population=1_600_000,
        regional_office=office,
    )
    city_b = City.objects.create(name="Rajshahi", slug="rajshahi", country=country_b)
    hidden = City.objects.create(
        name="Hidden Town", slug="hidden", country=country_b, is_public=False
    )
    programme = Programme.objects.create(
        name="Resilient Cities Action Package",
        short_name="ReCAP 21",
        slug="recap-21",
        start_date=date(2021, 9, 1),
        end_date=date(2024, 6, 30),
    )
    programme.countries.set([country_a, country_b])
    programme.cities.set([city_a, city_b])

    users = {
        "viewer_a": make_user("viewer_a"),
        "editor_a": make_user("editor_a"),
        "coordinator_a": make_user("coordinator_a"),
        "editor_b": make_user("editor_b"),
        "manager": make_user("manager"),
        "funder": make_user("funder"),
        "reviewer": make_user("reviewer"),
        # A reviewer who also works for Kigali: never reviews Kigali's own concepts.
        "reviewer_a": make_user("reviewer_a"),
        "admin": make_user("admin", superuser=True),
    }
    Membership.objects.create(user=users["viewer_a"], role=Role.CITY_VIEWER, city=city_a)
    Membership.objects.create(user=users["editor_a"], role=Role.CITY_EDITOR, city=city_a)
    Membership.objects.create(user=users["coordinator_a"], role=Role.CITY_COORDINATOR, city=city_a)
    Membership.objects.create(user=users["editor_b"], role=Role.CITY_EDITOR, city=city_b)
    Membership.objects.create(
        user=users["manager"], role=Role.PROGRAMME_MANAGER, programme=programme
    )
    Membership.objects.create(user=users["funder"], role=Role.FUNDER, organisation=funder_org)
    for name in ("reviewer", "reviewer_a"):
        Membership.objects.create(user=users[name], role=Role.REVIEWER, programme=programme)
    Membership.objects.create(user=users["reviewer_a"], role=Role.CITY_VIEWER, city=city_a)
    return World(
        country_a=country_a,
        country_b=country_b,
        office=office,
        funder_org=funder_org,
        city_a=city_a,
        city_b=city_b,
        hidden=hidden,
        programme=programme,
        users=users,
    )


def concept_at(city: City, title: str, stage: str = "drafted", **fields: object) -> Any:
    """A project concept of `city` already at `stage`, with the moves along the main line that
    would have brought it there (so figures counted from moves see it): for tests that need a
    concept somewhere in the pipeline without walking it through every gate."""
    from recap.pipeline.models import MAIN_LINE, ConceptMove, ProjectConcept, Stage

    n = ProjectConcept.objects.filter(city=city).count() + 1
    concept = ProjectConcept.objects.create(
        city=city,
        title=title,
        reference=f"{city.country.iso2}-{city.slug.upper()}-T{n:03d}",
        stage=stage,
        **fields,
    )
    line = [str(s) for s in MAIN_LINE]
    last = line.index(stage) if stage in line else line.index(Stage.SUBMITTED)
    previous = ""
    for step in line[: last + 1]:
        ConceptMove.objects.create(concept=concept, from_stage=previous, to_stage=step)
        previous = step
    if stage not in line:
        ConceptMove.objects.create(concept=concept, from_stage=previous, to_stage=stage)
    return concept
