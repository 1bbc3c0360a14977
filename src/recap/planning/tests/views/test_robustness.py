"""The robustness panel (planning.views.robustness)."""

from __future__ import annotations

import pytest
from django.test import Client

from recap.planning.models import PrioritisationSession, RobustnessJob
from recap.planning.services import (
    session_run,
)
from recap.planning.tests.conftest import base_url
from recap.testing import World

pytestmark = pytest.mark.django_db


def test_a_failed_robustness_computation_shows_the_engines_words_to_editors_only(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    RobustnessJob.objects.filter(run=run).update(
        status="failed", failure="error", error="LinAlgError: singular", result=None
    )
    url = base_url(session) + "runs/1/robustness/status/"
    client.force_login(world.users["editor_a"])
    partial = client.get(url).content.decode()
    assert "stopped with an error" in partial and "LinAlgError" in partial
    assert "Compute robustness again" in partial
    api = f"/api/v1/cities/{session.city.pk}/sessions/{session.pk}/runs/1"
    body = client.get(api).json()["robustness"]
    assert (body["failure"], body["error"]) == ("error", "LinAlgError: singular")
    client.force_login(world.users["viewer_a"])
    for text in (
        client.get(url).content.decode(),
        client.get(base_url(session) + "runs/1/").content.decode(),
    ):
        assert "stopped with an error" in text
        assert "LinAlgError" not in text and "Compute robustness" not in text
    body = client.get(api).json()["robustness"]
    assert (body["failure"], body["error"]) == ("error", "")
