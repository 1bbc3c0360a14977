"""The implementation tests' setting: Kigali's endorsed package (the prioritisation tests'
session), whose endorsement started its plan."""

from __future__ import annotations

import sys

import pytest
from django.utils import timezone

from recap.implementation.models import ImplementationPlan
from recap.implementation.selectors import plan_of
from recap.planning.models import PrioritisationSession
from recap.planning.tests.conftest import endorsed, session  # noqa: F401  (fixtures)
from recap.testing import World

#: The modules here that name the clock's day TODAY when they are imported.
CLOCK_TODAY = ("builders", "test_plan", "test_programme", "test_public", "test_reports",
               "test_my_work")  # fmt: skip


@pytest.fixture(autouse=True)
def _today_is_the_day_the_test_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module's TODAY is the day it was imported: a run that goes past midnight would report
    progress as of yesterday on plans that start today (seen: four failures at 00:00 UTC).
    Each test reads the day it runs."""
    today = timezone.localdate()
    for name in CLOCK_TODAY:
        module = sys.modules.get(f"recap.implementation.tests.{name}")
        if module is not None and getattr(module, "TODAY", today) != today:
            monkeypatch.setattr(module, "TODAY", today)


@pytest.fixture
def plan(world: World, session: PrioritisationSession) -> ImplementationPlan:  # noqa: F811
    endorsed(world, session)
    found = plan_of(world.city_a)
    assert found is not None
    return found
