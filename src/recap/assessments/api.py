from ninja import Router, Schema

from recap.accounts.api_auth import SIGNED_IN
from recap.accounts.types import SignedInRequest
from recap.catalogue.selectors import candidate_list, candidate_values
from recap.cities.api_auth import private_city
from recap.core.api_errors import errors

from . import selectors

router = Router(tags=["baseline"])


class DimensionOut(Schema):
    code: str
    name: str
    mean: float | None
    answered: int
    total: int


class AssessmentOut(Schema):
    id: int
    title: str
    framework: str
    status: str
    dimensions: list[DimensionOut]


class CandidateOut(Schema):
    id: int
    code: str
    title: str
    phase: str
    sectors: list[str]
    local_cost_usd: int
    staff_fte: float
    value: float
    source: str | None


@router.get(
    "/{int:city_id}/assessments",
    response={200: list[AssessmentOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="A city's assessments with results per dimension",
)
def city_assessments(request: SignedInRequest, city_id: int) -> list[dict[str, object]]:
    city = private_city(request, city_id)
    out = []
    for a in selectors.assessment_list(user=request.user, city=city):
        out.append(
            {
                "id": a.pk,
                "title": a.title,
                "framework": a.framework.code,
                "status": a.status,
                "dimensions": [
                    {
                        "code": r.dimension.code,
                        "name": r.dimension.name,
                        "mean": r.mean,
                        "answered": r.answered,
                        "total": r.total,
                    }
                    for r in selectors.dimension_results(a)
                ],
            }
        )
    return out


@router.get(
    "/{int:city_id}/candidates",
    response={200: list[CandidateOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="A city's candidate actions, best resilience value first",
)
def city_candidates(request: SignedInRequest, city_id: int) -> list[dict[str, object]]:
    city = private_city(request, city_id)
    valued = candidate_values(candidates=candidate_list(user=request.user, city=city), city=city)
    return [
        {
            "id": v.candidate.pk,
            "code": v.candidate.code,
            "title": v.candidate.title,
            "phase": v.candidate.phase,
            "sectors": v.candidate.sectors,
            "local_cost_usd": v.candidate.local_cost_usd,
            "staff_fte": float(v.candidate.staff_fte),
            "value": v.value,
            "source": v.candidate.source.code if v.candidate.source else None,
        }
        for v in valued
    ]
