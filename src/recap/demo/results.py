"""The demo's results framework for ReCAP 21 (`tracking/data/framework.json`) and a year of
reported values, written through the services: Kigali's people reached, approved; Rajshahi's,
returned with a reason; Sebkha's never reported (late); the programme's peer exchanges."""

from __future__ import annotations

import datetime
from decimal import Decimal

from recap.accounts.models import User
from recap.cities.models import City, Programme
from recap.tracking.models import Indicator, IndicatorUpdate
from recap.tracking.results import (
    framework_load_shipped,
    update_decide,
    update_save,
    update_submit,
)

D = datetime.date


def demo_results(programme: Programme, cities: dict[str, City]) -> None:
    if IndicatorUpdate.objects.exists():
        return
    framework_load_shipped(programme)
    manager = User.objects.get(username="programme.manager")
    reached = Indicator.objects.get(outcome__programme=programme, code="reached")
    exchanges = Indicator.objects.get(outcome__programme=programme, code="exchanges")
    kigali = User.objects.get(username="kigali.editor")
    for start, end, value, women in [
        (D(2026, 1, 1), D(2026, 3, 31), 2400, 1300),
        (D(2026, 4, 1), D(2026, 6, 30), 3100, 1700),
        (D(2026, 7, 1), D(2026, 9, 30), 2900, 1500),
    ]:
        update = update_save(
            actor=kigali,
            indicator=reached,
            city=cities["kigali"],
            period_start=start,
            period_end=end,
            value=Decimal(value),
            breakdown={"sex": {"female": women, "male": value - women}},
            comment="Households near the health centres with solar street lights.",
        )
        update_submit(actor=kigali, update=update)
        update_decide(actor=manager, update=update, approve=True)
    rajshahi = User.objects.get(username="rajshahi.editor")
    update = update_save(
        actor=rajshahi,
        indicator=reached,
        city=cities["rajshahi"],
        period_start=D(2026, 4, 1),
        period_end=D(2026, 9, 30),
        value=Decimal(9000),
        comment="Water kiosk users.",
    )
    update_submit(actor=rajshahi, update=update)
    update_decide(
        actor=manager,
        update=update,
        approve=False,
        reason="This counts every visit to the kiosks; count the households served instead.",
    )
    for start, end, value in [
        (D(2026, 1, 1), D(2026, 6, 30), 4),
        (D(2026, 7, 1), D(2026, 9, 30), 3),
    ]:
        update = update_save(
            actor=manager,
            indicator=exchanges,
            city=None,
            period_start=start,
            period_end=end,
            value=Decimal(value),
        )
        update_submit(actor=manager, update=update)
        update_decide(actor=manager, update=update, approve=True)
