"""Choose the package of actions with the highest value that meets every constraint.

Contract (binding, DESIGN.md "The engine contract"): `optimize(problem, time_limit=, gap=)`
returns an `OptimizeResult` whose `selected` always satisfies every constraint of `problem`,
whose `objective` is recomputed from `selected` (values plus the bonus of every synergy whose
actions are all in), whose `bound` is a proven upper bound on any package's value, and whose
`status` is `optimal` only when objective and bound meet (within 1 for integral values, since
no package can then lie between them). `infeasible` results carry a `reason` naming a small
set of constraints that cannot hold together, found by a deletion filter over the constraints.

How: a greedy package (see `greedy`) is handed to HiGHS as its first incumbent, and is what
we return if time runs out before HiGHS finds any package; HiGHS then proves or improves it,
on larger problems as a two-seed portfolio on two cores (see `mip.run_portfolio`). The
benchmark (`benchmarks/engine.py`) decides what stays in this path.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from .greedy import greedy_package
from .mip import Group, MipOutcome, all_groups, build_model, run_highs, run_portfolio
from .problem import Problem

DEFAULT_TIME_LIMIT = 60.0


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

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if self.reason is None:
            del out["reason"], out["conflict"]
        return out


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
) -> OptimizeResult:
    """Solve `problem` exactly (or to `gap`) within `time_limit` seconds.

    `warm_start` hands the greedy package to HiGHS as its first incumbent; `portfolio` runs
    two differently seeded HiGHS searches on two cores (the first proof wins; the best package
    and the tightest bound of both are kept). Both are off by default because the benchmark
    found that neither helps on our classes (see benchmarks/engine.py); the greedy package is
    still computed, and returned, when HiGHS ends without any package."""
    t0 = time.perf_counter()
    start_ids = greedy_package(problem) if warm_start else None
    model = build_model(problem)
    # With integral values, any bound within 1 of an incumbent proves it optimal.
    abs_gap = 0.999 if model.all_integral and gap == 0 else None
    start_vector = None
    if start_ids is not None:
        chosen = set(start_ids)
        x0 = [1.0 if a.id in chosen else 0.0 for a in problem.actions]
        x0 += [1.0 if chosen.issuperset(s.actions) else 0.0 for s in problem.synergies]
        start_vector = x0
    remaining = None if time_limit is None else max(0.01, time_limit - (time.perf_counter() - t0))
    run = run_portfolio if portfolio else run_highs
    outcome = run(model, time_limit=remaining, rel_gap=gap, start=start_vector, abs_gap=abs_gap)
    if outcome.x is None and outcome.status in ("feasible", "no_solution") and start_ids is None:
        start_ids = greedy_package(problem)  # time ran out: the greedy package beats nothing
    if outcome.bound is None and outcome.status in ("feasible", "no_solution"):
        # Stopped before HiGHS had a bound: the LP relaxation gives a true one, quickly.
        relaxed = run_highs(model, relax=True, time_limit=10.0)
        if relaxed.objective is not None:
            outcome = replace(outcome, bound=relaxed.objective)
    return _result(problem, outcome, start_ids, t0, gap, model_integral=model.all_integral)


def _result(
    problem: Problem,
    outcome: MipOutcome,
    start_ids: list[str] | None,
    t0: float,
    gap: float,
    *,
    model_integral: bool,
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
    objective = problem.objective_of(selected)
    bound = outcome.bound if outcome.bound is not None else float("inf")
    bound = max(bound, objective)
    proven_gap = 0.999 if model_integral else 1e-9 * max(1.0, abs(objective))
    proven = outcome.status == "optimal" and bound - objective <= proven_gap + 1e-9
    if proven:
        bound = objective
    rel = relative_gap(objective, bound)
    status = "optimal" if proven else "feasible"
    chosen = set(selected)
    return OptimizeResult(
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
    deadline = time.perf_counter() + budget_seconds
    groups = all_groups(problem)
    forcing = {"must_include", "sector"}
    order = [g for g in groups if g.kind not in forcing] + [g for g in groups if g.kind in forcing]
    keep = set(groups)
    for g in order:
        if time.perf_counter() > deadline:
            break
        trial = keep - {g}
        if not _feasible(problem, trial, time_limit=max(0.1, deadline - time.perf_counter())):
            keep = trial
    return [g for g in groups if g in keep]


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
