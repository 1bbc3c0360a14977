"""Reduced-cost fixing (`engine.fixing`): the same optimum as HiGHS on the whole model, for
every kind of model (nominal, robust, max-min, least maximum regret), with the guess and the
proof both doing real work; and the statuses of a time limit, an interrupt and no package."""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import pytest
from benchmarks.generate import city_portfolio, with_uncertainty

from recap.engine import fixing
from recap.engine.greedy import greedy_package
from recap.engine.mip import Interrupt, build_model, run_highs, start_vector
from recap.engine.optimize import best_per_future, optimize
from recap.engine.problem import Problem, parse_problem


def _kinds(n: int, seed: int) -> dict[str, Problem]:
    base = with_uncertainty(city_portfolio(n, seed), seed, futures=2)
    nominal = replace(base, futures=())
    return {
        "nominal": nominal,
        "robust": replace(nominal, gamma={r: 2 for r in base.resources if r.startswith("capex")}),
        "robust_every": replace(nominal, gamma=dict.fromkeys(base.resources, 4)),
        "max_min": replace(base, future_objective="max_min"),
        "min_max_regret": replace(base, future_objective="min_max_regret"),
    }


def _model(problem: Problem):  # type: ignore[no-untyped-def]
    best = None
    if problem.futures:
        best = best_per_future(problem, time_limit=None).values
    model = build_model(problem, best=best)
    return model, 0.999 if model.all_integral else None


def _greedy_start(problem: Problem) -> np.ndarray:
    package = greedy_package(problem)
    assert package is not None and not problem.violations(package)
    return np.array(start_vector(problem, package), dtype=float)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n", [60, 150])
def test_fixing_finds_the_optimum_highs_finds_on_the_whole_model(n: int, seed: int) -> None:
    for kind, problem in _kinds(n, seed).items():
        model, abs_gap = _model(problem)
        whole = run_highs(model, abs_gap=abs_gap)
        fixed = fixing.run_fixing(model, abs_gap=abs_gap)
        assert fixed.status == whole.status == "optimal", kind
        assert fixed.objective == pytest.approx(whole.objective, abs=1e-6), kind
        assert fixed.bound is not None and fixed.objective is not None
        assert fixed.bound >= fixed.objective - 1e-9
        # The package it returns meets every row and scores what it claims.
        assert fixed.x is not None
        assert float(model.cost @ fixed.x) == pytest.approx(fixed.objective, abs=1e-6)
        for coefs, lo, hi, _group in model.rows:
            used = sum(c * fixed.x[j] for j, c in coefs.items())
            assert lo - 1e-6 <= used <= hi + 1e-6, (kind, _group)


def test_optimize_answers_as_the_whole_model_would_on_every_kind() -> None:
    """Through `optimize` (starts, futures' bests, abs gaps), with and without fixing."""
    for kind, problem in _kinds(120, 7).items():
        with_fixing = optimize(problem)
        without = optimize(problem, fixing=False)  # the whole model, as before
        assert with_fixing.status == without.status == "optimal", kind
        assert with_fixing.objective == pytest.approx(without.objective, abs=1e-6), kind


def test_the_proof_fixes_most_columns_and_keeps_every_better_package() -> None:
    """With the optimum known, the proof's model has most binaries fixed, and the optimum
    (and so every package at least as good) is still in it; the guess leaves only the
    binaries the LP is least sure of free."""
    problem = _kinds(150, 3)["robust"]
    model, abs_gap = _model(problem)
    best = run_highs(model, abs_gap=abs_gap)
    assert best.x is not None and best.objective is not None
    lp = fixing._lp(model, None)
    assert lp is not None
    proof = fixing._fixed(model, lp, best.objective - fixing._margin(best.objective))
    nb = model.n_binary
    fixed = proof.lower[:nb] == proof.upper[:nb]
    assert fixed.sum() > 0.5 * nb
    x = np.round(best.x[:nb])
    assert np.all(proof.lower[:nb] <= x) and np.all(x <= proof.upper[:nb])
    # Too high a floor would cut the optimum off: the fixing is what keeps it.
    greedy = fixing._fixed(model, lp, lp[0])
    assert (greedy.lower[:nb] == greedy.upper[:nb]).sum() > fixed.sum()


def test_an_impossible_problem_is_infeasible_and_a_stopped_one_keeps_its_start() -> None:
    impossible = parse_problem(
        {
            "resources": {"capex": 1},
            "actions": [{"id": "a", "value": 1, "uses": {"capex": 2}}],
            "must_include": ["a"],
        }
    )
    model, _ = _model(impossible)
    assert fixing.run_fixing(model).status == "infeasible"
    assert optimize(impossible).status == "infeasible"

    problem = _kinds(150, 1)["nominal"]
    model, _ = _model(problem)
    start = _greedy_start(problem)
    stop = Interrupt()
    stop()  # before anything runs: as run_highs, no package
    assert fixing.run_fixing(model, start=list(start), interrupt=stop).status == "no_solution"


def test_an_interrupt_after_the_guess_keeps_the_best_package_so_far(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _kinds(150, 1)["nominal"]
    model, abs_gap = _model(problem)
    start = _greedy_start(problem)
    stop = Interrupt()
    runs: list[str] = []

    def guess_then_stop(m, **kw):  # type: ignore[no-untyped-def]
        out = run_highs(m, **kw)
        runs.append(out.status)
        stop()  # the proof, next, is refused
        return out

    monkeypatch.setattr(fixing, "run_highs", guess_then_stop)
    stopped = fixing.run_fixing(model, start=list(start), abs_gap=abs_gap, interrupt=stop)
    assert runs[0] == "optimal"  # the guess ran to its end; the proof did not
    assert stopped.status == "feasible" and stopped.x is not None
    assert stopped.objective is not None and stopped.objective >= float(model.cost @ start)
    assert stopped.bound is not None and stopped.bound >= stopped.objective


def test_a_time_limit_ends_with_a_true_bound() -> None:
    problem = _kinds(150, 2)["min_max_regret"]
    model, abs_gap = _model(problem)
    full = run_highs(model, abs_gap=abs_gap)
    short = fixing.run_fixing(model, abs_gap=abs_gap, time_limit=0.01)
    assert short.status in ("optimal", "feasible", "no_solution")
    assert full.objective is not None
    if short.bound is not None:
        assert short.bound >= full.objective - 1e-6
    if short.objective is not None:
        assert short.objective <= full.objective + 1e-6


def test_fixing_off_hands_every_solve_to_highs_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """`fixing=False` (the comparisons' switch) reaches the futures' bests too."""
    module = sys.modules["recap.engine.optimize"]  # the package's `optimize` is the function

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("fixed")

    monkeypatch.setattr(module, "run_fixing", refuse)
    kinds = _kinds(60, 0)
    assert optimize(kinds["min_max_regret"], fixing=False).status == "optimal"
    with pytest.raises(AssertionError, match="fixed"):
        optimize(kinds["nominal"])
