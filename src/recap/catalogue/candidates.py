"""Writes of a city's candidate actions: adopting one from the catalogue, writing its own,
changing and removing them. Reads (with each one's value) are in selectors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.cities.models import City
from recap.cities.policies import city_policy

from .models import RATINGS, CandidateAction, CatalogueAction

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

#: Fields whose old and new values each change records (the rest: only that they changed).
TRACKED = ("title", "local_cost_usd", "staff_fte", "phase")

EDITORS_ONLY = gettext_lazy("Only the city's editors can change its candidate actions.")


@transaction.atomic
def candidate_adopt(*, actor: User, city: City, source: CatalogueAction) -> CandidateAction:
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
def candidate_create(*, actor: User, city: City, code: str, **values: Any) -> CandidateAction:
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    candidate = CandidateAction(
        city=city, code=code, **{k: v for k, v in values.items() if k in EDITABLE}
    )
    candidate.full_clean()
    candidate.save()
    audit(actor=actor, verb="candidate.create", target=candidate, city=city, detail={"code": code})
    return candidate


@transaction.atomic
def candidate_update(*, actor: User, candidate: CandidateAction, **values: Any) -> CandidateAction:
    city_policy.require(actor, candidate.city, Level.EDIT, EDITORS_ONLY)
    # "Before" is what is stored, read under a lock: the object handed in may already carry the
    # new values (a ModelForm writes them onto its instance when it validates).
    stored = CandidateAction.objects.select_for_update().get(pk=candidate.pk)
    before = {field: getattr(stored, field) for field in TRACKED}
    for field, value in values.items():
        if field not in EDITABLE:
            raise ValueError(f"not an editable field: {field}")
        setattr(candidate, field, value)
    candidate.full_clean()
    candidate.save()
    # The figures a project concept reads from its source actions keep their history here.
    changes = {
        field: [str(before[field]), str(getattr(candidate, field))]
        for field in TRACKED
        if before[field] != getattr(candidate, field)
    }
    audit(
        actor=actor,
        verb="candidate.update",
        target=candidate,
        city=candidate.city,
        detail={"fields": sorted(values), "changes": changes},
    )
    return candidate


@transaction.atomic
def candidate_remove(*, actor: User, candidate: CandidateAction) -> None:
    city_policy.require(actor, candidate.city, Level.EDIT, EDITORS_ONLY)
    audit(
        actor=actor,
        verb="candidate.remove",
        target=candidate,
        city=candidate.city,
        detail={"code": candidate.code},
    )
    candidate.delete()
