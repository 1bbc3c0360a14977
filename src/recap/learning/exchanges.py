"""Reads of exchanges between cities: a city's threads, what awaits a person's reply ("My
work"), and the programme's figure of its peer community (exchanges per city)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from recap.accounts.access import Level
from recap.accounts.types import Reader
from recap.cities.models import City, Programme
from recap.cities.policies import city_policy

from .models import Exchange
from .policies import editing_city_ids, exchange_queryset


def exchange_get(user: Reader, pk: int) -> Exchange:
    try:
        return exchange_queryset(user).select_related("from_city", "to_city", "lesson").get(pk=pk)
    except Exchange.DoesNotExist as exc:
        raise Http404("No such exchange") from exc


def exchange_home(user: Reader, exchange: Exchange) -> City | None:
    """The side of `exchange` whose list of exchanges the page leads back to: the reader's own
    city (the one they write for first), else the first of the two whose workspace they may
    open (the programme's people), else None."""
    for city in sorted(
        (exchange.from_city, exchange.to_city),
        key=lambda c: not city_policy.allows(user, c, Level.EDIT),
    ):
        if city_policy.allows(user, city, Level.VIEW):
            return city
    return None


def city_exchanges(user: Reader, city: City) -> QuerySet[Exchange]:
    return (
        exchange_queryset(user)
        .filter(Q(from_city=city) | Q(to_city=city))
        .select_related("from_city", "to_city", "awaiting")
        .annotate(replies=Count("messages"))
    )


def exchanges_work(user: Reader) -> dict[str, Any] | None:
    """The "My work" panel: open exchanges awaiting a reply from a city the person edits for."""
    if not user.is_authenticated:
        return None
    editable = editing_city_ids(user)
    if not editable:
        return None
    waiting = (
        exchange_queryset(user)
        .filter(is_closed=False, awaiting_id__in=editable)
        .select_related("from_city", "to_city")
    )
    items = [
        {
            "path": e.get_absolute_url(),
            "text": _("%(city)s awaits your reply: %(subject)s")
            % {
                "city": (e.from_city if e.awaiting_id == e.to_city_id else e.to_city).name,
                "subject": e.subject,
            },
        }
        for e in waiting[:20]
    ]
    return {"items": items} if items else None


def community_figures(programme: Programme) -> list[dict[str, Any]]:
    """Per city of the programme: exchanges it started, received, and answered (an exchange it
    received in which it wrote back). Three queries, however many cities."""
    cities = list(programme.cities.order_by("name"))

    def by(field: str, **where: Any) -> dict[int, int]:
        rows = (
            Exchange.objects.filter(**{f"{field}__in": cities}, **where)
            .values(field)
            .annotate(n=Count("pk", distinct=True))
        )
        return {row[field]: row["n"] for row in rows}

    started, received = by("from_city"), by("to_city")
    answered = by("to_city", messages__city=F("to_city"))
    return [
        {
            "city": city,
            "started": started.get(city.pk, 0),
            "received": received.get(city.pk, 0),
            "answered": answered.get(city.pk, 0),
        }
        for city in cities
    ]
