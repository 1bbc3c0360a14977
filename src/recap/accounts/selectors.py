from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext

from .access import is_platform_admin
from .models import ApiToken, Membership, Role, User


@dataclass(frozen=True)
class CityAccess:
    city: Any  # a cities.City: accounts sits below cities and knows it by its relation only
    role_label: str


def _cities() -> QuerySet[Any]:
    """Every city, through the relation a membership has to one (no import of a higher floor)."""
    city_model = Membership._meta.get_field("city").related_model
    if city_model is None or isinstance(city_model, str):  # only before the apps are loaded
        raise LookupError("The cities app is not loaded.")
    return city_model._default_manager.all()


def user_city_access(*, user: User) -> list[CityAccess]:
    """The cities on a person's dashboard, each with the role that gives access."""
    if is_platform_admin(user):
        return [
            CityAccess(city=c, role_label=gettext("Platform admin"))
            for c in _cities().select_related("country").order_by("name")
        ]
    seen: dict[int, CityAccess] = {}
    memberships = Membership.objects.filter(user=user).select_related("city__country", "programme")
    for m in memberships:
        if m.city is not None:
            seen[m.city.pk] = CityAccess(city=m.city, role_label=m.get_role_display())
    for m in memberships:
        if m.role == Role.PROGRAMME_MANAGER and m.programme is not None:
            for city in m.programme.cities.select_related("country"):
                seen.setdefault(city.pk, CityAccess(city=city, role_label=m.get_role_display()))
    return sorted(seen.values(), key=lambda a: a.city.name)


def user_other_roles(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, city__isnull=True).select_related(
        "programme", "organisation"
    )


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def api_token_get(*, user: User, pk: int) -> ApiToken:
    try:
        return ApiToken.objects.get(user=user, pk=pk)
    except ApiToken.DoesNotExist as exc:
        raise Http404 from exc


#: Those who answer for a city's work: its editors and its coordinators.
CITY_TEAM = (Role.CITY_EDITOR, Role.CITY_COORDINATOR)


def city_people(*, city_id: int, roles: tuple[str, ...] = CITY_TEAM) -> QuerySet[User]:
    """The people holding one of `roles` in the city (whom its e-mails go to; `core.mail`
    keeps those an e-mail reaches)."""
    return User.objects.filter(memberships__city_id=city_id, memberships__role__in=roles)


def city_programme_managers(*, city_id: int) -> QuerySet[User]:
    """The managers of every programme the city takes part in."""
    return User.objects.filter(
        memberships__role=Role.PROGRAMME_MANAGER, memberships__programme__cities=city_id
    )
