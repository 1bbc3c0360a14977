"""The package problem as a mixed-integer program, and one call to HiGHS.

Contract: `build_model(problem)` returns a `Model` whose columns are one binary per action then
one binary per synergy, then the continuous columns uncertainty needs (see below), and whose
rows carry the *group* (a constraint a planner can name) they come from.

Robust resources (Γ > 0), after Bertsimas and Sim (2004), "The price of robustness": the
worst case of Σ u_j x_j when any Γ chosen actions may rise by d_j = high_j − u_j is, by LP
duality, min over z ≥ 0, p ≥ 0 with p_j ≥ d_j x_j − z of Σ u_j x_j + Γ z + Σ p_j. So the row
Σ u_j x_j + Γ z + Σ p_j ≤ b with the rows d_j x_j − z − p_j ≤ 0 holds exactly when every choice
of Γ overruns fits: one column z per resource and one p_j per action that may overrun, the
same class of model (a MILP), solved by the same HiGHS. When Γ is at least the number of
actions that may overrun, the row is simply Σ (u_j + d_j) x_j ≤ b.

Futures: one free column t and a row per future f. Max-min value: maximise t with
t ≤ Σ v_fj x_j + Σ b_fk y_k. Least maximum regret: maximise −r with
r ≥ best_f − (Σ v_fj x_j + Σ b_fk y_k), where best_f (given) is the best package's value in f.

`run_highs(model, ...)` solves it with HiGHS and returns a `MipOutcome`; it never prints (HiGHS
writes from C straight to file descriptor 1, so that descriptor is pointed at
/dev/null while HiGHS runs).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse

from .problem import Problem

_FD_LOCK = threading.Lock()


@contextlib.contextmanager
def silenced_stdout() -> Iterator[None]:
    """Point file descriptor 1 at /dev/null while C code that may print runs."""
    with _FD_LOCK:
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)


@dataclass(frozen=True)
class Group:
    """A constraint a planner can name: a resource limit, a dependency, a lock..."""

    kind: str  # resource | requires | excludes | sector | max_actions | must_include | must_exclude
    key: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.kind}:{'|'.join(self.key)}"


@dataclass
class Model:
    n_actions: int
    n_synergies: int
    cost: npt.NDArray[np.float64]
    lower: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    rows: list[tuple[dict[int, float], float, float, Group]] = field(default_factory=list)
    bound_groups: list[tuple[int, str, Group]] = field(default_factory=list)
    all_integral: bool = True
    #: The objective's values are all multiples of this (10^-k, or 0 if none is found): an
    #: incumbent within less than it of the bound is optimal (see `_granularity`).
    granularity: float = 0.0
    #: Continuous columns after the binaries (robust duals, the futures' t).
    n_extra: int = 0
    #: HiGHS options this model solves faster with (see ROBUST_OPTIONS).
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def n_binary(self) -> int:
        return self.n_actions + self.n_synergies

    @property
    def n_cols(self) -> int:
        return self.n_binary + self.n_extra

    def matrix(
        self,
    ) -> tuple[sparse.csr_array[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The rows as one sparse matrix A (rows × columns) and their lower and upper bounds
        (±inf where open): what HiGHS is handed, and what Ax and Aᵀy are computed with."""
        indptr: list[int] = [0]
        indices: list[int] = []
        data: list[float] = []
        lo: list[float] = []
        hi: list[float] = []
        for coefs, row_lo, row_hi, _group in self.rows:
            indices.extend(coefs.keys())
            data.extend(coefs.values())
            indptr.append(len(indices))
            lo.append(row_lo)
            hi.append(row_hi)
        a = sparse.csr_array(
            (
                np.array(data, dtype=np.float64),
                np.array(indices, dtype=np.int32),
                np.array(indptr, dtype=np.int32),
            ),
            shape=(len(self.rows), self.n_cols),
        )
        return a, np.array(lo, dtype=np.float64), np.array(hi, dtype=np.float64)


#: A model with Bertsimas-Sim rows solves faster without presolve and with a one-solution pool:
#: 1.6-2x on generated city portfolios (the sum over Γ = 2, 5, 10, 20 at 200 candidates: 2.6 s
#: against 1.2-1.6 s; Γ = 2 and 10 at 1,000: 4.0-8.2 s against 2.0-5.1 s; measured with
#: benchmarks.uncertainty's portfolios). The answer is the same: these change the search only.
ROBUST_OPTIONS: dict[str, Any] = {"presolve": "off", "mip_pool_soft_limit": 1}

