"""The results framework: loaded from a file (all or nothing), derived indicators equal to a
count made here independently, reported values counted only once approved, late places
found, and every step refused to whom it is not."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from recap.pipeline.models import ProjectConcept
from recap.testing import World, concept_at
from recap.tracking.models import Indicator, IndicatorUpdate, Measure, Participant, Training
from recap.tracking.progress import BEHIND, MET, ON_TRACK, indicator_progress, late_places
from recap.tracking.services import (
    framework_load,
    framework_load_shipped,
    update_decide,
    update_save,
    update_submit,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def test_the_shipped_framework_loads_and_reloads_without_doubling(
    world: World, framework: dict[str, Indicator]
) -> None:
    assert {i.kind for i in framework.values()} == {"derived", "reported"}
    assert framework["submitted"].source == "projects_submitted"
    reached = framework["reached"]
    assert (reached.baseline_date, reached.baseline_value) == (D(2021, 9, 1), 0)
    assert framework_load_shipped(world.programme) == 10
    assert Indicator.objects.count() == 10


@pytest.mark.parametrize(
    ("indicator", "words"),
    [
        ({"code": "x", "name": "X", "unit": "u", "kind": "guessed", "level": "city"}, "kind"),
        (
            {"code": "x", "name": "X", "unit": "u", "kind": "derived", "level": "city"},
            "source '' is not one of",
        ),
        (
            {
                "code": "x",
                "name": "X",
                "unit": "u",
                "kind": "reported",
                "level": "city",
                "source": "trainings_held",
            },
            "a reported indicator has no source",
        ),
        (
            {
                "code": "x",
                "name": "X",
                "unit": "u",
                "kind": "reported",
                "level": "city",
                "breakdowns": ["shoe_size"],
            },
            "unknown breakdowns shoe_size",
        ),
        (
            {
                "code": "x",
                "name": "X",
                "unit": "u",
                "kind": "reported",
                "level": "city",
                "targets": [["2024-13-01", 5]],
            },
            "target 1",
        ),
        ({"code": "x", "name": "", "unit": "u", "kind": "reported", "level": "city"}, "'name'"),
        (
            {"code": "x", "name": "X", "unit": "u", "kind": "reported", "level": "city"}
            | {"baseline": ["2021-01-01", "many"]},
            "baseline is [YYYY-MM-DD, a number under",
        ),
        (
            {"code": "x", "name": "X", "unit": "u", "kind": "reported", "level": "city"}
            | {"direction": "sideways"},
            "direction is up or down",
        ),
    ],
)
def test_a_wrong_framework_writes_nothing_and_names_the_problem(
    world: World, framework: dict[str, Indicator], indicator: dict[str, object], words: str
) -> None:
    data = {"outcomes": [{"code": "o", "title": "O", "indicators": [indicator]}]}
    with pytest.raises(ValidationError) as exc:
        framework_load(programme=world.programme, data=data)
    assert any(words in m and "outcome 1 (o), indicator 1" in m for m in exc.value.messages)
    assert Indicator.objects.count() == 10  # the framework that was there stays


def test_derived_indicators_equal_an_independent_count(
    world: World, framework: dict[str, Indicator]
) -> None:
    as_of = D(2024, 6, 30)
    held = [(D(2022, 3, 1), 20), (D(2023, 5, 9), 35), (D(2024, 7, 1), 99)]  # the last: later
    scores = {
        D(2022, 3, 1): [(40, 55), (50, 58)],
        D(2023, 5, 9): [(30, 60)],
        D(2024, 7, 1): [(0, 100)],
    }
    for day, people in held:
        training = Training.objects.create(programme=world.programme, title=f"T {day}", held_on=day)
        checked = scores[day]
        Participant.objects.create(training=training, count=people - len(checked))
        for before, after in checked:
            Participant.objects.create(
                training=training, score_before=before, score_after=after, city=world.city_a
            )
    Measure.objects.create(
        city=world.city_a,
        title="Lights",
        status="implemented",
        implemented_on=D(2023, 1, 5),
        beneficiaries=1200,
    )
    Measure.objects.create(city=world.city_b, title="Kiosks", status="in_progress")
    Measure.objects.create(  # not a programme city
        city=world.hidden,
        title="Elsewhere",
        status="implemented",
        implemented_on=D(2023, 1, 5),
        beneficiaries=50,
    )
    a = concept_at(world.city_a, "A", "presented")
    b = concept_at(world.city_b, "B", "submitted")
    concept_at(world.city_b, "C", "withdrawn")  # submitted, then taken back
    concept_at(world.city_a, "D", "drafted")  # never submitted
    for concept in (a, b):
        concept.moves.update(at=datetime.datetime(2023, 9, 1, tzinfo=datetime.UTC))

    # Counted here, from the rows themselves.
    trainings = sum(1 for day, _ in held if day <= as_of)
    people = sum(p for day, p in held if day <= as_of)
    submitted = (
        ProjectConcept.objects.filter(moves__to_stage="submitted", moves__at__date__lte=as_of)
        .exclude(stage="withdrawn")
        .distinct()
        .count()
    )

    def value(code: str) -> Decimal:
        return indicator_progress(framework[code], as_of).value

    assert value("trainings") == trainings == 2
    assert value("trained") == people == 55
    assert value("submitted") == submitted == 2
    assert value("presented") == 1
    assert value("implemented") == 1
    assert value("beneficiaries") == 1200
    gains = [a - b for day, pairs in scores.items() if day <= as_of for b, a in pairs]
    assert value("gain") == Decimal(str(round(sum(gains) / len(gains), 1))) == Decimal("17.7")
    # For one city: only its people and sessions.
    assert indicator_progress(framework["trained"], as_of, cities=[world.city_a.pk]).value == 3
    assert indicator_progress(framework["trained"], as_of, cities=[world.city_b.pk]).value == 0
    # Before anything happened, nothing.
    assert indicator_progress(framework["submitted"], D(2023, 8, 1)).value == 0


def test_only_approved_values_count_and_returned_ones_come_back(
    world: World, framework: dict[str, Indicator]
) -> None:
    reached = framework["reached"]
    editor, manager = world.users["editor_a"], world.users["manager"]
    update = update_save(
        actor=editor,
        indicator=reached,
        city=world.city_a,
        period_start=D(2023, 1, 1),
        period_end=D(2023, 3, 31),
        value=Decimal(1200),
        breakdown={"sex": {"female": 700, "male": 500}},
        comment="Solar lights at four health centres.",
    )
    as_of = D(2023, 6, 30)
    assert indicator_progress(reached, as_of).value == 0  # a draft does not count
    update_submit(actor=editor, update=update)
    assert indicator_progress(reached, as_of).value == 0  # nor a submitted one
    with pytest.raises(ValidationError, match="Say why"):
        update_decide(actor=manager, update=update, approve=False)
    update_decide(actor=manager, update=update, approve=False, reason="Count people, not visits.")
    update.refresh_from_db()
    assert update.status == "returned" and update.return_reason == "Count people, not visits."
    update_save(
        actor=editor,
        indicator=reached,
        city=world.city_a,
        period_start=D(2023, 1, 1),
        period_end=D(2023, 3, 31),
        value=Decimal(900),
        breakdown={"sex": {"female": 500, "male": 400}},
        update=update,
    )
    update_submit(actor=editor, update=update)
    update_decide(actor=manager, update=update, approve=True)
    assert indicator_progress(reached, as_of).value == 900
    with pytest.raises(ValidationError, match="no longer be changed"):
        update_save(
            actor=editor,
            indicator=reached,
            city=world.city_a,
            period_start=D(2023, 1, 1),
            period_end=D(2023, 3, 31),
            value=Decimal(1),
            update=update,
        )


def test_reporting_is_refused_where_it_should_be(
    world: World, framework: dict[str, Indicator]
) -> None:
    reached, exchanges, trained = framework["reached"], framework["exchanges"], framework["trained"]
    period = {"period_start": D(2023, 1, 1), "period_end": D(2023, 3, 31), "value": Decimal(5)}
    for role, indicator, city in [
        ("viewer_a", reached, world.city_a),  # a viewer reports nothing
        ("editor_b", reached, world.city_a),  # nor another city's editor
        ("editor_a", reached, world.hidden),  # nor for a city outside the programme
        ("editor_a", exchanges, None),  # a programme-level value is the manager's
        ("funder", reached, world.city_a),
    ]:
        with pytest.raises(PermissionDenied):
            update_save(actor=world.users[role], indicator=indicator, city=city, **period)
    with pytest.raises(ValidationError, match="computed from the platform"):
        update_save(actor=world.users["manager"], indicator=trained, city=None, **period)
    editor = world.users["editor_a"]
    with pytest.raises(ValidationError, match="adds up to 3, not 5"):
        update_save(
            actor=editor,
            indicator=reached,
            city=world.city_a,
            breakdown={"sex": {"female": 2, "male": 1}},
            **period,
        )
    with pytest.raises(ValidationError, match="not broken down by department"):
        update_save(
            actor=editor,
            indicator=reached,
            city=world.city_a,
            breakdown={"department": {"health": 5}},
            **period,
        )
    with pytest.raises(ValidationError, match="ends before it starts"):
        update_save(
            actor=editor,
            indicator=reached,
            city=world.city_a,
            period_start=D(2023, 4, 1),
            period_end=D(2023, 3, 1),
            value=Decimal(1),
        )
    with pytest.raises(ValidationError, match="not ended yet"):
        update_save(
            actor=editor,
            indicator=reached,
            city=world.city_a,
            period_start=D(2023, 1, 1),
            period_end=D(2999, 1, 1),
            value=Decimal(1),
        )
    update = update_save(actor=editor, indicator=reached, city=world.city_a, **period)
    with pytest.raises(PermissionDenied):
        update_decide(actor=editor, update=update, approve=True)  # not the manager
    with pytest.raises(ValidationError, match="Only a submitted value"):
        update_decide(actor=world.users["manager"], update=update, approve=True)
    assert IndicatorUpdate.objects.count() == 1


def test_late_places_and_status(world: World, framework: dict[str, Indicator]) -> None:
    reached = framework["reached"]  # city level, every 90 days
    editor, manager = world.users["editor_a"], world.users["manager"]
    update = update_save(
        actor=editor,
        indicator=reached,
        city=world.city_a,
        period_start=D(2023, 1, 1),
        period_end=D(2023, 3, 31),
        value=Decimal(3000),
    )
    update_submit(actor=editor, update=update)
    # Kigali reported to the end of March; Rajshahi never.
    late = {(p.city.slug if p.city else None, p.last) for p in late_places(reached, D(2023, 5, 1))}
    assert late == {("rajshahi", None)}
    late = {p.city.slug for p in late_places(reached, D(2023, 7, 15)) if p.city}
    assert late == {"kigali", "rajshahi"}  # 106 days since Kigali's period ended
    # Status against the mid-term target (5,000 by mid-2024), once approved.
    update_decide(actor=manager, update=update, approve=True)
    assert indicator_progress(reached, D(2023, 6, 30)).status == ON_TRACK
    assert indicator_progress(reached, D(2024, 6, 1)).status == BEHIND
    second = update_save(
        actor=editor,
        indicator=reached,
        city=world.city_a,
        period_start=D(2023, 4, 1),
        period_end=D(2023, 6, 30),
        value=Decimal(2500),
    )
    update_submit(actor=editor, update=second)
    update_decide(actor=manager, update=second, approve=True)
    progress = indicator_progress(reached, D(2024, 6, 1))
    assert progress.status == MET and progress.value == 5500 and progress.percent == 100


def test_review_fixes_in_the_results_framework(
    world: World, framework: dict[str, Indicator]
) -> None:
    """What a review found, kept fixed: a breakdown of NaN, overlapping periods counted twice,
    a reloaded framework taking reported values with it, "met" with nothing reported, and "on
    track" after the target's date."""
    reached = framework["reached"]
    editor, manager = world.users["editor_a"], world.users["manager"]
    period = {"period_start": D(2023, 1, 1), "period_end": D(2023, 3, 31)}
    with pytest.raises(ValidationError, match="a number"):
        update_save(
            actor=editor,
            indicator=reached,
            city=world.city_a,
            value=Decimal(5),
            breakdown={"sex": {"female": "nan"}},
            **period,
        )
    assert indicator_progress(reached, D(2023, 6, 30)).status == "no_data"
    update = update_save(
        actor=editor, indicator=reached, city=world.city_a, value=Decimal(5), **period
    )
    with pytest.raises(ValidationError, match=r"already has a value for 2023-01-01 – 2023-03-31"):
        update_save(
            actor=editor,
            indicator=reached,
            city=world.city_a,
            value=Decimal(5),
            period_start=D(2023, 3, 1),
            period_end=D(2023, 4, 30),
        )
    update_submit(actor=editor, update=update)
    update_decide(actor=manager, update=update, approve=True)
    # Past the target's date and short of it: behind, never "on track".
    assert indicator_progress(reached, D(2025, 1, 1)).status == BEHIND
    # A framework file without the indicator would delete its values: refused, by name.
    data = {"outcomes": [{"code": "capacity", "title": "C", "indicators": []}]}
    with pytest.raises(ValidationError, match="measures/reached has reported values"):
        framework_load(programme=world.programme, data=data)
    assert IndicatorUpdate.objects.count() == 1


def test_the_admin_offers_only_real_computations() -> None:
    from recap.tracking.admin import IndicatorForm

    form = IndicatorForm(data={"source": "typo"})
    assert not form.is_valid() and "source" in form.errors
