"""Hostile input from the probes of issue #19: each is refused with a sentence naming what is
wrong, nothing is written, and no page that shows or repairs the data answers 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from recap.accounts.services import api_token_create
from recap.testing import World
from recap.tracking.models import Indicator, IndicatorTarget
from recap.tracking.selectors import framework_dump
from recap.tracking.services import framework_load_shipped

pytestmark = pytest.mark.django_db


def _upload(client: Client, content: bytes) -> Any:
    return client.post(
        "/programme/results/framework/", {"file": SimpleUploadedFile("f.json", content)}
    )


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (1e12, "target 1: [YYYY-MM-DD, a number under 1,000,000,000,000"),
        (-1e12, "target 1: [YYYY-MM-DD, a number under"),
        ("1e400", "target 1: [YYYY-MM-DD, a number under"),
        (0.001, "with at most two decimals"),
        (True, "target 1"),
        ([1], "target 1"),
    ],
)
def test_a_target_the_column_cannot_hold_is_refused_by_name(
    client: Client, world: World, value: object, words: str
) -> None:
    framework_load_shipped(world.programme)
    data = framework_dump(world.programme)
    data["outcomes"][0]["indicators"][0]["targets"] = [["2024-06-30", value]]
    targets = IndicatorTarget.objects.count()
    client.force_login(world.users["manager"])
    response = _upload(client, json.dumps(data).encode())
    assert response.status_code == 400
    assert escape(words) in response.content.decode()
    assert IndicatorTarget.objects.count() == targets  # nothing written
    # Every page that reads the targets still answers, the form that repairs them too.
    for url in (
        "/",
        "/programme/results/",
        "/programme/results/framework/",
        "/programme/results/iati.xml",
        "/api/v1/programme/results",
    ):
        assert client.get(url).status_code == 200, url


def test_the_largest_target_the_column_holds_is_kept_and_read_back(
    client: Client, world: World
) -> None:
    framework_load_shipped(world.programme)
    data = framework_dump(world.programme)
    data["outcomes"][0]["indicators"][0]["targets"] = [["2024-06-30", "999999999999.99"]]
    client.force_login(world.users["manager"])
    assert _upload(client, json.dumps(data).encode()).status_code == 302
    code = data["outcomes"][0]["indicators"][0]["code"]
    target = Indicator.objects.get(code=code).targets.get()
    assert str(target.value) == "999999999999.99"
    assert client.get("/programme/results/").status_code == 200


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[" * 100_000, "nested more than 32 levels deep"),
        (b'{"outcomes": ' + b"[" * 40 + b"]" * 40 + b"}", "nested more than 32 levels deep"),
        (
            b'{"outcomes": [{"code": "o", "title": "\\ud800", "indicators": []}]}',
            "outcomes[0].title holds a character that is not text",
        ),
        (b'{"\\udfff": 1}', "A key under the top level is not text"),
    ],
)
def test_a_framework_too_deep_or_not_text_is_a_400_naming_it(
    client: Client, world: World, content: bytes, words: str
) -> None:
    framework_load_shipped(world.programme)
    client.force_login(world.users["manager"])
    response = _upload(client, content)
    assert response.status_code == 400
    assert escape(words) in response.content.decode()
    assert Indicator.objects.count() == 10


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"indicator": "\\ud800", "period_start": "2024-01-01"}'],
)
def test_an_api_body_too_deep_or_not_text_is_a_422(
    client: Client, world: World, body: bytes
) -> None:
    framework_load_shipped(world.programme)
    _token, key = api_token_create(user=world.users["editor_a"], name="t")
    response = client.post(
        f"/api/v1/cities/{world.city_a.pk}/values",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422
    assert "detail" in response.json()


# ---------------------------------------------------------------- the programme's one period


def test_values_and_trainings_outside_the_programme_are_refused_everywhere(
    client: Client, world: World
) -> None:
    import datetime
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from recap.tracking.models import IndicatorUpdate, Training
    from recap.tracking.services import update_save
    from recap.tracking.trainings import training_save

    framework_load_shipped(world.programme)
    reached = Indicator.objects.get(code="reached")
    for start, end, words in [
        (datetime.date(1, 1, 1), datetime.date(1, 3, 31), "began on 2021-09-01"),
        (datetime.date(2021, 7, 1), datetime.date(2021, 9, 30), "began on 2021-09-01"),
        (datetime.date(2024, 6, 1), datetime.date(2024, 7, 31), "ends on 2024-06-30"),
    ]:
        with pytest.raises(ValidationError, match=words):
            update_save(
                actor=world.users["editor_a"],
                indicator=reached,
                city=world.city_a,
                period_start=start,
                period_end=end,
                value=Decimal(3),
            )
    _token, key = api_token_create(user=world.users["editor_a"], name="t")
    refused = client.post(
        f"/api/v1/cities/{world.city_a.pk}/values",
        {"indicator": "reached", "period_start": "0001-01-01", "period_end": "0001-03-31"}
        | {"value": 3},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert refused.status_code == 422 and "began on 2021-09-01" in refused.content.decode()
    assert not IndicatorUpdate.objects.exists()

    for day in (datetime.date(1, 1, 1), datetime.date(2030, 1, 1)):
        with pytest.raises(ValidationError, match="held_on"):
            training_save(
                actor=world.users["manager"],
                programme=world.programme,
                data={"title": "T", "held_on": day, "mode": "virtual"},
            )
    client.force_login(world.users["manager"])
    page = client.post(
        "/programme/trainings/", {"title": "T", "held_on": "0001-01-01", "mode": "virtual"}
    )
    assert page.status_code == 400 and "began on 2021-09-01" in page.content.decode()
    assert not Training.objects.exists()


def test_the_headline_trainings_figure_counts_what_the_indicator_counts(world: World) -> None:
    import datetime

    from recap.tracking.derived import derived_value
    from recap.tracking.models import Training
    from recap.tracking.selectors import programme_progress

    framework_load_shipped(world.programme)
    for day in ("2019-05-01", "2022-03-01", "2023-03-01", "2025-01-01"):
        # As a record made before the rule (or through the admin's raw data) would be.
        Training.objects.create(
            programme=world.programme, title=day, held_on=datetime.date.fromisoformat(day)
        )
    held = Indicator.objects.get(source="trainings_held")
    counted = derived_value(held, world.programme.start_date, world.programme.end_date)
    assert programme_progress(programme=world.programme).trainings_held == counted == 2


# ---------------------------------------------------------------- bounds


def test_a_funder_neither_reads_nor_writes_on_a_concept_that_came_to_nothing(
    client: Client, world: World
) -> None:
    from django.core.exceptions import PermissionDenied

    from recap.pipeline.concepts import concept_share, funder_message
    from recap.pipeline.models import Facility, ProjectConcept, Stage
    from recap.pipeline.services import facilities_load_shipped
    from recap.testing import concept_at

    facilities_load_shipped()
    gap = Facility.objects.get(code="gap-fund")
    Facility.objects.filter(pk=gap.pk).update(organisation=world.funder_org)
    concept = concept_at(world.city_a, "Wetland drainage", "submitted")
    concept_share(actor=world.users["manager"], concept=concept, facility=gap)
    client.force_login(world.users["funder"])
    url = f"/pipeline/shared/{concept.pk}/"
    assert "Write to the city" in client.get(url).content.decode()

    ProjectConcept.objects.filter(pk=concept.pk).update(stage=Stage.REJECTED)
    assert client.get(url).status_code == 404
    assert "Wetland drainage" not in client.get("/pipeline/shared/").content.decode()
    post = client.post(url, {"kind": "question", "text": "Still there?"})
    assert post.status_code == 404

    # A completed one is read, as a record, and no longer written on.
    ProjectConcept.objects.filter(pk=concept.pk).update(stage=Stage.COMPLETED)
    page = client.get(url).content.decode()
    assert "Write to the city" not in page and "no more can be written" in page
    assert client.post(url, {"kind": "question", "text": "?"}).status_code == 403
    with pytest.raises(PermissionDenied):
        funder_message(
            actor=world.users["funder"],
            concept=ProjectConcept.objects.get(pk=concept.pk),
            facility=gap,
            kind="question",
            text="?",
        )
    assert not concept.funder_messages.exists()


def test_a_breakdown_of_thousands_of_categories_is_refused(client: Client, world: World) -> None:
    from recap.tracking.models import IndicatorUpdate

    framework_load_shipped(world.programme)
    _token, key = api_token_create(user=world.users["editor_a"], name="t")
    parts = {f"group {k}": 1 for k in range(5000)}
    response = client.post(
        f"/api/v1/cities/{world.city_a.pk}/values",
        {
            "indicator": "reached",
            "period_start": "2024-01-01",
            "period_end": "2024-03-31",
            "value": 5000,
            "breakdown": {"sex": parts},
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422
    assert "sex: at most 50 categories" in response.content.decode()
    assert not IndicatorUpdate.objects.exists()
