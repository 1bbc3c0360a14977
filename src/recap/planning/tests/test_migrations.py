"""Upgrading and going back keep stored work meaning what it meant: failure sentences become
kinds and back, and a package version's robustness never turns into its run's."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from recap.planning.models import ActionPackage, PackageVersion, RobustnessJob, Run
from recap.testing import World

OLD_TEXT = [("planning", "0004_run_in_background")]
KINDS = [("planning", "0005_work_failure_kind")]
SWEEP = "Interrupted: the background worker stopped before this finished. Start it again."


def _migrate(target: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_migrations_forward_and_back(world: World) -> None:
    try:
        _check(world)
    finally:  # back to the latest state for the tests that follow, whatever happened
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def _check(world: World) -> None:
    from recap.planning.models import PrioritisationSession

    session = PrioritisationSession.objects.create(
        city=world.city_a, title="Now", budget_short_usd=1, budget_medium_usd=1, staff_fte=1
    )
    run = Run.objects.create(session=session, number=1, input={}, status="done")
    package = ActionPackage.objects.create(session=session, city=world.city_a, name="P")
    version = PackageVersion.objects.create(
        package=package, number=2, run=run, selected=[], lock_out=["X"], objective=0, status="o"
    )
    runs_own = RobustnessJob.objects.create(run=run, status="done")
    RobustnessJob.objects.create(run=run, version=version, status="done")

    # Back before versions had robustness: the version's job goes, the run's stays.
    apps = _migrate(KINDS)
    jobs = apps.get_model("planning", "RobustnessJob").objects.filter(run_id=run.pk)
    assert list(jobs.values_list("pk", flat=True)) == [runs_own.pk]

    # Stored sentences become kinds: only the sweep's exact sentence reads as interrupted.
    apps = _migrate(OLD_TEXT)
    old_run = apps.get_model("planning", "Run")
    rows = {
        2: SWEEP,
        3: "KeyError: 'weights'",
        4: "InterruptedError: [Errno 4] Interrupted system call",
    }
    for number, error in rows.items():
        old_run.objects.create(
            session_id=session.pk, number=number, input={}, status="failed", error=error
        )
    apps = _migrate(KINDS)
    got = {
        r.number: (r.failure, r.error)
        for r in apps.get_model("planning", "Run").objects.filter(session_id=session.pk)
    }
    assert got == {
        1: ("", ""),
        2: ("interrupted", ""),
        3: ("error", "KeyError: 'weights'"),
        4: ("error", "InterruptedError: [Errno 4] Interrupted system call"),
    }

    # And back: the interrupted run has its sentence again; the others keep theirs.
    apps = _migrate(OLD_TEXT)
    errors = dict(
        apps.get_model("planning", "Run")
        .objects.filter(session_id=session.pk, status="failed")
        .values_list("number", "error")
    )
    assert errors == rows


@pytest.mark.django_db(transaction=True)
def test_an_endorsed_packages_rationale_becomes_its_endorsement_note(world: World) -> None:
    try:
        apps = _migrate([("planning", "0008_session_weight_spread")])
        session = apps.get_model("planning", "PrioritisationSession").objects.create(
            city_id=world.city_a.pk,
            title="Before",
            budget_short_usd=1,
            budget_medium_usd=1,
            staff_fte=1,
        )
        old = apps.get_model("planning", "ActionPackage").objects
        endorsed = old.create(
            session=session, city_id=world.city_a.pk, name="E", status="endorsed", rationale="Yes."
        )
        draft = old.create(
            session=session, city_id=world.city_a.pk, name="D", status="draft", rationale="Team."
        )
        apps = _migrate([("planning", "0009_package_endorsement_note")])
        new = apps.get_model("planning", "ActionPackage").objects
        assert (new.get(pk=endorsed.pk).endorsement_note, new.get(pk=endorsed.pk).rationale) == (
            "Yes.",
            "Yes.",
        )
        assert (new.get(pk=draft.pk).endorsement_note, new.get(pk=draft.pk).rationale) == (
            "",
            "Team.",
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
