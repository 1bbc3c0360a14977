"""Reduced-cost fixing (`engine.fixing`): the same optimum as HiGHS on the whole model, for
every kind of model (nominal, robust, max-min, least maximum regret), with the guess and the
proof both doing real work; and the statuses of a time limit, an interrupt and no package."""

from __future__ import annotations

import sys
from collections.abc import Mapping
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
    (and so every package at least as good) is still in it; a higher floor fixes more."""
    problem = _kinds(150, 3)["robust"]
    model, abs_gap = _model(problem)
    best = run_highs(model, abs_gap=abs_gap)
    assert best.x is not None and best.objective is not None
    lp = fixing._lp(model, None, None)
    assert lp is not None
    assert lp.value == pytest.approx(run_highs(model, relax=True).objective, abs=1e-6)
    proof = fixing._fixed(model, lp, best.objective - fixing._margin(best.objective))
    nb = model.n_binary
    fixed = proof.lower[:nb] == proof.upper[:nb]
    assert fixed.sum() > 0.5 * nb
    x = np.round(best.x[:nb])
    assert np.all(proof.lower[:nb] <= x) and np.all(x <= proof.upper[:nb])
    eager = fixing._fixed(model, lp, lp.value)
    assert (eager.lower[:nb] == eager.upper[:nb]).sum() > fixed.sum()


def test_the_guess_and_the_proof_both_run_on_small_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[float, bool]] = []

    def recorded(m, **kw):  # type: ignore[no-untyped-def]
        nb = m.n_binary
        free = (m.lower[:nb] < m.upper[:nb]).sum()
        seen.append((1 - free / nb, "mip_max_nodes" in m.options))
        return run_highs(m, **kw)

    monkeypatch.setattr(fixing, "run_highs", recorded)
    for kind in ("nominal", "robust", "max_min"):
        seen.clear()
        model, abs_gap = _model(_kinds(150, 5)[kind])
        assert fixing.run_fixing(model, abs_gap=abs_gap).status == "optimal"
        guesses = [share for share, guess in seen if guess]
        proofs = [share for share, guess in seen if not guess]
        assert guesses and guesses[0] > 0.5, (kind, seen)  # the guess leaves few free
        if proofs:  # unless the guess met the LP's bound, the proof ran on a fixed model
            assert proofs[0] >= fixing.PROOF_SHARE * 0.9, (kind, seen)


@pytest.mark.parametrize("seed", range(4))
def test_the_proof_alone_reaches_the_optimum_from_a_start_one_action_short(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No guess (it hands the start back) and the proof run whatever it fixes: from the
    optimum less one action, the proof must find the optimum itself (a too-eager floor is
    caught on the weak LP below; these portfolios' LPs agree with their optima on every
    binary they fix)."""
    monkeypatch.setattr(fixing, "_guess", lambda _m, _lp, start, _solve: (*start, 0))
    monkeypatch.setattr(fixing, "PROOF_SHARE", 0.0)  # the proof, however few it fixes
    proofs: list[bool] = []

    def recorded(m, **kw):  # type: ignore[no-untyped-def]
        proofs.append(m.options.get("presolve") == "on")
        return run_highs(m, **kw)

    monkeypatch.setattr(fixing, "run_highs", recorded)
    for kind in ("nominal", "robust", "max_min"):
        problem = _kinds(150, 20 + seed)[kind]
        model, abs_gap = _model(problem)
        best = optimize(problem, fixing=False)
        short = next(
            [a for a in best.selected if a != drop]
            for drop in sorted(best.selected, key=lambda i: problem.actions[problem.index[i]].value)
            if not problem.violations([a for a in best.selected if a != drop])
        )
        proofs.clear()
        found = fixing.run_fixing(model, abs_gap=abs_gap, start=start_vector(problem, short))
        assert proofs == [True], kind  # the proof ran, on the fixed model, and nothing else
        assert found.status == "optimal"
        assert found.objective == pytest.approx(best.objective, abs=1e-6), kind


def _weak_lp() -> Problem:
    """A knapsack whose LP takes the wrong item: capacity 10, A (6, worth 7) has the best
    ratio and the LP takes it whole (bound 11), but the optimum is B + C (5 + 5, worth 10);
    fifty fillers that never fit make the model large enough for the guess."""
    actions = [
        {"id": "A", "value": 7, "uses": {"capex": 6}},
        {"id": "B", "value": 5, "uses": {"capex": 5}},
        {"id": "C", "value": 5, "uses": {"capex": 5}},
    ]
    actions += [{"id": f"F{k:02d}", "value": 0.5, "uses": {"capex": 10}} for k in range(50)]
    return parse_problem({"resources": {"capex": 10}, "actions": actions})


