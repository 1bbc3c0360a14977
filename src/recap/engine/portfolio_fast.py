"""Exact re-solves for the portfolio's explanations, without a MILP per claim (issue #24).

An explanation asks for the optimum of the portfolio with one claim forced in or out (and, for
what it would take to enter, with its value or ask changed): a MILP each, about 0.1 s at 1,000
claims. `FastResolver.forced` answers the same question exactly, in a few milliseconds, by
bounding it from both sides and searching only where the bounds leave room:

- **Upper bound.** The Lagrangian relaxation that prices the pot (λ), each country's floor (μ)
  and minimum count (ν) with the multipliers of the LP relaxation of the unmodified portfolio,
  and keeps each city's cap as a rule: with those prices a claim is worth
  q_j = max over its award a in [min, ask] of (value/ask − λ + μ) a + ν, and a city's best is its
  locked-in claims plus its (cap − locked-in) best positive q (every claim with q > 0 where
  no cap applies). U = λ pot − μ·floors − ν·minimums + Σ cities' best is at least the optimum
  for ANY such prices, so it stays a bound after a claim is locked or its value or ask changed.
- **Fixing.** Flipping claim j away from its side in that relaxation (in if it counts among
  its city's best, out otherwise) lowers the bound by at least its `loss` (computed exactly
  per city: the city's best with j flipped). Every allocation worth more than U − g respects
  every flip that loses more than g, so those claims are fixed and only the few near the
  margin (the core) stay free.
- **Search.** Branch and bound (LP relaxations by HiGHS, warm-started) over the core, the
  fixed claims' awards staying continuous where a claim accepts less than its ask. If it
  finds an allocation worth at least U − g, that allocation is optimal; otherwise g is widened
  to U minus the best allocation found and the search is repeated (then it must succeed).

Allocations found are checked against every rule before they are used; anything the method
cannot settle (a node or time limit, inconsistent locks) returns None, and the caller falls
back to the plain MILP re-solve. `g` starts from the gaps seen so far.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from .mip import prepare_highs, silenced_stdout
from .portfolio import PortfolioSpec, Solved, build_model

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

#: Branch-and-bound nodes per search before giving up (then the caller re-solves the MILP).
MAX_NODES = 400
#: Searches per question, each with a wider core.
ROUNDS = 8
#: Relative slack for comparing objectives and losses (far below the explanations' TOL).
EPS = 1e-9
_INF = highspy.kHighsInf


class FastResolver:
    """Exact optima of `spec` with one claim forced in or out (see the module docstring)."""

    def __init__(self, spec: PortfolioSpec) -> None:
        claims = spec.claims
        self.spec = spec
        self.n = n = len(claims)
        self.ids = [c.id for c in claims]
        self.ask = np.array([c.ask for c in claims], dtype=float)
        self.least = np.array([c.min for c in claims], dtype=float)
        self.value = np.array([c.value for c in claims], dtype=float)
        countries = list(spec.countries)
        cities = list(spec.cities)
        country_ix = {c: k for k, c in enumerate(countries)}
        city_ix = {t: k for k, t in enumerate(cities)}
        self.cid: Ints = np.array([country_ix[c.country] for c in claims], dtype=np.int64)
        self.tid: Ints = np.array([city_ix[(c.country, c.city)] for c in claims], dtype=np.int64)
        self.n_countries, self.n_cities = len(countries), len(cities)
        self.kmin = np.array([spec.minimum(c) for c in countries], dtype=float)
        self.floor = np.array([spec.floor(c) for c in countries], dtype=float)
        self.eligible_asks = np.array(
            [sum(claims[i].ask for i in spec.eligible[c]) for c in countries], dtype=float
        )
        self.cap = spec.max_per_city
        self.capped = np.array(
            [self.cap is not None and len(spec.cities[t]) > self.cap for t in cities], dtype=bool
        )
        self.lock = np.full(n, -1, dtype=np.int64)
        for ident in spec.must_include:
            self.lock[spec.index[ident]] = 1
        for ident in spec.must_exclude:
            self.lock[spec.index[ident]] = 0
        self.excluded = self.lock == 0
        self.lam = 0.0
        self.gap_guess = 0.0
        self.gaps: list[float] = []
        self.nu = np.zeros(self.n_countries)
        self.mu = np.zeros(self.n_countries)
        self.ok = self._prices(spec, country_ix)
        with silenced_stdout():
            self.small = highspy.Highs()  # type: ignore[no-untyped-call]
        self.small.setOptionValue("output_flag", False)
        self.small.setOptionValue("threads", 1)
        self.small.setOptionValue("presolve", "off")
        #: How the questions were settled: by the search's first round, later rounds, not.
        self.stats = {"first": 0, "wider": 0, "failed": 0, "nodes": 0}

    def _learn(self, gap: float, scale: float) -> None:
        """The next first guess: a little above three in four of the last gaps seen."""
        self.gaps.append(max(gap, 0.0))
        del self.gaps[:-32]
        self.gap_guess = max(1.25 * float(np.percentile(self.gaps, 75)), EPS * scale)

    def _prices(self, spec: PortfolioSpec, country_ix: Mapping[str, int]) -> bool:
        """λ, μ, ν from the LP relaxation's row duals (clipped to their valid signs)."""
        model = build_model(spec)
        h = prepare_highs(model, relax=True)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False
        duals = np.array(h.getSolution().row_dual, dtype=float)
        for r, (*_, group) in enumerate(model.rows):
            if group.kind == "pot":
                self.lam = max(0.0, float(duals[r]))
            elif group.kind == "country_minimum":
                self.nu[country_ix[group.key[0]]] = min(0.0, float(duals[r]))
            elif group.kind == "country_floor":
                self.mu[country_ix[group.key[0]]] = min(0.0, float(duals[r]))
        objective = float(h.getInfo().objective_function_value)
        self.gap_guess = 1e-6 * max(1.0, abs(objective))
        return True

    # ------------------------------------------------------------ the bound

    def _bound(
        self, ask: Floats, least: Floats, value: Floats, floor: Floats, lock: Ints
    ) -> tuple[float, Floats, npt.NDArray[np.bool_], Floats] | None:
        """U, each free claim's loss when flipped, its side (True: in) in the relaxation, and
        each claim's priced worth per unit of award (value/ask − λ + μ)."""
        n = self.n
        d = value / ask - self.lam - self.mu[self.cid]
        q = -self.nu[self.cid] + np.maximum(d * least, d * ask)
        free = lock == -1
        locked_in = lock == 1
        capped_j = self.capped[self.tid]
        slots = np.full(self.n_cities, n + 1, dtype=np.int64)
        if self.cap is not None:
            taken = np.bincount(self.tid[locked_in], minlength=self.n_cities)
            slots = np.where(self.capped, self.cap - taken, n + 1)
            if np.any(slots < 0):
                return None
        idx = np.flatnonzero(free)
        order = idx[np.lexsort((-q[idx], self.tid[idx]))]
        groups = self.tid[order]
        starts = np.searchsorted(groups, np.arange(self.n_cities))
        sizes = np.bincount(groups, minlength=self.n_cities)
        rank = np.zeros(n, dtype=np.int64)
        rank[order] = np.arange(len(order)) - starts[groups]
        ranked = q[order]

        def nth(r: Ints) -> Floats:
            """The r-th (from 0) largest free q in each claim's city, 0 if none or negative."""
            inside = (r >= 0) & (r < sizes[self.tid])
            out = np.zeros(n)
            out[inside] = ranked[starts[self.tid[inside]] + r[inside]]
            return np.maximum(out, 0.0)

        s = slots[self.tid]
        side = free & (q > 0) & (~capped_j | (rank < s))
        loss_capped = np.where(side, q - nth(s), np.where(s >= 1, nth(s - 1) - q, np.inf))
        loss = np.where(capped_j, loss_capped, np.abs(q))
        loss = np.where(free, np.maximum(loss, 0.0), np.inf)
        bound = (
            self.lam * self.spec.pot
            + float(self.nu @ self.kmin)
            + float(self.mu @ floor)
            + float(q[side].sum())
            + float(q[locked_in].sum())
        )
        return bound, loss, side, d

    # ------------------------------------------------------------ checking an allocation

    def _feasible(self, award: Floats, case: _Case) -> bool:
        """The same rules `PortfolioSpec.violations` checks, on arrays, with the locks."""
        spec = self.spec
        slack = 1e-6 * max(1.0, spec.pot)
        chosen = award > 0
        counts = np.bincount(self.cid[chosen], minlength=self.n_countries)
        got = np.bincount(self.cid, weights=award, minlength=self.n_countries)
        per_city = np.bincount(self.tid[chosen], minlength=self.n_cities)
        broken = (
            np.any(chosen & ((award < case.least - slack) | (award > case.ask + slack)))
            or award.sum() > spec.pot + slack
            or np.any(chosen & (case.lock == 0))
            or np.any(~chosen & (case.lock == 1))
            or np.any(counts < self.kmin)
            or np.any(got < case.floor - slack)
            or (self.cap is not None and np.any(per_city > self.cap))
        )
        return not broken

    # ------------------------------------------------------------ the question

    def forced(
        self,
        i: int,
        *,
        inside: bool,
        changes: Mapping[str, float] | None = None,
        deadline: float,
    ) -> Solved | None:
        """The optimum with claim i supported (`inside`) or left out (a `must_include` lock on
        it lifted), its `value`, `ask` or `min` changed as `changes` says: status "optimal" and
        an optimal allocation, or None when not settled (the caller re-solves the MILP)."""
        if not self.ok:
            return None
        t0 = time.perf_counter()
        ask, least, value, floor = self.ask, self.least, self.value, self.floor
        if changes:
            ask, least, value, floor = ask.copy(), least.copy(), value.copy(), floor.copy()
            old = ask[i]
            ask[i] = changes.get("ask", ask[i])
            least[i] = changes.get("min", least[i])
            value[i] = changes.get("value", value[i])
            if not self.excluded[i] and ask[i] != old:
                c = self.cid[i]
                asks = self.eligible_asks[c] - old + ask[i]
                floor[c] = min(self.spec.country_floor_share * self.spec.pot, asks)
        lock = self.lock.copy()
        lock[i] = 1 if inside else 0
        found = self._bound(ask, least, value, floor, lock)
        if found is None:
            return None
        bound, loss, side, unit = found
        case = _Case(ask, least, value, floor, lock, unit)
        scale = max(1.0, abs(bound))
        gap = self.gap_guess
        for round_ in range(ROUNDS):
            room = gap * (1 + EPS) + EPS * scale
            keep = (lock == -1) & (loss <= room)
            state = np.where(lock >= 0, lock, np.where(keep, -1, side.astype(np.int64)))
            target = bound - gap - EPS * scale
            small = self._model(case, state, room)
            result = (
                (-np.inf, None) if small is None else self._branch(small, case, target, deadline)
            )
            if result is None:
                break
            best, award = result
            if award is not None and best >= target:
                self.stats["first" if round_ == 0 else "wider"] += 1
                self._learn(bound - best, scale)
                awards = {self.ids[j]: float(award[j]) for j in np.flatnonzero(award > 0)}
                seconds = time.perf_counter() - t0
                return Solved("optimal", best, bound, awards, seconds)
            if award is not None:
                gap = bound - best  # the next search must find it, or better
                continue
            wider = loss[(loss > room) & np.isfinite(loss)]
            if not len(wider):
                break  # every free claim was searched: none is feasible (the MILP will say)
            gap = max(4 * gap, float(wider.min()), 1e-6 * scale)
        self.stats["failed"] += 1
        return None

    def _model(self, case: _Case, state: Ints, room: float) -> _Small | None:
        """The LP relaxation of the search over the claims with state −1, the others fixed
        (1 in, 0 out), loaded into `self.small`; None when the fixed claims already break a
        rule. A fixed claim that accepts less than its ask keeps a continuous award, within
        `room` / |unit| of its better end (moving further would lose more than `room`)."""
        ask, least, value, floor = case.ask, case.least, case.value, case.floor
        partial = least < ask
        core = np.flatnonzero(state == -1)
        fixed_in = state == 1
        fixed_whole = np.flatnonzero(fixed_in & ~partial)
        fixed_part = np.flatnonzero(fixed_in & partial)
        core_part = core[partial[core]]
        n_core = len(core)
        claim_of, coef, cost, lower, upper = _columns(case, core, core_part, fixed_part, room)
        is_y = np.arange(len(claim_of)) < n_core
        rows = _Rows()
        pays = np.flatnonzero(coef > 0)
        spec = self.spec
        rows.add(pays, coef[pays], -_INF, spec.pot - float(ask[fixed_whole].sum()))
        country = self.cid[claim_of]
        whole_by_country = np.bincount(
            self.cid[fixed_whole], weights=ask[fixed_whole], minlength=self.n_countries
        )
        in_by_country = np.bincount(self.cid[fixed_in], minlength=self.n_countries)
        for c in range(self.n_countries):
            need = floor[c] - whole_by_country[c]
            if floor[c] > 0 and need > 1e-9 * max(1.0, spec.pot):
                cols = pays[country[pays] == c]
                if not len(cols):
                    return None
                rows.add(cols, coef[cols], need, _INF)
            count = self.kmin[c] - in_by_country[c]
            if self.kmin[c] > 0 and count > 0:
                cols = np.flatnonzero(is_y & (country == c))
                if len(cols) < count:
                    return None
                rows.add(cols, np.ones(len(cols)), count, _INF)
        if self.cap is not None:
            in_by_city = np.bincount(self.tid[fixed_in], minlength=self.n_cities)
            if np.any(self.capped & (in_by_city > self.cap)):
                return None
            city = self.tid[core]
            for t in np.unique(city):
                cols = np.flatnonzero(city == t)
                if self.capped[t] and len(cols) > self.cap - in_by_city[t]:
                    rows.add(cols, np.ones(len(cols)), -_INF, float(self.cap - in_by_city[t]))
        for k, j in enumerate(core_part):
            pair = np.array([n_core + k, int(np.searchsorted(core, j))])
            rows.add(pair, np.array([1.0, -ask[j]]), -_INF, 0.0)
            rows.add(pair, np.array([1.0, -least[j]]), 0.0, _INF)
        rows.load(self.small, lower, upper, cost)
        a_col = np.full(self.n, -1, dtype=np.int64)
        a_col[core_part] = n_core + np.arange(len(core_part))
        a_col[fixed_part] = n_core + len(core_part) + np.arange(len(fixed_part))
        fixed_award = np.zeros(self.n)
        fixed_award[fixed_whole] = ask[fixed_whole]
        constant = float(value[fixed_whole].sum())
        return _Small(core, fixed_part, a_col, fixed_award, constant)

    def _branch(
        self, small: _Small, case: _Case, target: float, deadline: float
    ) -> tuple[float, Floats | None] | None:
        """Branch and bound (depth first) on the loaded model: the best allocation worth at
        least `target` (−inf and None when there is none), or None when the node or time
        limit stopped it or an allocation came out numerically off (the MILP decides)."""
        h = self.small
        n_core = len(small.core)
        scale = max(1.0, abs(target))
        best, best_award = -np.inf, None
        ycols = np.arange(n_core, dtype=np.int32)
        stack: list[dict[int, float]] = [{}]
        nodes = 0
        try:
            while stack:
                nodes += 1
                if nodes > MAX_NODES or time.perf_counter() > deadline:
                    return None
                fixes = stack.pop()
                if n_core:
                    lows = np.array([fixes.get(k, 0.0) for k in range(n_core)])
                    highs = np.array([fixes.get(k, 1.0) for k in range(n_core)])
                    h.changeColsBounds(n_core, ycols, lows, highs)
                h.run()
                status = h.getModelStatus()
                if status == highspy.HighsModelStatus.kInfeasible:
                    continue
                if status != highspy.HighsModelStatus.kOptimal:
                    return None
                z = float(h.getInfo().objective_function_value) + small.constant
                if z < target or z <= best + EPS * scale:
                    continue
                x = np.array(h.getSolution().col_value, dtype=float)
                y, award, gone, taken = _read(x, small, case)
                open_ = ~gone & ~taken
                if not open_.any():
                    if self._feasible(award, case):
                        worth = float((case.value * award / case.ask).sum())
                        if worth > best:
                            best, best_award = worth, award
                        continue
                    # A partial claim counted in though its y is fractional broke a count:
                    open_ = taken & (y < 1 - 1e-9) & (y > 1e-9)
                    if not open_.any():
                        return None
                spread = np.where(open_, np.minimum(y, 1 - y), -1.0)
                branch = int(np.argmax(spread))
                first, second = (1.0, 0.0) if y[branch] >= 0.5 else (0.0, 1.0)
                stack.append(fixes | {branch: second})
                stack.append(fixes | {branch: first})
        finally:
            self.stats["nodes"] += nodes
        return best, best_award


