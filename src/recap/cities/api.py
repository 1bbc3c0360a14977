from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from recap.accounts.api_auth import PUBLIC
from recap.core.api_errors import errors

from . import selectors
from .models import City

router = Router(tags=["cities"])


class CountryOut(Schema):
    name: str
    iso2: str


class CityOut(Schema):
    id: int
    slug: str
    name: str
    country: CountryOut
    population: int | None
    population_year: int | None
    latitude: Decimal | None
    longitude: Decimal | None
    summary: str
    regional_office: str | None
    url: str

    @staticmethod
    def resolve_regional_office(obj: City) -> str | None:
        return obj.regional_office.name if obj.regional_office else None

    @staticmethod
    def resolve_url(obj: City) -> str:
        return obj.get_absolute_url()


class CityDetailOut(CityOut):
    context: str
    programmes: list[str]

    @staticmethod
    def resolve_programmes(obj: City) -> list[str]:
        return [p.short_name for p in obj.programmes.filter(is_public=True)]


@router.get(
    "",
    response={200: list[CityOut], **errors(401, 422)},
    auth=PUBLIC,
    summary="List the programme's cities",
)
@paginate(LimitOffsetPagination)
def city_list(request: HttpRequest) -> list[City]:
    """Cities on the public site, and also those the caller works on."""
    return list(selectors.city_public_list(user=request.user))


@router.get(
    "/{int:city_id}",
    response={200: CityDetailOut, **errors(401, 404)},
    auth=PUBLIC,
    summary="One city",
)
def city_detail(request: HttpRequest, city_id: int) -> City:
    return selectors.city_public_get(user=request.user, pk=city_id)
