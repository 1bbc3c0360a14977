"""The workspace's tab bar: on every page of a city's workspace (drawn by the base layout, so
no page can forget it), each section a tab, the page's own marked, shown only to whoever may
open that workspace, and nowhere else."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from recap.cities.workspace import WORKSPACE_TABS
from recap.testing import World

pytestmark = pytest.mark.django_db

SECTIONS = [
    ("", "Overview"),
    ("hazards/", "Shocks and stresses"),
    ("assessments/", "Assessments"),
    ("candidates/", "Candidate actions"),
    ("prioritisation/", "Prioritisation"),
    ("concepts/", "Project concepts"),
    ("measures/", "Measures"),
    ("votes/", "Resident votes"),
    ("implementation/", "Implementation"),
    ("results/", "Results"),
    ("lessons/", "Lessons"),
    ("peers/", "Peer cities"),
    ("exchanges/", "Exchanges"),
    ("team/", "Team"),
]


def _tabs(body: str) -> list[str]:
    bar = re.search(r'<nav class="workspace-tabs".*?</nav>', body, re.S)
    assert bar, "no workspace tab bar on the page"
    return re.findall(r"<li><a [^>]*>([^<]+)</a></li>", bar.group(0))


def _current(body: str) -> list[str]:
    return re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a></li>', body)


@pytest.mark.parametrize(("path", "label"), SECTIONS)
def test_every_workspace_page_has_every_tab_and_marks_its_own(
    client: Client, world: World, path: str, label: str
) -> None:
    client.force_login(world.users["viewer_a"])
    page = client.get(f"/cities/kigali/workspace/{path}")
    assert page.status_code == 200
    body = page.content.decode()
    assert _tabs(body) == [label for _, label in SECTIONS]
    assert label in _current(body) and len([c for c in _current(body) if c == label]) == 1


def test_a_page_beneath_a_section_marks_that_section(client: Client, world: World) -> None:
    client.force_login(world.users["editor_a"])
    body = client.get("/cities/kigali/workspace/candidates/new/").content.decode()
    assert "Candidate actions" in _current(body) and "Overview" not in _current(body)


def test_the_programme_manager_sees_the_tabs_of_a_programme_city(client, world):
    client.force_login(world.users["manager"])
    body = client.get("/cities/rajshahi/workspace/peers/").content.decode()
    assert _tabs(body) == [label for _, label in SECTIONS]
    assert 'href="/cities/rajshahi/workspace/exchanges/"' in body


@pytest.mark.parametrize("actor", ["editor_b", "funder", "reviewer"])
def test_no_tabs_for_whoever_may_not_open_the_workspace(client, world, actor):
    client.force_login(world.users[actor])
    page = client.get("/cities/kigali/workspace/peers/")
    assert page.status_code == 404
    assert "workspace-tabs" not in page.content.decode()


def test_no_tabs_outside_a_workspace_or_for_a_visitor(client: Client, world: World) -> None:
    client.force_login(world.users["editor_a"])
    for path in ["/", "/cities/kigali/", "/lessons/", "/search/", "/offices/"]:
        assert "workspace-tabs" not in client.get(path).content.decode(), path
    client.logout()
    page = client.get("/cities/kigali/workspace/")
    assert page.status_code == 302 and "workspace-tabs" not in page.content.decode()


def test_each_tab_opens_for_every_role_it_is_shown_to(client: Client, world: World) -> None:
    # The table says VIEW for every tab: a viewer must be able to open each one.
    client.force_login(world.users["viewer_a"])
    for tab in WORKSPACE_TABS:
        url = reverse(tab.url_name, kwargs={"slug": "kigali"})
        assert client.get(url).status_code == 200, url
