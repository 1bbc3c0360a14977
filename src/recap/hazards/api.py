from __future__ import annotations

from ninja import Router, Schema

from recap.accounts.api_auth import SIGNED_IN
from recap.accounts.types import SignedInRequest
from recap.cities.api_auth import private_city
from recap.core.api_errors import errors

from . import selectors
from .models import CityHazard

router = Router(tags=["hazards"])


class CityHazardOut(Schema):
    id: int
    hazard: str
    name: str
    kind: str
    likelihood: int
    impact: int
    score: int
    level: str
    trend: str
    affected_groups: str
    affected_areas: str
    evidence: str

    @staticmethod
    def resolve_hazard(obj: CityHazard) -> str:
        return obj.hazard.code

    @staticmethod
    def resolve_name(obj: CityHazard) -> str:
        return obj.hazard.name

    @staticmethod
    def resolve_kind(obj: CityHazard) -> str:
        return obj.hazard.kind


@router.get(
    "/{int:city_id}/hazards",
    response={200: list[CityHazardOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="A city's hazards register, ranked by risk",
)
def city_hazards(request: SignedInRequest, city_id: int) -> list[CityHazard]:
    city = private_city(request, city_id)
    return selectors.city_hazard_list(user=request.user, city=city)
