"""Reads of the catalogue: search and filter by sector, hazard, phase and cost band; a city's
candidate actions, through their policy, each with its resilience value from the engine's value
model against the city's hazards register."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from recap.accounts.types import Reader
from recap.cities.models import City
from recap.engine.value import DEFAULT_WEIGHTS, Hazard, action_scores, action_value
from recap.hazards.models import CityHazard

from .models import COST_BANDS, CandidateAction, CatalogueAction
from .policies import candidate_action_policy


def catalogue_search(
    *, query: str = "", sector: str = "", hazard: str = "", phase: str = "", cost: str = ""
) -> QuerySet[CatalogueAction]:
    qs = CatalogueAction.objects.filter(is_active=True)
    for word in query.split():
        qs = qs.filter(
            Q(code__icontains=word)
            | Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(description__icontains=word)
        )
    if sector:
        # JSON containment differs between SQLite and PostgreSQL; the catalogue is small.
        qs = qs.filter(pk__in=[a.pk for a in qs.only("pk", "sectors") if sector in a.sectors])
    if hazard:
        qs = qs.filter(hazards__has_key=hazard)
    if phase:
        qs = qs.filter(phase=phase)
    if cost in COST_BANDS:
        low, high = COST_BANDS[cost]
        qs = qs.filter(cost_max_usd__gt=low) if low else qs
        qs = qs.filter(cost_max_usd__lte=high) if high else qs
    return qs.order_by("code")


def catalogue_get(*, code: str) -> CatalogueAction:
    try:
        return CatalogueAction.objects.get(code=code, is_active=True)
    except CatalogueAction.DoesNotExist as exc:
        raise Http404("No such action") from exc


def candidate_list(*, user: Reader, city: City) -> list[CandidateAction]:
    return list(candidate_action_policy.queryset(user).filter(city=city).select_related("source"))


def candidate_get(*, user: Reader, city: City, pk: int) -> CandidateAction:
    try:
        return candidate_action_policy.queryset(user).get(city=city, pk=pk)
    except CandidateAction.DoesNotExist as exc:
        raise Http404("No such candidate action") from exc


@dataclass(frozen=True)
class ValuedCandidate:
    candidate: CandidateAction
    value: float
    breakdown: dict[str, Any]


def city_hazards_for_model(city: City) -> list[Hazard]:
    return [
        Hazard(e.hazard.code, e.likelihood, e.impact, e.trend)
        for e in CityHazard.objects.filter(city=city).select_related("hazard")
    ]


def candidate_values(
    *, candidates: list[CandidateAction], city: City, weights: dict[str, float] | None = None
) -> list[ValuedCandidate]:
    """Each candidate's resilience value and its breakdown, best first."""
    hazards = city_hazards_for_model(city)
    out = []
    for c in candidates:
        detail = action_scores(
            hazards,
            effectiveness={k: float(v) for k, v in c.hazards.items()},
            qualities=c.qualities,
            co_benefits={k: float(v) for k, v in c.co_benefits.items()},
            feasibility=float(c.feasibility),
        )
        valued = action_value(detail["scores"], weights or DEFAULT_WEIGHTS)
        out.append(ValuedCandidate(c, valued["value"], detail | valued))
    return sorted(out, key=lambda v: (-v.value, v.candidate.code))


def candidate_queryset(*, user: Reader, city: City) -> QuerySet[CandidateAction]:
    """A city's candidate actions the person may see, by code (for a form's choices)."""
    return candidate_action_policy.queryset(user).filter(city=city).order_by("code")
