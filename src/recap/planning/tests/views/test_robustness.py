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


def test_the_panel_lists_the_actions_ever_chosen_and_counts_the_rest(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    """At a thousand candidates most are never chosen: they are counted, not listed, except an
    action locked by hand, whose 0% is the point."""
    run = session_run(actor=world.users["editor_a"], session=session)
    job = RobustnessJob.objects.get(run=run)
    codes = sorted(job.result["selection_probability"])
    probs = {c: (0.0 if k < 3 else 0.5) for k, c in enumerate(codes)}
    RobustnessJob.objects.filter(pk=job.pk).update(
        result=job.result | {"selection_probability": probs}
    )
    client.force_login(world.users["viewer_a"])
    partial = client.get(base_url(session) + "runs/1/robustness/status/").content.decode()
    listed = [c for c in codes if f"<td>{c} · " in partial]
    assert listed == codes[3:]
    assert "3 other candidates were never chosen." in partial
    # Everything chosen at least once: nothing to count.
    RobustnessJob.objects.filter(pk=job.pk).update(
        result=job.result | {"selection_probability": dict.fromkeys(codes, 0.5)}
    )
    partial = client.get(base_url(session) + "runs/1/robustness/status/").content.decode()
    assert "never chosen" not in partial
    assert [c for c in codes if f"<td>{c} · " in partial] == codes
