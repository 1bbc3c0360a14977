"""A concept started twice at the same moment from the same actions of a package (a double
click, two editors) on PostgreSQL: one concept, and the second press is told of it. See
`recap.core.tests.racing`."""

from __future__ import annotations

import pytest

from recap.core.tests.racing import needs_postgres, race
from recap.pipeline import concepts
from recap.pipeline.models import ProjectConcept
from recap.planning.models import ActionPackage
from recap.testing import World

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def test_a_concept_started_twice_at_once_is_started_once(
    world: World,
    package: ActionPackage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    version = package.current
    assert version is not None
    codes = list(version.selected[:2])

    def start() -> ProjectConcept:
        return concepts.concept_start(actor=world.users["editor_a"], version=version, codes=codes)

    one, two = race(monkeypatch, (concepts, "audit"), start, start)
    made = one.unwrap()
    # The second waited on the package's row, then found the first's concept and named it.
    assert (
        isinstance(two.error, concepts.DuplicateConceptError) and two.error.existing.pk == made.pk
    )
    assert ProjectConcept.objects.filter(city=world.city_a).count() == 1
    # Other actions of the package still start a concept of their own.
    other = concepts.concept_start(
        actor=world.users["editor_a"], version=version, codes=[version.selected[-1]]
    )
    assert other.pk != made.pk