def test_a_floor_above_the_optimum_would_cut_it_off_and_the_proof_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a weak LP the fixing's floor matters: at the optimum it keeps B + C, a little
    above it fixes A in and loses them; and the proof from the poor start {A}, with no guess,
    finds B + C."""
    problem = _weak_lp()
    model, abs_gap = _model(problem)
    lp = fixing._lp(model, None, None)
    assert lp is not None and lp.value == pytest.approx(11.0)
    optimum = np.array(start_vector(problem, ["B", "C"]))
    for floor, kept in ((10.0 - fixing._margin(10.0), True), (10.5, False)):
        fixed = fixing._fixed(model, lp, floor)
        inside = np.all(fixed.lower <= optimum) and np.all(optimum <= fixed.upper)
        assert inside == kept, floor
    monkeypatch.setattr(fixing, "_guess", lambda _m, _lp, start, _solve: (*start, 0))
    monkeypatch.setattr(fixing, "PROOF_SHARE", 0.0)
    found = fixing.run_fixing(model, abs_gap=abs_gap, start=start_vector(problem, ["A"]))
    assert found.status == "optimal" and found.objective == pytest.approx(10.0)
    assert optimize(problem).selected == ["B", "C"]


def _scaled(problem: Problem, k: float) -> Problem:
    """Every use, range and limit times k: budgets in currency units, not millions."""

    def times(uses: Mapping[str, float]) -> dict[str, float]:
        return {r: x * k for r, x in uses.items()}

    actions = tuple(
        replace(a, uses=times(a.uses), uses_low=times(a.uses_low), uses_high=times(a.uses_high))
        for a in problem.actions
    )
    resources = {r: x * k for r, x in problem.resources.items()}
    return replace(problem, actions=actions, resources=resources)


@pytest.mark.parametrize("seed", range(3))
def test_budgets_in_currency_units_keep_the_optimum(seed: int) -> None:
    """Costs a million times larger make the robust model's dual columns a million times
    wider: the bound stays safe and the optimum is HiGHS's on the whole model."""
    for kind in ("robust", "robust_every", "min_max_regret"):
        problem = _scaled(_kinds(120, 10 + seed)[kind], 1e6)
        model, abs_gap = _model(problem)
        whole = run_highs(model, abs_gap=abs_gap)
        fixed = fixing.run_fixing(model, abs_gap=abs_gap)
        assert fixed.status == whole.status == "optimal", kind
        assert fixed.objective == pytest.approx(whole.objective, abs=1e-6), kind


def test_a_start_that_breaks_a_row_is_ignored() -> None:
    problem = _kinds(150, 4)["nominal"]
    model, abs_gap = _model(problem)
    everything = [1.0] * model.n_cols  # every action: far over every budget
    assert not fixing._meets(model, np.array(everything))
    whole = run_highs(model, abs_gap=abs_gap)
    fixed = fixing.run_fixing(model, abs_gap=abs_gap, start=everything)
    assert fixed.status == "optimal"
    assert fixed.objective == pytest.approx(whole.objective, abs=1e-6)


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


def test_a_stopped_proof_ends_feasible_with_a_bound_for_the_whole_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The proof stopped after one node (as a time limit would): the best package so far,
    and a bound that holds for the whole model."""

    def one_node_proof(m, **kw):  # type: ignore[no-untyped-def]
        if "mip_max_nodes" not in m.options and m.options.get("presolve") == "on":
            m.options = {**m.options, "mip_max_nodes": 1}
        return run_highs(m, **kw)

    problem = _kinds(150, 2)["min_max_regret"]
    model, abs_gap = _model(problem)
    full = run_highs(model, abs_gap=abs_gap)
    assert full.objective is not None
    monkeypatch.setattr(fixing, "run_highs", one_node_proof)
    short = fixing.run_fixing(model, abs_gap=abs_gap, start=list(_greedy_start(problem)))
    assert short.status in ("optimal", "feasible")
    assert short.objective is not None and short.bound is not None
    assert short.objective <= full.objective + 1e-6 <= short.bound + 2e-6


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
