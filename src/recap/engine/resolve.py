"""Re-solving the package problem with one action forced in or out: exactly, and fast.

Contract: `Resolver(problem).fixed(ident, chosen)` returns the best package of `problem` with
action `ident` forced in (`chosen=True`) or out, and its value, proven optimal like
`optimize`'s; `Resolver(problem).best(values)` the best package with other values for the
actions (a weighting's). Either returns None when it cannot say cheaply (the problem has no
package, or a solve did not finish), and the caller then runs `optimize` itself, which also
names the conflict. One `Resolver` serves many calls: the model is built once, and each call
changes column bounds or costs on two HiGHS instances it keeps.

How (reduced-cost fixing, as in the knapsack "core" methods): the LP relaxation with the
action fixed gives an upper bound UB and, for each other action j at a bound, a reduced cost
d_j: no package with x_j away from its LP value is worth more than UB − |d_j|. So the MIP is
first solved with every action whose |d_j| exceeds a small δ fixed at its LP value — a few
dozen free columns instead of hundreds. Its package (value z) is feasible for the whole
problem; when UB − |d_j| < z for every column that was fixed, no better package exists and z
is the optimum. Otherwise δ becomes UB − z and the MIP is solved once more, which is then
exact by the same argument. The test suite checks the results against plain re-optimisation.
"""

from __future__ import annotations

import time

import highspy
import numpy as np
import numpy.typing as npt

from .mip import build_model, prepare_highs, read_outcome
from .problem import Problem

Array = npt.NDArray[np.float64]
#: From this many actions on, repeated solves go through the core; below it a plain
#: re-optimisation is as quick (measured with benchmarks.session).
CORE_FROM = 50
TRIES = 4
EPS = 1e-7


class Resolver:
    def __init__(self, problem: Problem, *, time_limit: float = 10.0) -> None:
        self.problem = problem
        self.model = build_model(problem)
        self.n = self.model.n_cols
        self.columns = np.arange(self.n, dtype=np.int32)
        # Values are fractional in general: a package is optimal only within HiGHS's own gap.
        self.lp = prepare_highs(self.model, relax=True)
        self.mip = prepare_highs(self.model, time_limit=time_limit)
        self.cost = self.model.cost.copy()
        # How far the LP bound lay above the optimum last time: a core that wide usually
        # proves the optimum in one MIP solve (too narrow a core takes a second).
        self.gap_hint = 0.0

    def _bounds(self, highs: highspy.Highs, lower: Array, upper: Array) -> None:
        highs.changeColsBounds(self.n, self.columns, lower, upper)

    def fixed(self, ident: str, chosen: bool) -> tuple[list[str], float] | None:
        j = self.problem.index[ident]
        lower, upper = self.model.lower.copy(), self.model.upper.copy()
        value = 1.0 if chosen else 0.0
        if not lower[j] <= value <= upper[j]:
            return None  # against a lock: the caller says why
        lower[j] = upper[j] = value
        self._costs(self.model.cost)
        found = self._solve(lower, upper, keep=j)
        if found is None:
            return None
        return found, self.problem.objective_of(found)

    def best(self, values: Array) -> list[str] | None:
        """The best package when the actions are worth `values` (synergy bonuses unchanged)."""
        self._costs(np.concatenate([values, self.model.cost[len(values) :]]))
        return self._solve(self.model.lower.copy(), self.model.upper.copy(), keep=None)

    def _costs(self, cost: Array) -> None:
        if not np.array_equal(cost, self.cost):
            self.cost = np.array(cost, dtype=float)
            for highs in (self.lp, self.mip):
                highs.changeColsCost(self.n, self.columns, self.cost)

    def _solve(self, lower: Array, upper: Array, *, keep: int | None) -> list[str] | None:
        self._bounds(self.lp, lower, upper)
        self.lp.run()
        if self.lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        ub = float(self.lp.getInfo().objective_function_value)
        solution = self.lp.getSolution()
        x = np.array(solution.col_value)
        d = np.abs(np.array(solution.col_dual))
        at_bound = (x < 1e-9) | (x > 1 - 1e-9)
        others = np.arange(self.n) != (-1 if keep is None else keep)
        delta = max(1e-6, 1e-4 * max(1.0, abs(ub)), 1.5 * self.gap_hint)
        for _ in range(TRIES):
            fix = at_bound & (d > delta) & others
            core_lo, core_hi = lower.copy(), upper.copy()
            core_lo[fix] = core_hi[fix] = np.round(x[fix])
            self._bounds(self.mip, core_lo, core_hi)
            self.mip.run()
            outcome = read_outcome(self.mip, time.perf_counter())
            if outcome.status != "optimal" or outcome.x is None or outcome.objective is None:
                if outcome.status in ("infeasible", "no_solution"):
                    delta *= 10  # too much fixed: free more columns
                    continue
                return None
            z = outcome.objective
            if np.all(ub - d[fix] < z - EPS):
                self.gap_hint = max(0.0, ub - z)
                actions = self.problem.actions
                picks = outcome.x[: len(actions)]
                return [a.id for a, v in zip(actions, picks, strict=True) if v > 0.5]
            delta = ub - z + EPS
        return None
