"""Budget risk of a package: how likely each budget is to hold when costs are ranges.

Contract: `budget_risk(problem, selected, draws=, seed=, distribution=, correlation=,
workers=)` draws each chosen action's use of each resource from its range (`uses_low` / `uses`
/ `uses_high`: optimistic, most likely, pessimistic; a side not given is the most likely), on
`workers` threads, and returns, per resource, the probability that the package's total stays
within the limit, the sampling error of that probability (√(p(1−p)/n)), the mean and the
P50 / P80 / P90 totals, and the same probability for every limit holding at once. The same
seed gives the same figures, on any number of threads.

Distributions: `triangular` (the default; low, mode, high), `pert` (the Beta-PERT of the same
three points, shape 4: less weight in the tails) and `uniform` (low to high, the mode ignored;
it has closed forms the tests check against). `correlation` ρ ∈ [0, 1] makes the draws of
actions that share a `reference_class` move together (a one-factor Gaussian copula: each
class has one common normal factor with weight √ρ); actions without a class stay independent.

How: inverse-transform sampling in chunks (so memory stays bounded whatever `draws` is), each
chunk from its own stream of the seed (`SeedSequence(seed).spawn`), so `workers` threads give
the same figures as one, and shaped and summed in blocks that stay in a core's cache; only the
(action, resource) pairs whose range has a width are drawn, the rest add a constant. 100,000
draws of a 200-action package (`python -m benchmarks.uncertainty --sizes 200`, best of three,
one worker / two): triangular 0.24 / 0.13 s, PERT 0.36 / 0.23 s, PERT correlated within
classes 0.84 / 0.46 s.
`parse_risk(data)` reads the `recap budget-risk` spec: a problem plus `selected`, `draws`,
`seed`, `distribution`, `correlation`.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from . import validate as v
from .errors import ProblemError
from .parallel import cores
from .problem import Problem, parse_problem

DISTRIBUTIONS = ("triangular", "pert", "uniform")
RISK_KEYS = ("selected", "draws", "seed", "distribution", "correlation")
MAX_DRAWS = 1_000_000
CHUNK = 4096
PERCENTILES = (50, 80, 90)
Array = npt.NDArray[np.float64]
PertRows = npt.NDArray[np.complex128]  # per column: quantile + i × step to the next cell


@dataclass(frozen=True)
class RiskSpec:
    problem: Problem
    selected: tuple[str, ...]
    draws: int = 100_000
    seed: int = 0
    distribution: str = "triangular"
    correlation: float = 0.0


def parse_risk(data: Any) -> RiskSpec:
    root = v.obj(data, "")
    problem = parse_problem({k: x for k, x in root.items() if k not in RISK_KEYS})
    known = set(problem.index)
    selected = []
    for k, item in enumerate(v.array(v.required(root, "selected", ""), "selected")):
        ident = v.string(item, v.join("selected", k))
        if ident not in known:
            raise ProblemError(v.join("selected", k), f"unknown action id {ident!r}")
        selected.append(ident)
    draws = v.integer(root.get("draws", 100_000), "draws", minimum=100)
    if draws > MAX_DRAWS:
        raise ProblemError("draws", f"must be a whole number from 100 to {MAX_DRAWS:,}")
    seed = v.integer(root.get("seed", 0), "seed", minimum=0)
    if seed >= 2**63:
        raise ProblemError("seed", "must be a whole number below 2^63")
    distribution = v.string(root.get("distribution", "triangular"), "distribution")
    if distribution not in DISTRIBUTIONS:
        raise ProblemError("distribution", f"must be one of: {', '.join(DISTRIBUTIONS)}")
    correlation = v.number(root.get("correlation", 0.0), "correlation", minimum=0)
    if correlation > 1:
        raise ProblemError("correlation", "must be a number from 0 to 1")
    return RiskSpec(problem, tuple(dict.fromkeys(selected)), draws, seed, distribution, correlation)


@dataclass(frozen=True)
class _Ranges:
    """The drawn (action, resource) pairs of a package as arrays, and the fixed part."""

    low: Array
    mode: Array
    high: Array
    resource: npt.NDArray[np.intp]  # which resource each pair adds to
    group: npt.NDArray[np.intp]  # reference class of each pair (-1: none)
    n_groups: int
    fixed: Array  # per resource: the sum of the uses that have no range


def _ranges(problem: Problem, selected: Sequence[str]) -> _Ranges:
    names = list(problem.resources)
    fixed = np.zeros(len(names))
    low, mode, high, res, grp = [], [], [], [], []
    classes: dict[str, int] = {}
    chosen = set(selected)
    for a in problem.actions:
        if a.id not in chosen:
            continue
        for r, name in enumerate(names):
            most = a.uses.get(name, 0.0)
            lo, hi = a.uses_low.get(name, most), a.uses_high.get(name, most)
            if hi - lo <= 1e-12 * max(1.0, hi):
                fixed[r] += most
                continue
            low.append(lo)
            mode.append(most)
            high.append(hi)
            res.append(r)
            grp.append(
                classes.setdefault(a.reference_class, len(classes)) if a.reference_class else -1
            )
    return _Ranges(
        np.array(low, dtype=float),
        np.array(mode, dtype=float),
        np.array(high, dtype=float),
        np.array(res, dtype=np.intp),
        np.array(grp, dtype=np.intp),
        len(classes),
        fixed,
    )


def _draws(
    rng: np.random.Generator, n: int, ranges: _Ranges, correlation: float
) -> tuple[Array, Array | None]:
    """A chunk's raw draws, in the order of its stream: uniforms (draws × pairs) when the
    pairs are independent; else standard normals for the pairs and for each class's common
    factor, which `_uniforms` makes uniform a block at a time."""
    m = len(ranges.low)
    if correlation <= 0 or ranges.n_groups == 0:
        return rng.random((n, m)), None
    z = rng.standard_normal((n, m))
    return z, rng.standard_normal((n, ranges.n_groups))


def _uniforms(z: Array, common: Array | None, ranges: _Ranges, correlation: float) -> Array:
    """Uniforms of a block of `_draws`: as drawn when independent; else, in place, √(1−ρ) z +
    √ρ (its class's factor) for a pair in a class, z (times 1, plus 0) outside one, through
    the normal CDF (a one-factor Gaussian copula). 25 % faster than through copies of the
    classes' columns."""
    if common is None:
        return z
    in_class = ranges.group >= 0
    shared = common[:, np.where(in_class, ranges.group, 0)]
    shared *= np.where(in_class, math.sqrt(correlation), 0.0)
    z *= np.where(in_class, math.sqrt(1 - correlation), 1.0)
    z += shared
    return np.asarray(special.ndtr(z, out=z), dtype=float)


#: The Beta-PERT quantile, tabulated once: its shape depends only on where the mode sits
#: (c = (mode - low) / (high - low)), so one table of c x u serves every action. Linear
#: interpolation between its points is within 3e-3 of the range of the exact quantile
#: (scipy's betaincinv) next to its steep ends and within 1e-4 from the 1st to the 99th
#: percentile; the first and last cells are computed exactly (tested). Evaluating betaincinv
#: for every draw takes about 20 times longer.
PERT_C, PERT_U = 129, 2049


@functools.cache
def _pert_table() -> Array:
    """Computed once per process, half of it by betaincinv: the quantile of mode 1 − c at u
    is 1 minus that of mode c at 1 − u, and both grids are symmetric to the last bit (their
    steps are powers of two). 0.34 → 0.17 s. The mirrored half differs from betaincinv's own
    values by 1.1e-16 at most (one cell in twenty by a unit in the last place), so a PERT
    draw may move by as much: far below any figure shown."""
    half = PERT_C // 2 + 1  # the rows c = 0 … 0.5
    c = np.linspace(0.0, 1.0, PERT_C)[:half, None]
    u = np.linspace(0.0, 1.0, PERT_U)[None, :]
    table = np.empty((PERT_C, PERT_U))
    table[:half] = special.betaincinv(1 + 4 * c, 1 + 4 * (1 - c), u)
    table[half:] = 1.0 - table[PERT_C - half - 1 :: -1][:, ::-1][: PERT_C - half]
    return table


def pert_rows(c: Array) -> PertRows:
    """Each column's quantile table (columns × PERT_U) for modes `c`, interpolated once per
    package, not once per chunk of draws: each cell holds the quantile (real part) and the
    step to the next cell (imaginary part), so that a draw reads both in one gather. Built
    in place: 32 kB a column, no temporaries of that size."""
    table = _pert_table()
    x = np.clip(c, 0.0, 1.0) * (PERT_C - 1)
    i = np.minimum(x.astype(np.intp), PERT_C - 2)
    pairs = np.zeros((len(c), PERT_U), dtype=np.complex128)
    rows = pairs.real  # a view: written in place
    np.subtract(table[i + 1], table[i], out=rows)
    rows *= (x - i)[:, None]
    rows += table[i]
    np.subtract(rows[:, 1:], rows[:, :-1], out=pairs.imag[:, :-1])
    return pairs


def pert_quantile(c: Array, u: Array, rows: PertRows | None = None) -> Array:
    """The Beta-PERT quantile on [0, 1] of mode `c` (one per column) at the uniforms `u`
    (draws x columns), by interpolation in the table: first each column's row (`rows`, if
    given, is `pert_rows(c)`), then u. One gather of (quantile, step) per draw, in place:
    2.6 times faster than two gathers of quantiles and the temporaries between them (a
    4,096 × 400 chunk, 55 → 21 ms), the same quantiles to the last bit from the same
    table."""
    if rows is None:
        rows = pert_rows(c)
    elif not np.iscomplexobj(rows):
        raise TypeError("rows: pert_rows(c)'s (quantile, step) table, not a table of quantiles")
    y = u * (PERT_U - 1)
    k = y.astype(np.intp)
    np.minimum(k, PERT_U - 2, out=k)
    y -= k  # where u falls between its two cells
    # The first and last cells hold the quantile's steep ends: computed exactly (a draw in
    # a thousand).
    ends = (k == 0) | (k == PERT_U - 2)
    k += np.arange(rows.shape[0]) * PERT_U
    cell = np.take(rows.ravel(), k)
    out = cell.imag * y
    out += cell.real
    if ends.any():
        cols = np.nonzero(ends)[1]
        ends_c = np.clip(c, 0.0, 1.0)[cols]
        out[ends] = special.betaincinv(1 + 4 * ends_c, 1 + 4 * (1 - ends_c), u[ends])
    return out


def _shape(u: Array, ranges: _Ranges, distribution: str, rows: PertRows | None) -> Array:
    """Uses from uniforms `u` (draws × ranged pairs), through each pair's inverse CDF."""
    lo, mode, hi = ranges.low, ranges.mode, ranges.high
    width = hi - lo
    if distribution == "uniform":
        return lo + width * u
    if distribution == "pert":
        return lo + width * pert_quantile((mode - lo) / width, u, rows)
    c = (mode - lo) / width  # triangular: the inverse of its CDF
    rising = lo + np.sqrt(u * (width * (mode - lo)))
    falling = hi - np.sqrt((1 - u) * (width * (hi - mode)))
    return np.where(u < c, rising, falling)


#: Rows of a chunk shaped and summed at a time: 512 rows of a 200-pair package (800 kB) stay
#: in a core's cache through the dozen passes over them, where the whole chunk (6.5 MB) went
#: out to memory between passes (the PERT quantile of 100,000 draws: 0.44 → 0.30 s). The
#: draws are the same; the sums differ from the whole chunk's product in the last bit at most
#: (BLAS's rounding, 1e-14 of a total).
BLOCK = 512


def _fill_chunk(
    out: Array,
    rng: np.random.Generator,
    *,
    ranges: _Ranges,
    distribution: str,
    correlation: float,
    rows: PertRows | None,
    onto: Array,
) -> None:
    """`out` (draws × resources) ← the package's totals in len(out) draws: the raw draws of
    the whole chunk first (they are its stream), then made uniform, shaped and summed a block
    at a time."""
    z, common = _draws(rng, len(out), ranges, correlation)
    for s in range(0, len(out), BLOCK):
        u = _uniforms(z[s : s + BLOCK], None if common is None else common[s : s + BLOCK],
                      ranges, correlation)  # fmt: skip
        # A (BLOCK × pairs) @ (pairs × resources) product: about 30 µs a block for 200
        # pairs, a few ms in 100,000 draws, and it scales on two workers (measured with 200
        # and 600 pairs), where the whole chunk's product let BLAS's threads fight the
        # workers for the cores (2 workers were 1.0-1.4× faster than 1, now 1.6-2×).
        np.matmul(_shape(u, ranges, distribution, rows), onto, out=out[s : s + BLOCK])
    out += ranges.fixed


def budget_risk(
    problem: Problem,
    selected: Sequence[str],
    *,
    draws: int = 100_000,
    seed: int = 0,
    distribution: str = "triangular",
    correlation: float = 0.0,
    workers: int = 1,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    names = list(problem.resources)
    ranges = _ranges(problem, selected)
    totals = np.full((draws, len(names)), np.nan)  # a row left unfilled reads NaN, not stale
    onto = np.zeros((len(ranges.low), len(names)))
    onto[np.arange(len(ranges.low)), ranges.resource] = 1.0
    rows = None
    if distribution == "pert" and len(ranges.low):
        rows = pert_rows((ranges.mode - ranges.low) / (ranges.high - ranges.low))
    streams = np.random.SeedSequence(seed).spawn(-(-draws // CHUNK))

    def fill(chunks: range) -> None:
        # Chunk k has its own stream of the seed: the same figures on any number of threads.
        for k in chunks:
            start, n = k * CHUNK, min(CHUNK, draws - k * CHUNK)
            if not len(ranges.low):
                totals[start : start + n] = ranges.fixed
                continue
            rng = np.random.default_rng(streams[k])
            _fill_chunk(totals[start : start + n], rng, ranges=ranges, distribution=distribution,
                        correlation=correlation, rows=rows, onto=onto)  # fmt: skip

    workers = max(1, min(workers, len(streams)))
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:  # NumPy lets go of Python as it draws
            list(pool.map(fill, (range(w, len(streams), workers) for w in range(workers))))
    else:
        fill(range(len(streams)))
    if np.isnan(totals).any():  # a block left unfilled: a bug, never a figure
        raise RuntimeError("budget risk: some draws were not made")

    limits = np.array([problem.resources[r] for r in names])
    tol = 1e-9 * np.maximum(1.0, np.abs(limits))
    holds = totals <= limits + tol
    resources: dict[str, Any] = {}
    for r, name in enumerate(names):
        p = float(holds[:, r].mean())
        cuts = np.percentile(totals[:, r], PERCENTILES)
        resources[name] = {
            "limit": float(limits[r]),
            "low": _sum(problem, selected, name, "low"),
            "most_likely": _sum(problem, selected, name, "mode"),
            "high": _sum(problem, selected, name, "high"),
            "mean": float(totals[:, r].mean()),
            "probability": p,
            "std_error": _std_error(p, draws),
        } | {f"p{q}": float(x) for q, x in zip(PERCENTILES, cuts, strict=True)}
    together = float(holds.all(axis=1).mean()) if names else 1.0
    return {
        "selected": list(selected),
        "draws": draws,
        "seed": seed,
        "distribution": distribution,
        "correlation": correlation,
        "resources": resources,
        "all_hold": {"probability": together, "std_error": _std_error(together, draws)},
        "seconds": time.perf_counter() - t0,
    }


def _std_error(p: float, n: int) -> float:
    return math.sqrt(max(0.0, p * (1 - p)) / n)


def _sum(problem: Problem, selected: Sequence[str], name: str, side: str) -> float:
    chosen = set(selected)
    total = 0.0
    for a in problem.actions:
        if a.id in chosen:
            most = a.uses.get(name, 0.0)
            sides: Mapping[str, float] = {
                "low": a.uses_low,
                "high": a.uses_high,
                "mode": {},
            }[side]
            total += sides.get(name, most)
    return float(total)


def run_risk(data: Any) -> dict[str, Any]:
    spec = parse_risk(data)
    return budget_risk(
        spec.problem,
        spec.selected,
        draws=spec.draws,
        seed=spec.seed,
        distribution=spec.distribution,
        correlation=spec.correlation,
        workers=min(2, cores()),
    )
