"""Reads of cities, programmes and offices. Each starts from what the user may see."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from recap.accounts.access import Level
from recap.accounts.models import Membership
from recap.accounts.types import Reader

from .models import City, Organisation, Programme, Region
from .policies import city_policy, membership_policy


def city_public_list(*, user: Reader | None = None) -> QuerySet[City]:
    qs = (
        city_policy.public_queryset(user)
        if user is not None
        else City.objects.filter(is_public=True)
    )
    return qs.select_related("country", "regional_office").order_by("country__name", "name")


def city_public_get(*, user: Reader, slug: str | None = None, pk: int | None = None) -> City:
    """A city's public profile; a hidden city is a 404 unless the user works on it."""
    qs = city_public_list(user=user)
    lookup: dict[str, Any] = {"slug": slug} if slug is not None else {"pk": pk}
    try:
        return qs.get(**lookup)
    except City.DoesNotExist as exc:
        raise Http404("No such city") from exc


def city_get_for_user(*, user: Reader, slug: str, level: Level = Level.VIEW) -> City:
    """A city's private side.

    A city the user may not even view is a 404, the same as one that does not exist; a city
    they may view but not act on at `level` is a 403 (they already know it exists)."""
    try:
        city = (
            city_policy.queryset(user, Level.VIEW)
            .select_related("country", "regional_office", "government")
            .get(slug=slug)
        )
    except City.DoesNotExist as exc:
        raise Http404("No such city") from exc
    if level > Level.VIEW and not city_policy.allows(user, city, level):
        raise PermissionDenied(_("Your role in this city does not allow this."))
    return city


def city_list_for_user(*, user: Reader) -> QuerySet[City]:
    return city_policy.queryset(user, Level.VIEW).select_related("country").order_by("name")


def city_team(*, user: Reader, city: City) -> QuerySet[Membership]:
    return (
        membership_policy.queryset(user, Level.VIEW)
        .filter(city=city)
        .select_related("user")
        .order_by("role", "user__username")
    )


def membership_get_for_user(*, user: Reader, city: City, pk: int) -> Membership:
    try:
        return membership_policy.queryset(user, Level.VIEW).get(city=city, pk=pk)
    except Membership.DoesNotExist as exc:
        raise Http404("No such member") from exc


def programme_current() -> Programme | None:
    """The programme the public site presents: the latest public one."""
    return (
        Programme.objects.filter(is_public=True)
        .select_related("donor")
        .prefetch_related("countries", "implementers")
        .order_by("-start_date")
        .first()
    )


def office_directory(*, query: str = "") -> list[tuple[str, list[Organisation]]]:
    """Secretariats and offices grouped by region (in the order of `Region`), filtered by a
    free-text query over name, town, country and address, and the cities and countries each
    supports (so "Rwanda" finds the office that serves Kigali). Each office's `served` lists
    the countries of its cities."""
    qs = Organisation.objects.filter(kind__in=Organisation.OFFICE_KINDS).select_related("country")
    query = query.strip()
    if query:
        for word in query.split():
            regions = [r.value for r in Region if word.lower() in str(r.label).lower()]
            serving = City.objects.filter(
                Q(name__icontains=word) | Q(country__name__icontains=word)
            ).values("regional_office")
            qs = qs.filter(
                Q(pk__in=serving)
                | Q(region__in=regions)
                | Q(name__icontains=word)
                | Q(locality__icontains=word)
                | Q(country__name__icontains=word)
                | Q(address__icontains=word)
            )
    offices: list[Organisation] = sorted(
        qs.prefetch_related(
            Prefetch("cities_supported", City.objects.select_related("country").order_by("name"))
        ),
        key=lambda o: (o.kind != Organisation.Kind.SECRETARIAT, o.name),
    )
    for office in offices:
        supported = office.cities_supported.all()  # prefetched
        office.n_cities = len(supported)  # type: ignore[attr-defined]
        office.served = sorted({c.country.name for c in supported})  # type: ignore[attr-defined]
    groups: list[tuple[str, list[Organisation]]] = []
    for region in Region:
        members = [o for o in offices if o.region == region.value]
        if members:
            groups.append((str(region.label), members))
    return groups
