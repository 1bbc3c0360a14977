"""Days as spans of time: a filter on a datetime column by the day it fell on (in the current
time zone), written as a range of instants the database compares in its index, not as
`__date` (which SQLite computes by calling back into Python for every row it scans)."""

from __future__ import annotations

import datetime

from django.utils import timezone


def day_start(day: datetime.date) -> datetime.datetime:
    """The first instant of `day` in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def days_between(first: datetime.date, last: datetime.date) -> dict[str, datetime.datetime]:
    """Lookups (`at__gte`, `at__lt` for a field `at`, once prefixed) for the instants whose day
    is from `first` to `last`, both included: what `at__date__range=(first, last)` means."""
    return {"gte": day_start(first), "lt": day_start(last + datetime.timedelta(days=1))}


def on_days(field: str, first: datetime.date, last: datetime.date) -> dict[str, datetime.datetime]:
    """`days_between` as keyword lookups on `field`: `.filter(**on_days("at", a, b))`."""
    return {f"{field}__{op}": at for op, at in days_between(first, last).items()}
