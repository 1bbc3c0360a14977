"""The robust solves' first packages (`robust_start`), the start vectors handed to HiGHS
(`mip.start_vector`) and `optimize(start=...)`: they change the search, never the answer.
Brute force over every subset of small random problems, and the price-of-robustness curve
against a solve from scratch at every Γ."""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np
import pytest

from recap.engine import optimize, parse_problem
from recap.engine.mip import build_model, start_vector
from recap.engine.problem import Problem
from recap.engine.robust import price_of_robustness
from recap.engine.robust_start import guess, restricted, theta_of

from .test_uncertainty import _feasible, _random_problem, _value


def _packages(problem: Problem) -> list[list[str]]:
    ids = problem.ids
    return [list(c) for k in range(len(ids) + 1) for c in itertools.combinations(ids, k)]


@pytest.mark.parametrize("seed", range(10))
def test_every_package_of_a_restriction_fits_in_the_worst_case(seed: int) -> None:
    rng = random.Random(300 + seed)  # noqa: S311 - test data, not secrets
    data = _random_problem(rng, rng.randint(4, 7))
    k = rng.randint(1, 4)
    problem = parse_problem(data | {"robust": {"gamma": {"capex": k, "staff": 1}}})
    overruns = sorted({a.overrun("capex") for a in problem.actions} | {0.0})
    theta = {"capex": rng.choice(overruns), "staff": rng.choice([0.0, 1.0])}
    if seed % 2:  # one resource restricted, the other still robust
        del theta[rng.choice(["capex", "staff"])]
    narrow = restricted(problem, theta)
    assert set(narrow.gamma) == {"capex", "staff"} - set(theta)
    for package in _packages(problem):
        if not narrow.violations(package):
            assert not problem.violations(package), (theta, package)


@pytest.mark.parametrize("seed", range(12))
def test_the_restriction_at_the_optimums_theta_has_the_robust_optimum(seed: int) -> None:
    rng = random.Random(400 + seed)  # noqa: S311 - test data, not secrets
    data = _random_problem(rng, rng.randint(4, 7))
    for k in range(1, len(data["actions"]) + 1):
        gamma = {"capex": k, "staff": min(k, 1)}
        packages = _feasible(data, gamma)
        if not packages:
            continue
        best = max(_value(data, p) for p in packages)
        problem = parse_problem(data | {"robust": {"gamma": gamma}})
        optimum = max((p for p in packages if _value(data, p) == best), key=len)
        # θ from an optimal package: the restriction keeps that package, so its best is optimal.
        assert not restricted(problem, theta_of(problem, optimum)).violations(list(optimum))
        found = guess(problem, list(optimum))
        if all(k >= sum(1 for a in problem.actions if a.overrun(r)) for r, k in gamma.items()):
            assert found is None  # every robust row is already the plain one: nothing to guess
            continue
        assert found is not None and tuple(found) in packages
        assert _value(data, tuple(found)) == pytest.approx(best)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("futures", [0, 2])
@pytest.mark.parametrize("objective", ["max_min", "min_max_regret"])
def test_a_start_vector_meets_every_row_of_the_model(
    seed: int, futures: int, objective: str
) -> None:
    rng = random.Random(500 + seed)  # noqa: S311 - test data, not secrets
    data = _random_problem(rng, rng.randint(4, 7), futures=futures)
    if futures:
        data["futures"]["objective"] = objective
    problem = parse_problem(data | {"robust": {"gamma": {"capex": rng.randint(1, 3), "staff": 1}}})
    best = dict.fromkeys(problem.futures, 50.0)
    model = build_model(problem, best=best)
    for package in _packages(problem):
        if problem.violations(package):
            continue
        x = np.array(start_vector(problem, package, best))
        assert len(x) == model.n_cols
        assert np.all(x >= model.lower - 1e-9) and np.all(x <= model.upper + 1e-9)
        for coefs, lo, hi, _group in model.rows:
            lhs = sum(c * x[j] for j, c in coefs.items())
            assert lo - 1e-9 <= lhs <= hi + 1e-9
        if problem.futures:  # t is the package's worst value or its largest regret
            values = problem.future_values_of(package)
            want = (
                min(values.values())
                if objective == "max_min"
                else max(best[f] - values[f] for f in problem.futures)
            )
            assert x[-1] == pytest.approx(want)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("objective", [None, "max_min", "min_max_regret"])