@dataclass(frozen=True)
class _Case:
    """One question's data: the claims' asks, mins, values (one of them perhaps changed), the
    countries' floors, the locks (1 in, 0 out, −1 free) and each claim's priced worth per unit."""

    ask: Floats
    least: Floats
    value: Floats
    floor: Floats
    lock: Ints
    unit: Floats


@dataclass(frozen=True)
class _Small:
    """A loaded search: the core claims, the fixed partial claims, each claim's award column
    (−1: none), the fixed claims' awards and their value."""

    core: Ints
    fixed_part: Ints
    a_col: Ints
    fixed_award: Floats
    constant: float


class _Rows:
    """Rows gathered for one `Highs.addRows` call."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.indices: list[Ints] = []
        self.values: list[Floats] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.size = 0

    def add(self, cols: Ints, coefs: Floats, lo: float, hi: float) -> None:
        self.starts.append(self.size)
        self.size += len(cols)
        self.indices.append(np.asarray(cols, dtype=np.int64))
        self.values.append(np.asarray(coefs, dtype=float))
        self.lo.append(lo)
        self.hi.append(hi)

    def load(self, h: highspy.Highs, lower: Floats, upper: Floats, cost: Floats) -> None:
        """A maximisation with these columns and rows, in place of h's model."""
        ncols = len(cost)
        h.clearModel()
        h.addVars(ncols, lower, upper)
        h.changeColsCost(ncols, np.arange(ncols, dtype=np.int32), cost)
        if self.starts:
            h.addRows(
                len(self.starts),
                np.array(self.lo, dtype=float),
                np.array(self.hi, dtype=float),
                self.size,
                np.array(self.starts, dtype=np.int32),
                np.concatenate(self.indices).astype(np.int32),
                np.concatenate(self.values),
            )
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)


