"""A city's candidate actions: adopting from the catalogue, writing its own, and the resilience
value of each from the engine's value model against this city's hazards register."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.engine.value import DEFAULT_WEIGHTS, Hazard, action_scores, action_value
from recap.hazards.models import CityHazard

from .models import RATINGS, CandidateAction, CatalogueAction
from .policies import candidate_action_policy

EDITABLE = (
    "title",
    "description",
    "sectors",
    "hazards",
    "qualities",
    *RATINGS,
    "local_cost_usd",
    "staff_fte",
    "phase",
    "lead_department",
    "partners",
    "feasibility_notes",
)


EDITORS_ONLY = gettext_lazy("Only the city's editors can change its candidate actions.")


@transaction.atomic
def candidate_adopt(*, actor: Any, city: City, source: CatalogueAction) -> CandidateAction:
    """Copy a catalogue action into the city's candidates, at the middle of its cost range."""
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    if CandidateAction.objects.filter(city=city, code=source.code).exists():
        raise ValidationError(
            _("%(code)s is already one of the city's candidate actions.") % {"code": source.code}
        )
    candidate = CandidateAction(
        city=city,
        source=source,
        code=source.code,
        title=source.title,
        description=source.description,
        sectors=list(source.sectors),
        hazards=dict(source.hazards),
        qualities=list(source.qualities),
        **{name: getattr(source, name) for name in RATINGS},
        local_cost_usd=(source.cost_min_usd + source.cost_max_usd) // 2,
        staff_fte=source.staff_fte,
        phase=source.phase,
    )
    candidate.full_clean()
    candidate.save()
    audit(
        actor=actor,
        verb="candidate.adopt",
        target=candidate,
        city=city,
        detail={"code": source.code},
    )
    return candidate


@transaction.atomic
def candidate_create(*, actor: Any, city: City, code: str, **values: Any) -> CandidateAction:
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    candidate = CandidateAction(
        city=city, code=code, **{k: v for k, v in values.items() if k in EDITABLE}
    )
    candidate.full_clean()
    candidate.save()
    audit(actor=actor, verb="candidate.create", target=candidate, city=city, detail={"code": code})
    return candidate


@transaction.atomic
def candidate_update(*, actor: Any, candidate: CandidateAction, **values: Any) -> CandidateAction:
    city_policy.require(actor, candidate.city, Level.EDIT, EDITORS_ONLY)
    for field, value in values.items():
        if field not in EDITABLE:
            raise ValueError(f"not an editable field: {field}")
        setattr(candidate, field, value)
    candidate.full_clean()
    candidate.save()
    audit(
        actor=actor,
        verb="candidate.update",
        target=candidate,
        city=candidate.city,
        detail={"fields": sorted(values)},
    )
    return candidate


@transaction.atomic
def candidate_remove(*, actor: Any, candidate: CandidateAction) -> None:
    city_policy.require(actor, candidate.city, Level.EDIT, EDITORS_ONLY)
    audit(
        actor=actor,
        verb="candidate.remove",
        target=candidate,
        city=candidate.city,
        detail={"code": candidate.code},
    )
    candidate.delete()


def candidate_list(*, user: Any, city: City) -> list[CandidateAction]:
    return list(candidate_action_policy.queryset(user).filter(city=city).select_related("source"))


def candidate_get(*, user: Any, city: City, pk: int) -> CandidateAction:
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