def test_a_start_changes_the_search_not_the_optimum(seed: int, objective: str | None) -> None:
    rng = random.Random(600 + seed)  # noqa: S311 - test data, not secrets
    data = _random_problem(rng, 7, futures=2 if objective else 0)
    data["robust"] = {"gamma": {"capex": rng.randint(1, 3)}}
    if objective:
        data["futures"]["objective"] = objective
    problem = parse_problem(data)
    plain = optimize(problem)
    packages = [p for p in _packages(problem) if not problem.violations(p)]
    for start in [*rng.sample(packages, min(3, len(packages))), ["a0", "a1"], []]:
        again = optimize(problem, start=start)  # one that breaks a constraint is ignored
        assert again.status == plain.status
        assert again.objective == pytest.approx(plain.objective)
        assert not problem.violations(again.selected)


def _curve_problem(rng: random.Random, n: int) -> Problem:
    actions = []
    for j in range(n):
        budget = rng.choice(["capex_a", "capex_b"])
        use = round(rng.uniform(1, 9), 2)
        actions.append(
            {
                "id": f"x{j}",
                "value": round(rng.uniform(1, 30), 2),
                "uses": {budget: use, "staff": rng.choice([0, 1, 2])},
                "uses_high": {budget: round(use * (1 + rng.uniform(0, 0.8)), 2)},
                "sector": rng.choice(["health", "water"]),
            }
        )
    data = {
        "resources": {"capex_a": 4.0 * n / 3, "capex_b": 4.0 * n / 3, "staff": 0.6 * n},
        "actions": actions,
        "min_per_sector": {"water": 2},
    }
    return parse_problem(data)


@pytest.mark.parametrize("seed", range(4))
def test_the_curve_equals_a_solve_from_scratch_at_every_gamma(seed: int) -> None:
    """Every point, solved (from a guessed start) or not, against a plain solve at its Γ, on
    problems too big for brute force (two robust budgets, as in the benchmark)."""
    from dataclasses import replace

    rng = random.Random(700 + seed)  # noqa: S311 - test data, not secrets
    problem = _curve_problem(rng, 24)
    curve = price_of_robustness(problem, draws=500)
    assert curve["complete"] and curve["resources"] == ["capex_a", "capex_b"]
    assert [p["gamma"] for p in curve["points"]] == list(range(len(curve["points"])))
    assert sum(p["solved"] for p in curve["points"]) >= 3
    for p in curve["points"]:
        trial = replace(problem, gamma={"capex_a": p["gamma"], "capex_b": p["gamma"]})
        again = optimize(trial)
        assert again.status == p["status"] == "optimal"
        assert p["value"] == pytest.approx(again.objective, abs=1e-6)
        assert not trial.violations(p["selected"])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("objective", ["max_min", "min_max_regret"])
def test_the_curve_with_futures_is_the_optimum_at_every_gamma(seed: int, objective: str) -> None:
    rng = random.Random(800 + seed)  # noqa: S311 - test data, not secrets
    data = _random_problem(rng, 7, futures=2)
    data["futures"]["objective"] = objective
    curve = price_of_robustness(parse_problem(data), resources=["capex"], draws=500)
    names = data["futures"]["names"]
    for p in curve["points"]:
        packages = _feasible(data, {"capex": p["gamma"]})
        if p["status"] == "infeasible":
            assert not packages
            continue
        best = {f: max(_value(data, q, f) for q in packages) for f in names}
        if objective == "max_min":
            want = max(min(_value(data, q, f) for f in names) for q in packages)
        else:
            want = min(max(best[f] - _value(data, q, f) for f in names) for q in packages)
        assert p["status"] == "optimal"
        assert p["value"] == pytest.approx(want)
        assert tuple(p["selected"]) in packages