def _columns(
    case: _Case, core: Ints, core_part: Ints, fixed_part: Ints, room: float
) -> tuple[Ints, Floats, Floats, Floats, Floats]:
    """The search's columns: y per core claim, then an award a per core claim that accepts
    less than its ask, then one per such fixed claim (its range narrowed by `room`); each
    column's claim, coefficient in the award rows, cost, lower and upper bound."""
    ask, least, value = case.ask, case.least, case.value
    partial = least < ask
    claim_of = np.concatenate([core, core_part, fixed_part])
    ncols = len(claim_of)
    is_y = np.arange(ncols) < len(core)
    coef = np.where(is_y, np.where(partial[claim_of], 0.0, ask[claim_of]), 1.0)
    cost = np.where(is_y, np.where(partial[claim_of], 0.0, value[claim_of]), 0.0)
    cost = np.where(is_y, cost, value[claim_of] / ask[claim_of])
    lower = np.zeros(ncols)
    upper = np.where(is_y, 1.0, ask[claim_of])
    per = case.unit[fixed_part]
    with np.errstate(divide="ignore"):
        reach = np.where(per != 0, room / np.abs(per), np.inf)
    fixed_cols = slice(len(core) + len(core_part), ncols)
    lower[fixed_cols] = np.where(
        per > 0, np.maximum(least[fixed_part], ask[fixed_part] - reach), least[fixed_part]
    )
    upper[fixed_cols] = np.where(
        per < 0, np.minimum(ask[fixed_part], least[fixed_part] + reach), ask[fixed_part]
    )
    return claim_of, coef, cost, lower, upper


