"""Why each action is in or out of the optimal package, and what more budget would buy.

Contract: `explain(problem)` solves the problem, then for every action reports:
- its own value and its share of the synergy bonuses it takes part in;
- if selected: the value lost if it were forced out (optimum minus the optimum without it);
- if left out: the cost of forcing it in (optimum minus the optimum with it) and, in words,
  the constraint that keeps it out (the budget it would break, the action it excludes, the
  locked-out action it needs, the size cap) — or that it cannot be added at all, and why.
`frontier(problem, resource, steps)` returns the best value as the limit on one resource goes
from 0 to what every action together would use: the efficient frontier, as chart data.
Both stop at `budget_seconds` and say so (`complete: false`) rather than run unbounded, and
`explain` reports `progress(done, total)` as explanations are done, `frontier` before each
re-optimisation. Both raise `Stopped` as soon as `should_stop()` says so (see `parallel`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from . import resolve
from .errors import ProblemError, Stopped
from .optimize import OptimizeResult, amount_, optimize
from .parallel import map_chunks
from .problem import Problem
from .resolve import Resolver


def _blocking(problem: Problem, selected: set[str], ident: str) -> list[dict[str, Any]]:
    """Constraints the base package leaves no room for if `ident` were added on its own, as
    data (`kind` and its figures) so a caller can put them in its own words and language."""
    a = problem.actions[problem.index[ident]]
    reasons: list[dict[str, Any]] = []
    if ident in problem.must_exclude:
        reasons.append({"kind": "locked_out"})
    # With Γ, a resource is read at its worst case: the action may add its own overrun.
    used = problem.worst_case_usage(sorted(selected))
    with_it = problem.worst_case_usage(sorted(selected | {ident}))
    for name in a.uses:
        limit = problem.resources[name]
        if with_it[name] > limit + 1e-9 * max(1.0, limit):
            left = max(0.0, limit - used[name])
            need = with_it[name] - used[name]
            reason = {"kind": "resource", "resource": name, "need": need, "left": left}
            reason["limit"] = limit
            if problem.gamma.get(name):
                reason["worst_case"] = True
            reasons.append(reason)
    reasons.extend(
        {"kind": "excludes", "action": other} for other in a.excludes if other in selected
    )
    reasons.extend(
        {"kind": "excluded_by", "action": b.id}
        for b in problem.actions
        if b.id in selected and ident in b.excludes
    )
    reasons.extend(
        {"kind": "requires_locked_out", "action": r}
        for r in a.requires
        if r in problem.must_exclude
    )
    if problem.max_actions is not None and len(selected) >= problem.max_actions:
        reasons.append({"kind": "max_actions", "limit": problem.max_actions})
    if not reasons:
        reasons.append({"kind": "value"})
    return reasons


SENTENCES = {
    "locked_out": "it is locked out of the package",
    "resource": "{resource}: it needs {need} but only {left} of {limit} is left",
    "excludes": "it excludes {action}, which is in the package",
    "excluded_by": "{action} in the package excludes it",
    "requires_locked_out": "it requires {action}, which is locked out",
    "max_actions": "the package already has the maximum of {limit} actions",
    "value": "its value does not justify what it would displace",
}


def reason_sentence(reason: dict[str, Any]) -> str:
    """One reason from `_blocking` in plain English (the CLI's `kept_out_by`)."""
    figures = {k: amount_(x) if isinstance(x, float) else x for k, x in reason.items()}
    return SENTENCES[reason["kind"]].format(**figures)


def _forced(
    problem: Problem, resolver: Resolver | None, ident: str, chosen: bool, time_limit: float
) -> OptimizeResult:
    """The best package with `ident` forced in (`chosen`) or out: through the resolver's
    reduced-cost core when it can prove the optimum, else a full re-optimisation (which also
    names the conflict when there is no package at all)."""
    if resolver is not None:
        found = resolver.fixed(ident, chosen)
        if found is not None:
            picked, value = found
            return OptimizeResult("optimal", value, value, 0.0, picked, {}, 0.0)
    forced = (
        replace(problem, must_include=(*problem.must_include, ident))
        if chosen
        else replace(problem, must_exclude=(*problem.must_exclude, ident))
    )
    return optimize(forced, time_limit=time_limit)


def _entry(  # noqa: PLR0917 - one private call site
    problem: Problem,
    base_objective: float,
    selected: set[str],
    ident: str,
    time_limit: float,
    resolver: Resolver | None = None,
) -> dict[str, Any]:
    """Why one action is in or out: one re-optimisation with it forced the other way."""
    entry: dict[str, Any] = {}
    if ident in selected:
        if ident in problem.must_include:
            entry["locked_in"] = True
            return entry
        alt = _forced(problem, resolver, ident, False, time_limit)
        if alt.status == "infeasible":
            entry["cannot_remove"] = alt.reason
            entry["cannot_remove_conflict"] = alt.conflict
        else:
            entry["loss_if_removed"] = base_objective - alt.objective
            entry["replacement"] = sorted(set(alt.selected) - selected)
        return entry
    reasons = _blocking(problem, selected, ident)
    entry["kept_out_because"] = reasons
    entry["kept_out_by"] = [reason_sentence(r) for r in reasons]
    if ident not in problem.must_exclude:
        alt = _forced(problem, resolver, ident, True, time_limit)
        if alt.status == "infeasible":
            entry["cannot_add"] = alt.reason
            entry["cannot_add_conflict"] = alt.conflict
        else:
            entry["cost_to_include"] = base_objective - alt.objective
            entry["would_displace"] = sorted(selected - set(alt.selected))
    return entry


def _entries(
    args: tuple[Problem, float, set[str], list[str], float, float],
) -> dict[str, dict[str, Any] | None]:
    """A chunk of actions' entries (None once the wall-clock deadline has passed). One
    resolver serves the chunk: its model is built once, in the process that works on it."""
    problem, base_objective, selected, idents, time_limit, deadline = args
    large = len(problem.actions) >= resolve.CORE_FROM
    resolver = Resolver(problem, time_limit=time_limit) if large else None
    return {
        ident: _entry(problem, base_objective, selected, ident, time_limit, resolver)
        if time.time() <= deadline
        else None
        for ident in idents
    }


def explain(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    budget_seconds: float = 60.0,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """`workers` > 1 spreads the re-optimisations over processes; the result is the same."""
    t0 = time.perf_counter()
    # On a large plain problem, the last part of the budget is kept for proven intervals on
    # whatever the exact answers did not reach (`bounds`).
    large = len(problem.actions) >= resolve.CORE_FROM and problem.nominal
    reserve = min(INTERVAL_SECONDS, INTERVAL_SHARE * budget_seconds) if large else 0.0
    end = time.time() + budget_seconds
    deadline = end - reserve
    base = optimize(problem, time_limit=time_limit)
    if base.status == "infeasible":
        return {"status": "infeasible", "reason": base.reason, "actions": {}, "complete": True}
    selected = set(base.selected)
    bonus_share: dict[str, float] = {a.id: 0.0 for a in problem.actions}
    for s in problem.synergies:
        for member in s.actions:
            bonus_share[member] += s.bonus / len(s.actions)
    ids = [a.id for a in problem.actions]
    total = len(ids)
    found: dict[str, dict[str, Any] | None] = {}
    if progress is not None:
        progress(0, total)
    # Several chunks per process, so progress can be reported; in this process, up to 20
    # chunks (a large problem's resolver is built once a chunk, not once an action).
    parts = workers * 5 if workers > 1 else max(1, min(total, 20))
    chunks = [list(c) for c in np.array_split(np.array(ids, dtype=object), parts) if len(c)]

    def chunk_done(_k: int, entries: dict[str, dict[str, Any] | None]) -> None:
        found.update(entries)
        if progress is not None:
            progress(len(found), total)

    map_chunks(
        _entries,
        [(problem, base.objective, selected, c, time_limit, deadline) for c in chunks],
        workers=workers,
        should_stop=should_stop,
        on_result=chunk_done,
    )
    missing = [i for i in ids if found.get(i) is None]
    # Only around a proven optimum: an interval's ends are measured from it.
    proven = base.status == "optimal"
    bounded = (
        _intervals(problem, base, missing, end, should_stop) if missing and large and proven else {}
    )
    out: dict[str, Any] = {}
    for a in problem.actions:
        entry = {"selected": a.id in selected, "value": a.value, "synergy_share": bonus_share[a.id]}
        out[a.id] = entry | (found.get(a.id) or bounded.get(a.id) or {})
    return {
        "status": base.status,
        "objective": base.objective,
        "selected": base.selected,
        "actions": out,
        "complete": all(found.get(i) is not None for i in ids),
        "bounded": sum(1 for i in missing if i in bounded),
        "seconds": time.perf_counter() - t0,
    }


#: At most this many seconds, and this share of the budget, are kept for the intervals.
INTERVAL_SECONDS = 10.0
INTERVAL_SHARE = 0.15


def _intervals(
    problem: Problem,
    base: OptimizeResult,
    idents: list[str],
    end: float,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, dict[str, Any]]:
    """Proven intervals for the actions the exact answers did not reach, until `end`: a
    selected action's `loss_if_removed_between`, a left-out one's `cost_to_include_between`
    (with why it is out, which costs no solve); an interval whose ends meet gives the exact
    figure instead. Locked actions get what `_entry` gives them without a solve."""
    from .bounds import Bounds

    if time.time() > end:
        return {}
    bounds = Bounds(problem)
    selected = set(base.selected)
    out: dict[str, dict[str, Any]] = {}
    for ident in idents:
        if time.time() > end:
            break
        if should_stop is not None and should_stop():
            raise Stopped
        inside = ident in selected
        entry: dict[str, Any] = {}
        if not inside:
            reasons = _blocking(problem, selected, ident)
            entry = {
                "kept_out_because": reasons,
                "kept_out_by": [reason_sentence(r) for r in reasons],
            }
        if ident in (problem.must_include if inside else problem.must_exclude):
            out[ident] = entry | ({"locked_in": True} if inside else {})
            continue
        found = bounds.interval(ident, base.selected, base.objective)
        if found is None:  # nothing proven: a left-out action still says why it is out
            if entry:
                out[ident] = entry
            continue
        key = "loss_if_removed" if inside else "cost_to_include"
        if found.exact and found.high is not None and found.package is not None:
            # The ends met: the package found is optimal with the action forced, as `_entry`.
            entry[key] = found.high
            if inside:
                entry["replacement"] = sorted(set(found.package) - selected)
            else:
                entry["would_displace"] = sorted(selected - set(found.package))
        else:
            entry[f"{key}_between"] = found.as_json()
        out[ident] = entry
    return out


def frontier(
    problem: Problem,
    resource: str,
    *,
    steps: int = 11,
    time_limit: float = 10.0,
    budget_seconds: float = 60.0,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    if resource not in problem.resources:
        raise ProblemError("frontier.resource", f"{resource!r} is not one of the resources")
    if not 2 <= steps <= 200:
        raise ProblemError("frontier.steps", "must be a whole number from 2 to 200")
    t0 = time.perf_counter()
    total = float(sum(a.uses.get(resource, 0.0) for a in problem.actions))
    top = max(total, problem.resources[resource])
    points = []
    for step, limit in enumerate(np.linspace(0.0, top, steps)):
        if time.perf_counter() - t0 > budget_seconds:
            break
        if should_stop is not None and should_stop():
            raise Stopped
        if progress is not None:
            progress(step, steps)
        trial = replace(problem, resources={**problem.resources, resource: float(limit)})
        r = optimize(trial, time_limit=time_limit)
        points.append(
            {
                "limit": float(limit),
                "status": r.status,
                "value": r.objective if r.status != "infeasible" else None,
                "actions": len(r.selected),
                "used": r.usage[resource],
            }
        )
    return {
        "resource": resource,
        "current_limit": problem.resources[resource],
        "points": points,
        "complete": len(points) == steps,
    }
