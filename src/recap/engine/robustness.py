"""How robust a ranking or a package is when stakeholders disagree on the weights (SMAA-style).

Contract: `robustness(data)` validates the spec and returns, for a ranking, each alternative's
rank acceptability (the share of sampled weightings that put it at each rank), its mean rank
and its central weights (the mean weighting that makes it first); for a package, each action's
selection probability over N re-optimisations with sampled weights, how often the base package
itself comes out, and the most frequent packages. Sampling is seeded and reproducible:
the same spec and seed give the same numbers, whatever the number of worker processes.

Weights are sampled (a) from the stakeholders' own weight vectors when given ("weight_samples":
each sample is one of them, drawn with replacement), (b) uniformly within per-criterion ranges,
then normalised, or (c) uniformly over all weightings (no preference information).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from . import resolve
from . import validate as v
from .errors import ProblemError
from .optimize import optimize
from .parallel import cores, map_chunks
from .problem import Problem, parse_problem
from .ranking import normalize, parse_rank, ranking_order, scores_for_weights
from .resolve import Resolver

Array = npt.NDArray[np.float64]
MAX_SAMPLES = 1_000_000
CHUNK = 1000


def _sampler(root: Any, criteria: list[str], central: Array | None) -> tuple[str, Any]:
    if "weight_samples" in root and "weight_ranges" in root:
        raise ProblemError("weight_samples", "give weight_samples or weight_ranges, not both")
    if "weight_samples" in root:
        rows = v.array(root["weight_samples"], "weight_samples")
        if not rows:
            raise ProblemError("weight_samples", "must list at least one weighting")
        out = np.zeros((len(rows), len(criteria)))
        for i, row in enumerate(rows):
            cells = v.array(row, f"weight_samples[{i}]")
            if len(cells) != len(criteria):
                raise ProblemError(
                    f"weight_samples[{i}]", f"must have {len(criteria)} weights, has {len(cells)}"
                )
            for j, cell in enumerate(cells):
                out[i, j] = v.number(cell, f"weight_samples[{i}][{j}]", minimum=0)
            if out[i].sum() <= 0:
                raise ProblemError(f"weight_samples[{i}]", "at least one weight must be > 0")
        return "samples", out / out.sum(axis=1, keepdims=True)
    if "weight_ranges" in root:
        ranges = v.obj(root["weight_ranges"], "weight_ranges")
        lo, hi = np.zeros(len(criteria)), np.zeros(len(criteria))
        for name in ranges:
            if name not in criteria:
                raise ProblemError(v.join("weight_ranges", name), "is not one of the criteria")
        for j, c in enumerate(criteria):
            path = v.join("weight_ranges", c)
            if c not in ranges:
                if central is None:
                    raise ProblemError(path, "every criterion needs a range [low, high]")
                lo[j] = hi[j] = central[j]
                continue
            pair = v.array(ranges[c], path)
            if len(pair) != 2:
                raise ProblemError(path, "must be [low, high]")
            lo[j] = v.number(pair[0], f"{path}[0]", minimum=0)
            hi[j] = v.number(pair[1], f"{path}[1]", minimum=0)
            if hi[j] < lo[j]:
                raise ProblemError(path, "high must not be below low")
        if hi.sum() <= 0:
            raise ProblemError("weight_ranges", "at least one range must allow a weight > 0")
        return "ranges", (lo, hi)
    return "simplex", None


def sample_weights(kind: str, source: Any, n: int, rng: np.random.Generator, k: int) -> Array:
    if kind == "samples":
        drawn: Array = source[rng.integers(0, len(source), size=n)]
        return drawn
    if kind == "ranges":
        lo, hi = source
        w = rng.uniform(lo, hi, size=(n, k))
        sums = w.sum(axis=1, keepdims=True)
        normalised: Array = np.where(sums > 0, w / np.where(sums > 0, sums, 1), 1.0 / k)
        return normalised
    uniform: Array = rng.dirichlet(np.ones(k), size=n)
    return uniform


def _options(root: Any, default_samples: int) -> tuple[int, int]:
    samples = v.integer(root.get("samples", default_samples), "samples", minimum=1)
    if samples > MAX_SAMPLES:
        raise ProblemError("samples", f"must be at most {MAX_SAMPLES}")
    seed = v.integer(root.get("seed", 0), "seed", minimum=0)
    return samples, seed


def rank_acceptability(data: Any) -> dict[str, Any]:
    root = v.obj(data, "")
    extra = ("weight_samples", "weight_ranges", "samples", "seed", "kind")
    spec = parse_rank({k: val for k, val in root.items() if k not in extra})
    samples, seed = _options(root, 10_000)
    k, m = len(spec.criteria), len(spec.alternatives)
    kind, source = _sampler(root, spec.criteria, spec.weights / spec.weights.sum())
    rng = np.random.default_rng(seed)
    normalized = normalize(spec.matrix, spec.types, spec.normalization)
    counts = np.zeros((m, m), dtype=np.int64)
    first_weights = np.zeros((m, k))
    rank_sum = np.zeros(m)
    done = 0
    while done < samples:
        size = min(CHUNK, samples - done)
        w = sample_weights(kind, source, size, rng, k)
        scores = scores_for_weights(spec, normalized, w)
        order = np.argsort(-np.round(scores, 12), axis=1, kind="stable")
        ranks = np.empty_like(order)
        rows = np.arange(size)[:, None]
        ranks[rows, order] = np.arange(m)[None, :]
        np.add.at(counts, (np.tile(np.arange(m), size), ranks.ravel()), 1)
        rank_sum += ranks.sum(axis=0)
        np.add.at(first_weights, order[:, 0], w)
        done += size
    acceptability = counts / samples
    firsts = counts[:, 0]
    central = {
        spec.alternatives[i]: (
            {c: float(x) for c, x in zip(spec.criteria, first_weights[i] / firsts[i], strict=True)}
            if firsts[i]
            else None
        )
        for i in range(m)
    }
    mean_rank = rank_sum / samples + 1
    order = ranking_order(-mean_rank)
    return {
        "kind": "ranking",
        "samples": samples,
        "seed": seed,
        "sampling": kind,
        "rank_acceptability": {
            a: acceptability[i].tolist() for i, a in enumerate(spec.alternatives)
        },
        "first_rank_acceptability": {
            a: float(acceptability[i, 0]) for i, a in enumerate(spec.alternatives)
        },
        "mean_rank": {a: float(mean_rank[i]) for i, a in enumerate(spec.alternatives)},
        "central_weights": central,
        "ranking_by_mean_rank": [spec.alternatives[i] for i in order],
    }


def _solve_chunk(args: tuple[Problem, Array, Array, float]) -> list[list[str]]:
    """The optimal package for each weighting of a chunk; on large problems one resolver (its
    model built once) re-solves with each weighting's values through the reduced-cost core."""
    problem, scores, weights, time_limit = args
    resolver = (
        Resolver(problem, time_limit=time_limit)
        if len(problem.actions) >= resolve.CORE_FROM
        else None
    )
    out = []
    for w in weights:
        values = 100 * scores @ w
        found = resolver.best(values) if resolver is not None else None
        if found is None:
            actions = tuple(
                replace(a, value=float(x)) for a, x in zip(problem.actions, values, strict=True)
            )
            found = optimize(replace(problem, actions=actions), time_limit=time_limit).selected
        out.append(found)
    return out


