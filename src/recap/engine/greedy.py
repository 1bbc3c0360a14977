"""A greedy value-for-cost heuristic: the baseline exactness is measured against, and the
starting package handed to HiGHS.

Contract: `greedy_package(problem)` returns a list of action ids that satisfies every
constraint of `problem`, or None when the greedy pass cannot find one. It adds actions (each
with whatever it requires) in order of value per unit of scarce resource, first to meet locks
and sector minimums, then to fill the budgets.
"""

from __future__ import annotations

import numpy as np

from .problem import Problem


def greedy_package(problem: Problem) -> list[str] | None:
    n = len(problem.actions)
    if n == 0:
        return [] if not problem.violations([]) else None
    index = problem.index
    usage = problem.usage_matrix()
    caps = problem.capacities()
    values = problem.values()
    # Scarcity weights: a resource counts in proportion to how much of it the catalogue asks for.
    with np.errstate(divide="ignore", invalid="ignore"):
        demand = usage.sum(axis=1) / np.where(caps > 0, caps, 1e-9)
    weights = np.maximum(demand, 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        norm_caps = np.where(caps > 0, caps, 1e-9)
        cost = (weights[:, None] * usage / norm_caps[:, None]).sum(axis=0)
    ratio = values / (cost + 1e-9)

    excluded = {index[i] for i in problem.must_exclude}
    excludes = [{index[e] for e in a.excludes} for a in problem.actions]
    for j, a in enumerate(problem.actions):
        for e in a.excludes:
            excludes[index[e]].add(j)
    requires = [[index[r] for r in a.requires] for a in problem.actions]
    chosen: set[int] = set()
    used = np.zeros(len(caps))
    tol = 1e-9 * np.maximum(1.0, np.abs(caps))

    def closure(j: int) -> set[int] | None:
        bundle, stack = set(), [j]
        while stack:
            k = stack.pop()
            if k in bundle or k in chosen:
                continue
            if k in excluded:
                return None
            bundle.add(k)
            stack.extend(requires[k])
        return bundle

    def try_add(j: int) -> bool:
        bundle = closure(j)
        if not bundle:
            return False
        members = chosen | bundle
        if any(excludes[k] & members for k in bundle):
            return False
        if problem.max_actions is not None and len(members) > problem.max_actions:
            return False
        extra = usage[:, sorted(bundle)].sum(axis=1)
        if np.any(used + extra > caps + tol):
            return False
        chosen.update(bundle)
        used[:] = used + extra
        return True

    for ident in problem.must_include:
        if index[ident] not in chosen and not try_add(index[ident]):
            return None
    order = list(np.argsort(-ratio, kind="stable"))
    for name, minimum in problem.min_per_sector.items():
        for j in order:
            if sum(1 for k in chosen if problem.actions[k].counts_for(name)) >= minimum:
                break
            if problem.actions[j].counts_for(name) and j not in chosen:
                try_add(j)
    for j in order:
        if j not in chosen and values[j] > 0:
            try_add(j)
    package = [problem.actions[j].id for j in sorted(chosen)]
    return None if problem.violations(package) else package
