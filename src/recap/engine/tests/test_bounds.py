"""Proven intervals for explanations the time did not reach (`engine.bounds`): on problems
with every kind of constraint, each interval holds the exact answer a full re-optimisation
gives, an interval whose ends meet is that answer, and `explain` with too short a budget labels
every action it did not explain exactly with one."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from recap.engine import optimize
from recap.engine.bounds import Bounds
from recap.engine.explain import explain

from .test_resolve import generated

TOL = 1e-6


def _exact(problem, base, ident: str) -> float | None:
    """The loss (in the package) or cost (out of it) by a full re-optimisation."""
    inside = ident in base.selected
    forced = (
        replace(problem, must_exclude=(*problem.must_exclude, ident))
        if inside
        else replace(problem, must_include=(*problem.must_include, ident))
    )
    alt = optimize(forced, time_limit=30)
    return None if alt.status == "infeasible" else base.objective - alt.objective


@pytest.mark.parametrize(("n", "seed", "rich"), [(60, 1, True), (70, 4, True), (90, 2, False)])
def test_every_interval_holds_the_exact_answer(n: int, seed: int, rich: bool) -> None:
    problem = generated(n, seed, rich=rich)
    base = optimize(problem, time_limit=30)
    assert base.status == "optimal"
    bounds = Bounds(problem)
    seen = {"exact": 0, "closed": 0, "open": 0}
    for action in problem.actions:
        if action.id in problem.must_include or action.id in problem.must_exclude:
            continue
        found = bounds.interval(action.id, base.selected, base.objective)
        exact = _exact(problem, base, action.id)
        if found is None:  # nothing said: only where no package exists at all
            assert exact is None
            continue
        if exact is None:
            assert found.high is None  # no package with it forced: none was found either
            continue
        assert found.low - TOL <= exact, (action.id, found, exact)
        if found.high is not None:
            assert exact <= found.high + TOL, (action.id, found, exact)
            assert found.package is not None and not problem.violations(list(found.package))
            forced_in = action.id in found.package
            assert forced_in != (action.id in base.selected)  # forced the other way
        if found.exact:
            assert found.high == pytest.approx(exact, abs=1e-6)
            seen["exact"] += 1
        else:
            seen["closed" if found.high is not None else "open"] += 1
    # The bounds do work: most intervals are closed (a package was found on the other side).
    assert seen["closed"] + seen["exact"] > 2 * seen["open"], seen


def test_explain_labels_what_the_time_did_not_reach_with_a_proven_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """All the budget kept for the intervals (none for the exact answers): every action is
    labelled, deterministically, and each label holds the exact answer."""
    import importlib

    # The module (the package's `explain` is the function of the same name).
    explaining = importlib.import_module("recap.engine.explain")

    problem = generated(120, 3, rich=True)
    full = explain(problem, budget_seconds=600)
    assert full["complete"] and full["bounded"] == 0
    monkeypatch.setattr(explaining, "INTERVAL_SECONDS", 300.0)
    monkeypatch.setattr(explaining, "INTERVAL_SHARE", 1.0)
    short = explain(problem, budget_seconds=300)
    assert not short["complete"]
    locked = set(problem.must_include) | set(problem.must_exclude)
    assert short["bounded"] == len(problem.actions)  # each labelled (locked ones: as locked)
    labelled = 0
    for ident, entry in short["actions"].items():
        exact = full["actions"][ident]
        for key in ("loss_if_removed", "cost_to_include"):
            between = entry.get(f"{key}_between")
            if between is not None:
                labelled += 1
                low, high = between
                assert low - TOL <= exact[key]
                assert high is None or exact[key] <= high + TOL
            elif key in entry:  # the ends met: the exact figure
                assert entry[key] == pytest.approx(exact[key], abs=1e-6)
        if not entry["selected"]:
            assert entry["kept_out_by"] == exact["kept_out_by"]  # why it is out costs no solve
        if ident not in locked:
            assert any(k in entry for k in ("loss_if_removed", "cost_to_include")) or any(
                f"{k}_between" in entry for k in ("loss_if_removed", "cost_to_include")
            ), ident
    assert labelled > len(problem.actions) // 2


def test_problems_with_gamma_or_futures_get_no_interval() -> None:
    problem = generated(60, 1, rich=False)
    robust = replace(problem, gamma={"capex": 2})
    base = optimize(robust, time_limit=30)
    assert Bounds(robust).interval(problem.actions[5].id, base.selected, base.objective) is None


def test_the_intervals_stop_when_the_run_is_cancelled() -> None:
    from recap.engine.errors import Stopped
    from recap.engine.explain import _intervals

    problem = generated(60, 1, rich=True)
    base = optimize(problem, time_limit=30)
    with pytest.raises(Stopped):
        _intervals(problem, base, problem.ids, time.time() + 60, should_stop=lambda: True)
