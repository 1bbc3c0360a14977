"""Who sees a lesson: everyone once it is published; a draft, its city's members; a submitted
one, its city's members and the people of a programme the city belongs to. Who sees an
exchange: the two cities' members and the people of a programme either belongs to; who writes
in it: the two cities' editors. Who pins and hides peer matches: the programme's manager."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from recap.accounts.access import Level, is_platform_admin, own_city_ids, programme_city_ids
from recap.accounts.models import CITY_ROLES, Membership, Role
from recap.accounts.types import Reader
from recap.cities.models import City
from recap.tracking.policies import programmes_read

from .models import Exchange, Lesson


def lesson_queryset(user: Reader) -> QuerySet[Lesson]:
    published = Q(status=Lesson.Status.PUBLISHED)
    if not user.is_authenticated:
        return Lesson.objects.filter(published)
    if is_platform_admin(user):
        return Lesson.objects.all()
    # A draft is the city's own working text: its members see it, not the programme yet.
    own = Membership.objects.filter(user=user, role__in=CITY_ROLES).values("city")
    programme_cities = programmes_read(user).values("cities")
    return Lesson.objects.filter(
        published | Q(city__in=own) | (Q(city__in=programme_cities) & ~Q(status="draft"))
    ).distinct()


def publishable_city_ids(user: Reader) -> set[int]:
    """The cities whose lessons `user` publishes: those of the programmes they manage (every
    city, for a platform admin). One query, however many lessons a page lists."""
    ids = programme_city_ids(user, Role.PROGRAMME_MANAGER)
    return set(City.objects.values_list("pk", flat=True)) if ids is None else ids


def may_publish(user: Reader, lesson: Lesson) -> bool:
    return lesson.city_id in publishable_city_ids(user)


def exchange_queryset(user: Reader) -> QuerySet[Exchange]:
    """The exchanges `user` sees: those of their own cities (either side), and those touching
    a city of a programme they manage or review. Never anyone else's."""
    if not user.is_authenticated or not user.is_active:
        return Exchange.objects.none()
    if is_platform_admin(user):
        return Exchange.objects.all()
    ids = own_city_ids(user)
    for role in (Role.PROGRAMME_MANAGER, Role.REVIEWER):
        ids |= programme_city_ids(user, role) or set()
    return Exchange.objects.filter(Q(from_city_id__in=ids) | Q(to_city_id__in=ids))


def editing_city_ids(user: Reader) -> set[int]:
    """The cities `user` writes for as one of their editors or coordinators: a membership,
    not a platform admin's reach (an admin does not speak for a city)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(
        Membership.objects.filter(
            user=user, role__in=(Role.CITY_EDITOR, Role.CITY_COORDINATOR), city__isnull=False
        ).values_list("city_id", flat=True)
    )


def writing_city(user: Reader, exchange: Exchange) -> City | None:
    """The side `user` writes for in `exchange` (a city they are an editor of), or None: the
    programme's people read an exchange, the two cities hold it."""
    mine = editing_city_ids(user)
    for city in (exchange.from_city, exchange.to_city):
        if city.pk in mine:
            return city
    return None


def may_set_matches(user: Reader, city: City) -> bool:
    """The programme's manager pins and hides the matches of its cities."""
    return city.pk in publishable_city_ids(user)


class _DerivedPolicy:
    """A policy object in the shape of `accounts.policies.CityScopedPolicy` (`queryset`,
    `allows`, `require`) for a model whose readers are not a city's alone: the object check is
    the queryset asked about one row, so the two cannot disagree."""

    def queryset(self, user: Reader, level: Level = Level.VIEW) -> QuerySet[Any]:
        raise NotImplementedError

    def allows(self, user: Reader, obj: Any, level: Level = Level.VIEW) -> bool:
        return bool(self.queryset(user, level).filter(pk=obj.pk).exists())

    def require(self, user: Reader, obj: Any, level: Level, message: Any) -> None:
        if not self.allows(user, obj, level):
            raise PermissionDenied(message)


class LessonPolicy(_DerivedPolicy):
    """Read: published lessons by anyone, a draft by its city, one submitted or returned also
    by the programme's people (`lesson_queryset`). Change: the city's own editors."""

    def queryset(self, user: Reader, level: Level = Level.VIEW) -> QuerySet[Lesson]:
        if level == Level.VIEW:
            return lesson_queryset(user)
        return Lesson.objects.filter(city_id__in=editing_city_ids(user))


class ExchangePolicy(_DerivedPolicy):
    """Read: the two cities' members and the people of a programme either city is in
    (`exchange_queryset`). Write: the two cities' own editors (never an admin's reach)."""

    def queryset(self, user: Reader, level: Level = Level.VIEW) -> QuerySet[Exchange]:
        if level == Level.VIEW:
            return exchange_queryset(user)
        mine = editing_city_ids(user)
        return Exchange.objects.filter(Q(from_city_id__in=mine) | Q(to_city_id__in=mine))


lesson_policy = LessonPolicy()
exchange_policy = ExchangePolicy()
