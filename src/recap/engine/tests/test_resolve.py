"""Re-solving with one action forced in or out through the reduced-cost core gives exactly what
a full re-optimisation gives, on problems with every kind of constraint."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from recap.engine import optimize, parse_problem, resolve
from recap.engine.explain import explain
from recap.engine.problem import Problem
from recap.engine.resolve import Resolver


def generated(n: int, seed: int, *, rich: bool) -> Problem:
    rng = np.random.default_rng(seed)
    sectors = ["health", "water", "drm", "energy"]
    actions: list[dict[str, Any]] = []
    for i in range(n):
        action: dict[str, Any] = {
            "id": f"a{i}",
            "value": round(float(rng.uniform(1, 100)), 3),
            "uses": {
                "capex": float(rng.integers(1, 50)),
                "staff": float(rng.integers(0, 5)),
                "land": float(rng.integers(0, 3)),
            },
            "sector": sectors[i % len(sectors)],
        }
        if rich and i % 17 == 3:
            action["requires"] = [f"a{i - 1}"]
        if rich and i % 19 == 5 and i + 1 < n:
            action["excludes"] = [f"a{i + 1}"]
        actions.append(action)
    spec: dict[str, Any] = {
        "resources": {"capex": 12.0 * n, "staff": 0.4 * n, "land": 0.3 * n},
        "actions": actions,
        "max_actions": n // 3,
    }
    if rich:
        spec["min_per_sector"] = {"health": 2, "drm": 1}
        spec["synergies"] = [{"actions": ["a1", "a2"], "bonus": 30.0}]
        spec["must_include"] = ["a0"]
        spec["must_exclude"] = ["a7"]
    return parse_problem(spec)


@pytest.mark.parametrize(("n", "seed", "rich"), [(60, 1, True), (90, 2, False), (120, 3, True)])
def test_every_forced_solve_matches_a_full_reoptimisation(n: int, seed: int, rich: bool) -> None:
    problem = generated(n, seed, rich=rich)
    base = optimize(problem, time_limit=30)
    assert base.status == "optimal"
    resolver = Resolver(problem)
    answered = 0
    for action in problem.actions:
        chosen = action.id not in base.selected
        if (chosen and action.id in problem.must_exclude) or (
            not chosen and action.id in problem.must_include
        ):
            assert resolver.fixed(action.id, chosen) is None  # against a lock
            continue
        forced = (
            replace(problem, must_include=(*problem.must_include, action.id))
            if chosen
            else replace(problem, must_exclude=(*problem.must_exclude, action.id))
        )
        full = optimize(forced, time_limit=30)
        found = resolver.fixed(action.id, chosen)
        if full.status == "infeasible":
            assert found is None
            continue
        assert found is not None, action.id
        picked, value = found
        answered += 1
        assert value == pytest.approx(full.objective, abs=1e-6), action.id
        assert forced.violations(picked) == []  # the package meets every constraint
        assert (action.id in picked) == chosen
    assert answered > n * 0.8


def test_explanations_are_the_same_through_the_core(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = generated(80, 4, rich=True)
    plain = explain(problem, time_limit=30)
    monkeypatch.setattr(resolve, "CORE_FROM", 1)
    cored = explain(problem, time_limit=30)
    assert cored["selected"] == plain["selected"]
    for ident, entry in plain["actions"].items():
        other = cored["actions"][ident]
        for key in ("loss_if_removed", "cost_to_include"):
            if key in entry:
                assert other[key] == pytest.approx(entry[key], abs=1e-6), (ident, key)
        for key in ("locked_in", "cannot_remove", "cannot_add", "kept_out_because"):
            assert (key in entry) == (key in other), (ident, key)


def test_a_weightings_best_package_matches_a_full_optimisation() -> None:
    problem = generated(100, 5, rich=True)
    resolver = Resolver(problem)
    rng = np.random.default_rng(9)
    for _ in range(15):
        values = rng.uniform(0, 100, size=len(problem.actions))
        picked = resolver.best(values)
        valued = replace(
            problem,
            actions=tuple(
                replace(a, value=float(v)) for a, v in zip(problem.actions, values, strict=True)
            ),
        )
        full = optimize(valued, time_limit=30)
        assert picked is not None
        assert valued.objective_of(picked) == pytest.approx(full.objective, abs=1e-6)
        assert valued.violations(picked) == []