def _solve_all(  # noqa: PLR0917 - one private call site
    problem: Problem,
    scores: Array,
    weights: Array,
    time_limit: float,
    workers: int,
    progress: Callable[[int, int], None] | None,
    should_stop: Callable[[], bool] | None = None,
) -> list[tuple[str, ...]]:
    """One optimal package per weighting, in the weightings' order, on `workers` processes."""
    samples = len(weights)
    # Several chunks per worker, so progress can be reported; results keep the sample order.
    chunks = [c for c in np.array_split(weights, max(1, min(samples, workers * 5))) if len(c)]
    done = 0

    def chunk_done(k: int, _packages: list[list[str]]) -> None:
        nonlocal done
        done += len(chunks[k])
        if progress is not None:
            progress(done, samples)

    results = map_chunks(
        _solve_chunk,
        [(problem, scores, c, time_limit) for c in chunks],
        workers=workers,
        should_stop=should_stop,
        on_result=chunk_done,
    )
    return [tuple(p) for chunk in results for p in chunk]


def package_robustness(
    data: Any,
    *,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """`progress(done, total)` is called as re-optimisations finish (in chunks); the work
    stops with `Stopped` when `should_stop()` says so."""
    root = v.obj(data, "")
    v.no_unknown_keys(
        root,
        (
            "kind",
            "problem",
            "criteria",
            "scores",
            "weights",
            "weight_samples",
            "weight_ranges",
            "samples",
            "seed",
            "workers",
            "time_limit",
        ),
        "",
    )
    problem = parse_problem(v.required(root, "problem", ""))
    criteria = [
        v.string(c, v.join("criteria", i))
        for i, c in enumerate(v.array(v.required(root, "criteria", ""), "criteria"))
    ]
    if not criteria:
        raise ProblemError("criteria", "must list at least one criterion")
    raw_scores = v.obj(v.required(root, "scores", ""), "scores")
    scores = np.zeros((len(problem.actions), len(criteria)))
    for i, a in enumerate(problem.actions):
        path = v.join("scores", a.id)
        row = v.array(v.required(raw_scores, a.id, "scores"), path)
        if len(row) != len(criteria):
            raise ProblemError(path, f"must have one score per criterion ({len(criteria)})")
        for j, cell in enumerate(row):
            scores[i, j] = v.number(cell, f"{path}[{j}]", minimum=0)
    for name in raw_scores:
        if name not in problem.index:
            raise ProblemError(v.join("scores", name), "is not one of the problem's actions")
    central = None
    if "weights" in root:
        ws = v.array(root["weights"], "weights")
        if len(ws) != len(criteria):
            raise ProblemError("weights", f"must have one weight per criterion ({len(criteria)})")
        central = np.array([v.number(x, f"weights[{j}]", minimum=0) for j, x in enumerate(ws)])
        if central.sum() <= 0:
            raise ProblemError("weights", "at least one weight must be > 0")
        central = central / central.sum()
    samples, seed = _options(root, 200)
    workers = v.integer(root.get("workers", min(2, cores())), "workers", minimum=1)
    time_limit = v.number(root.get("time_limit", 10), "time_limit", minimum=0, strict_min=True)
    kind, source = _sampler(root, criteria, central)
    rng = np.random.default_rng(seed)
    weights = sample_weights(kind, source, samples, rng, len(criteria))

    base_w = central if central is not None else weights.mean(axis=0)
    base = _solve_chunk((problem, scores, base_w[None, :], time_limit))[0]
    packages = _solve_all(problem, scores, weights, time_limit, workers, progress, should_stop)
    counter = Counter(a for p in packages for a in p)
    frequency = Counter(packages)
    return {
        "kind": "package",
        "samples": samples,
        "seed": seed,
        "sampling": kind,
        "base_weights": {c: float(x) for c, x in zip(criteria, base_w, strict=True)},
        "base_package": base,
        "base_package_share": frequency.get(tuple(base), 0) / samples,
        "selection_probability": {a.id: counter.get(a.id, 0) / samples for a in problem.actions},
        "distinct_packages": len(frequency),
        "top_packages": [
            {"actions": list(p), "share": n / samples} for p, n in frequency.most_common(5)
        ],
    }


def robustness(data: Any) -> dict[str, Any]:
    root = v.obj(data, "")
    kind = root.get("kind", "package" if "problem" in root else "ranking")
    if kind == "ranking":
        return rank_acceptability(data)
    if kind == "package":
        return package_robustness(data)
    raise ProblemError("kind", "must be ranking or package")