#: Every one of HiGHS's primal heuristics off: for solves handed a good start (a known
#: package, a guess), where the heuristics mostly spend time. They change the search only,
#: never the optimum. Shared by `optimize.KNOWN_START_OPTIONS` and `fixing.SMALL_OPTIONS`.
HEURISTICS_OFF: dict[str, Any] = {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_zi_round": False,
    "mip_heuristic_run_shifting": False,
}


class _Extras:
    """Continuous columns added while the rows are built; appended to the model at the end."""

    def __init__(self, first: int) -> None:
        self.first = first
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, cost: float = 0.0, lower: float = 0.0, upper: float = np.inf) -> int:
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        return self.first + len(self.cost) - 1

    def attach(self, model: Model) -> None:
        model.n_extra = len(self.cost)
        model.cost = np.concatenate([model.cost, np.array(self.cost, dtype=float)])
        model.lower = np.concatenate([model.lower, np.array(self.lower, dtype=float)])
        model.upper = np.concatenate([model.upper, np.array(self.upper, dtype=float)])


def _integral(numbers: Sequence[float] | npt.NDArray[np.float64]) -> bool:
    return bool(np.all(np.mod(np.asarray(numbers, dtype=float), 1.0) == 0.0))


def _granularity(numbers: Sequence[float] | npt.NDArray[np.float64]) -> float:
    """The largest 10^-k (k = 0 … 5) of which every number is a multiple (up to a float's
    rounding of a decimal, no more), else 0: every package's objective is then a multiple of
    it too. At most five decimals: HiGHS's own absolute gap (1e-6) stays well inside half a
    step, the most an optimum may be said proven by (see `optimize`)."""
    x = np.asarray(numbers, dtype=float)
    for k in range(6):
        scaled = x * 10.0**k
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 + 1e-12 * np.abs(scaled)):
            return 10.0**-k
    return 0.0


Add = Callable[[dict[int, float], float, float, Group], None]


