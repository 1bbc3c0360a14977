"""Work that failed before failures were stored as a kind keeps its meaning after the upgrade."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from recap.testing import World

BEFORE = [("planning", "0004_run_in_background")]
AFTER = [("planning", "0005_work_failure_kind")]


@pytest.mark.django_db(transaction=True)
def test_stored_failure_sentences_become_kinds(world: World) -> None:
    try:
        _check_the_upgrade(world)
    finally:  # back to the latest state for the tests that follow, whatever happened
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def _check_the_upgrade(world: World) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    session_model = apps.get_model("planning", "PrioritisationSession")
    run_model = apps.get_model("planning", "Run")
    job_model = apps.get_model("planning", "RobustnessJob")
    session = session_model.objects.create(
        city_id=world.city_a.pk,
        title="Before",
        budget_short_usd=1,
        budget_medium_usd=1,
        staff_fte=1,
    )
    stopped = "Interrupted: the background worker stopped before this finished. Start it again."
    run_model.objects.create(session=session, number=1, input={}, status="failed", error=stopped)
    run_model.objects.create(
        session=session, number=2, input={}, status="failed", error="KeyError: 'weights'"
    )
    finished = run_model.objects.create(session=session, number=3, input={}, status="done")
    job = job_model.objects.create(run=finished, status="failed", error=stopped)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    run_model = apps.get_model("planning", "Run")
    job_model = apps.get_model("planning", "RobustnessJob")
    got = {r.number: (r.failure, r.error) for r in run_model.objects.filter(session_id=session.pk)}
    assert got == {1: ("interrupted", ""), 2: ("error", "KeyError: 'weights'"), 3: ("", "")}
    job = job_model.objects.get(pk=job.pk)
    assert (job.failure, job.error) == ("interrupted", "")
