"""The packages' pages (planning.views.packages)."""

from __future__ import annotations

import pytest
from django.test import Client

from recap.planning.models import PrioritisationSession
from recap.planning.services import (
    session_run,
)
from recap.testing import World

pytestmark = pytest.mark.django_db


def test_package_pages(client: Client, world: World, session: PrioritisationSession) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    client.force_login(world.users["editor_a"])
    response = client.post(
        f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/{run.number}/save/",
        {"name": "Workshop package", "rationale": ""},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Workshop package" in page.content.decode() and page.context["current"].number == 1
    pk = page.context["package"].pk
    assert (
        client.post(
            f"/cities/kigali/workspace/prioritisation/packages/{pk}/endorse/", {"rationale": "x"}
        ).status_code
        == 403
    )
    client.force_login(world.users["coordinator_a"])
    client.post(
        f"/cities/kigali/workspace/prioritisation/packages/{pk}/endorse/",
        {"rationale": "Agreed in the workshop."},
    )
    assert (
        "Endorsed"
        in client.get(f"/cities/kigali/workspace/prioritisation/packages/{pk}/").content.decode()
    )
    client.force_login(world.users["editor_b"])
    assert client.get(f"/cities/kigali/workspace/prioritisation/packages/{pk}/").status_code == 404
    assert (
        client.get(f"/cities/rajshahi/workspace/prioritisation/packages/{pk}/").status_code == 404
    )