class Interrupt:
    """Stops, from any thread, the HiGHS runs handed to it: those running when it is called
    and any that would start after (`run_highs(interrupt=...)` then ends as a time limit would:
    with the best package so far, if any)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[highspy.Highs] = set()
        self.called = False

    def __call__(self) -> None:
        with self._lock:
            self.called = True
            for h in self._running:
                h.cancelSolve()  # type: ignore[no-untyped-call]

    def run(self, h: highspy.Highs) -> bool:
        """Run `h` unless already called (then False: it did not run)."""
        with self._lock:
            if self.called:
                return False
            h.HandleUserInterrupt = True
            self._running.add(h)
        try:
            h.run()
        finally:
            with self._lock:
                self._running.discard(h)
        return True


def _resource_rows(problem: Problem, name: str, limit: float, extras: _Extras, add: Add) -> None:
    """The limit on one resource: at its most likely use, or at its worst case under Γ."""
    group = Group("resource", (name,))
    coefs = {j: a.uses[name] for j, a in enumerate(problem.actions) if a.uses.get(name)}
    gamma = problem.gamma.get(name, 0)
    if not gamma:  # costs as given: the overruns play no part
        add(coefs, -np.inf, limit, group)
        return
    overruns = {j: a.overrun(name) for j, a in enumerate(problem.actions) if a.overrun(name)}
    if gamma >= len(overruns):  # every chosen action may overrun at once
        for j, d in overruns.items():
            coefs[j] = coefs.get(j, 0.0) + d
    else:
        z = extras.add()
        coefs[z] = float(gamma)
        for j, d in overruns.items():
            p = extras.add()
            coefs[p] = 1.0
            add({j: d, z: -1.0, p: -1.0}, -np.inf, 0.0, group)
    add(coefs, -np.inf, limit, group)


def _future_rows(
    problem: Problem, extras: _Extras, best: dict[str, float]
) -> list[tuple[dict[int, float], float, float, Group]]:
    """max-min: t − value_f ≤ 0 for each f; least maximum regret: −r − value_f ≤ −best_f."""
    n = len(problem.actions)
    regret = problem.future_objective == "min_max_regret"
    t = extras.add(cost=-1.0 if regret else 1.0, lower=-np.inf)
    rows = []
    for f in problem.futures:
        coefs = {j: -a.future_values[f] for j, a in enumerate(problem.actions)}
        coefs |= {n + k: -syn.bonus_in(f) for k, syn in enumerate(problem.synergies)}
        coefs = {j: c for j, c in coefs.items() if c}
        coefs[t] = -1.0 if regret else 1.0
        bound = -best.get(f, 0.0) if regret else 0.0
        rows.append((coefs, -np.inf, bound, Group("future", (f,))))
    return rows


def build_model(
    problem: Problem,
    *,
    keep: set[Group] | None = None,
    best: dict[str, float] | None = None,
) -> Model:
    """The MIP of `problem`. With `keep`, only the named constraint groups are present
    (used to find which constraints conflict). `best` is each future's best value, which the
    least-maximum-regret objective needs (without it, 0: feasibility is unchanged)."""
    n, s = len(problem.actions), len(problem.synergies)
    index = problem.index
    values = problem.values()
    bonuses = np.array([syn.bonus for syn in problem.synergies], dtype=float)
    cost = np.concatenate([values, bonuses])
    objective_terms: Sequence[float] | npt.NDArray[np.float64] = cost
    if problem.futures:
        cost = np.zeros(n + s)  # the objective is the futures' column
        objective_terms = (
            [a.future_values[f] for a in problem.actions for f in problem.futures]
            + [syn.bonus_in(f) for syn in problem.synergies for f in problem.futures]
            + list((best or {}).values())
        )
    model = Model(
        n_actions=n,
        n_synergies=s,
        cost=cost,
        lower=np.zeros(n + s),
        upper=np.ones(n + s),
        all_integral=_integral(objective_terms),
        granularity=_granularity(objective_terms),
    )

    def add(coefs: dict[int, float], lo: float, hi: float, group: Group) -> None:
        if keep is None or group in keep:
            model.rows.append((coefs, lo, hi, group))

    extras = _Extras(n + s)
    for name, limit in problem.resources.items():
        _resource_rows(problem, name, limit, extras, add)
    if extras.cost:  # a robust resource's dual columns
        model.options = dict(ROBUST_OPTIONS)
    seen_pairs: set[tuple[str, str]] = set()
    for j, a in enumerate(problem.actions):
        for req in a.requires:
            add({j: 1.0, index[req]: -1.0}, -np.inf, 0.0, Group("requires", (a.id, req)))
        for ex in a.excludes:
            pair = (min(a.id, ex), max(a.id, ex))
            if pair in seen_pairs:
                continue
            seen_pairs.add(pair)
            add({j: 1.0, index[ex]: 1.0}, -np.inf, 1.0, Group("excludes", pair))
    for k, syn in enumerate(problem.synergies):
        for member in syn.actions:
            # The bonus column may be 1 only when every member is chosen; always kept.
            model.rows.append(
                ({n + k: 1.0, index[member]: -1.0}, -np.inf, 0.0, Group("synergy", (str(k),)))
            )
    for sector, minimum in problem.min_per_sector.items():
        members = {j: 1.0 for j, a in enumerate(problem.actions) if a.counts_for(sector)}
        add(members, float(minimum), np.inf, Group("sector", (sector,)))
    if problem.max_actions is not None:
        add(
            dict.fromkeys(range(n), 1.0),
            -np.inf,
            float(problem.max_actions),
            Group("max_actions", ()),
        )
    if problem.futures:
        model.rows.extend(_future_rows(problem, extras, best or {}))
    extras.attach(model)
    for ident in problem.must_include:
        group = Group("must_include", (ident,))
        if keep is None or group in keep:
            model.lower[index[ident]] = 1.0
            model.bound_groups.append((index[ident], "lower", group))
    for ident in problem.must_exclude:
        group = Group("must_exclude", (ident,))
        if keep is None or group in keep:
            model.upper[index[ident]] = 0.0
            model.bound_groups.append((index[ident], "upper", group))
    return model


def start_vector(
    problem: Problem, selected: Sequence[str], best: dict[str, float] | None = None
) -> list[float]:
    """Every column of `build_model(problem, best=best)` for the package `selected`: its
    binaries, then each robust resource's z (the Γ-th largest overrun chosen, 0 if fewer) and
    p_j = max(d_j x_j − z, 0), then the futures' t (the worst value, or the largest regret).
    HiGHS takes it as a first incumbent when the package meets every constraint."""
    chosen = set(selected)
    x = [1.0 if a.id in chosen else 0.0 for a in problem.actions]
    x += [1.0 if chosen.issuperset(s.actions) else 0.0 for s in problem.synergies]
    for name in problem.resources:  # the same order and test as _resource_rows
        gamma = problem.gamma.get(name, 0)
        if not gamma:
            continue
        overruns = [(j, a.overrun(name)) for j, a in enumerate(problem.actions) if a.overrun(name)]
        if gamma < len(overruns):
            top = sorted((d for j, d in overruns if x[j]), reverse=True)
            z = top[gamma - 1] if len(top) >= gamma else 0.0
            x.append(z)
            x += [max(d * x[j] - z, 0.0) for j, d in overruns]
    if problem.futures:
        values = problem.future_values_of(list(chosen))
        if problem.future_objective == "min_max_regret":
            x.append(max((best or {}).get(f, 0.0) - values[f] for f in problem.futures))
        else:
            x.append(min(values.values()))
    return x


def all_groups(problem: Problem) -> list[Group]:
    """Every nameable constraint group of `problem`, in a stable order."""
    model = build_model(problem)
    groups = [g for *_, g in model.rows if g.kind not in ("synergy", "future")]
    groups += [g for _, _, g in model.bound_groups]
    return list(dict.fromkeys(groups))


def deletion_filter(
    groups: Sequence[Group],
    forcing: set[str],
    infeasible_without: Callable[[set[Group], float], bool],
    *,
    budget_seconds: float = 10.0,
) -> list[Group]:
    """A set of `groups` that cannot all hold; irreducible unless the budget runs out. Drop
    each group in turn and keep it dropped if the rest is still infeasible
    (`infeasible_without(kept, seconds_left)`); groups whose kind is in `forcing` (those that
    demand something) are tried last, so the answer names both what is demanded and what
    stands in the way. Shared by the package's and the portfolio's infeasibility reasons."""
    deadline = time.perf_counter() + budget_seconds
    order = [g for g in groups if g.kind not in forcing] + [g for g in groups if g.kind in forcing]
    keep = set(groups)
    for g in order:
        if time.perf_counter() > deadline:
            break
        trial = keep - {g}
        if infeasible_without(trial, max(0.1, deadline - time.perf_counter())):
            keep = trial
    return [g for g in groups if g in keep]


@dataclass(frozen=True)
class MipOutcome:
    status: str  # optimal | feasible | infeasible | no_solution | error
    x: npt.NDArray[np.float64] | None
    objective: float | None
    bound: float | None
    seconds: float
    nodes: int
    message: str = ""


def run_highs(
    model: Model,
    *,
    time_limit: float | None = None,
    rel_gap: float = 0.0,
    start: Sequence[float] | None = None,
    feasibility_only: bool = False,
    relax: bool = False,
    threads: int = 1,
    seed: int = 0,
    abs_gap: float | None = None,
    interrupt: Interrupt | None = None,
) -> MipOutcome:
    """Maximise the model with HiGHS. `relax` solves the LP relaxation instead. `abs_gap`
    None keeps HiGHS's own absolute gap tolerance. `interrupt` may stop the run from another
    thread."""
    t0 = time.perf_counter()
    if model.n_cols == 0:
        # Nothing to choose: the empty package is the only one (HiGHS calls this model empty).
        ok = all(lo <= 0 <= hi for _c, lo, hi, _g in model.rows)
        if not ok:
            return MipOutcome("infeasible", None, None, None, time.perf_counter() - t0, 0)
        return MipOutcome("optimal", np.zeros(0), 0.0, 0.0, time.perf_counter() - t0, 0)
    h = prepare_highs(
        model,
        time_limit=time_limit,
        rel_gap=rel_gap,
        start=start,
        feasibility_only=feasibility_only,
        relax=relax,
        threads=threads,
        seed=seed,
        abs_gap=abs_gap,
    )
    if interrupt is None:
        h.run()
    elif not interrupt.run(h):  # stopped before it began: as a time limit before any package
        return MipOutcome("no_solution", None, None, None, time.perf_counter() - t0, 0)
    return read_outcome(h, t0, relax=relax)


def prepare_highs(
    model: Model,
    *,
    time_limit: float | None = None,
    rel_gap: float = 0.0,
    start: Sequence[float] | None = None,
    feasibility_only: bool = False,
    relax: bool = False,
    threads: int = 1,
    seed: int = 0,
    abs_gap: float | None = None,
) -> highspy.Highs:
    """A HiGHS instance loaded with the model and options, ready to run."""
    inf = highspy.kHighsInf
    with silenced_stdout():  # HiGHS prints a banner from C when an instance is made
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", seed)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    if abs_gap is not None:
        h.setOptionValue("mip_abs_gap", float(abs_gap))
    for key, value in model.options.items():
        # An option this HiGHS lacks would be dropped in silence, and the search with it.
        if h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
            raise ValueError(f"HiGHS refused the option {key}={value!r}")
    ncols = model.n_cols
    cost = np.zeros(ncols) if feasibility_only else model.cost
    h.addVars(ncols, model.lower, model.upper)
    h.changeColsCost(ncols, np.arange(ncols, dtype=np.int32), cost.astype(float))
    if not relax and model.n_binary:
        nbin = model.n_binary
        h.changeColsIntegrality(
            nbin, np.arange(nbin, dtype=np.int32), np.full(nbin, highspy.HighsVarType.kInteger)
        )
    if model.rows:
        a, lo, hi = model.matrix()
        h.addRows(
            a.shape[0],
            np.where(np.isneginf(lo), -inf, lo),
            np.where(np.isposinf(hi), inf, hi),
            a.nnz,
            a.indptr[:-1].astype(np.int32),
            a.indices.astype(np.int32),
            a.data,
        )
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    if start is not None and not relax:
        sol = highspy.HighsSolution()
        sol.col_value = list(map(float, start))
        sol.value_valid = True
        h.setSolution(sol)
    return h


def read_outcome(h: highspy.Highs, t0: float, *, relax: bool = False) -> MipOutcome:
    status = h.getModelStatus()
    info = h.getInfo()
    solution = h.getSolution()
    seconds = time.perf_counter() - t0
    ms = highspy.HighsModelStatus
    nodes = max(0, int(getattr(info, "mip_node_count", 0) or 0))
    if status == ms.kInfeasible:
        return MipOutcome("infeasible", None, None, None, seconds, nodes)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.array(solution.col_value) if has_solution else None
    objective = float(info.objective_function_value) if has_solution else None
    if relax:
        bound = objective
    else:
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    if status == ms.kOptimal:
        return MipOutcome("optimal", x, objective, bound, seconds, nodes)
    if status in (ms.kTimeLimit, ms.kIterationLimit, ms.kSolutionLimit, ms.kInterrupt):
        return MipOutcome(
            "feasible" if has_solution else "no_solution", x, objective, bound, seconds, nodes
        )
    return MipOutcome(
        "error", x, objective, bound, seconds, nodes, message=h.modelStatusToString(status)
    )


def run_portfolio(
    model: Model,
    *,
    time_limit: float | None = None,
    rel_gap: float = 0.0,
    start: Sequence[float] | None = None,
    seeds: Sequence[int] = (0, 1),
    abs_gap: float | None = None,
) -> MipOutcome:
    """Run HiGHS with different random seeds side by side, one per core.

    HiGHS's search varies a lot with its seed. The first run to finish stops the others; the
    result keeps the best package any run found and the lowest (tightest) proven bound."""
    t0 = time.perf_counter()
    solvers = [
        prepare_highs(
            model, time_limit=time_limit, rel_gap=rel_gap, start=start, seed=seed, abs_gap=abs_gap
        )
        for seed in seeds
    ]
    for h in solvers:
        h.HandleUserInterrupt = True
    done = threading.Event()
    outcomes: list[MipOutcome | None] = [None] * len(solvers)

    def work(k: int) -> None:
        solvers[k].run()
        outcome = read_outcome(solvers[k], t0)
        outcomes[k] = outcome
        if outcome.status in ("optimal", "infeasible") and not done.is_set():
            done.set()
            for other, h in enumerate(solvers):
                if other != k:
                    h.cancelSolve()  # type: ignore[no-untyped-call]

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(len(solvers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    finished = [o for o in outcomes if o is not None]
    for o in finished:
        if o.status in ("optimal", "infeasible"):
            winner = o
            break
    else:
        with_solution = [o for o in finished if o.objective is not None]
        winner = (
            max(with_solution, key=lambda o: o.objective or 0.0) if with_solution else finished[0]
        )
    bounds = [o.bound for o in finished if o.bound is not None]
    bound = min(bounds) if bounds and winner.status != "optimal" else winner.bound
    return MipOutcome(
        winner.status,
        winner.x,
        winner.objective,
        bound,
        time.perf_counter() - t0,
        sum(o.nodes for o in finished),
        winner.message,
    )
