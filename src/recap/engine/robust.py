"""The price of robustness: the best package as Γ grows, what it costs and what it buys.

Contract: `price_of_robustness(problem, resources=None)` solves the problem exactly for
Γ = 0, 1, 2, … on the named resources (default: every resource some action may overrun),
and returns one point per Γ (`solved` says which needed a solve: a package that is optimal at
Γ and still fits at Γ + 1 is optimal there too, since the packages that fit only shrink as Γ
grows; each solve starts from a package guessed from the previous Γ's, see `robust_start`):
the package, its value, its worst-case use of each resource, the
probability that every budget holds (budget risk, seeded), and the actions that entered and
left since the previous Γ. It stops at the first Γ that covers every action of its package
that may overrun: from there the package is protected against all its overruns at once, and
no larger Γ changes it (the feasible packages only shrink, and this one stays feasible). Each
action that is in at some Γ gets its story (`in_at`, and `enters_at` or `leaves_at` when its
membership changes once) and its overrun ratio on each resource, which the explanations turn
into words ("it enters when Γ ≥ 2: its overrun risk is low").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from .errors import ProblemError, Stopped
from .optimize import optimize
from .problem import Problem
from .risk import budget_risk
from .robust_start import guess


def overrunning(problem: Problem) -> list[str]:
    """The resources some action may overrun (has a `uses_high` above its `uses`)."""
    return [r for r in problem.resources if any(a.overrun(r) for a in problem.actions)]


def binding(problem: Problem, selected: Sequence[str]) -> list[str]:
    """Resources with no room in the worst case for any action left out that uses them."""
    chosen = set(selected)
    worst = problem.worst_case_usage(selected)
    out = []
    for name, limit in problem.resources.items():
        needs = [a.uses.get(name, 0.0) for a in problem.actions if a.id not in chosen]
        needs = [x for x in needs if x > 0]
        if needs and limit - worst[name] < min(needs) - 1e-9 * max(1.0, limit):
            out.append(name)
    return out


def worst_case_actions(problem: Problem, selected: Sequence[str]) -> dict[str, list[str]]:
    """Per resource with Γ > 0: the chosen actions whose overruns make its worst case."""
    chosen = [a for a in problem.actions if a.id in set(selected)]
    out = {}
    for name, gamma in problem.gamma.items():
        ranked = sorted(
            (a for a in chosen if a.overrun(name) > 0), key=lambda a: (-a.overrun(name), a.id)
        )
        out[name] = [a.id for a in ranked[:gamma]]
    return out


def _at(problem: Problem, names: list[str], gamma: int) -> Problem:
    return replace(problem, gamma={**problem.gamma, **dict.fromkeys(names, gamma)})


def price_of_robustness(
    problem: Problem,
    *,
    resources: Sequence[str] | None = None,
    draws: int = 20_000,
    seed: int = 0,
    distribution: str = "triangular",
    time_limit: float = 10.0,
    budget_seconds: float = 60.0,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    names = list(resources) if resources is not None else overrunning(problem)
    for name in names:
        if name not in problem.resources:
            raise ProblemError("resources", f"{name!r} is not one of the resources")
    t0 = time.perf_counter()
    points: list[dict[str, Any]] = []
    previous: set[str] | None = None
    risks: dict[frozenset[str], dict[str, Any]] = {}
    gamma, complete = 0, False
    while time.perf_counter() - t0 <= budget_seconds:
        if should_stop is not None and should_stop():
            raise Stopped
        trial = _at(problem, names, gamma)
        # The previous optimum no longer fits: guess this Γ's optimum from it (`robust_start`)
        # and hand it to HiGHS as its first incumbent. The solve is exact all the same.
        start = guess(trial, sorted(previous), time_limit=time_limit / 4) if previous else None
        result = optimize(trial, time_limit=time_limit, start=start)
        if result.status == "infeasible":
            points.append({"gamma": gamma, "status": "infeasible", "reason": result.reason})
            complete = True  # a larger Γ only removes packages
            break
        chosen = frozenset(result.selected)
        if chosen not in risks:
            risks[chosen] = budget_risk(
                trial, result.selected, draws=draws, seed=seed, distribution=distribution
            )["all_hold"]
        exposed = [
            a for a in problem.actions if a.id in chosen and any(a.overrun(r) for r in names)
        ]
        # The package stays optimal for every larger Γ at which it still fits: the packages
        # that fit only shrink as Γ grows. Those points need no solve.
        last = gamma
        while last < len(exposed) and not _at(problem, names, last + 1).violations(result.selected):
            last += 1
        for k in range(gamma, last + 1):
            at = _at(problem, names, k)
            points.append(
                {
                    "gamma": k,
                    "status": result.status,
                    "solved": k == gamma,
                    "value": result.objective,
                    "selected": result.selected,
                    "entered": sorted(chosen - previous) if previous is not None else [],
                    "left": sorted(previous - chosen) if previous is not None else [],
                    "usage": result.usage,
                    "worst_case_usage": at.worst_case_usage(result.selected),
                    "worst_case_actions": worst_case_actions(at, result.selected),
                    "binding": binding(at, result.selected),
                    "probability": risks[chosen]["probability"],
                    "std_error": risks[chosen]["std_error"],
                }
            )
            previous = set(chosen)
        if not names or last >= len(exposed):
            complete = True
            break
        gamma = last + 1
    return {
        "resources": names,
        "points": points,
        "actions": _stories(problem, points, names),
        "complete": complete,
        "seconds": time.perf_counter() - t0,
    }


def _stories(
    problem: Problem, points: list[dict[str, Any]], names: list[str]
) -> dict[str, dict[str, Any]]:
    solved = [p for p in points if "selected" in p]
    seen = {ident for p in solved for ident in p["selected"]}
    gammas = [p["gamma"] for p in solved]
    out: dict[str, dict[str, Any]] = {}
    for a in problem.actions:
        if a.id not in seen:
            continue
        in_at = [p["gamma"] for p in solved if a.id in p["selected"]]
        story: dict[str, Any] = {
            "in_at": in_at,
            "overrun_ratio": {
                r: a.overrun(r) / a.uses[r] for r in names if a.uses.get(r) and a.overrun(r)
            },
        }
        if in_at == gammas:
            story["always"] = True
        elif in_at == gammas[gammas.index(in_at[0]) :]:
            story["enters_at"] = in_at[0]
        elif in_at == gammas[: len(in_at)]:
            story["leaves_at"] = gammas[len(in_at)]
        out[a.id] = story
    return out
