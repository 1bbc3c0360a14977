from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from recap.accounts.access import Level
from recap.cities.policies import city_policy
from recap.cities.selectors import city_public_get
from recap.core.api_auth import SIGNED_IN

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
    response=list[CityHazardOut],
    auth=SIGNED_IN,
    summary="A city's hazards register, ranked by risk",
)
def city_hazards(request: HttpRequest, city_id: int) -> list[CityHazard]:
    city = city_public_get(user=request.user, pk=city_id)
    if not city_policy.allows(request.user, city, Level.VIEW):
        # The register is private: to anyone outside the city it does not exist.
        from django.http import Http404

        raise Http404
    return selectors.city_hazard_list(user=request.user, city=city)
