"""The implementation tests' setting: Kigali's endorsed package (the prioritisation tests'
session), whose endorsement started its plan."""

from __future__ import annotations

import pytest

from recap.implementation.models import ImplementationPlan
from recap.implementation.selectors import plan_of
from recap.planning.models import PrioritisationSession
from recap.planning.tests.conftest import endorsed, session  # noqa: F401  (fixtures)
from recap.testing import World


@pytest.fixture
def plan(world: World, session: PrioritisationSession) -> ImplementationPlan:  # noqa: F811
    endorsed(world, session)
    found = plan_of(world.city_a)
    assert found is not None
    return found
