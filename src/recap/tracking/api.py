"""Programme monitoring over the API, behind the same policies as the pages: the results
framework as the dashboard reads it (the programme's people), a city's small-scale measures
(whoever may read the city), and a city's reported values, read and written (its editors
report; the same checks as the form, a 422 naming the field)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Router, Schema, Status

from recap.accounts.api_auth import SIGNED_IN
from recap.accounts.types import SignedInRequest
from recap.cities.api_auth import private_city
from recap.core.api_errors import errors
from recap.pipeline.selectors import programme_read_by

from . import selectors
from .models import IndicatorUpdate
from .progress import indicator_progress
from .services import update_save, update_submit

router = Router(tags=["results"])  # under /programme
city_router = Router(tags=["results"])  # under /cities


class ProgressOut(Schema):
    outcome: str
    code: str
    name: str
    unit: str
    kind: str = Field(description="derived (computed from ReCAP's records) or reported")
    level: str
    value: Decimal = Field(description="Since the programme began; approved values only.")
    target: Decimal | None
    target_date: date | None
    status: str = Field(
        description="met, met_late, missed, on_track, behind, no_target or no_data; a "
        "finished programme is read as of its end date (as_of)"
    )
    late: list[str] = Field(description="Slugs of the late cities; 'programme' for itself.")
    as_of: date


class MeasureOut(Schema):
    id: int
    title: str
    status: str
    implemented_on: date | None
    hazards: list[str]
    action: str | None = Field(description="Code of the package action it comes from")
    cost: int | None
    co_finance: int
    beneficiaries: int
    beneficiaries_breakdown: dict[str, dict[str, int]]
    evidence: int = Field(description="How many photos and documents back it")


class UpdateIn(Schema):
    indicator: str = Field(description="The indicator's code", max_length=40)
    period_start: date
    period_end: date
    value: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    breakdown: dict[str, dict[str, float]] = Field(default_factory=dict)
    comment: str = Field(default="", max_length=2000)
    submit: bool = Field(default=False, description="Submit to the programme at once")


class UpdateOut(Schema):
    id: int
    indicator: str
    period_start: date
    period_end: date
    value: Decimal
    breakdown: dict[str, dict[str, float]]
    status: str
    return_reason: str
    created_at: datetime


def _update_out(u: IndicatorUpdate) -> dict[str, Any]:
    return {
        "id": u.pk,
        "indicator": u.indicator.code,
        "period_start": u.period_start,
        "period_end": u.period_end,
        "value": u.value,
        "breakdown": u.breakdown,
        "status": u.status,
        "return_reason": u.return_reason,
        "created_at": u.created_at,
    }


@router.get(
    "/results",
    response={200: list[ProgressOut], **errors(401, 403)},
    auth=SIGNED_IN,
    summary="Every indicator against its target, as the dashboard reads it (programme only)",
)
def results(request: SignedInRequest) -> list[dict[str, Any]]:
    programme = programme_read_by(request.user)
    indicators = selectors.programme_indicators(programme=programme)
    out = []
    for indicator in indicators:
        p = indicator_progress(indicator)
        out.append(
            {
                "outcome": indicator.outcome.code,
                "code": indicator.code,
                "name": indicator.name,
                "unit": indicator.unit,
                "kind": indicator.kind,
                "level": indicator.level,
                "value": p.value,
                "target": p.target.value if p.target else None,
                "target_date": p.target.period_end if p.target else None,
                "status": p.status,
                "late": [late.city.slug if late.city else "programme" for late in p.late],
                "as_of": p.as_of,
            }
        )
    return out


@city_router.get(
    "/{int:city_id}/measures",
    response={200: list[MeasureOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="A city's small-scale measures",
)
def city_measures(request: SignedInRequest, city_id: int) -> list[dict[str, Any]]:
    city = private_city(request, city_id)
    measures = selectors.city_measures(city=city).order_by("title")
    return [
        {
            "id": m.pk,
            "title": m.title,
            "status": m.status,
            "implemented_on": m.implemented_on,
            "hazards": [h.code for h in m.hazards.all()],
            "action": m.action.code if m.action else None,
            "cost": m.cost,
            "co_finance": m.co_finance,
            "beneficiaries": m.beneficiaries,
            "beneficiaries_breakdown": m.beneficiaries_breakdown,
            "evidence": len(m.evidence.all()),
        }
        for m in measures
    ]


@city_router.get(
    "/{int:city_id}/values",
    response={200: list[UpdateOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="The values a city reported, with their status",
)
def city_values(request: SignedInRequest, city_id: int) -> list[dict[str, Any]]:
    city = private_city(request, city_id)
    updates = selectors.city_updates(city=city)
    return [_update_out(u) for u in updates]


@city_router.post(
    "/{int:city_id}/values",
    response={201: UpdateOut, **errors(401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="Report a value for a period (the city's editors); submit it at once if asked",
)
def city_value_report(
    request: SignedInRequest, city_id: int, body: UpdateIn
) -> Status[dict[str, Any]]:
    city = private_city(request, city_id)
    found = list(selectors.city_reported_indicators(city=city, code=body.indicator)[:2])
    if not found:
        raise Http404("No indicator a city reports has this code.")
    if len(found) > 1:
        raise ValidationError({"indicator": "Two programmes of this city share this code."})
    indicator = found[0]
    update = update_save(
        actor=request.user,
        indicator=indicator,
        city=city,
        period_start=body.period_start,
        period_end=body.period_end,
        value=body.value,
        breakdown=body.breakdown,
        comment=body.comment,
    )
    if body.submit:
        update = update_submit(actor=request.user, update=update)
    return Status(201, _update_out(update))
