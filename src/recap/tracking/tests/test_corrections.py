"""One value a period: a returned value is corrected where it is and submitted again, never
reported beside; a period that has a value is refused by name (or, when its value is a draft or
returned, corrects it); an approved value, another city's, or a viewer's try changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from recap.testing import World
from recap.tracking.models import Indicator, IndicatorUpdate
from recap.tracking.services import update_decide, update_save, update_submit

pytestmark = pytest.mark.django_db
D = datetime.date
Q1 = {"period_start": D(2023, 1, 1), "period_end": D(2023, 3, 31)}


def _returned(world: World, reached: Indicator, value: int = 9000) -> IndicatorUpdate:
    editor = world.users["editor_a"]
    update = update_save(
        actor=editor, indicator=reached, city=world.city_a, value=Decimal(value), **Q1
    )
    update_submit(actor=editor, update=update)
    return update_decide(
        actor=world.users["manager"], update=update, approve=False, reason="Leaflets, not people."
    )


def test_a_returned_value_is_corrected_in_place(
    world: World, framework: dict[str, Indicator]
) -> None:
    reached, editor = framework["reached"], world.users["editor_a"]
    returned = _returned(world, reached)
    # Reported again for the same period: it corrects the returned value, never sits beside it.
    again = update_save(
        actor=editor, indicator=reached, city=world.city_a, value=Decimal(3200), **Q1
    )
    assert again.pk == returned.pk and again.status == "draft" and again.value == 3200
    update_submit(actor=editor, update=again)
    assert list(IndicatorUpdate.objects.values_list("pk", "status", "value")) == [
        (returned.pk, "submitted", Decimal(3200))
    ]
    update_decide(actor=world.users["manager"], update=again, approve=True)
    # Approved: a value for the period is refused, naming the one there.
    with pytest.raises(ValidationError, match=r"2023-01-01 – 2023-03-31 \(approved, 3200\)"):
        update_save(actor=editor, indicator=reached, city=world.city_a, value=Decimal(1), **Q1)
    with pytest.raises(ValidationError, match="no longer be changed"):
        update_save(
            actor=editor,
            indicator=reached,
            city=world.city_a,
            value=Decimal(1),
            update=again,
            **Q1,
        )
    assert IndicatorUpdate.objects.get().value == 3200


def test_a_correction_stays_in_its_city_and_indicator(
    world: World, framework: dict[str, Indicator]
) -> None:
    reached = framework["reached"]
    returned = _returned(world, reached)
    with pytest.raises(PermissionDenied):  # Rajshahi's editor, on Kigali's value
        update_save(
            actor=world.users["editor_b"],
            indicator=reached,
            city=world.city_b,
            value=Decimal(1),
            update=returned,
            **Q1,
        )
    with pytest.raises(ValidationError, match="keeps its indicator"):
        update_save(
            actor=world.users["editor_a"],
            indicator=framework["plans"],
            city=world.city_a,
            value=Decimal(1),
            update=returned,
            **Q1,
        )
    returned.refresh_from_db()
    assert (returned.status, returned.value) == ("returned", 9000)


def test_the_database_holds_one_value_a_period(
    world: World, framework: dict[str, Indicator]
) -> None:
    reached = framework["reached"]
    IndicatorUpdate.objects.create(indicator=reached, city=world.city_a, value=1, **Q1)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorUpdate.objects.create(
            indicator=reached, city=world.city_a, value=2, status="returned", **Q1
        )
    exchanges = framework["exchanges"]  # the programme's own: no city, still one a period
    IndicatorUpdate.objects.create(indicator=exchanges, city=None, value=1, **Q1)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorUpdate.objects.create(indicator=exchanges, city=None, value=2, **Q1)


def test_the_city_page_corrects_the_returned_row(
    client: Client, world: World, framework: dict[str, Indicator]
) -> None:
    reached = framework["reached"]
    returned = _returned(world, reached)
    client.force_login(world.users["editor_a"])
    page = client.get("/cities/kigali/workspace/results/").content.decode()
    url = f"/cities/kigali/workspace/results/{returned.pk}/correct/"
    assert url in page and "Correct and submit again" in page
    form = client.get(url)
    body = form.content.decode()
    assert form.status_code == 200 and "Leaflets, not people." in body
    assert 'value="9000' in body  # the form holds the value as it is
    response = client.post(
        url,
        {
            "period_start": "2023-01-01",
            "period_end": "2023-03-31",
            "value": "3200",
            "breakdown_sex_0": "1700",
            "breakdown_sex_1": "1500",
            "submit": "1",
        },
    )
    assert response.status_code == 302
    assert list(IndicatorUpdate.objects.values_list("pk", "status", "value", "breakdown")) == [
        (returned.pk, "submitted", Decimal(3200), {"sex": {"female": 1700, "male": 1500}})
    ]
    page = client.get("/cities/kigali/workspace/results/").content.decode()
    assert "9,000" not in page and "3,200" in page
    # Submitted now: no longer corrected here.
    assert client.get(url).status_code == 302
    refused = client.post(
        url, {"period_start": "2023-01-01", "period_end": "2023-03-31", "value": "1"}
    )
    assert refused.status_code == 302 and IndicatorUpdate.objects.get().value == 3200


def test_nobody_else_corrects_a_value(
    client: Client, world: World, framework: dict[str, Indicator]
) -> None:
    returned = _returned(world, framework["reached"])
    url = f"/cities/kigali/workspace/results/{returned.pk}/correct/"
    data = {"period_start": "2023-01-01", "period_end": "2023-03-31", "value": "1"}
    client.force_login(world.users["viewer_a"])
    assert client.post(url, data).status_code == 403
    client.force_login(world.users["editor_b"])  # another city's editor: not even found
    assert client.post(url, data).status_code == 404
    assert (
        client.post(f"/cities/rajshahi/workspace/results/{returned.pk}/correct/", data).status_code
        == 404
    )
    returned.refresh_from_db()
    assert (returned.status, returned.value) == ("returned", 9000)
