"""The one vocabulary of where an indicator stands (`tracking.status`), as a story: before its
date a target is met, on track or behind; after it, met (in time), met late or missed; a
finished programme is read as of its end, and some of its cities carry their part of each
target."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from recap.testing import World
from recap.tracking.models import Indicator, IndicatorTarget
from recap.tracking.progress import indicator_progress, public_results
from recap.tracking.services import update_decide, update_save, update_submit
from recap.tracking.status import (
    BEHIND,
    MET,
    MET_LATE,
    MISSED,
    ON_TRACK,
    reading_date,
    status_label,
    target_status,
)

D = datetime.date


def _status(value: int, by_deadline: int, as_of: datetime.date, lower: bool = False) -> str:
    return target_status(
        value=Decimal(value),
        value_by_deadline=Decimal(by_deadline),
        target=Decimal(100),
        deadline=D(2024, 1, 1),
        as_of=as_of,
        start=D(2022, 1, 1),
        lower_is_better=lower,
    )


def test_before_its_date_a_target_is_met_on_track_or_behind() -> None:
    halfway = D(2023, 1, 1)  # half the time gone: 50 expected, 40 (80 %) keeps on track
    assert _status(100, 100, halfway) == MET
    assert _status(40, 40, halfway) == ON_TRACK
    assert _status(39, 39, halfway) == BEHIND
    assert _status(90, 90, halfway, lower=True) == MET  # below a ceiling
    assert _status(120, 120, halfway, lower=True) == BEHIND


def test_after_its_date_a_target_is_met_met_late_or_missed_never_behind() -> None:
    later = D(2025, 6, 1)
    assert _status(150, 100, later) == MET
    assert _status(120, 80, later) == MET_LATE
    assert _status(90, 80, later) == MISSED
    assert _status(80, 120, later, lower=True) == MET_LATE
    words = [status_label(s) for s in (MET, MET_LATE, MISSED, ON_TRACK, BEHIND)]
    assert words == ["met", "met late", "missed", "on track", "behind"]


@pytest.mark.django_db
def test_a_finished_programme_is_read_as_of_its_end(
    world: World, framework: dict[str, Indicator]
) -> None:
    """The world's programme ended on 2024-06-30: read today, or any day after, it shows its
    final results as of that day; a target due before its end is judged met late or missed."""
    assert reading_date(world.programme) == world.programme.end_date
    assert reading_date(world.programme, D(2023, 1, 1)) == D(2023, 1, 1)
    reached = framework["reached"]
    reached.targets.all().delete()
    IndicatorTarget.objects.create(indicator=reached, period_end=D(2023, 6, 30), value=1000)
    editor, manager = world.users["editor_a"], world.users["manager"]

    def approved(start: datetime.date, end: datetime.date, value: int) -> None:
        update = update_save(
            actor=editor,
            indicator=reached,
            city=world.city_a,
            period_start=start,
            period_end=end,
            value=Decimal(value),
        )
        update_submit(actor=editor, update=update)
        update_decide(actor=manager, update=update, approve=True)

    approved(D(2023, 1, 1), D(2023, 3, 31), 800)
    assert indicator_progress(reached, D(2023, 4, 30)).status == ON_TRACK
    # Read today, long after the end: as of the end, the target short of it: missed.
    progress = indicator_progress(reached)
    assert progress.as_of == D(2024, 6, 30) and progress.status == MISSED
    approved(D(2023, 7, 1), D(2023, 9, 30), 300)  # reached after its date: met late
    assert indicator_progress(reached).status == MET_LATE
    assert indicator_progress(reached, D(2023, 8, 1)).status == MISSED  # not yet reached then


@pytest.mark.django_db
def test_some_cities_carry_their_part_of_each_target(
    world: World, framework: dict[str, Indicator]
) -> None:
    """A country or a city filter keeps the targets: the part its cities carry (of the people
    and measures, by cities; of the projects, by countries; a mean, all of it)."""
    cities = list(world.programme.cities.all())
    city = [world.city_a.pk]
    trained = indicator_progress(framework["trained"], D(2024, 1, 1), cities=city)
    assert trained.target is not None and trained.share is not None
    assert trained.target_value == Decimal(100) / len(cities)  # 100 by mid-2024, by cities
    assert f"1 of its {len(cities)} cities" in trained.share_note
    gain = indicator_progress(framework["gain"], D(2024, 1, 1), cities=city)
    assert gain.target_value == Decimal(10)  # a mean: the same for any city
    submitted = indicator_progress(framework["submitted"], D(2024, 1, 1), cities=city)
    assert submitted.target_value is not None and submitted.target_value > 0
    # The programme's own indicator has no value for some cities, so no target either.
    exchanges = indicator_progress(framework["exchanges"], D(2024, 1, 1), cities=city)
    assert exchanges.target is None


@pytest.mark.django_db
def test_the_home_page_and_the_dashboard_say_met_or_missed(
    client: Client, world: World, framework: dict[str, Indicator]
) -> None:
    results = public_results(world.programme)
    assert results and all(r.status for r in results)
    page = Client().get("/").content.decode()
    assert "final results" in page
    assert 'class="badge status-' in page  # each public indicator says where it stands
    client.force_login(world.users["manager"])
    board = client.get("/programme/results/").content.decode()
    assert "these are its final results" in board
    assert 'class="trend"' in board and "target " in board  # a drawn trend with its target
    country = world.city_a.country.iso2
    filtered = client.get(f"/programme/results/?country={country}").content.decode()
    assert "share of the programme" in filtered
    # The city list offers the chosen country's cities only.
    assert f'value="{world.city_a.slug}"' in filtered
    assert 'value="rajshahi"' not in filtered  # Bangladesh's
