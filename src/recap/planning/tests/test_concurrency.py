"""Prioritisation's writes pressed at the same moment (ten editors on Run, a double click on
Save or Adjust, two coordinators endorsing) on PostgreSQL: a city's limit of pending runs
holds, a double click gives one result and no error, versions are numbered one after the
other, and the second endorsement is refused naming the first. See
`recap.core.tests.racing`."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from recap.accounts.models import Membership, Role
from recap.catalogue.models import CandidateAction
from recap.core.tests.racing import needs_postgres, race
from recap.planning import packages, services
from recap.planning.models import ActionPackage, PackageVersion, PrioritisationSession, Run
from recap.planning.packages import package_save
from recap.planning.services import session_create, session_run
from recap.planning.tasks import PENDING
from recap.testing import DATABASE_QUEUE, World, make_user

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


@override_settings(TASKS=DATABASE_QUEUE, RECAP_PENDING_RUNS_PER_CITY=1)
def test_runs_pressed_at_once_keep_the_citys_limit(
    world: World, session: PrioritisationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = session_create(
        actor=world.users["editor_a"],
        city=world.city_a,
        title="Another workshop",
        candidates=list(CandidateAction.objects.filter(city=world.city_a)),
        budget_short_usd=200_000,
        budget_medium_usd=2_000_000,
        staff_fte=4,
    )
    one, two = race(
        monkeypatch,
        (services, "audit"),
        lambda: session_run(actor=world.users["editor_a"], session=session),
        lambda: session_run(actor=world.users["coordinator_a"], session=other),
    )
    assert one.unwrap().status in PENDING
    assert isinstance(two.error, ValidationError)
    assert "runs waiting or being computed" in " ".join(two.error.messages)
    assert Run.objects.filter(session__city=world.city_a, status__in=PENDING).count() == 1


@override_settings(TASKS=DATABASE_QUEUE)
def test_run_double_clicked_gives_one_run_and_no_error(
    world: World, session: PrioritisationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    def press() -> Run:
        return session_run(actor=world.users["editor_a"], session=session)

    one, two = race(monkeypatch, (services, "audit"), press, press)
    assert one.unwrap().pk == two.unwrap().pk  # the second finds the first, still pending
    assert list(session.runs.values_list("number", flat=True)) == [1]


@override_settings(TASKS=DATABASE_QUEUE)
def test_runs_of_one_session_pressed_at_once_take_numbers_in_turn(
    world: World, session: PrioritisationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = race(
        monkeypatch,
        (services, "audit"),
        lambda: session_run(actor=world.users["editor_a"], session=session),
        lambda: session_run(
            actor=world.users["coordinator_a"], session=_with_budget(session, 250_000)
        ),
    )
    assert {one.unwrap().number, two.unwrap().number} == {1, 2}


def _with_budget(session: PrioritisationSession, budget: int) -> PrioritisationSession:
    """The session as another editor's form holds it: a different input, so a different run."""
    copy = PrioritisationSession.objects.get(pk=session.pk)
    copy.budget_short_usd = budget
    return copy


def test_save_package_double_clicked_makes_one_package(
    world: World, session: PrioritisationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)  # computed here and now

    def save() -> ActionPackage:
        return packages.package_save(actor=world.users["editor_a"], run=run, name="Kigali 2026")

    one, two = race(monkeypatch, (packages, "audit"), save, save)
    assert one.unwrap().pk == two.unwrap().pk
    assert ActionPackage.objects.count() == 1 and PackageVersion.objects.count() == 1


def _saved(world: World, session: PrioritisationSession) -> ActionPackage:
    run = session_run(actor=world.users["editor_a"], session=session)
    return package_save(actor=world.users["editor_a"], run=run, name="Kigali 2026")


def test_adjustments_at_once_are_numbered_in_turn(
    world: World, session: PrioritisationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _saved(world, session)
    first = package.current
    assert first is not None
    out = first.selected[-1] if first.selected[-1] != "DRM-01" else first.selected[0]
    colleague = make_user("editor_a2")
    Membership.objects.create(user=colleague, role=Role.CITY_EDITOR, city=world.city_a)

    def adjust(actor: object, lock_in: list[str], lock_out: list[str]) -> PackageVersion:
        return packages.package_adjust(
            actor=actor,
            package=ActionPackage.objects.get(pk=package.pk),
            lock_in=lock_in,
            lock_out=lock_out,
        )

    one, two = race(
        monkeypatch,
        (packages, "audit"),
        lambda: adjust(world.users["editor_a"], [], [out]),
        lambda: adjust(colleague, ["HLT-01"], []),
    )
    assert (one.unwrap().number, two.unwrap().number) == (2, 3)
    assert two.unwrap().lock_in == ["HLT-01"]


def test_adjust_double_clicked_makes_one_version(
    world: World, session: PrioritisationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _saved(world, session)

    def adjust() -> PackageVersion:
        return packages.package_adjust(
            actor=world.users["editor_a"], package=package, lock_in=["HLT-01"], lock_out=[]
        )

    one, two = race(monkeypatch, (packages, "audit"), adjust, adjust)
    assert one.unwrap().pk == two.unwrap().pk
    assert list(package.versions.values_list("number", flat=True).order_by("number")) == [1, 2]


def test_endorsed_twice_at_once_keeps_the_first_and_names_it(
    world: World, session: PrioritisationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _saved(world, session)
    deputy = make_user("coordinator_a2", first_name="Dana", last_name="Deputy")
    Membership.objects.create(user=deputy, role=Role.CITY_COORDINATOR, city=world.city_a)
    seen_by_one = ActionPackage.objects.get(pk=package.pk)
    seen_by_two = ActionPackage.objects.get(pk=package.pk)

    one, two = race(
        monkeypatch,
        (packages, "audit"),
        lambda: packages.package_endorse(
            actor=deputy, package=seen_by_one, note="Best value for the budget."
        ),
        lambda: packages.package_endorse(
            actor=world.users["coordinator_a"], package=seen_by_two, note="Agreed."
        ),
    )
    one.unwrap()
    assert isinstance(two.error, ValidationError)
    assert "already endorsed, by Dana Deputy" in " ".join(two.error.messages)
    package.refresh_from_db()
    assert (package.endorsed_by, package.endorsement_note) == (
        deputy,
        "Best value for the budget.",
    )
