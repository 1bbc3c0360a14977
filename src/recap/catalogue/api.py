from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from recap.accounts.api_auth import PUBLIC
from recap.core.api_errors import errors

from . import selectors
from .models import CatalogueAction

router = Router(tags=["catalogue"])


class CatalogueFilters(Schema):
    q: str = ""
    sector: str = ""
    hazard: str = ""
    phase: str = ""
    cost: str = ""


class CatalogueActionOut(Schema):
    code: str
    title: str
    summary: str
    description: str
    sectors: list[str]
    hazards: dict[str, int]
    qualities: list[str]
    co_benefits: dict[str, int]
    cost_min_usd: int
    cost_max_usd: int
    staff_fte: float
    months_to_implement: int
    phase: str
    prerequisites: list[str]
    kpis: list[str]


@router.get(
    "",
    response={200: list[CatalogueActionOut], **errors(401, 422)},
    auth=PUBLIC,
    summary="Search the action catalogue",
)
@paginate(LimitOffsetPagination)
def catalogue_list(request: HttpRequest, filters: Query[CatalogueFilters]) -> list[CatalogueAction]:
    return list(
        selectors.catalogue_search(
            query=filters.q[:100],
            sector=filters.sector,
            hazard=filters.hazard,
            phase=filters.phase,
            cost=filters.cost,
        )
    )


@router.get(
    "/{code}",
    response={200: CatalogueActionOut, **errors(401, 404)},
    auth=PUBLIC,
    summary="One catalogue action",
)
def catalogue_detail(request: HttpRequest, code: str) -> CatalogueAction:
    return selectors.catalogue_get(code=code)
