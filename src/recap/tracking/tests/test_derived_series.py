"""A derived indicator's trend reads its dated events once (`Derived.series`) and gives, day by
day, exactly what computing the value for each day gives: for every derived source, for the
whole programme and for some of its cities, with events on the trend's days themselves, before
its start, after its end, and a concept that moved to a stage twice."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recap.pipeline.models import ConceptMove, Stage
from recap.testing import World, concept_at
from recap.tracking.derived import DERIVED
from recap.tracking.models import Measure, Participant, Training

pytestmark = pytest.mark.django_db

D = datetime.date
START = D(2022, 1, 1)
DAYS = [D(2022, 3, 1), D(2022, 6, 30), D(2023, 1, 1), D(2023, 12, 31)]


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def events(world: World) -> World:
    a, b = world.city_a, world.city_b
    for i, (day, city, count, scores) in enumerate(
        [
            (D(2021, 12, 31), a, 5, (10, 90)),  # before the start: never counted
            (D(2022, 3, 1), a, 3, (20, 60)),  # on a trend day: counted from it
            (D(2022, 5, 2), b, 7, (50, 55)),
            (D(2023, 1, 2), a, 2, (None, None)),
            (D(2024, 2, 1), b, 4, (30, 80)),  # after the last day: never counted
        ]
    ):
        training = Training.objects.create(programme=world.programme, title=f"T{i}", held_on=day)
        training.cities.add(city)
        Participant.objects.create(training=training, count=count, city=city)  # a group
        Participant.objects.create(  # one person, with the knowledge check's scores
            training=training, city=city, score_before=scores[0], score_after=scores[1]
        )
    for i, (day, city, people) in enumerate(
        [(D(2022, 2, 1), a, 100), (D(2022, 6, 30), b, 250), (D(2023, 7, 1), a, 40)]
    ):
        Measure.objects.create(
            city=city,
            title=f"M{i}",
            status=Measure.Status.IMPLEMENTED,
            implemented_on=day,
            beneficiaries=people,
        )
    Measure.objects.create(city=a, title="Planned", status=Measure.Status.PLANNED)
    for i, (city, stage, day) in enumerate(
        [
            (a, Stage.SUBMITTED, D(2022, 4, 1)),
            (b, Stage.PRESENTED, D(2022, 6, 30)),
            (a, Stage.PRESENTED, D(2023, 6, 1)),
            (a, Stage.SUBMITTED, D(2021, 6, 1)),  # before the start
        ]
    ):
        concept = concept_at(city, f"C{i}", stage)
        ConceptMove.objects.filter(concept=concept).update(at=_at(day))
    # Moved to "submitted" again after a revision: counted once, from its first move.
    again = concept_at(a, "Twice", Stage.SUBMITTED)
    ConceptMove.objects.filter(concept=again).update(at=_at(D(2022, 2, 15)))
    ConceptMove.objects.create(
        concept=again, from_stage=Stage.DRAFTED, to_stage=Stage.SUBMITTED, at=_at(D(2023, 3, 3))
    )
    return world


@pytest.mark.parametrize("source", sorted(DERIVED))
@pytest.mark.parametrize("some", [False, True])
def test_a_series_is_each_days_value(events: World, source: str, some: bool) -> None:
    derived = DERIVED[source]
    cities = [events.city_a.pk] if some else None
    expected = [derived.compute(events.programme, START, day, cities) for day in DAYS]
    assert derived.series(events.programme, START, DAYS, cities) == expected
    # Not all nought: each source has events inside the window.
    assert any(v != Decimal(0) for v in expected), source


def test_a_series_of_events_costs_the_same_queries_for_more_days(events: World) -> None:
    derived = DERIVED["people_trained"]
    counts = []
    for days in (DAYS[:1], DAYS):
        with CaptureQueriesContext(connection) as queries:
            derived.series(events.programme, START, days, None)
        counts.append(len(queries))
    assert counts[0] == counts[1]
