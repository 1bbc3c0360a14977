"""What a concept reads from its source actions, by reference: their titles, sectors, hazards,
costs and phases as they are now, each cost's history since, and the value and robustness they
had in the package's run. A field the city fills on the concept itself (its sector, its
hazards) takes precedence; left empty, the actions' answer stands."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from recap.accounts.models import AuditEvent
from recap.catalogue.models import CandidateAction, Phase
from recap.engine.value import CO_BENEFITS

from .models import ConceptAction, ProjectConcept


@dataclass(frozen=True)
class CostChange:
    at: datetime.datetime
    before: int
    after: int
    by: str


@dataclass(frozen=True)
class SourceLine:
    code: str
    title: str
    sectors: list[str]
    hazards: list[str]
    phase: str
    cost_now: int
    cost_in_run: int
    value_in_run: float | None
    robustness: float | None  # share of the weight samples whose package kept it
    history: list[CostChange] = field(default_factory=list)
    #: Its co-benefits rated 0–3 (economy, equity, mitigation, adaptation, health), by label.
    co_benefits: list[tuple[str, int]] = field(default_factory=list)

    @property
    def cost_changed(self) -> bool:
        return self.cost_now != self.cost_in_run

    @property
    def robustness_percent(self) -> int | None:
        return None if self.robustness is None else round(100 * self.robustness)

    @property
    def phase_label(self) -> str:
        return str(dict(Phase.choices).get(self.phase, self.phase))


def _hazard_codes(candidate: CandidateAction) -> list[str]:
    hazards: Any = candidate.hazards
    if isinstance(hazards, dict):
        return [code for code, level in hazards.items() if level]
    return [str(h) for h in hazards or []]


def _rating_label(name: str) -> str:
    field_ = CandidateAction._meta.get_field(name)
    return str(getattr(field_, "verbose_name", name))


def cost_history(candidate_ids: list[int]) -> dict[int, list[CostChange]]:
    """Each candidate's recorded cost changes, oldest first (from the audit of its edits)."""
    events = AuditEvent.objects.filter(
        verb="candidate.update",
        target_type=CandidateAction._meta.label_lower,
        target_id__in=[str(i) for i in candidate_ids],
    ).select_related("actor")
    out: dict[int, list[CostChange]] = {}
    for e in events.order_by("created_at", "pk"):
        change = (e.detail or {}).get("changes", {}).get("local_cost_usd")
        if not change:
            continue
        try:
            before, after = int(change[0]), int(change[1])
        except (TypeError, ValueError, IndexError):
            continue
        who = e.actor.get_full_name() or e.actor.username if e.actor else ""
        out.setdefault(int(e.target_id), []).append(CostChange(e.created_at, before, after, who))
    return out


def source_lines(
    concept: ProjectConcept, *, robustness: dict[str, float] | None = None
) -> list[SourceLine]:
    sources: list[ConceptAction] = list(concept.sources.all())
    history = cost_history([s.candidate_id for s in sources])
    return [
        SourceLine(
            code=s.candidate.code,
            title=s.candidate.title,
            sectors=list(s.candidate.sectors),
            hazards=_hazard_codes(s.candidate),
            phase=s.candidate.phase,
            cost_now=int(s.candidate.local_cost_usd),
            cost_in_run=s.cost_in_run,
            value_in_run=s.value_in_run,
            robustness=(robustness or {}).get(s.code),
            history=history.get(s.candidate_id, []),
            co_benefits=[
                (_rating_label(name), int(getattr(s.candidate, name)))
                for name in CO_BENEFITS
                if getattr(s.candidate, name)
            ],
        )
        for s in sources
    ]


def concept_sectors(concept: ProjectConcept) -> list[str]:
    """The main sector first, then the sub-sectors: the concept's own, else its actions'."""
    if concept.sector:
        return sectors_of(concept.sector, concept.sub_sectors, [])
    return sectors_of("", [], [s.candidate.sectors for s in concept.sources.all()])


def sectors_of(sector: str, sub_sectors: list[str], action_sectors: list[list[str]]) -> list[str]:
    """`concept_sectors` from plain values: the main sector and sub-sectors, else the first
    three of the actions' sectors (each action's list in turn)."""
    if sector:
        return [sector, *[s for s in sub_sectors if s != sector]]
    seen: list[str] = []
    for sectors in action_sectors:
        for code in sectors:
            if code not in seen:
                seen.append(code)
    return seen[:3]


def concept_hazards(concept: ProjectConcept) -> list[str]:
    """The concept's own hazards, else those its actions address that are in the city's
    register (an early-warning action helps against many hazards; the concept is about the
    city's)."""
    if concept.hazards:
        return list(concept.hazards)
    seen: list[str] = []
    for source in concept.sources.all():
        for code in _hazard_codes(source.candidate):
            if code not in seen:
                seen.append(code)
    if not seen:
        return seen
    registered = {entry.hazard.code for entry in concept.city.hazards.all()}
    return [code for code in seen if code in registered] if registered else seen
