from __future__ import annotations

import pytest
from django.test import Client

from recap.accounts.models import AuditEvent, Membership, Role
from recap.cities.models import City
from recap.testing import World, concept_at, make_user
from recap.tracking.models import Measure

pytestmark = pytest.mark.django_db


def test_editor_sees_own_workspace_and_not_another_city(client: Client, world: World) -> None:
    client.force_login(world.users["editor_a"])
    body = client.get("/cities/kigali/workspace/").content.decode()
    assert "City workspace" in body and "Edit profile" in body
    assert client.get("/cities/rajshahi/workspace/").status_code == 404
    assert client.get("/cities/rajshahi/workspace/team/").status_code == 404
    assert client.get("/cities/no-such-city/workspace/").status_code == 404


def test_workspace_lists_only_this_citys_concepts_and_measures(
    client: Client, world: World
) -> None:
    concept_at(world.city_a, "Wetland drainage", "submitted")
    concept_at(world.city_b, "Market shade", "submitted")
    Measure.objects.create(city=world.city_a, title="Solar lights")
    client.force_login(world.users["viewer_a"])
    body = client.get("/cities/kigali/workspace/").content.decode()
    assert "Wetland drainage" in body
    assert "Solar lights" in body
    assert "Market shade" not in body
    assert "No small-scale measure yet." not in body


def test_viewer_sees_but_cannot_edit(client: Client, world: World) -> None:
    client.force_login(world.users["viewer_a"])
    body = client.get("/cities/kigali/workspace/").content.decode()
    assert "Edit profile" not in body
    response = client.post("/cities/kigali/workspace/profile/", {"summary": "Hacked"})
    assert response.status_code == 403
    assert City.objects.get(slug="kigali").summary == ""


def test_editor_updates_the_profile_and_it_is_audited(client: Client, world: World) -> None:
    client.force_login(world.users["editor_a"])
    response = client.post(
        "/cities/kigali/workspace/profile/",
        {
            "summary": "Hills and wetlands",
            "context": "Floods.",
            "population": "1700000",
            "population_year": "2024",
        },
    )
    assert response.status_code == 302
    city = City.objects.get(slug="kigali")
    assert (city.summary, city.population) == ("Hills and wetlands", 1_700_000)
    event = AuditEvent.objects.get(verb="city.profile_update")
    assert event.actor == world.users["editor_a"] and event.city == city
    assert event.detail["population"] == ["1600000", "1700000"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"population": "-5"}, "population"),
        ({"population": "many"}, "population"),
        ({"population_year": "1800"}, "population_year"),
        ({"summary": "x" * 301}, "summary"),
    ],
)
def test_profile_rejects_bad_input_and_keeps_the_old_values(
    client: Client, world: World, data: dict[str, str], field: str
) -> None:
    client.force_login(world.users["editor_a"])
    response = client.post(
        "/cities/kigali/workspace/profile/", {"summary": "ok", "context": ""} | data
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert City.objects.get(slug="kigali").population == 1_600_000


def test_coordinator_manages_the_team(client: Client, world: World) -> None:
    client.force_login(world.users["coordinator_a"])
    newcomer = make_user("newcomer")
    response = client.post(
        "/cities/kigali/workspace/team/",
        {"username": "NEWCOMER@example.org", "role": "city_editor"},
    )
    assert response.status_code == 302
    m = Membership.objects.get(user=newcomer)
    assert (m.city, m.role) == (world.city_a, Role.CITY_EDITOR)
    response = client.post(f"/cities/kigali/workspace/team/{m.pk}/remove/")
    assert response.status_code == 302
    assert not Membership.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "ghost", "role": "city_viewer"}, "No single active account matches"),
        ({"username": "viewer_a", "role": "city_editor"}, "already has a role in this city"),
        ({"username": "editor_b", "role": "programme_manager"}, "Select a valid choice"),
        ({"username": "", "role": "city_viewer"}, "This field is required"),
    ],
)
def test_team_form_errors(client: Client, world: World, data: dict[str, str], message: str) -> None:
    client.force_login(world.users["coordinator_a"])
    before = Membership.objects.count()
    response = client.post("/cities/kigali/workspace/team/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Membership.objects.count() == before


def test_member_of_another_city_cannot_be_removed_through_this_city(
    client: Client, world: World
) -> None:
    client.force_login(world.users["coordinator_a"])
    other = Membership.objects.get(user=world.users["editor_b"])
    assert client.post(f"/cities/kigali/workspace/team/{other.pk}/remove/").status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()


def test_last_coordinator_stays(client: Client, world: World) -> None:
    client.force_login(world.users["coordinator_a"])
    mine = Membership.objects.get(user=world.users["coordinator_a"])
    response = client.post(f"/cities/kigali/workspace/team/{mine.pk}/remove/", follow=True)
    assert "A city keeps at least one coordinator." in response.content.decode()
    assert Membership.objects.filter(pk=mine.pk).exists()
