"""Builders for tests: a small world of two programmes' worth of cities and one person per role.

Kept in the package (not under tests/) so app tests and cross-cutting tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recap.accounts.models import Membership, Role, User
from recap.cities.models import City, Country, Organisation, Programme

PASSWORD = "a-long-test-password"  # noqa: S105


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
