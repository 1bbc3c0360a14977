"""A first package for a robust solve: the best one with each robust resource's dual fixed.

Bertsimas and Sim's worst case of a package is min over θ ≥ 0 of Γθ + Σ_j max(d_j − θ, 0) x_j
(see `mip`), so for any fixed θ per robust resource, a package that meets
Σ_j (u_j + max(d_j − θ, 0)) x_j ≤ b − Γθ fits in the worst case too. With θ fixed the problem is a
nominal one (`restricted`), which HiGHS solves about as fast as the plain model, and whose
optimum is the robust optimum whenever θ is the right one: the Γ-th largest overrun of the
optimal package. The price-of-robustness curve guesses θ from the previous Γ's package
(`guess`): on generated city portfolios the package found this way was optimal at 25 of the 27
solved points, and with it as HiGHS's first incumbent the proof is much shorter. The result is
only a start: the robust model is still solved exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .mip import build_model, run_highs
from .problem import Problem

#: The restricted model solves faster with a one-solution pool: 2.1 s against 2.7 s for the 27
#: guesses of the curve at 200 candidates (benchmarks.uncertainty's portfolio); and faster
#: again without presolve, RINS and RENS: 1.2 s against 1.6-1.9 s (the same 27 models, best of
#: three each), every guess as good.
GUESS_OPTIONS: dict[str, Any] = {
    "mip_pool_soft_limit": 1,
    "presolve": "off",
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
}


def theta_of(problem: Problem, selected: Sequence[str]) -> dict[str, float]:
    """Per resource with Γ > 0: the Γ-th largest overrun among `selected` (0 if fewer)."""
    chosen = set(selected)
    out = {}
    for name, gamma in problem.gamma.items():
        if gamma > 0:
            top = sorted((a.overrun(name) for a in problem.actions if a.id in chosen), reverse=True)
            out[name] = top[gamma - 1] if len(top) >= gamma else 0.0
    return out


def restricted(problem: Problem, theta: Mapping[str, float]) -> Problem:
    """The nominal problem with each named resource's dual fixed at θ: action j uses
    u_j + max(d_j − θ, 0) of it and the limit is b − Γθ. Every package that meets it fits
    `problem` in the worst case (its worst case is at most this use)."""
    actions = []
    for a in problem.actions:
        uses = dict(a.uses)
        for name, t in theta.items():
            extra = a.overrun(name) - t
            if extra > 0:
                uses[name] = uses.get(name, 0.0) + extra
        high = {name: x for name, x in a.uses_high.items() if name not in theta}
        actions.append(replace(a, uses=uses, uses_high=high))
    resources = dict(problem.resources)
    for name, t in theta.items():
        resources[name] -= problem.gamma.get(name, 0) * t
    gamma = {name: k for name, k in problem.gamma.items() if name not in theta}
    return replace(problem, actions=tuple(actions), resources=resources, gamma=gamma)


def guess(
    problem: Problem, previous: Sequence[str], *, time_limit: float | None = None
) -> list[str] | None:
    """The best package of `problem` with θ taken from `previous` (a package optimal at a
    smaller Γ), or None if that restriction has none. It always fits `problem`."""
    theta = {
        name: t
        for name, t in theta_of(problem, previous).items()
        # With Γ at least the number of actions that may overrun, the model's row is already
        # the plain Σ (u_j + d_j) x_j ≤ b (see `mip`): nothing to restrict.
        if problem.gamma[name] < sum(1 for a in problem.actions if a.overrun(name))
    }
    if not theta:
        return None
    model = build_model(restricted(problem, theta))
    model.options = dict(GUESS_OPTIONS)
    outcome = run_highs(model, time_limit=time_limit, abs_gap=0.999 if model.all_integral else None)
    if outcome.x is None:
        return None
    selected = [a.id for a, v in zip(problem.actions, outcome.x, strict=False) if v > 0.5]
    return None if problem.violations(selected) else selected
