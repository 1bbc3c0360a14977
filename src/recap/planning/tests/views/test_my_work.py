"""My work lists a city's endorsed package to the people who carry it on (its editors and
coordinator), with the way to its concepts; not to other cities, viewers or the programme."""

from __future__ import annotations

import pytest
from django.test import Client

from recap.planning.models import PrioritisationSession
from recap.planning.tests.conftest import endorsed
from recap.testing import World

pytestmark = pytest.mark.django_db


def test_the_city_team_finds_its_endorsed_package(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    package = endorsed(world, session)
    for role in ("editor_a", "coordinator_a"):
        client.force_login(world.users[role])
        page = client.get("/me/").content.decode()
        assert "Your city's endorsed package" in page, role
        assert f'href="{package.get_absolute_url()}"' in page
        assert 'href="/cities/kigali/workspace/concepts/"' in page
    for role in ("viewer_a", "editor_b", "manager", "reviewer", "funder", "admin"):
        client.force_login(world.users[role])
        assert "endorsed package" not in client.get("/me/").content.decode(), role
