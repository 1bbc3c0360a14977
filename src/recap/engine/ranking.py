"""Rank alternatives on several criteria: weighted sum or TOPSIS, with a choice of normalisation.

Contract: `rank(spec)` takes a validated `RankSpec` and returns a `RankResult` with a score per
alternative (higher is better), the ranking (best first; ties keep input order) and every
intermediate: the normalised matrix, the weighted matrix and, for TOPSIS, the ideal and
anti-ideal points and each alternative's distances to them.

Normalisations (per criterion column x; "cost" criteria are turned so that higher is better):
- none:   benefit x;        cost -x (weighted sum) or "smaller is ideal" (TOPSIS)
- vector: benefit x/‖x‖;    cost 1 - x/‖x‖
- minmax: benefit (x-min)/(max-min); cost (max-x)/(max-min); a constant column maps to 1
- sum:    benefit x/Σx;     cost (1/x)/Σ(1/x)   (needs x > 0)
- max:    benefit x/max;    cost 1 - x/max
These follow pymcdm's documented conventions. TOPSIS then takes the ideal as the column maximum
and the anti-ideal as the minimum of the weighted normalised matrix (for "none", by type).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import validate as v
from .errors import ProblemError

METHODS = ("weighted_sum", "topsis")
NORMALIZATIONS = ("none", "vector", "minmax", "sum", "max")
Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RankSpec:
    method: str
    normalization: str
    alternatives: list[str]
    criteria: list[str]
    weights: Array
    types: list[str]  # "benefit" | "cost"
    matrix: Array  # alternatives × criteria


def parse_rank(data: Any) -> RankSpec:
    root = v.obj(data, "")
    v.no_unknown_keys(root, ("method", "normalization", "alternatives", "criteria", "matrix"), "")
    method = v.string(v.required(root, "method", ""), "method")
    if method not in METHODS:
        raise ProblemError("method", f"must be one of {', '.join(METHODS)}")
    default_norm = "vector" if method == "topsis" else "minmax"
    normalization = v.string(root.get("normalization", default_norm), "normalization")
    if normalization not in NORMALIZATIONS:
        raise ProblemError("normalization", f"must be one of {', '.join(NORMALIZATIONS)}")
    alternatives = [
        v.string(a, v.join("alternatives", i))
        for i, a in enumerate(v.array(v.required(root, "alternatives", ""), "alternatives"))
    ]
    if not alternatives:
        raise ProblemError("alternatives", "must list at least one alternative")
    _unique(alternatives, "alternatives")
    raw_criteria = v.array(v.required(root, "criteria", ""), "criteria")
    if not raw_criteria:
        raise ProblemError("criteria", "must list at least one criterion")
    criteria, weights, types = [], [], []
    for i, raw in enumerate(raw_criteria):
        path = v.join("criteria", i)
        c = v.obj(raw, path)
        v.no_unknown_keys(c, ("id", "weight", "type"), path)
        criteria.append(v.string(v.required(c, "id", path), v.join(path, "id")))
        weights.append(v.number(v.required(c, "weight", path), v.join(path, "weight"), minimum=0))
        kind = v.string(c.get("type", "benefit"), v.join(path, "type"))
        if kind not in ("benefit", "cost"):
            raise ProblemError(v.join(path, "type"), "must be benefit or cost")
        types.append(kind)
    _unique(criteria, "criteria", key="id")
    if sum(weights) <= 0:
        raise ProblemError("criteria", "at least one weight must be > 0")
    rows = v.array(v.required(root, "matrix", ""), "matrix")
    if len(rows) != len(alternatives):
        raise ProblemError(
            "matrix", f"must have one row per alternative ({len(alternatives)}), has {len(rows)}"
        )
    matrix = np.zeros((len(alternatives), len(criteria)))
    for i, row in enumerate(rows):
        cells = v.array(row, v.join("matrix", i))
        if len(cells) != len(criteria):
            raise ProblemError(
                v.join("matrix", i),
                f"must have one value per criterion ({len(criteria)}), has {len(cells)}",
            )
        for j, cell in enumerate(cells):
            path = f"matrix[{i}][{j}]"
            matrix[i, j] = v.number(
                cell, path, minimum=0 if normalization in ("vector", "sum", "max") else None
            )
            if normalization == "sum" and matrix[i, j] == 0 and types[j] == "cost":
                raise ProblemError(path, "must be > 0 for a cost criterion with sum normalisation")
    return RankSpec(method, normalization, alternatives, criteria, np.array(weights), types, matrix)


def _unique(items: list[str], path: str, key: str | None = None) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item in seen:
            where = f"{path}[{i}]" + (f".{key}" if key else "")
            raise ProblemError(where, f"duplicate {item!r} (also {path}[{seen[item]}])")
        seen[item] = i


def normalize(matrix: Array, types: list[str], method: str) -> Array:
    """Column-wise normalisation; cost columns are turned so that higher is better."""
    x = np.asarray(matrix, dtype=float)
    cost = np.array([t == "cost" for t in types])
    if method == "none":
        return x.copy()
    if method == "vector":
        norm = np.sqrt((x**2).sum(axis=0))
        r = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)
        out: Array = np.where(cost, 1 - r, r)
        return out
    if method == "minmax":
        lo, hi = x.min(axis=0), x.max(axis=0)
        span = hi - lo
        benefit = np.divide(x - lo, span, out=np.ones_like(x), where=span > 0)
        costs = np.divide(hi - x, span, out=np.ones_like(x), where=span > 0)
        return np.asarray(np.where(cost, costs, benefit), dtype=np.float64)
    if method == "sum":
        total = x.sum(axis=0)
        benefit = np.divide(x, total, out=np.zeros_like(x), where=total > 0)
        with np.errstate(divide="ignore"):
            inv = np.where(x > 0, 1 / np.where(x > 0, x, 1), 0.0)
        inv_total = inv.sum(axis=0)
        costs = np.divide(inv, inv_total, out=np.zeros_like(x), where=inv_total > 0)
        return np.asarray(np.where(cost, costs, benefit), dtype=np.float64)
    if method == "max":
        top = x.max(axis=0)
        r = np.divide(x, top, out=np.zeros_like(x), where=top > 0)
        return np.asarray(np.where(cost, 1 - r, r), dtype=np.float64)
    raise ValueError(f"unknown normalisation {method!r}")


def scores_for_weights(spec: RankSpec, normalized: Array, weights: Array) -> Array:
    """Scores of every alternative for one or many weight vectors.

    `weights` is (criteria,) or (samples, criteria); the result is (alternatives,) or
    (samples, alternatives). Vectorised so robustness can score 10,000 weightings at once."""
    w = np.atleast_2d(weights)
    w = w / w.sum(axis=1, keepdims=True)
    sign = np.array(
        [-1.0 if (spec.normalization == "none" and t == "cost") else 1.0 for t in spec.types]
    )
    if spec.method == "weighted_sum":
        out = w @ (normalized * sign).T
    else:
        # TOPSIS distances: ideal/anti-ideal per column of the weighted matrix.
        v_ = normalized[None, :, :] * w[:, None, :]
        if spec.normalization == "none":
            cost = np.array([t == "cost" for t in spec.types])
            best = np.where(cost, v_.min(axis=1), v_.max(axis=1))
            worst = np.where(cost, v_.max(axis=1), v_.min(axis=1))
        else:
            best, worst = v_.max(axis=1), v_.min(axis=1)
        d_best = np.sqrt(((v_ - best[:, None, :]) ** 2).sum(axis=2))
        d_worst = np.sqrt(((v_ - worst[:, None, :]) ** 2).sum(axis=2))
        total = d_best + d_worst
        out = np.divide(d_worst, total, out=np.full_like(total, 0.5), where=total > 0)
    result: Array = out[0] if np.ndim(weights) == 1 else out
    return result


def ranking_order(scores: Array) -> npt.NDArray[np.intp]:
    """Indices best first; equal scores keep their input order."""
    return np.argsort(-np.round(scores, 12), kind="stable")


@dataclass
class RankResult:
    scores: dict[str, float]
    ranking: list[str]
    ranks: dict[str, int]
    normalized: list[list[float]]
    weighted: list[list[float]]
    weights: dict[str, float]
    ideal: list[float] | None = None
    anti_ideal: list[float] | None = None
    distance_to_ideal: dict[str, float] | None = None
    distance_to_anti_ideal: dict[str, float] | None = None

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        return {k: val for k, val in out.items() if val is not None}


def rank(spec: RankSpec) -> RankResult:
    normalized = normalize(spec.matrix, spec.types, spec.normalization)
    w = spec.weights / spec.weights.sum()
    scores = scores_for_weights(spec, normalized, w)
    order = ranking_order(scores)
    weighted = normalized * w
    result = RankResult(
        scores={a: float(s) for a, s in zip(spec.alternatives, scores, strict=True)},
        ranking=[spec.alternatives[i] for i in order],
        ranks={spec.alternatives[i]: pos + 1 for pos, i in enumerate(order)},
        normalized=normalized.tolist(),
        weighted=weighted.tolist(),
        weights={c: float(x) for c, x in zip(spec.criteria, w, strict=True)},
    )
    if spec.method == "topsis":
        if spec.normalization == "none":
            cost = np.array([t == "cost" for t in spec.types])
            best = np.where(cost, weighted.min(axis=0), weighted.max(axis=0))
            worst = np.where(cost, weighted.max(axis=0), weighted.min(axis=0))
        else:
            best, worst = weighted.max(axis=0), weighted.min(axis=0)
        result.ideal, result.anti_ideal = best.tolist(), worst.tolist()
        result.distance_to_ideal = {
            a: float(d)
            for a, d in zip(
                spec.alternatives, np.sqrt(((weighted - best) ** 2).sum(axis=1)), strict=True
            )
        }
        result.distance_to_anti_ideal = {
            a: float(d)
            for a, d in zip(
                spec.alternatives, np.sqrt(((weighted - worst) ** 2).sum(axis=1)), strict=True
            )
        }
    return result
