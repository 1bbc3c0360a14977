"""Invariants of the optimiser on random small problems, checked against brute force."""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recap.engine import Action, Problem, Synergy, optimize

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(0, 9))
    ids = [f"a{i}" for i in range(n)]
    resources = {"capex": draw(st.integers(0, 30)) * 1.0, "staff": draw(st.integers(0, 6)) * 0.5}
    sectors = ["health", "water", "energy"]
    actions = []
    for i in range(n):
        others = [x for x in ids if x != ids[i]]
        actions.append(
            Action(
                id=ids[i],
                value=draw(st.integers(0, 50)) * 1.0,
                uses={
                    "capex": draw(st.integers(0, 12)) * 1.0,
                    "staff": draw(st.integers(0, 4)) * 0.5,
                },
                sector=draw(st.sampled_from(sectors)),
                requires=tuple(draw(st.lists(st.sampled_from(others), max_size=1, unique=True)))
                if others
                else (),
                excludes=tuple(draw(st.lists(st.sampled_from(others), max_size=1, unique=True)))
                if others
                else (),
            )
        )
    synergies = ()
    if n >= 2 and draw(st.booleans()):
        pair = tuple(draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True)))
        synergies = (Synergy(actions=pair, bonus=draw(st.integers(0, 20)) * 1.0),)
    min_per_sector = {}
    if draw(st.booleans()):
        min_per_sector[draw(st.sampled_from(sectors))] = draw(st.integers(0, 2))
    max_actions = draw(st.none() | st.integers(0, n + 1))
    lock_in = tuple(draw(st.lists(st.sampled_from(ids), max_size=1))) if ids else ()
    lock_out = tuple(draw(st.lists(st.sampled_from(ids), max_size=1))) if ids else ()
    return Problem(
        resources=resources,
        actions=tuple(actions),
        synergies=synergies,
        min_per_sector=min_per_sector,
        max_actions=max_actions,
        must_include=lock_in,
        must_exclude=lock_out,
    )


def brute_force(problem: Problem) -> float | None:
    ids = problem.ids
    best = None
    for k in range(len(ids) + 1):
        for combo in itertools.combinations(ids, k):
            if not problem.violations(list(combo)):
                value = problem.objective_of(list(combo))
                best = value if best is None else max(best, value)
    return best


@SETTINGS
@given(problems())
def test_optimum_equals_brute_force_and_packages_are_feasible(problem: Problem) -> None:
    result = optimize(problem, time_limit=20)
    truth = brute_force(problem)
    if truth is None:
        assert result.status == "infeasible"
        assert result.selected == []
        assert result.reason
        return
    assert result.status == "optimal"
    assert problem.violations(result.selected) == []
    assert abs(result.objective - truth) < 1e-6
    assert abs(result.objective - problem.objective_of(result.selected)) < 1e-9
    assert result.bound >= result.objective - 1e-9


@SETTINGS
@given(problems(), st.integers(1, 20))
def test_more_budget_never_lowers_the_optimum(problem: Problem, extra: int) -> None:
    base = optimize(problem, time_limit=20)
    richer = replace(problem, resources={k: v + extra for k, v in problem.resources.items()})
    more = optimize(richer, time_limit=20)
    if base.status == "infeasible":
        return
    assert more.status == "optimal"
    assert more.objective >= base.objective - 1e-9


@SETTINGS
@given(problems())
def test_infeasibility_reason_names_constraints_that_really_conflict(problem: Problem) -> None:
    result = optimize(problem, time_limit=20)
    if result.status != "infeasible":
        return
    assert result.conflict
    kinds = {c["kind"] for c in result.conflict}
    # An empty package always fits, so something must force an action in.
    assert kinds & {"must_include", "sector"}
