"""What implementation plans put before a person: the "My work" panel and the weekly digest's
lines (both registered in `apps.py`; accounts and tracking never import this app).

- A city's editor or coordinator: the late and at-risk actions of their cities, one by one.
- A programme's manager: how many actions are late or at risk in each city of their
  programmes, one line a city, pointing to the side-by-side view.
- Whoever may approve progress (the city's coordinator, the programme's manager): the progress
  reports waiting for their approval (never their own).

Each costs the same queries however many cities and actions there are."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recap.accounts.access import Level, city_ids, is_platform_admin
from recap.accounts.types import Reader, User
from recap.cities.models import City
from recap.tracking.reminders import WorkItem

from . import selectors
from .overview import Late, late_for
from .status import AT_RISK, DELAYED


@dataclass(frozen=True)
class CityCount:
    city: City
    delayed: int
    at_risk: int

    @property
    def total(self) -> int:
        return self.delayed + self.at_risk


def _split(user: Reader, today: datetime.date | None = None) -> tuple[list[Late], list[CityCount]]:
    """The late and at-risk actions of the cities `user` edits, one by one, and of the other
    cities they see as a programme's manager, counted by city. A platform admin, who edits
    every city, gets the counts."""
    attention = late_for(user, today)
    edited = city_ids(user, Level.EDIT)
    own = [a for a in attention if edited is not None and a.city.pk in edited]
    counted: dict[int, City] = {}
    counts: Counter[tuple[int, str]] = Counter()
    for a in attention:
        if edited is None or a.city.pk not in edited:
            counted[a.city.pk] = a.city
            counts[(a.city.pk, a.status.state)] += 1
    cities = [
        CityCount(city, counts[(pk, DELAYED)], counts[(pk, AT_RISK)])
        for pk, city in counted.items()
    ]
    return own, sorted(cities, key=lambda c: c.city.name)


def implementation_work(user: Reader) -> dict[str, Any] | None:
    """The "My work" panel: None when nothing is late, at risk or waiting, and for a platform
    administrator, who may act anywhere but whose work is no city's (as the other panels)."""
    if not user.is_authenticated or is_platform_admin(user):
        return None
    own, cities = _split(user)
    waiting = selectors.report_waiting(user)
    if not (own or cities or waiting):
        return None
    return {"attention": own, "cities": cities, "waiting": waiting}


def digest_lines(user: User, as_of: datetime.date) -> list[WorkItem]:
    """The weekly digest's lines (`tracking.reminders.digest_source_register`): each late or
    at-risk action of the cities `user` edits, and one line a city of their programmes."""
    own, cities = _split(user, as_of)
    items = [
        WorkItem(
            (
                _("%(city)s: %(action)s is %(state)s. %(why)s")
                % {
                    "city": a.city.name,
                    "action": f"{a.action.code} · {a.action.title}",
                    "state": a.status.label.lower(),
                    "why": a.status.reason,
                }
            ).strip(),
            reverse("implementation:action", kwargs={"slug": a.city.slug, "pk": a.action.pk}),
        )
        for a in own
    ]
    overview = reverse("plans:overview")
    items += [
        WorkItem(
            ngettext(
                "%(city)s has %(n)s action late or at risk in its implementation plan.",
                "%(city)s has %(n)s actions late or at risk in its implementation plan.",
                c.total,
            )
            % {"city": c.city.name, "n": c.total},
            f"{overview}#city-{c.city.slug}",
        )
        for c in cities
    ]
    waiting = selectors.report_waiting(user)
    if waiting:
        items.append(
            WorkItem(
                ngettext(
                    "%(n)s progress report waits for your approval.",
                    "%(n)s progress reports wait for your approval.",
                    len(waiting),
                )
                % {"n": len(waiting)},
                reverse("accounts:dashboard"),  # My work lists them one by one
                "waiting",
            )
        )
    return items
