"""What a person may do in which city, in one place.

Every city-scoped policy derives both its queryset filter and its object check from
`city_ids(user, level)`, so the two cannot disagree.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from .models import Membership, Role, User
from .types import Reader


class Level(IntEnum):
    """What someone may do with a city's private data; each level includes the ones below."""

    VIEW = 1
    EDIT = 2
    COORDINATE = 3


CITY_ROLE_LEVEL = {
    Role.CITY_VIEWER: Level.VIEW,
    Role.CITY_EDITOR: Level.EDIT,
    Role.CITY_COORDINATOR: Level.COORDINATE,
}

ALL = None  # a platform admin is not limited to a set of cities


def is_platform_admin(user: Reader) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _memberships(user: User) -> list[tuple[str, int | None, list[int], int | None]]:
    """(role, city_id, programme's city ids, programme_id) for each membership, loaded once
    per request."""
    cached: list[tuple[str, int | None, list[int], int | None]] | None = getattr(
        user, "_recap_roles", None
    )
    if cached is None:
        rows = Membership.objects.filter(user=user).prefetch_related("programme__cities")
        cached = [
            (
                m.role,
                m.city_id,
                [c.pk for c in m.programme.cities.all()] if m.programme else [],
                m.programme_id,
            )
            for m in rows
        ]
        holder: Any = user  # the cache rides on the request's user object, not a model field
        holder._recap_roles = cached
    return cached


def city_ids(user: Reader, level: Level) -> set[int] | None:
    """The ids of the cities whose private data `user` may act on at `level`; None means all."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if is_platform_admin(user):
        return ALL
    ids: set[int] = set()
    for role, city_id, programme_city_ids, _programme in _memberships(user):
        if role in CITY_ROLE_LEVEL and city_id is not None and CITY_ROLE_LEVEL[Role(role)] >= level:
            ids.add(city_id)
        elif role == Role.PROGRAMME_MANAGER and level == Level.VIEW:
            # A programme manager reads every city of the programme but changes none.
            ids.update(programme_city_ids)
    return ids


def forget_roles(user: Reader) -> None:
    """Drop the per-request cache after memberships change."""
    for cache in ("_recap_roles", "_recap_funders"):
        if hasattr(user, cache):
            delattr(user, cache)


def programme_city_ids(user: Reader, role: Role) -> set[int] | None:
    """The cities of the programmes in which `user` holds the programme role `role` (a
    manager, a reviewer); None for a platform admin, who acts for every programme."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if is_platform_admin(user):
        return ALL
    ids: set[int] = set()
    for held, _city, programme_city_ids_, _programme in _memberships(user):
        if held == role:
            ids.update(programme_city_ids_)
    return ids


def programme_ids(user: Reader, *roles: Role) -> set[int] | None:
    """The programmes in which `user` holds one of the programme roles `roles` (a manager, a
    reviewer); None for a platform admin, who acts for every programme; none for a person who
    is signed out or inactive. The one answer every app's programme checks derive from."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if is_platform_admin(user):
        return ALL
    return {
        programme
        for held, _city, _ids, programme in _memberships(user)
        if held in roles and programme is not None
    }


def manages_programme(user: Reader, programme_id: int) -> bool:
    """Whether `user` is the programme's manager (or a platform admin)."""
    ids = programme_ids(user, Role.PROGRAMME_MANAGER)
    return ids is None or programme_id in ids


def own_city_ids(user: Reader) -> set[int]:
    """The cities `user` belongs to through a city role, at any level."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return {
        city_id
        for role, city_id, _ids, _programme in _memberships(user)
        if role in CITY_ROLE_LEVEL and city_id is not None
    }


def funder_organisation_ids(user: Reader) -> set[int]:
    """The funder organisations `user` speaks for (the funder role), read once per request
    (every page asks: the header's menus, then the page's own policy)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    cached: set[int] | None = getattr(user, "_recap_funders", None)
    if cached is None:
        cached = set(
            Membership.objects.filter(user=user, role=Role.FUNDER).values_list(
                "organisation_id", flat=True
            )
        )
        holder: Any = user  # rides on the request's user object, like `_memberships`
        holder._recap_funders = cached
    return set(cached)
