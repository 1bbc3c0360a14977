"""Exact solves that first shrink the model by reduced-cost fixing, then let HiGHS finish.

At city sizes HiGHS spends most of a solve on the whole model's root (cuts, sub-MIPs, strong
branching over every column), and the futures' and robust models cannot shed their columns by
presolve (they solve faster without it, see FUTURES_OPTIONS and ROBUST_OPTIONS). Yet almost
every column is settled by the LP relaxation. With the LP's row duals y, and d = c − Aᵀy
recomputed here, every package x is worth c·x = y·Ax + d·x ≤ B = Σ max(y_i L_i, y_i U_i) +
Σ max(d_j l_j, d_j u_j): a bound that holds whatever the LP's tolerances (Neumaier and
Shcherbina's safe bound), equal to the LP's optimum when its duals are right. A package that
flips binary j away from where B puts it (1 if d_j > 0, 0 if d_j < 0) is worth at most
B − |d_j|. So:

1. solve the LP relaxation (a few milliseconds) and compute B;
2. a *guess*: fix every binary whose |d_j| is above the k-th smallest (k = GUESS_FREE, or a
   tenth of the binaries), and solve that small problem for a good package. It is a
   heuristic: it only gives the proof a start;
3. the *proof*: fix only the binaries that no package at least as good as the best one known
   can flip (B − |d_j| below its value, less a rounding allowance), and solve the rest from
   that package. Every package at least as good is still in the model, so its optimum is one
   of the whole model and its bound (at most B) holds for the whole model.

HiGHS runs both small problems with presolve (which removes the fixed columns) and without
its own heuristics and restarts (the start is good, the problem small); the guess with a light
touch of them and at most 50 nodes. A start already good enough for the proof skips the guess;
a guess too poor for it (fewer than PROOF_SHARE of the binaries fixed) hands the whole model to
HiGHS from the guess. When the LP is not solved to optimality (infeasible, unbounded,
stopped), the whole model goes to HiGHS as before.

Measured against HiGHS on the whole model in the same run (`python -m benchmarks.uncertainty
--sizes 50 200 1000 --seeds 3`, medians): at 1,000 candidates nominal 1.26 → 0.16 s, robust
Γ = 2 2.40 → 0.73 s, max-min over two futures 3.68 → 0.80 s, least maximum regret 4.23 →
0.90 s; at 200 candidates nominal 31 → 25 ms, robust 78 → 59 ms, max-min 245 → 159 ms, regret
233 → 185 ms; at 50 a wash (10-100 ms of HiGHS's own overhead either way).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, NamedTuple

import highspy
import numpy as np
import numpy.typing as npt

from .mip import HEURISTICS_OFF, Interrupt, MipOutcome, Model, prepare_highs, run_highs

#: How many binaries the guess leaves free, at least (a tenth of them on larger models).
GUESS_FREE = 40

#: Options for the two small problems: presolve on (it drops the fixed columns), no primal
#: heuristics (a good start is given), no symmetry detection, no restart.
SMALL_OPTIONS: dict[str, Any] = {
    "presolve": "on",
    **HEURISTICS_OFF,
    "mip_detect_symmetry": False,
    "mip_allow_restart": False,
}


#: The guess needs a good package, not a proof: HiGHS's primal heuristics on (lightly) and at
#: most 50 nodes. Solved to the end, the guess took 2-4.5 s of 1,000-candidate robust and regret
#: solves; so limited, the sums over three seeds went from 5.0 to 3.6 s (robust), 2.2 to 1.1 s
#: (max-min) and 8.3 to 1.4 s (regret), and over six seeds at 200 candidates from 1.1 to 0.73 s
#: (robust) and 0.61 to 0.53 s (max-min), regret unchanged; a node limit without the
#: heuristics gave poor guesses and slow proofs (sums of `optimize` over
#: benchmarks.uncertainty's portfolios, before a good start skipped the guess).
GUESS_OPTIONS: dict[str, Any] = {
    "mip_max_nodes": 50,
    "mip_heuristic_effort": 0.05,
    "mip_heuristic_run_feasibility_jump": True,
    "mip_heuristic_run_rins": True,
    "mip_heuristic_run_rens": True,
}

#: The proof runs on the fixed model only when at least this share of the free binaries is
#: fixed; with fewer (a poor guess) it is nearly the whole model, which HiGHS then solves from
#: the guess with the model's own options, as before.
PROOF_SHARE = 0.5


def _margin(z: float) -> float:
    """How far below the incumbent the proof still keeps packages: a package worth a hair
    less than it may be the same one, summed in another order."""
    return 1e-9 * max(1.0, abs(z))


def _rounding(b: float) -> float:
    """What floating-point sums may have moved the safe bound by."""
    return 1e-9 * max(1.0, abs(b))


class _Bound(NamedTuple):
    """A proven upper bound on every package's value, and each binary's reduced cost under
    the same duals: flipping binary j away from where the bound puts it costs at least |d_j|
    (to 1 when d_j > 0, to 0 when d_j < 0)."""

    value: float
    d: npt.NDArray[np.float64]


def _terms(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """max(y·lo, y·hi) term by term, with 0·∞ = 0."""
    with np.errstate(invalid="ignore"):
        out = np.where(y > 0, y * hi, np.where(y < 0, y * lo, 0.0))
    return np.asarray(out, dtype=float)


def _lp(model: Model, time_limit: float | None, interrupt: Interrupt | None) -> _Bound | None:
    """The LP relaxation's bound, made safe: with the LP's row duals y and d = c − Aᵀy
    recomputed here, every package x is worth c·x = y·Ax + d·x ≤ Σ max(y_i L_i, y_i U_i) +
    Σ max(d_j l_j, d_j u_j), whatever the LP's tolerances or sign conventions (a wrong sign
    only weakens the bound). A column with an infinite bound and |d_j| below 1e-9 counts as
    0 (the futures' free t, basic in the LP). None when the LP ends otherwise than optimal
    or the bound is infinite: nothing is then fixed."""
    h = prepare_highs(model, relax=True, time_limit=time_limit)
    if interrupt is None:
        h.run()
    elif not interrupt.run(h):
        return None
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    if not solution.dual_valid:
        return None
    y = np.array(solution.row_dual, dtype=float)
    a, row_lo, row_hi = model.matrix()
    d = model.cost.astype(float) - a.T @ y
    unbounded = ~np.isfinite(model.lower) | ~np.isfinite(model.upper)
    d[unbounded & (np.abs(d) < 1e-9)] = 0.0
    value = float(_terms(y, row_lo, row_hi).sum() + _terms(d, model.lower, model.upper).sum())
    if not np.isfinite(value):
        return None
    return _Bound(value, d)


def _fixed(model: Model, bound: _Bound, floor: float) -> Model:
    """The model with every free binary fixed where the bound puts it when no package worth
    `floor` or more can flip it, solved with SMALL_OPTIONS."""
    nb = model.n_binary
    free = model.lower[:nb] < model.upper[:nb]
    d = bound.d[:nb]
    out = free & (bound.value - np.abs(d) < floor - _rounding(bound.value))
    lower, upper = model.lower.copy(), model.upper.copy()
    lower[:nb][out & (d > 0)] = 1.0
    upper[:nb][out & (d < 0)] = 0.0
    return replace(model, lower=lower, upper=upper, options=dict(SMALL_OPTIONS))


def _proof_model(model: Model, lp: _Bound, z: float) -> Model | None:
    """The proof's model from a package worth `z`, if it fixes at least PROOF_SHARE of the
    free binaries (a start that good needs no guess); None otherwise (a worse one hands the
    whole model to HiGHS)."""
    nb = model.n_binary
    free = model.lower[:nb] < model.upper[:nb]
    small = _fixed(model, lp, z - _margin(z))
    fixed = (small.lower[:nb] == small.upper[:nb])[free].sum()
    return small if fixed >= PROOF_SHARE * free.sum() else None


def _meets(model: Model, x: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether `x` is within every bound and row of the model (HiGHS's feasibility
    tolerance), binaries whole."""
    nb = model.n_binary
    if len(x) != model.n_cols or np.any(np.abs(x[:nb] - np.round(x[:nb])) > tol):
        return False
    if np.any(x < model.lower - tol) or np.any(x > model.upper + tol):
        return False
    a, lo, hi = model.matrix()
    used = a @ x  # an open side's ±inf stays ±inf below: never broken
    below = used < lo - tol * np.maximum(1.0, np.abs(lo))
    above = used > hi + tol * np.maximum(1.0, np.abs(hi))
    return not (below.any() or above.any())


def _proven(z: float, bound: float, rel_gap: float, abs_gap: float | None) -> bool:
    """Proven within HiGHS's default absolute gap (1e-6), `rel_gap` (of the bound) or
    `abs_gap`."""
    gap = bound - z
    return gap <= 1e-6 or gap <= rel_gap * abs(bound) or gap < (abs_gap or 0.0)


def _guess(
    model: Model,
    lp: _Bound,
    start: tuple[np.ndarray | None, float],
    solve: Callable[..., MipOutcome],
) -> tuple[np.ndarray | None, float, int]:
    """The best of `start` and the package of the small problem in which only the binaries
    the LP is least sure of stay free (a heuristic: it gives the proof a start)."""
    x, z = start
    nb = model.n_binary
    free = model.lower[:nb] < model.upper[:nb]
    sizes = np.sort(np.abs(lp.d[:nb][free & (lp.d[:nb] != 0)]))
    keep = max(GUESS_FREE, nb // 10)
    if len(sizes) <= keep:
        return x, z, 0
    floor = max(z, lp.value - sizes[keep] + 2 * _rounding(lp.value))
    small = _fixed(model, lp, floor)
    small.options.update(GUESS_OPTIONS)
    guess = solve(small, 0.3, None if x is None else list(x))
    if guess.x is not None and guess.objective is not None and guess.objective > z:
        return guess.x, guess.objective, guess.nodes
    return x, z, guess.nodes


def run_fixing(
    model: Model,
    *,
    time_limit: float | None = None,
    rel_gap: float = 0.0,
    start: list[float] | None = None,
    abs_gap: float | None = None,
    interrupt: Interrupt | None = None,
) -> MipOutcome:
    """Maximise the model as `run_highs` does (the same statuses, an optimum of the whole
    model, a bound that holds for it), by the LP's reduced-cost fixing described above; the
    LP takes up to a fifth of `time_limit` and answers `interrupt` too. A `start` that does
    not meet every bound and row is ignored, as HiGHS ignores it."""
    t0 = time.perf_counter()

    def solve(m: Model, share: float, x0: list[float] | None) -> MipOutcome:
        limit = None
        if time_limit is not None:
            limit = max(0.01, share * (time_limit - (time.perf_counter() - t0)))
        return run_highs(
            m, time_limit=limit, rel_gap=rel_gap, start=x0, abs_gap=abs_gap, interrupt=interrupt
        )

    lp = None
    if model.n_binary and not (interrupt is not None and interrupt.called):
        lp = _lp(model, None if time_limit is None else 0.2 * time_limit, interrupt)
    x = None if start is None else np.array(start, dtype=float)
    if x is not None and not _meets(model, x):
        x = None  # HiGHS would refuse it too; the LP's bound proves nothing about it
    z = -np.inf if x is None else float(model.cost @ x)
    if lp is None:  # nothing to fix from: the whole model, as before
        return solve(model, 1.0, start)
    nodes = 0
    proven = x is not None and _proven(z, lp.value, rel_gap, abs_gap)
    small = None if x is None or proven else _proof_model(model, lp, z)
    if x is None or (not proven and small is None):
        x, z, nodes = _guess(model, lp, (x, z), solve)
        proven = x is not None and _proven(z, lp.value, rel_gap, abs_gap)
        small = None if x is None or proven else _proof_model(model, lp, z)
    if x is None:
        whole = solve(model, 1.0, None)
        return replace(whole, seconds=time.perf_counter() - t0, nodes=whole.nodes + nodes)
    status, bound = "optimal", lp.value
    if not proven:
        if small is None:
            whole = solve(model, 1.0, list(x))
            return replace(whole, seconds=time.perf_counter() - t0, nodes=whole.nodes + nodes)
        proof = solve(small, 1.0, list(x))
        nodes += proof.nodes
        if proof.status not in ("optimal", "feasible", "no_solution"):
            # The start meets every fixing, so the fixed model cannot be infeasible: only a
            # numerical failure gets here. The whole model decides, from the start.
            whole = solve(model, 1.0, list(x))
            return replace(whole, seconds=time.perf_counter() - t0, nodes=whole.nodes + nodes)
        if proof.x is not None and proof.objective is not None and proof.objective >= z:
            x, z = proof.x, proof.objective
        # Every package better than the start lies in the fixed model: its bound holds for
        # all, and an optimum of the fixed model is one of the whole.
        status = "optimal" if proof.status == "optimal" else "feasible"
        bound = lp.value if proof.bound is None else min(proof.bound, lp.value)
    return MipOutcome(status, x, z, max(bound, z), time.perf_counter() - t0, nodes)
