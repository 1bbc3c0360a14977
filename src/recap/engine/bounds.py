"""Proven intervals for the explanations the time did not allow (issue #23, item 6).

`explain` answers "what would it cost to force this action the other way?" exactly, one
re-optimisation per action; on a large portfolio with every constraint type the budget can run
out first. For each action left without an exact answer, `Bounds(problem).interval(...)` then
gives an interval that provably holds the exact answer:

- **From above**, the optimum with the action forced the other way is at most the LP
  relaxation's optimum with the action fixed (one LP each, on one HiGHS instance kept between
  calls, so each solve starts from the last basis): the loss (or cost) is at least
  `base − UB`.
- **From below**, it is at least the value of any package that meets every rule with the
  action forced: the base package with the action taken out (with whatever requires it), or put
  in (with what it requires, without what it excludes, then the cheapest-to-lose actions
  dropped until every budget, the size cap and the sector minimums hold). When that package
  exists, the loss (or cost) is at most `base − LB`; otherwise the interval is open above.

When the two ends meet (within `EXACT`), the interval is the exact answer. Only the nominal
problem is bounded this way (no Γ, no futures: their objectives are not the LP's here).
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from .mip import build_model, prepare_highs
from .problem import Problem

#: Ends closer than this (relative to the base value) make the interval the exact answer.
EXACT = 1e-7


@dataclass(frozen=True)
class Interval:
    """The loss (forced out) or cost (forced in) lies in [low, high]; `high` None: unbounded
    above (no package found with the action forced). `exact` when the ends meet."""

    low: float
    high: float | None
    #: The package that gives `high` (the action forced the other way), if one was found.
    package: tuple[str, ...] | None = None

    @property
    def exact(self) -> bool:
        return self.high is not None and self.high - self.low <= EXACT * max(1.0, abs(self.high))

    def as_json(self) -> list[float | None]:
        return [self.low, self.high]


class Bounds:
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.model = build_model(problem)
        self.n = self.model.n_cols
        self.columns = np.arange(self.n, dtype=np.int32)
        self.lp = prepare_highs(self.model, relax=True)
        self.requires = {a.id: set(a.requires) for a in problem.actions}
        self.required_by: dict[str, set[str]] = {a.id: set() for a in problem.actions}
        for a in problem.actions:
            for r in a.requires:
                self.required_by[r].add(a.id)
        self.excluded = {a.id: set(a.excludes) for a in problem.actions}
        for a in problem.actions:
            for e in a.excludes:
                self.excluded[e].add(a.id)

    def _lp_bound(self, j: int, value: float) -> float | None:
        lower, upper = self.model.lower.copy(), self.model.upper.copy()
        if not lower[j] <= value <= upper[j]:
            return None
        lower[j] = upper[j] = value
        self.lp.changeColsBounds(self.n, self.columns, lower, upper)
        self.lp.run()
        if self.lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return float(self.lp.getInfo().objective_function_value)

    def interval(self, ident: str, base: list[str], base_value: float) -> Interval | None:
        """The loss of forcing `ident` out of `base` (if in it) or the cost of forcing it in
        (if not); None when nothing can be said (no LP optimum with it forced)."""
        if not self.problem.nominal:
            return None
        inside = ident in base
        ub = self._lp_bound(self.problem.index[ident], 0.0 if inside else 1.0)
        if ub is None:
            return None
        found = self._without(ident, base) if inside else self._with(ident, base)
        low = max(0.0, base_value - ub)
        if found is None:
            return Interval(low, None)
        high = max(low, base_value - self.problem.objective_of(found))
        return Interval(low, high, tuple(found))

    # ------------------------------------------------------------ feasible packages

    def _closure(self, start: set[str], links: dict[str, set[str]]) -> set[str]:
        seen, stack = set(start), list(start)
        while stack:
            for other in links[stack.pop()]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        return seen

    def _feasible(self, chosen: set[str]) -> list[str] | None:
        picked = sorted(chosen)
        return picked if not self.problem.violations(picked) else None

    def _without(self, ident: str, base: list[str]) -> list[str] | None:
        """`base` without `ident` and what (transitively) requires it."""
        gone = self._closure({ident}, self.required_by) & set(base)
        if gone & set(self.problem.must_include):
            return None
        return self._feasible(set(base) - gone)

    def _with(self, ident: str, base: list[str]) -> list[str] | None:
        """`base` with `ident` and what it (transitively) requires, without what they exclude
        (and what requires that), then trimmed until every rule holds."""
        problem = self.problem
        forced = self._closure({ident}, self.requires)
        if forced & set(problem.must_exclude):
            return None
        clash = set().union(*(self.excluded[f] for f in forced)) if forced else set()
        if clash & forced:
            return None
        gone = self._closure(clash & set(base), self.required_by)
        if gone & (forced | set(problem.must_include)):
            return None
        chosen = (set(base) - gone) | forced
        locked = forced | set(problem.must_include)
        for _ in range(len(chosen)):
            broken = problem.violations(sorted(chosen))
            if not broken:
                return sorted(chosen)
            drop = self._cheapest(chosen, locked)
            if drop is None:
                return None
            chosen -= self._closure({drop}, self.required_by) & chosen
        return None

    def _cheapest(self, chosen: set[str], locked: set[str]) -> str | None:
        """The action whose removal loses the least value for what it frees of the budgets
        now over their limits (or simply the least value, when only the size cap is broken),
        among those neither locked nor required by another chosen action, nor the last that
        counts for a sector's minimum."""
        problem = self.problem
        used = problem.usage_of(sorted(chosen))
        over = {r for r, u in used.items() if u > problem.resources[r] * (1 + 1e-9)}
        counts = {
            s: sum(1 for a in problem.actions if a.id in chosen and a.counts_for(s))
            for s in problem.min_per_sector
        }
        best: tuple[float, str] | None = None
        for a in problem.actions:
            if a.id not in chosen or a.id in locked:
                continue
            if self.required_by[a.id] & chosen:
                continue
            if any(a.counts_for(s) and counts[s] <= k for s, k in problem.min_per_sector.items()):
                continue
            freed = sum(a.uses.get(r, 0.0) / max(problem.resources[r], 1e-12) for r in over)
            if over and freed <= 0:
                continue
            score = a.value / freed if over else a.value
            if best is None or (score, a.id) < best:
                best = (score, a.id)
        return None if best is None else best[1]
