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
    "cost_low_usd",
    "cost_high_usd",
    "reference_class",
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


#: What keeps a candidate on the city's list (read through the relations the apps above hold to
#: it, so that catalogue imports none of them). Each is a reason a person can act on.
RUNNING = ("queued", "running")  # planning's WorkStatus values: a run still computing


def candidate_withdraw_blockers(candidate: CandidateAction) -> list[str]:
    """Why `candidate` may not be withdrawn now, in words; empty when it may.

    Withdrawing takes the action off the city's list and out of its sessions. Runs and the
    packages saved from them keep it (they read the input stored with the run), so a draft
    package or a finished run is no reason to refuse. What is refused is what would break or
    silently change something the city has committed to:

    - a project concept uses it as a source action (the concept reads its title, cost and
      phase from it: the concept would lose them);
    - it is in the current version of an endorsed package (the coordinator endorsed it, and
      concepts are started from the endorsed package's actions by their code);
    - a small-scale measure comes from it (the measure would lose its origin);
    - an implementation plan follows it (its history is kept, even once closed);
    - a run of one of its sessions is queued or computing (what that run is being given
      would no longer match the city's list when it ends).
    """
    reasons = []
    uses: Any = getattr(candidate, "concept_uses", None)
    for use in uses.select_related("concept").order_by("concept__reference") if uses else []:
        reasons.append(
            _(
                "Project concept %(ref)s “%(title)s” uses it as a source action: take it out of "
                "the concept, or withdraw the concept, first."
            )
            % {"ref": use.concept.reference, "title": use.concept.title}
        )
    city: Any = candidate.city
    for package in city.packages.filter(status="endorsed").order_by("name"):
        current = package.current
        if current is not None and candidate.code in current.selected:
            reasons.append(
                _(
                    "It is in the endorsed package “%(name)s”: save a new version of the "
                    "package without it first."
                )
                % {"name": package.name}
            )
    measures: Any = getattr(candidate, "measures", None)
    for measure in measures.order_by("title") if measures else []:
        reasons.append(
            _("The small-scale measure “%(title)s” comes from it.") % {"title": measure.title}
        )
    planned: Any = getattr(candidate, "plan_actions", None)
    if planned is not None and planned.exists():
        reasons.append(
            _(
                "The city's implementation plan follows it, and keeps its history even once a "
                "later package drops it: it stays on the list."
            )
        )
    sessions: Any = candidate.sessions
    for session in sessions.filter(runs__status__in=RUNNING).distinct().order_by("title"):
        reasons.append(
            _(
                "A run of the session “%(title)s” is computing with it: wait until it ends, "
                "or cancel it."
            )
            % {"title": session.title}
        )
    return reasons


@transaction.atomic
def candidate_withdraw(*, actor: User, candidate: CandidateAction, reason: str = "") -> None:
    """Take `candidate` off its city's list (and out of its sessions), unless something the
    city committed to holds it (`candidate_withdraw_blockers`, every reason named at once).
    The audit keeps what it was, so the trail says what was withdrawn, by whom and why."""
    city_policy.require(actor, candidate.city, Level.EDIT, EDITORS_ONLY)
    stored = CandidateAction.objects.select_for_update().select_related("city").get(pk=candidate.pk)
    reason = reason.strip()
    if len(reason) > 500:
        raise ValidationError({"reason": _("Say why in 500 characters or fewer.")})
    if blockers := candidate_withdraw_blockers(stored):
        raise ValidationError(
            [_("%(code)s cannot be withdrawn yet.") % {"code": stored.code}, *blockers]
        )
    sessions: Any = stored.sessions
    audit(
        actor=actor,
        verb="candidate.withdraw",
        target=stored,
        city=stored.city,
        detail={
            "code": stored.code,
            "title": stored.title,
            "source": stored.source.code if stored.source_id and stored.source else None,
            "local_cost_usd": stored.local_cost_usd,
            "staff_fte": str(stored.staff_fte),
            "phase": stored.phase,
            "sessions": sorted(sessions.values_list("pk", flat=True)),
            "reason": reason,
        },
    )
    stored.delete()


def candidate_remove(*, actor: User, candidate: CandidateAction) -> None:
    """Withdraw without a reason (kept for callers that name it so)."""
    candidate_withdraw(actor=actor, candidate=candidate)
