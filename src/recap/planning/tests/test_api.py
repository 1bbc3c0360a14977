"""Prioritisation over the API with a personal token: queue a run, poll it, read the result,
the robustness and the packages; what another city's editor and a viewer may not do."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from recap.accounts.services import api_token_create
from recap.planning.models import PrioritisationSession, Run
from recap.planning.packages import package_adjust, package_save
from recap.testing import DATABASE_QUEUE, World

from .conftest import CODES

pytestmark = pytest.mark.django_db


def _auth(world: World, role: str) -> dict[str, str]:
    _token, key = api_token_create(user=world.users[role], name=f"{role} script")
    return {"Authorization": f"Bearer {key}"}


def test_queue_a_run_poll_it_and_read_the_package(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    city = world.city_a.pk
    editor = _auth(world, "editor_a")
    sessions = client.get(f"/api/v1/cities/{city}/sessions", headers=editor).json()
    assert [s["id"] for s in sessions] == [session.pk]
    assert sessions[0]["candidates"] == sorted(CODES) and sessions[0]["must_include"] == ["DRM-01"]
    assert sessions[0]["weight_spread"] == 50

    response = client.post(f"/api/v1/cities/{city}/sessions/{session.pk}/runs", headers=editor)
    assert response.status_code == 202
    run = response.json()  # the test settings compute it at once
    assert run["number"] == 1 and run["status"] == "done"
    polled = client.get(
        f"/api/v1/cities/{city}/sessions/{session.pk}/runs/1", headers=_auth(world, "viewer_a")
    ).json()
    stored = Run.objects.get(session=session, number=1).outcome
    assert polled["selected"] == stored["package"]["selected"] and "DRM-01" in polled["selected"]
    assert [r["code"] for r in polled["ranking"]] == stored["ranking"]
    assert polled["robustness"]["status"] == "done"
    assert polled["robustness"]["selection_probability"]["DRM-01"] == 1.0

    package = package_save(
        actor=world.users["editor_a"], run=Run.objects.get(session=session), name="Via the API"
    )
    packages = client.get(f"/api/v1/cities/{city}/packages", headers=editor).json()
    assert [(p["name"], p["status"], p["version"]) for p in packages] == [
        ("Via the API", "draft", 1)
    ]
    # The run's optimum shows the run's robustness.
    assert packages[0]["robustness"]["basis"] == "run"
    assert (
        packages[0]["robustness"]["selection_probability"]
        == (polled["robustness"]["selection_probability"])
    )
    # Adjusted by hand: the list shows the locks; the run keeps its own robustness, not the
    # version's (computed with `out` locked out, so never chosen there).
    run_shares = polled["robustness"]["selection_probability"]
    out = next(c for c in polled["selected"] if c != "DRM-01" and run_shares[c] > 0)
    version = package_adjust(
        actor=world.users["editor_a"], package=package, lock_in=[], lock_out=[out]
    )
    assert version.robustness_jobs.get().result["selection_probability"][out] == 0.0
    (listed,) = client.get(f"/api/v1/cities/{city}/packages", headers=editor).json()
    assert (listed["version"], listed["lock_in"], listed["lock_out"]) == (2, [], [out])
    assert out not in listed["selected"]
    # ...and its own robustness, its locks held in every sample.
    assert listed["robustness"]["basis"] == "version" and listed["robustness"]["status"] == "done"
    assert listed["robustness"]["selection_probability"][out] == 0.0
    run_url = f"/api/v1/cities/{city}/sessions/{session.pk}/runs/1"
    again = client.get(run_url, headers=editor).json()["robustness"]["selection_probability"]
    assert again == run_shares


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_queued_run_reads_as_progress_without_a_result(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    editor = _auth(world, "editor_a")
    url = f"/api/v1/cities/{world.city_a.pk}/sessions/{session.pk}/runs"
    assert client.post(url, headers=editor).json()["status"] == "queued"
    polled = client.get(url + "/1", headers=editor).json()
    assert polled["status"] == "queued" and polled["selected"] is None and polled["ranking"] is None


def test_the_api_refuses_what_the_pages_refuse(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    url = f"/api/v1/cities/{world.city_a.pk}/sessions/{session.pk}/runs"
    # A viewer may read but not run; another city's editor does not see the city at all.
    response = client.post(url, headers=_auth(world, "viewer_a"))
    assert response.status_code == 403 and "editors" in response.json()["detail"]
    assert client.post(url, headers=_auth(world, "editor_b")).status_code == 404
    assert client.get(url + "/1", headers=_auth(world, "editor_b")).status_code == 404
    assert client.post(url, headers={"Authorization": "Bearer recap_wrong"}).status_code == 401
    # A session of the city under another city's id is not found either.
    other = f"/api/v1/cities/{world.city_b.pk}/sessions/{session.pk}/runs"
    assert client.post(other, headers=_auth(world, "editor_b")).status_code == 404
    # No such run; no run was made by any of these calls.
    assert client.get(url + "/9", headers=_auth(world, "editor_a")).status_code == 404
    assert not Run.objects.exists()
    session.candidates.clear()
    response = client.post(url, headers=_auth(world, "editor_a"))
    assert response.status_code == 422
    assert "Choose at least one candidate action" in str(response.json()["detail"])


@override_settings(TASKS=DATABASE_QUEUE)
def test_queueing_runs_through_the_api_is_rate_limited_per_person(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    url = f"/api/v1/cities/{world.city_a.pk}/sessions/{session.pk}/runs"
    editor = _auth(world, "editor_a")
    codes = [client.post(url, headers=editor).status_code for _ in range(31)]
    assert codes[:30] == [202] * 30 and codes[30] == 429
    # Someone else is not held back by it.
    assert client.post(url, headers=_auth(world, "coordinator_a")).status_code == 202
    assert Run.objects.count() == 1  # the same settings: one pending run, never thirty


def test_the_lists_cost_the_same_queries_for_one_session_or_many(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recap.planning.services import session_create, session_run

    editor = _auth(world, "editor_a")
    package_save(
        actor=world.users["editor_a"],
        run=session_run(actor=world.users["editor_a"], session=session),
        name="First",
    )

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as seen:
            response = client.get(f"/api/v1/cities/{world.city_a.pk}/{path}", headers=editor)
        assert response.status_code == 200 and response.json()
        return len(seen)

    queries("sessions")  # the token's first use in five minutes is recorded: not the list's cost
    before = queries("sessions"), queries("packages")
    for k in range(3):
        more = session_create(
            actor=world.users["editor_a"],
            city=world.city_a,
            title=f"More {k}",
            candidates=list(session.candidates.all()),
            budget_short_usd=300_000,
            budget_medium_usd=3_000_000,
            staff_fte=5,
        )
        package_save(
            actor=world.users["editor_a"],
            run=session_run(actor=world.users["editor_a"], session=more),
            name=f"Package {k}",
        )
    assert (queries("sessions"), queries("packages")) == before
