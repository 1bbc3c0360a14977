"""Choose the package of actions with the highest value that meets every constraint.

Contract (binding, DESIGN.md "The engine contract"): `optimize(problem, time_limit=, gap=)`
returns an `OptimizeResult` whose `selected` always satisfies every constraint of `problem`,
whose `objective` is recomputed from `selected` (values plus the bonus of every synergy whose
actions are all in), whose `bound` is a proven upper bound on any package's value, and whose
`status` is `optimal` only when objective and bound meet (within 1 for integral values, since
no package can then lie between them; likewise within 10^-k for values of at most k
decimals). `infeasible` results carry a `reason` naming a small set of constraints that cannot
hold together, found by a deletion filter over the constraints.

With Γ (`problem.gamma`), "every constraint" means at the worst case (see `mip`); the result
adds `robust` (Γ and each resource's worst-case use). With futures, `objective` is the
package's worst value over the futures (`max_min`) or its largest regret (`min_max_regret`,
where `bound` is then a proven *lower* bound on the least maximum regret), and the result adds
`futures` (the package's value, the best value and the regret in each future). The best value
in each future is itself found exactly first, one solve per future; a future whose best is
not proven leaves the answer `feasible`.

How: a greedy package (see `greedy`) is handed to HiGHS as its first incumbent, and is what
we return if time runs out before HiGHS finds any package; HiGHS then proves or improves it,
on larger problems as a two-seed portfolio on two cores (see `mip.run_portfolio`). The
benchmark (`benchmarks/engine.py`) decides what stays in this path.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from .fixing import run_fixing
from .greedy import greedy_package
from .mip import (
    HEURISTICS_OFF,
    Group,
    Interrupt,
    MipOutcome,
    Model,
    all_groups,
    build_model,
    deletion_filter,
    run_highs,
    run_portfolio,
    start_vector,
)
from .problem import Problem

DEFAULT_TIME_LIMIT = 60.0

#: The futures' model (a free column t and one row per future) solves faster without presolve
#: and with a one-solution pool, started from the best package already known (the nominal
#: best or a future's best, whichever scores highest) and with t bounded by what the futures'
#: bests prove: 0.09 s against 0.18 s for max-min and 0.05 s against 0.07 s for least maximum
#: regret (medians, 200 candidates, two futures, benchmarks.uncertainty's portfolios); and
#: without RINS and RENS, 10-30 % faster again (the sum over six seeds' models, best of
#: three: max-min 0.30-0.32 s against 0.34-0.46 s, regret 0.40-0.43 s against 0.47-0.49 s).
#: The answer is the same: these change the search only.
FUTURES_OPTIONS: dict[str, Any] = {
    "presolve": "off",
    "mip_pool_soft_limit": 1,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
}

#: With a good first incumbent given (`optimize(start=...)`), HiGHS's primal heuristics
#: mostly spend time: the price-of-robustness curve at 200 candidates, whose starts are nearly
#: always optimal, proves its points 25 % faster without RINS and RENS, and 22 % faster again
#: without the rest (27 proofs from the curve's own starts, best of three: 3.52 s with RINS
#: and RENS off, 2.73 s with every heuristic off). The branch and bound still finds a better
#: package when the start is not optimal: they change the search only, never the optimum.
KNOWN_START_OPTIONS: dict[str, Any] = dict(HEURISTICS_OFF)


@dataclass
class OptimizeResult:
    status: str
    objective: float
    bound: float
    gap: float
    selected: list[str]
    usage: dict[str, float]
    solve_seconds: float
    message: str = ""
    reason: str | None = None
    conflict: list[dict[str, Any]] | None = None
    synergies_active: list[int] = field(default_factory=list)
    start: str = "none"
    nodes: int = 0
    robust: dict[str, Any] | None = None
    futures: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if self.reason is None:
            del out["reason"], out["conflict"]
        for key in ("robust", "futures"):
            if out[key] is None:
                del out[key]
        return out


def in_future(problem: Problem, future: str) -> Problem:
    """The problem as it stands in one future: its values and bonuses, no futures."""
    return replace(
        problem,
        actions=tuple(replace(a, value=a.future_values[future]) for a in problem.actions),
        synergies=tuple(replace(s, bonus=s.bonus_in(future)) for s in problem.synergies),
        futures=(),
    )


@dataclass
class FutureBests:
    """Each future's best value and package (the optimum in that future, same constraints),
    the nominal best package (by `value`), and whether every one of them is proven."""

    values: dict[str, float] = field(default_factory=dict)
    packages: dict[str, list[str]] = field(default_factory=dict)
    nominal: list[str] = field(default_factory=list)
    proven: bool = True
    possible: bool = True


def best_per_future(
    problem: Problem,
    *,
    time_limit: float | None,
    interrupt: Interrupt | None = None,
    workers: int = 1,
    fixing: bool = True,
    nominal: Sequence[str] | None = None,
) -> FutureBests:
    """Each future's best package and the nominal one, exactly, `workers` solves at a time
    (on threads: HiGHS lets go of Python while it works). A future whose values and bonuses
    are those of the nominal problem or of another future (a session's "today" is its run's
    own values) is not solved again: the same problem has the same best, since every solve
    of it returns the same package. `nominal`, the nominal problem's optimum when the caller
    has it proven (a session's run has just solved it), is not solved again either. None of
    these changes the answer, only the time."""
    share = None if time_limit is None else time_limit / (2 * (len(problem.futures) + 1))
    plain = replace(problem, futures=())
    keys: dict[str | None, tuple[tuple[float, ...], tuple[float, ...]]] = {}
    unique: dict[tuple[tuple[float, ...], tuple[float, ...]], Problem] = {}
    for name, p in [(None, plain), *((f, in_future(problem, f)) for f in problem.futures)]:
        keys[name] = (tuple(p.values()), tuple(s.bonus for s in p.synergies))
        unique.setdefault(keys[name], p)
    known: dict[tuple[tuple[float, ...], tuple[float, ...]], tuple[list[str], float]] = {}
    if nominal is not None and not plain.violations(nominal):  # else: solved, as without it
        handed = set(nominal)
        package = [a.id for a in problem.actions if a.id in handed]
        known[keys[None]] = (package, plain.objective_of(package))
    solve = functools.partial(optimize, time_limit=share, interrupt=interrupt, fixing=fixing)
    todo = {key: p for key, p in unique.items() if key not in known}
    if workers > 1 and len(todo) > 1:
        with ThreadPoolExecutor(min(workers, len(todo))) as pool:
            results = dict(zip(todo, pool.map(solve, todo.values()), strict=True))
    else:
        results = {key: solve(p) for key, p in todo.items()}
    if keys[None] in results and results[keys[None]].status == "infeasible":
        return FutureBests(possible=False)  # the futures change values, not what fits

    def best(key: tuple[tuple[float, ...], tuple[float, ...]]) -> tuple[list[str], float, bool]:
        if key in known:
            return (*known[key], True)
        r = results[key]
        return r.selected, r.objective, r.status == "optimal"

    out = FutureBests(nominal=best(keys[None])[0])
    for f in problem.futures:
        out.packages[f], out.values[f], proven = best(keys[f])
        out.proven = out.proven and proven
    return out


def regret_table(problem: Problem, selected: list[str], bests: FutureBests) -> list[dict[str, Any]]:
    """Each package considered × each future: the chosen one, the nominal best and each
    future's best, with its value and regret in every future (the same package once)."""
    rows: list[dict[str, Any]] = []
    candidates: list[tuple[str, str | None, list[str]]] = [
        ("chosen", None, selected),
        ("nominal", None, bests.nominal),
    ]
    candidates += [("best_in", f, bests.packages[f]) for f in problem.futures]
    for kind, future, package in candidates:
        same = next((r for r in rows if set(r["selected"]) == set(package)), None)
        if same is not None:
            same["also"].append({"kind": kind, "future": future})
            continue
        values = problem.future_values_of(package)
        regret = {f: bests.values[f] - values[f] for f in problem.futures}
        rows.append(
            {
                "kind": kind,
                "future": future,
                "also": [],
                "selected": sorted(package),
                "value": problem.objective_of(package),
                "values": values,
                "regret": regret,
                "min_value": min(values.values()),
                "max_regret": max(regret.values()),
            }
        )
    return rows


def score(problem: Problem, selected: list[str], best: dict[str, float] | None) -> float:
    """What the model maximises, recomputed from the package: its value; with futures its
    worst value, or minus its largest regret."""
    if not problem.futures:
        return problem.objective_of(selected)
    values = problem.future_values_of(selected)
    if problem.future_objective == "max_min":
        return min(values.values())
    return -max((best or {})[f] - values[f] for f in problem.futures)


def _package_from(problem: Problem, x: np.ndarray) -> list[str]:
    return [
        a.id
        for a, value in zip(problem.actions, x[: len(problem.actions)], strict=True)
        if value > 0.5
    ]


def relative_gap(objective: float, bound: float) -> float:
    if not math.isfinite(bound):
        return math.inf
    if bound <= objective:
        return 0.0
    return float((bound - objective) / max(abs(bound), 1e-12))


def optimize(
    problem: Problem,
    *,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    gap: float = 0.0,
    warm_start: bool = False,
    portfolio: bool = False,
    start: Sequence[str] | None = None,
    interrupt: Interrupt | None = None,
    bests: FutureBests | None = None,
    workers: int = 1,
    fixing: bool = True,
) -> OptimizeResult:
    """Solve `problem` exactly (or to `gap`) within `time_limit` seconds.

    `warm_start` hands the greedy package to HiGHS as its first incumbent; `portfolio` runs
    two differently seeded HiGHS searches on two cores (the first proof wins; the best package
    and the tightest bound of both are kept). Both are off by default because the benchmark
    found that neither helps on our classes (see benchmarks/engine.py); the greedy package is
    still computed, and returned, when HiGHS ends without any package.

    `start` is a package the caller knows to be good (the price-of-robustness curve's guess
    at each Γ): handed to HiGHS as its first incumbent if it meets every constraint, with
    KNOWN_START_OPTIONS. With futures, the best-scoring package already known (the nominal
    best, a future's best or `start`) is handed over instead. Either changes the search only,
    never the optimum.

    `interrupt` stops the solves from another thread (the result is then what a time limit
    would give; not with `portfolio`). `bests` hands over `best_per_future(problem)`, found
    already (one problem solved for both futures' objectives needs them once); `workers` finds
    them that many at a time. `fixing` False hands the whole model to HiGHS, without the LP's
    reduced-cost fixing (`engine.fixing`; for comparisons: the optimum is the same)."""
    t0 = time.perf_counter()
    if not problem.futures:
        bests = None
    elif bests is not None and bests.possible and set(bests.values) != set(problem.futures):
        raise ValueError("bests: found for other futures than this problem's")
    elif bests is None:
        bests = best_per_future(
            problem, time_limit=time_limit, interrupt=interrupt, workers=workers, fixing=fixing
        )
    best = None
    if bests is not None:
        # With no package at all, the model below finds it out and names the conflict.
        best = bests.values if bests.possible else dict.fromkeys(problem.futures, 0.0)
    start_ids = greedy_package(problem) if warm_start else None
    model = build_model(problem, best=best)
    # With integral values, any bound within 1 of an incumbent proves it optimal.
    abs_gap = 0.999 if model.all_integral and gap == 0 else None
    x0: list[float] | None = None
    if start_ids is not None and not model.n_extra:
        chosen = set(start_ids)
        x0 = [1.0 if a.id in chosen else 0.0 for a in problem.actions]
        x0 += [1.0 if chosen.issuperset(s.actions) else 0.0 for s in problem.synergies]
    if bests is not None and bests.possible:
        x0 = _futures_start(problem, model, bests, start)
    elif start is not None and not problem.violations(start):
        x0 = start_vector(problem, start, best)
        model.options = {**model.options, **KNOWN_START_OPTIONS}
    remaining = None if time_limit is None else max(0.01, time_limit - (time.perf_counter() - t0))
    if portfolio:
        outcome = run_portfolio(model, time_limit=remaining, rel_gap=gap, start=x0, abs_gap=abs_gap)
    else:
        # A known start without futures (the curve's proofs) is nearly always optimal: HiGHS
        # proves it on the whole model about 10 % faster than the LP, guess and fixing take
        # (the curve at 200 candidates, one worker: 11.4 s against 12.6 s in the same run).
        known = start is not None and not problem.futures
        solve = run_fixing if fixing and not known else run_highs
        outcome = solve(
            model, time_limit=remaining, rel_gap=gap, start=x0, abs_gap=abs_gap, interrupt=interrupt
        )
    if outcome.x is None and outcome.status in ("feasible", "no_solution") and start_ids is None:
        start_ids = greedy_package(problem)  # time ran out: the greedy package beats nothing
    stopped = interrupt is not None and interrupt.called
    if outcome.bound is None and outcome.status in ("feasible", "no_solution") and not stopped:
        # Stopped before HiGHS had a bound: the LP relaxation gives a true one, quickly.
        relaxed = run_highs(model, relax=True, time_limit=10.0)
        if relaxed.objective is not None:
            outcome = replace(outcome, bound=relaxed.objective)
    result = _result(
        problem,
        outcome,
        start_ids,
        t0,
        gap,
        model_integral=model.all_integral,
        granularity=model.granularity,
        bests=bests,
    )
    if bests is not None and not bests.proven and result.status == "optimal":
        result.status = "feasible"
        result.message = "A future's best package was not proven in time: regrets may be low."
    return result


def _futures_start(
    problem: Problem, model: Model, bests: FutureBests, start: Sequence[str] | None
) -> list[float]:
    """Prepare the futures' model (FUTURES_OPTIONS; t bounded when every future's best is
    proven) and return the start: the best-scoring package among those already found and
    `start`, of those that meet every constraint."""
    model.options = {**FUTURES_OPTIONS, **model.options}
    if bests.proven:
        t = model.n_cols - 1  # the futures' column is the last one
        if problem.future_objective == "max_min":
            # No package is worth more in a future than that future's best.
            model.upper[t] = min(bests.values.values())
        else:
            model.lower[t] = 0.0  # no package beats a future's best: regrets are ≥ 0
    candidates = [bests.nominal, *(bests.packages[f] for f in problem.futures)]
    if start is not None:
        candidates.append(list(start))
    candidates = [c for c in candidates if not problem.violations(c)] or [bests.nominal]
    package = max(candidates, key=lambda c: score(problem, c, bests.values))
    return start_vector(problem, package, bests.values)


def _uncertainty(
    problem: Problem, selected: list[str], bests: FutureBests | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if problem.gamma:
        out["robust"] = {
            "gamma": dict(problem.gamma),
            "worst_case_usage": problem.worst_case_usage(selected),
        }
    if problem.futures and bests is not None:
        values = problem.future_values_of(selected)
        best = bests.values
        out["futures"] = {
            "objective": problem.future_objective,
            "values": values,
            "best": dict(best),
            "regret": {f: best.get(f, 0.0) - values[f] for f in problem.futures},
            "nominal_value": problem.objective_of(selected),
            "table": regret_table(problem, selected, bests),
        }
    return out


def _result(
    problem: Problem,
    outcome: MipOutcome,
    start_ids: list[str] | None,
    t0: float,
    gap: float,
    *,
    model_integral: bool,
    granularity: float = 0.0,
    bests: FutureBests | None = None,
) -> OptimizeResult:
    start = "greedy" if start_ids is not None else "highs"
    if outcome.status == "infeasible":
        conflict = explain_infeasibility(problem)
        return OptimizeResult(
            status="infeasible",
            objective=0.0,
            bound=0.0,
            gap=0.0,
            selected=[],
            usage=problem.usage_of([]),
            solve_seconds=time.perf_counter() - t0,
            message="No package meets every constraint.",
            reason=conflict_sentence(problem, conflict),
            conflict=[describe_group(problem, g) for g in conflict],
            start=start,
            nodes=outcome.nodes,
        )
    selected = _package_from(problem, outcome.x) if outcome.x is not None else None
    if selected is not None and problem.violations(selected):
        selected = None  # never report a package that breaks a constraint
    if selected is None and start_ids is not None:
        selected = start_ids
    if selected is None:
        return OptimizeResult(
            status="no_solution" if outcome.status != "error" else "error",
            objective=0.0,
            bound=float(outcome.bound) if outcome.bound is not None else float("inf"),
            gap=1.0,
            selected=[],
            usage=problem.usage_of([]),
            solve_seconds=time.perf_counter() - t0,
            message=outcome.message or "Time ran out before any package was found.",
            start=start,
            nodes=outcome.nodes,
        )
    objective = score(problem, selected, bests.values if bests is not None else None)
    bound = outcome.bound if outcome.bound is not None else float("inf")
    bound = max(bound, objective)
    # Values with at most k decimals: no package lies strictly between two multiples of 10^-k,
    # so a bound less than half a step above HiGHS's optimum (its absolute gap, 1e-6, can
    # exceed 1e-9 × the value) proves it too, with room for the sums' float rounding.
    proven_gap = 0.999 if model_integral else 1e-9 * max(1.0, abs(objective))
    if not model_integral and granularity > 0:
        proven_gap = max(proven_gap, 0.5 * granularity)
    proven = outcome.status == "optimal" and bound - objective <= proven_gap + 1e-9
    if proven:
        bound = objective
    regret = problem.futures and problem.future_objective == "min_max_regret"
    if regret:  # the model maximised minus the regret: report the regret and its lower bound
        objective, bound = -objective, -bound
        rel = (
            math.inf
            if not math.isfinite(bound)
            else max(0.0, objective - bound) / max(abs(objective), 1e-12)
        )
    else:
        rel = relative_gap(objective, bound)
    status = "optimal" if proven else "feasible"
    chosen = set(selected)
    return OptimizeResult(
        **_uncertainty(problem, selected, bests),
        status=status,
        objective=objective,
        bound=float(bound),
        gap=rel,
        selected=selected,
        usage=problem.usage_of(selected),
        solve_seconds=time.perf_counter() - t0,
        message="Proven optimal."
        if proven
        else (
            f"Stopped within {rel:.4%} of the best possible value."
            if gap > 0 and rel <= gap
            else "Time limit reached before optimality was proven."
        ),
        synergies_active=[
            k for k, s in enumerate(problem.synergies) if chosen.issuperset(s.actions)
        ],
        start=start,
        nodes=outcome.nodes,
    )


# ---------------------------------------------------------------- infeasibility


def _feasible(problem: Problem, keep: set[Group], time_limit: float) -> bool:
    outcome = run_highs(
        build_model(problem, keep=keep), feasibility_only=True, time_limit=time_limit
    )
    return outcome.status != "infeasible"


def explain_infeasibility(problem: Problem, *, budget_seconds: float = 10.0) -> list[Group]:
    """A set of constraint groups that cannot all hold; irreducible unless the budget runs out.

    Deletion filter: drop each group in turn; if the rest is still infeasible, it was not
    needed. Groups that force something in (locks, sector minimums) are tried last, so the
    answer tends to name both what is demanded and what stands in the way."""
    return deletion_filter(
        all_groups(problem),
        {"must_include", "sector"},
        lambda keep, seconds: not _feasible(problem, keep, time_limit=seconds),
        budget_seconds=budget_seconds,
    )


def amount_(x: float) -> str:
    """A readable amount: thousands separated, no exponent."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def describe_group(problem: Problem, group: Group) -> dict[str, Any]:
    kind, key = group.kind, group.key
    out: dict[str, Any] = {"kind": kind}
    if kind == "resource":
        out |= {
            "resource": key[0],
            "limit": problem.resources[key[0]],
            "text": f"the limit of {problem.resources[key[0]]:g} on {key[0]}",
        }
        if gamma := problem.gamma.get(key[0]):
            out["worst_case"] = True
            out["gamma"] = gamma
            out["text"] += f" if {gamma} of its actions overrun at once"
    elif kind == "requires":
        out |= {"action": key[0], "requires": key[1], "text": f"{key[0]} requires {key[1]}"}
    elif kind == "excludes":
        out |= {"actions": list(key), "text": f"{key[0]} and {key[1]} exclude each other"}
    elif kind == "sector":
        k = problem.min_per_sector[key[0]]
        have = sum(1 for a in problem.actions if a.counts_for(key[0]))
        out |= {
            "sector": key[0],
            "minimum": k,
            "text": f"at least {k} {key[0]} action{'s' if k != 1 else ''} ({have} available)",
        }
    elif kind == "max_actions":
        out |= {"maximum": problem.max_actions, "text": f"at most {problem.max_actions} actions"}
    elif kind == "must_include":
        out |= {"action": key[0], "text": f"{key[0]} must be in the package"}
    elif kind == "must_exclude":
        out |= {"action": key[0], "text": f"{key[0]} must be left out"}
    return out


def conflict_sentence(problem: Problem, groups: list[Group]) -> str:
    texts = [describe_group(problem, g)["text"] for g in groups]
    if not texts:
        return "No package meets every constraint."
    if len(texts) == 1:
        return f"This constraint cannot be met: {texts[0]}."
    return "These constraints cannot all hold together: " + "; ".join(texts) + "."
