"""A concept's money: its total cost (typed, or the sum of its source actions' current costs),
what is secured, what is still to find, and what its preparation costs."""

from __future__ import annotations

from dataclasses import dataclass

from .models import FundingSource, ProjectConcept

#: Sources that count as secured for the gap (signed, or committed in writing).
SECURED = (FundingSource.Status.SECURED, FundingSource.Status.COMMITTED)


@dataclass(frozen=True)
class Money:
    total: int  # 0 when unknown
    from_actions: bool  # the total is the sum of the source actions' costs
    secured: int
    sought: int
    preparation: int
    om_per_year: int | None

    @property
    def gap(self) -> int:
        """What is still to find: the total less what is secured (never below zero)."""
        return max(0, self.total - self.secured)

    @property
    def secured_share(self) -> int:
        return round(100 * self.secured / self.total) if self.total else 0


def money_of(
    *,
    total_cost: int | None,
    action_costs: list[int],
    funding: list[tuple[str, int]],
    preparation: list[int],
    om_per_year: int | None,
) -> Money:
    """The arithmetic, from plain rows: the typed total (else the actions' costs), the funding
    sources as (status, amount), the preparation costs' amounts."""
    if total_cost is not None:
        total, from_actions = int(total_cost), False
    else:
        total, from_actions = sum(int(c) for c in action_costs), True
    return Money(
        total=total,
        from_actions=from_actions,
        secured=sum(a for status, a in funding if status in SECURED),
        sought=sum(a for status, a in funding if status not in SECURED),
        preparation=sum(preparation),
        om_per_year=om_per_year,
    )


def concept_money(concept: ProjectConcept) -> Money:
    """Reads the related rows through the concept's (possibly prefetched) managers."""
    return money_of(
        total_cost=concept.total_cost,
        action_costs=(
            [s.candidate.local_cost_usd for s in concept.sources.all()]
            if concept.total_cost is None
            else []
        ),
        funding=[(s.status, s.amount) for s in concept.funding_sources.all()],
        preparation=[c.amount for c in concept.preparation_costs.all()],
        om_per_year=concept.om_cost_per_year,
    )
