"""The results pages: a city reports a value in one form (refused with the field named when
wrong), submits it; the programme approves it and its dashboard changes."""

from __future__ import annotations

from html import escape

import pytest
from django.test import Client

from recap.testing import World
from recap.tracking.models import Indicator, IndicatorUpdate
from recap.tracking.services import framework_load_shipped

pytestmark = pytest.mark.django_db


def test_a_city_reports_and_the_programme_approves(client: Client, world: World) -> None:
    framework_load_shipped(world.programme)
    reached = Indicator.objects.get(code="reached")
    client.force_login(world.users["editor_a"])
    url = "/cities/kigali/workspace/results/"
    form = {
        "indicator": reached.pk,
        "period_start": "2023-01-01",
        "period_end": "2023-03-31",
        "value": "1200",
        "breakdown_sex_0": "700",  # Female
        "breakdown_sex_1": "400",  # Male
        "comment": "Solar lights.",
        "submit": "1",
    }
    page = client.get(url).content.decode()
    # One field per category, labelled in words; no mini-language to learn.
    assert '<label for="id_breakdown_sex_0">Female</label>' in page
    assert '<label for="id_breakdown_age_band_0">Under 25</label>' in page
    assert "dimension category: number" not in page
    response = client.post(url, form)
    assert response.status_code == 400
    assert "These add up to 1,100, not the value 1,200." in response.content.decode()
    response = client.post(url, form | {"breakdown_sex_1": "-500"})
    assert response.status_code == 400 and "Male: not below zero." in response.content.decode()
    plans = Indicator.objects.get(code="plans")  # no breakdown at all
    response = client.post(url, form | {"indicator": plans.pk, "value": "1100"})
    assert response.status_code == 400
    assert "is not broken down by sex: leave these empty." in response.content.decode()
    assert not IndicatorUpdate.objects.exists()
    assert client.post(url, form | {"breakdown_sex_1": "500"}).status_code == 302
    update = IndicatorUpdate.objects.get()
    assert update.status == "submitted" and update.breakdown == {
        "sex": {"female": 700, "male": 500}
    }
    # Shown in words, never as codes.
    page = client.get(url).content.decode()
    assert "Sex: Female 700, Male 500" in page and "female 700" not in page

    # The programme sees it waiting, approves it, and the dashboard counts it.
    client.force_login(world.users["manager"])
    page = client.get("/programme/results/").content.decode()
    assert "Waiting for approval" in page and "Solar lights." in page
    assert "Sex: Female 700, Male 500" in page
    # What waits comes before the indicators' tables.
    assert page.index("Waiting for approval") < page.index("<table")
    assert (
        client.post(f"/programme/results/updates/{update.pk}/decide/", {"approve": "1"}).status_code
        == 302
    )
    update.refresh_from_db()
    assert update.status == "approved"
    assert "Nothing waits for approval." in client.get("/programme/results/").content.decode()

    # Others may not: a viewer does not report, an editor does not approve.
    client.force_login(world.users["viewer_a"])
    assert client.post(url, form).status_code == 403
    client.force_login(world.users["editor_a"])
    assert client.get("/programme/results/").status_code == 403
    response = client.post(f"/programme/results/updates/{update.pk}/decide/", {"approve": "0"})
    assert response.status_code == 403


def test_the_public_page_shows_public_indicators_from_approved_values(
    client: Client, world: World
) -> None:
    import datetime
    from decimal import Decimal

    from recap.tracking.services import update_decide, update_save, update_submit

    framework_load_shipped(world.programme)
    reached = Indicator.objects.get(code="reached")  # public
    plans = Indicator.objects.get(code="plans")  # not public
    editor, manager = world.users["editor_a"], world.users["manager"]
    approved = update_save(
        actor=editor,
        indicator=reached,
        city=world.city_a,
        period_start=datetime.date(2023, 1, 1),
        period_end=datetime.date(2023, 3, 31),
        value=Decimal(1234),
    )
    update_submit(actor=editor, update=approved)
    update_decide(actor=manager, update=approved, approve=True)
    waiting = update_save(  # submitted, not approved: it must not show
        actor=world.users["editor_b"],
        indicator=reached,
        city=world.city_b,
        period_start=datetime.date(2023, 1, 1),
        period_end=datetime.date(2023, 3, 31),
        value=Decimal(99999),
    )
    update_submit(actor=world.users["editor_b"], update=waiting)
    page = Client().get("/").content.decode()
    assert "Results so far" in page
    assert escape(reached.name) in page and "1,234 people" in page and "99,999" not in page
    assert plans.name not in page
    # The same number as the programme's dashboard.
    client.force_login(manager)
    assert "1,234" in client.get("/programme/results/").content.decode()
