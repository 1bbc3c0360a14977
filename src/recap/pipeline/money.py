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


def concept_money(concept: ProjectConcept) -> Money:
    """Reads the related rows through the concept's (possibly prefetched) managers."""
    sources = list(concept.funding_sources.all())
    if concept.total_cost is not None:
        total, from_actions = int(concept.total_cost), False
    else:
        total = sum(int(s.candidate.local_cost_usd) for s in concept.sources.all())
        from_actions = True
    return Money(
        total=total,
        from_actions=from_actions,
        secured=sum(s.amount for s in sources if s.status in SECURED),
        sought=sum(s.amount for s in sources if s.status not in SECURED),
        preparation=sum(c.amount for c in concept.preparation_costs.all()),
        om_per_year=concept.om_cost_per_year,
    )