def test_the_granularity_of_the_values_proves_an_optimum_to_the_last_decimal() -> None:
    from recap.engine.mip import _granularity

    assert _granularity([3.0, 12.0]) == 1.0
    assert _granularity([2458.56, 0.1, 7.0]) == pytest.approx(0.01)
    assert _granularity([0.1 + 0.2, 1.5]) == pytest.approx(0.1)  # rounding is forgiven
    assert _granularity([1 / 3]) == 0.0
    assert _granularity([1234567.8915]) == pytest.approx(1e-4)
    data = {
        "resources": {"capex": 7},
        "actions": [
            {"id": "A", "value": 5.01, "uses": {"capex": 4}, "values": {"t": 5.37, "h": 1.11}},
            {"id": "B", "value": 4.02, "uses": {"capex": 3}, "values": {"t": 1.05, "h": 6.21}},
            {"id": "C", "value": 4.03, "uses": {"capex": 3}, "values": {"t": 3.33, "h": 3.12}},
        ],
        "futures": {"names": ["t", "h"], "objective": "min_max_regret"},
    }
    problem = parse_problem(data)
    assert build_model(problem, best={"t": 8.7, "h": 9.33}).granularity == pytest.approx(0.01)
    result = optimize(problem)
    assert result.status == "optimal" and result.bound == result.objective


@pytest.mark.parametrize("seed", range(6))
def test_two_workers_draw_the_same_curve_as_one(seed: int) -> None:
    """Points solved ahead on threads from guessed packages, with the guesses thrown away
    whenever one was not optimal, give the very points of the one-worker curve."""
    rng = random.Random(900 + seed)  # noqa: S311 - test data, not secrets
    problem = _curve_problem(rng, 30)
    one = price_of_robustness(problem, draws=500)
    two = price_of_robustness(problem, draws=500, workers=2)
    three = price_of_robustness(problem, draws=500, workers=3)
    for other in (two, three):
        assert other["complete"] == one["complete"]
        assert other["actions"] == one["actions"]
        assert [
            (p["gamma"], p["solved"], p["value"], sorted(p["selected"])) for p in other["points"]
        ] == [(p["gamma"], p["solved"], p["value"], sorted(p["selected"])) for p in one["points"]]


def test_a_stopped_curve_on_two_workers_interrupts_its_solves_and_leaves_no_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stopped while points are being solved on threads: `Stopped`, every solve under way is
    interrupted (each here waits, on its thread, for the curve's interrupt before it begins:
    without one it would wait 30 s and then be proven optimal), and no thread of the curve
    is left when it returns."""
    import threading

    from recap.engine import robust
    from recap.engine.errors import Stopped

    real = robust.optimize
    started = threading.Event()
    outcomes: list[str] = []

    def held(trial: Problem, **kwargs: Any) -> Any:
        if threading.current_thread() is threading.main_thread() or not any(trial.gamma.values()):
            return real(trial, **kwargs)
        started.set()
        interrupt = kwargs["interrupt"]
        for _ in range(300):
            if interrupt.called:
                break
            threading.Event().wait(0.1)
        result = real(trial, **kwargs)
        outcomes.append(result.status)
        return result

    monkeypatch.setattr(robust, "optimize", held)
    problem = _curve_problem(random.Random(950), 30)  # noqa: S311 - test data, not secrets
    with pytest.raises(Stopped):
        price_of_robustness(problem, draws=500, workers=2, should_stop=started.is_set)
    assert outcomes and "optimal" not in outcomes
    assert not [t for t in threading.enumerate() if t.name.startswith("robust-curve")]


def test_an_interrupt_stops_a_solve_from_another_thread_and_any_started_after() -> None:
    import threading

    from recap.engine.mip import Interrupt, run_highs

    problem = _curve_problem(random.Random(951), 400)  # noqa: S311 - test data, not secrets
    hard = build_model(replace_gamma(problem, 7))  # proven optimal in seconds, left alone
    interrupt = Interrupt()
    outcome: list[Any] = []
    solve = threading.Thread(
        target=lambda: outcome.append(run_highs(hard, time_limit=60, interrupt=interrupt))
    )
    solve.start()
    while not interrupt._running and solve.is_alive():  # called once the solve is under way
        threading.Event().wait(0.001)
    interrupt()
    solve.join()
    assert outcome[0].status in ("feasible", "no_solution")
    assert run_highs(hard, time_limit=60, interrupt=interrupt).status == "no_solution"


def replace_gamma(problem: Problem, gamma: int) -> Problem:
    from dataclasses import replace

    return replace(problem, gamma=dict.fromkeys(("capex_a", "capex_b"), gamma))
