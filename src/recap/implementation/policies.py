"""Who may do what with a city's implementation plan: its team reads it (and the programme's
managers, who read every city of their programme); its editors plan, report progress and set
statuses; its coordinator starts and publishes it and issues its reports; progress counts once
approved by the city's coordinator or the programme's manager, never by whoever reported it
(four eyes). A visitor reads a plan the city made public."""

from __future__ import annotations

from recap.accounts.access import Level, city_ids, programme_city_ids
from recap.accounts.models import Role
from recap.accounts.types import Reader
from recap.cities.models import City
from recap.cities.policies import city_policy


def may_read(user: Reader, city: City) -> bool:
    return city_policy.allows(user, city, Level.VIEW)


def may_edit(user: Reader, city: City) -> bool:
    return city_policy.allows(user, city, Level.EDIT)


def may_coordinate(user: Reader, city: City) -> bool:
    return city_policy.allows(user, city, Level.COORDINATE)


def may_approve(user: Reader, city: City) -> bool:
    """The city's coordinator or a manager of its programme (the reporter excepted: the
    service checks that)."""
    if may_coordinate(user, city):
        return True
    ids = programme_city_ids(user, Role.PROGRAMME_MANAGER)
    return ids is None or city.pk in ids


def approver_city_ids(user: Reader) -> set[int] | None:
    """The cities whose progress `user` may approve (None: all)."""
    coordinated = city_ids(user, Level.COORDINATE)
    managed = programme_city_ids(user, Role.PROGRAMME_MANAGER)
    if coordinated is None or managed is None:
        return None
    return coordinated | managed
