"""What a prioritisation page is about, found from its address through the policies: the
city at the level the page needs, then its session, run or package. Anything the person may
not see is a 404; a city they may see but not act on at that level, a 403."""

from __future__ import annotations

from django.http import HttpRequest

from recap.accounts.access import Level
from recap.cities.models import City
from recap.cities.selectors import city_get_for_user

from .. import selectors
from ..models import ActionPackage, PrioritisationSession, Run


def session_of(
    request: HttpRequest, slug: str, pk: int, level: Level = Level.VIEW
) -> tuple[City, PrioritisationSession]:
    city = city_get_for_user(user=request.user, slug=slug, level=level)
    return city, selectors.session_get(user=request.user, city=city, pk=pk)


def run_of(
    request: HttpRequest, slug: str, pk: int, number: int, level: Level = Level.VIEW
) -> tuple[City, PrioritisationSession, Run]:
    city, session = session_of(request, slug, pk, level)
    return city, session, selectors.run_get(user=request.user, session=session, number=number)


def package_of(
    request: HttpRequest, slug: str, pk: int, level: Level = Level.VIEW
) -> tuple[City, ActionPackage]:
    city = city_get_for_user(user=request.user, slug=slug, level=level)
    return city, selectors.package_get(user=request.user, city=city, pk=pk)