def _read(
    x: Floats, small: _Small, case: _Case
) -> tuple[Floats, Floats, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """From a node's LP solution: the core's y, the allocation it rounds to, and which core
    claims are out (`gone`) and in (`taken`; a partial claim is in once its award reaches its
    min, whatever its y); the others are fractional."""
    core, a_col = small.core, small.a_col
    core_ask, core_least = case.ask[core], case.least[core]
    core_partial = core_least < core_ask
    y = x[: len(core)]
    a = np.where(core_partial, x[np.maximum(a_col[core], 0)], y * core_ask)
    gone = (y <= 1e-9) | (a <= 1e-9 * core_ask)
    taken = ~gone & ((y >= 1 - 1e-9) | (core_partial & (a >= core_least * (1 - 1e-9))))
    award = small.fixed_award.copy()
    award[core[taken]] = np.where(core_partial[taken], a[taken], core_ask[taken])
    award[small.fixed_part] = x[a_col[small.fixed_part]]
    return y, _snap(award, case.least, case.ask), gone, taken


def _snap(award: Floats, least: Floats, ask: Floats) -> Floats:
    """Awards clipped into [min, ask] and snapped to their ends, as `portfolio._awards` does."""
    chosen = award > 0
    a = np.where(chosen, np.clip(award, least, ask), 0.0)
    a = np.where(chosen & (ask - a <= 1e-9 * ask), ask, a)
    return np.where(chosen & (a - least <= 1e-9 * ask), least, a)
