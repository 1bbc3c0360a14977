"""`core.days.on_days` filters by day exactly as Django's `__date__range` does (the instants of
those days in the current time zone), at the edges of a day and in zones on either side of UTC."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from recap.core.days import on_days
from recap.core.models import PendingImport

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.mark.parametrize("zone", ["UTC", "Africa/Kigali", "America/Santiago", "Asia/Dhaka"])
def test_on_days_is_the_date_range_lookup_in_every_zone(zone: str) -> None:
    user = get_user_model().objects.create_user("days")
    tz = zoneinfo.ZoneInfo(zone)
    made = []
    # Santiago's clocks go back at midnight on 5 April 2026 and forward at midnight on
    # 6 September 2026 (that midnight does not exist): days around both are in the windows.
    days = [D(2026, 3, 31), D(2026, 4, 1), D(2026, 4, 2), D(2026, 4, 3), D(2026, 4, 4)]
    days += [D(2026, 4, 5), D(2026, 4, 6), D(2026, 9, 5), D(2026, 9, 6), D(2026, 9, 7)]
    for day in days:
        for clock in (datetime.time(0, 0), datetime.time(0, 0, 1), datetime.time(23, 59, 59)):
            at = datetime.datetime.combine(day, clock, tzinfo=tz)
            made.append(
                PendingImport.objects.create(
                    user=user, scope="t", filename="f", file_sha256="0", payload={}, expires_at=at
                ).pk
            )
    # And instants a few hours either side of UTC midnight, which fall on other local days.
    for hours in (-13, -3, 3, 13):
        at = datetime.datetime(2026, 4, 2, tzinfo=datetime.UTC) + datetime.timedelta(hours=hours)
        made.append(
            PendingImport.objects.create(
                user=user, scope="t", filename="f", file_sha256="0", payload={}, expires_at=at
            ).pk
        )
    rows = PendingImport.objects.filter(pk__in=made)
    with timezone.override(tz):
        windows = [(D(2026, 4, 1), D(2026, 4, 2)), (D(2026, 4, 2), D(2026, 4, 2))]
        windows += [(D(2026, 4, 5), D(2026, 4, 5)), (D(2026, 4, 4), D(2026, 4, 5))]
        windows += [(D(2026, 9, 6), D(2026, 9, 6)), (D(2026, 9, 5), D(2026, 9, 6))]
        for first, last in windows:
            ours = set(rows.filter(**on_days("expires_at", first, last)).values_list("pk"))
            django = set(rows.filter(expires_at__date__range=(first, last)).values_list("pk"))
            assert ours == django
            assert ours  # the window holds some instants, and not all of them
            assert len(ours) < len(made)
