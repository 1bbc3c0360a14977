"""The header's role menus: each role finds the pages of its work from every page, and a link
is offered exactly when its page opens for that person."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from recap.accounts.models import Membership
from recap.testing import World

PROGRAMME_PAGES = [
    "/pipeline/",
    "/pipeline/portfolio/",
    "/programme/results/",
    "/programme/results/framework/",
    "/programme/trainings/",
    "/programme/reports/",
    "/programme/lessons/",
]


def _menu(page: str, key: str) -> list[str]:
    """The links of the header's menu `key`, in order (none when it is absent)."""
    found = re.search(rf'<ul id="menu-{key}">(.*?)</ul>', page, re.S)
    return re.findall(r'href="([^"]+)"', found.group(1)) if found else []


#: The cities' implementation plans side by side: the manager's (who may read each city's
#: plan), not a reviewer's.
MANAGER_PAGES = [*PROGRAMME_PAGES[:3], "/programme/implementation/", *PROGRAMME_PAGES[3:]]


@pytest.mark.parametrize("role", ["manager", "reviewer", "admin"])
def test_the_programme_people_reach_their_pages_from_any_page(
    client: Client, world: World, role: str
) -> None:
    client.force_login(world.users[role])
    pages = PROGRAMME_PAGES if role == "reviewer" else MANAGER_PAGES
    for start in ("/", "/catalogue/", "/me/", "/cities/kigali/"):
        links = _menu(client.get(start).content.decode(), "programme")
        assert links == ["/", *pages], (role, start)
    for link in pages:  # every link opens for them
        assert client.get(link).status_code == 200, (role, link)
    if role == "reviewer":  # and the one they are not offered does not
        assert client.get("/programme/implementation/").status_code == 403


def test_the_manager_is_asked_to_publish_a_reviewer_reads(client: Client, world: World) -> None:
    client.force_login(world.users["manager"])
    assert ">Lessons to publish<" in client.get("/").content.decode()
    client.force_login(world.users["reviewer"])
    page = client.get("/").content.decode()
    assert ">Lessons submitted<" in page and ">Lessons to publish<" not in page


@pytest.mark.parametrize("role", ["anonymous", "viewer_a", "editor_a", "coordinator_a", "funder"])
def test_no_programme_menu_for_people_outside_the_programme(
    client: Client, world: World, role: str
) -> None:
    if role != "anonymous":
        client.force_login(world.users[role])
    page = client.get("/").content.decode()
    assert _menu(page, "programme") == []
    assert '<a href="/" aria-current="page">Programme</a>' in page  # the public link instead
    for link in MANAGER_PAGES:
        assert client.get(link).status_code in (302, 403, 404), (role, link)


def test_a_funder_reaches_the_concepts_shared_with_them(client: Client, world: World) -> None:
    client.force_login(world.users["funder"])
    page = client.get("/catalogue/").content.decode()
    assert _menu(page, "funder") == ["/pipeline/shared/", "/facilities/"]
    assert client.get("/pipeline/shared/").status_code == 200
    # The menu marks the page being read.
    page = client.get("/pipeline/shared/").content.decode()
    assert '<a href="/pipeline/shared/" aria-current="page">' in page
    assert '<summary class="nav-current">' in page
    # A funder who speaks for a facility also reaches its pot.
    from recap.pipeline.models import Facility

    Facility.objects.create(
        code="gap-fund",
        name="Gap Fund",
        operators="World Bank",
        url="https://example.org/",
        applicants="Cities",
        country_rule="any",
        organisation=world.funder_org,
    )
    page = client.get("/catalogue/").content.decode()
    menu = ["/pipeline/shared/", "/pipeline/shared/portfolio/", "/facilities/"]
    assert _menu(page, "funder") == menu
    assert client.get("/pipeline/shared/portfolio/gap-fund/").status_code == 200
    # Others get the public directory's link, not the menu.
    client.force_login(world.users["editor_a"])
    page = client.get("/catalogue/").content.decode()
    assert _menu(page, "funder") == [] and '<a href="/facilities/">Funders</a>' in page


def test_an_inactive_manager_gets_no_menu(client: Client, world: World) -> None:
    manager = world.users["manager"]
    manager.is_active = False
    manager.save()
    client.force_login(manager)  # force_login ignores is_active; the menu must not
    assert _menu(client.get("/").content.decode(), "programme") == []


def test_a_person_who_loses_the_role_loses_the_menu(client: Client, world: World) -> None:
    client.force_login(world.users["reviewer"])
    assert _menu(client.get("/").content.decode(), "programme")
    Membership.objects.filter(user=world.users["reviewer"]).delete()
    assert _menu(client.get("/").content.decode(), "programme") == []
