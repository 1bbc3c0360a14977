"""Exact solves that first shrink the model by reduced-cost fixing, then let HiGHS finish.

At city sizes HiGHS spends most of a solve on the whole model's root (cuts, sub-MIPs, strong
branching over every column), and the futures' and robust models cannot shed their columns by
presolve (they solve faster without it, see FUTURES_OPTIONS and ROBUST_OPTIONS). Yet almost
every column is settled by the LP relaxation: with the LP optimum z_LP and its reduced costs
d, any package that flips binary j away from its LP value is worth at most z_LP − |d_j| (LP
duality: c·x ≤ z_LP + d·(x − x_LP), and each term is ≤ 0). So:

1. solve the LP relaxation (a few milliseconds);
2. a *guess*: fix every binary whose |d_j| is above the k-th smallest (k = GUESS_FREE, or a
   tenth of the free binaries), and solve that small problem for a good package. It is a
   heuristic: it only gives the proof a start;
3. the *proof*: fix only the binaries that no package better than the best one known can flip
   (z_LP − |d_j| below its value, with a margin for the LP's tolerances), and solve the rest
   exactly from that package. Every package worth more than the best known one is still in
   the model, so its optimum, bound and gap are those of the whole model.

HiGHS runs both small problems with presolve (which removes the fixed columns) and without
its own heuristics and restarts (the start is good, the problem small); the guess with a light
touch of them and at most 50 nodes. A start already good enough for the proof skips the guess;
a guess too poor for it (fewer than PROOF_SHARE of the binaries fixed) hands the whole model to
HiGHS from the guess. When the LP is not solved to optimality (infeasible, unbounded,
stopped), the whole model goes to HiGHS as before.

Measured against HiGHS on the whole model in the same run (benchmarks.uncertainty's city
portfolios, medians of three seeds, `optimize` with each): at 1,000 candidates nominal 1.42 →
0.17 s, robust Γ = 2 1.95 → 0.69 s, max-min over two futures 3.40 → 0.69 s, least maximum
regret 3.45 → 0.67 s; at 200 candidates nominal 23 → 23 ms, robust 83 → 72 ms, max-min 253 →
155 ms, regret 163 → 143 ms. The busy machine these ran on gave noisy figures; the ranking
held in every run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt

from .mip import Interrupt, MipOutcome, Model, prepare_highs, run_highs

#: How many binaries the guess leaves free, at least (a tenth of them on larger models).
GUESS_FREE = 40

#: Options for the two small problems: presolve on (it drops the fixed columns), no primal
#: heuristics (a good start is given), no symmetry detection, no restart.
SMALL_OPTIONS: dict[str, Any] = {
    "presolve": "on",
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_zi_round": False,
    "mip_heuristic_run_shifting": False,
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
    """How far the LP's tolerances may move a bound: fix nothing closer than this."""
    return 1e-5 * max(1.0, abs(z))


def _lp(model: Model, time_limit: float | None) -> tuple[float, np.ndarray, np.ndarray] | None:
    h = prepare_highs(model, relax=True, time_limit=time_limit)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    if not solution.dual_valid:
        return None
    objective = float(h.getInfo().objective_function_value)
    return objective, np.array(solution.col_value), np.array(solution.col_dual)


def _settled(
    model: Model, x: npt.NDArray[np.float64], d: npt.NDArray[np.float64]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of the free binaries: those at 1 and at 0 in the LP whose reduced cost says so (a
    maximisation: d ≥ 0 at the upper bound, ≤ 0 at the lower), and |d| of each binary."""
    nb = model.n_binary
    free = model.lower[:nb] < model.upper[:nb]
    at_one = free & (x[:nb] > 1 - 1e-9) & (d[:nb] > 0)
    at_zero = free & (x[:nb] < 1e-9) & (d[:nb] < 0)
    return at_one, at_zero, np.abs(d[:nb])


def _fixed(model: Model, lp: tuple[float, np.ndarray, np.ndarray], floor: float) -> Model:
    """The model with every binary fixed at its LP value that no package worth `floor` or more
    can flip, solved with SMALL_OPTIONS."""
    z, x, d = lp
    at_one, at_zero, size = _settled(model, x, d)
    out = z - size < floor
    lower, upper = model.lower.copy(), model.upper.copy()
    nb = model.n_binary
    lower[:nb][at_one & out] = 1.0
    upper[:nb][at_zero & out] = 0.0
    return replace(model, lower=lower, upper=upper, options=dict(SMALL_OPTIONS))


def _good(model: Model, lp: tuple[float, np.ndarray, np.ndarray], z: float) -> bool:
    """Whether a package worth `z` lets the proof fix at least PROOF_SHARE of the free
    binaries (a start that good needs no guess; a worse one, the whole model)."""
    nb = model.n_binary
    free = model.lower[:nb] < model.upper[:nb]
    small = _fixed(model, lp, z - _margin(z))
    return bool((small.lower[:nb] == small.upper[:nb])[free].sum() >= PROOF_SHARE * free.sum())


def _proven(z: float, bound: float, rel_gap: float, abs_gap: float | None) -> bool:
    """As HiGHS proves: within its default absolute gap (1e-6), `rel_gap` or `abs_gap`."""
    gap = bound - z
    return gap <= 1e-6 or gap <= rel_gap * abs(bound) or gap < (abs_gap or 0.0)


def _guess(
    model: Model,
    lp: tuple[float, np.ndarray, np.ndarray],
    start: tuple[np.ndarray | None, float],
    solve: Callable[..., MipOutcome],
) -> tuple[np.ndarray | None, float, int]:
    """The best of `start` and the package of the small problem in which only the binaries
    the LP is least sure of stay free (a heuristic: it gives the proof a start)."""
    x, z = start
    at_one, at_zero, size = _settled(model, lp[1], lp[2])
    sizes = np.sort(size[at_one | at_zero])
    keep = max(GUESS_FREE, model.n_binary // 10)
    if len(sizes) <= keep:
        return x, z, 0
    floor = max(z, lp[0] - sizes[keep] + _margin(lp[0]))
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
    """Maximise the model exactly as `run_highs` does (same statuses, bound and gaps), by the
    LP's reduced-cost fixing described above. `start` must meet every constraint."""
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
        lp = _lp(model, None if time_limit is None else 0.2 * time_limit)
    x = None if start is None else np.array(start, dtype=float)
    z = -np.inf if x is None else float(model.cost @ x)
    if lp is None:  # nothing to fix from: the whole model, as before
        return solve(model, 1.0, start)
    nodes = 0
    if x is None or not (_proven(z, lp[0], rel_gap, abs_gap) or _good(model, lp, z)):
        x, z, nodes = _guess(model, lp, (x, z), solve)
    if x is None:
        whole = solve(model, 1.0, None)
        return replace(whole, seconds=time.perf_counter() - t0, nodes=whole.nodes + nodes)
    status, bound = "optimal", lp[0]
    if not _proven(z, lp[0], rel_gap, abs_gap):
        if not _good(model, lp, z):
            whole = solve(model, 1.0, list(x))
            return replace(whole, seconds=time.perf_counter() - t0, nodes=whole.nodes + nodes)
        proof = solve(_fixed(model, lp, z - _margin(z)), 1.0, list(x))
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
        bound = lp[0] if proof.bound is None else min(proof.bound, lp[0])
    return MipOutcome(status, x, z, max(bound, z), time.perf_counter() - t0, nodes)
