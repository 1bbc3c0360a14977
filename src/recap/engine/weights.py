"""Criterion weights from people's judgements: AHP pairwise comparisons, swing weighting, direct
weights, and the aggregation of several stakeholders.

Contract: `derive_weights(data)` validates the JSON spec and returns a dict with `weights`
(criterion → weight, summing to 1) and every intermediate:
- ahp: the principal right eigenvector of the (aggregated) pairwise matrix, `lambda_max`,
  `consistency_index` = (λmax − n)/(n − 1), `random_index` (Saaty's table),
  `consistency_ratio` = CI/RI (0 for n ≤ 2), `consistent` (CR < 0.10) and
  `least_consistent_pair`, the judgement furthest from what the weights imply. With several
  stakeholders, their matrices are aggregated element-wise by the geometric mean (which keeps
  the aggregate reciprocal), and each stakeholder's own weights and CR are reported too.
- swing: points per criterion (the most important swing scores 100), weights = points / Σ.
- direct: weights as given, normalised; with several stakeholders, the arithmetic mean.
Several stakeholders always come with the spread of each weight (min, max, standard deviation).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from . import validate as v
from .errors import ProblemError

# Saaty's random consistency index for n = 1 … 15.
RANDOM_INDEX = (
    0.0,
    0.0,
    0.58,
    0.90,
    1.12,
    1.24,
    1.32,
    1.41,
    1.45,
    1.49,
    1.51,
    1.48,
    1.56,
    1.57,
    1.59,
)
CR_THRESHOLD = 0.10
RECIPROCAL_TOLERANCE = 0.02  # people type 0.33 for 1/3
Array = npt.NDArray[np.float64]


def _criteria(root: Any) -> list[str]:
    raw = v.array(v.required(root, "criteria", ""), "criteria")
    if not raw:
        raise ProblemError("criteria", "must list at least one criterion")
    names = []
    for i, c in enumerate(raw):
        name = v.string(c["id"] if isinstance(c, dict) and "id" in c else c, v.join("criteria", i))
        if name in names:
            raise ProblemError(v.join("criteria", i), f"duplicate criterion {name!r}")
        names.append(name)
    if len(names) > len(RANDOM_INDEX):
        raise ProblemError(
            "criteria", f"at most {len(RANDOM_INDEX)} criteria can be compared pairwise"
        )
    return names


def parse_pairwise(value: Any, path: str, n: int) -> Array:
    rows = v.array(value, path)
    if len(rows) != n:
        raise ProblemError(
            path, f"must be a {n}×{n} matrix (one row per criterion), has {len(rows)} rows"
        )
    a = np.zeros((n, n))
    for i, row in enumerate(rows):
        cells = v.array(row, f"{path}[{i}]")
        if len(cells) != n:
            raise ProblemError(f"{path}[{i}]", f"must have {n} values, has {len(cells)}")
        for j, cell in enumerate(cells):
            a[i, j] = v.number(cell, f"{path}[{i}][{j}]", minimum=0, strict_min=True)
    for i in range(n):
        if abs(a[i, i] - 1) > 1e-9:
            raise ProblemError(f"{path}[{i}][{i}]", "must be 1 (a criterion compared with itself)")
        for j in range(i + 1, n):
            if abs(a[j, i] * a[i, j] - 1) > RECIPROCAL_TOLERANCE:
                expected = f"{path}[{i}][{j}] ({1 / a[i, j]:.4g})"
                raise ProblemError(
                    f"{path}[{j}][{i}]", f"must be the reciprocal of {expected}, is {a[j, i]:g}"
                )
    return a


def ahp(matrix: Array) -> dict[str, Any]:
    """Principal-eigenvector weights and Saaty's consistency of one pairwise matrix."""
    n = matrix.shape[0]
    eigenvalues, eigenvectors = np.linalg.eig(matrix)
    k = int(np.argmax(eigenvalues.real))
    lam = float(eigenvalues[k].real)
    w = np.abs(eigenvectors[:, k].real)
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[n - 1]
    cr = ci / ri if n > 2 and ri > 0 else 0.0
    cr = max(0.0, cr)
    # The judgement furthest from what the weights imply (a_ij against w_i / w_j): where a
    # facilitator should look first when the comparisons contradict each other.
    misfit = np.abs(np.log(matrix * np.outer(1 / w, w)))
    i, j = np.unravel_index(int(np.argmax(np.triu(misfit, 1))), misfit.shape)
    return {
        "weights": w,
        "least_consistent": (int(i), int(j)),
        "lambda_max": lam,
        "consistency_index": max(0.0, ci),
        "random_index": ri,
        "consistency_ratio": cr,
        "consistent": cr < CR_THRESHOLD,
    }


def consistency_advice(cr: float, pair: tuple[str, str] | None = None) -> str:
    if cr < CR_THRESHOLD:
        return "The comparisons are consistent enough to use."
    first = f" Start with {pair[0]} against {pair[1]}: it fits the others least." if pair else ""
    return (
        f"The comparisons contradict each other (consistency ratio {cr:.2f}, above 0.10): for "
        "example A is preferred to B and B to C, but C to A. Revisit the strongest judgements."
        + first
    )


def _spread(vectors: Array, criteria: list[str]) -> dict[str, dict[str, float]]:
    return {
        c: {
            "min": float(vectors[:, j].min()),
            "max": float(vectors[:, j].max()),
            "std": float(vectors[:, j].std()),
        }
        for j, c in enumerate(criteria)
    }


def _stakeholders(root: Any) -> list[tuple[str, Any]]:
    raw = v.array(root["stakeholders"], "stakeholders")
    if not raw:
        raise ProblemError("stakeholders", "must list at least one stakeholder")
    out, seen = [], set()
    for i, s in enumerate(raw):
        path = v.join("stakeholders", i)
        entry = v.obj(s, path)
        name = v.string(entry.get("id", f"stakeholder {i + 1}"), v.join(path, "id"))
        if name in seen:
            raise ProblemError(v.join(path, "id"), f"duplicate stakeholder {name!r}")
        seen.add(name)
        out.append((name, entry))
    return out


def _as_dict(criteria: list[str], w: Array) -> dict[str, float]:
    return {c: float(x) for c, x in zip(criteria, w, strict=True)}


def derive_weights(data: Any) -> dict[str, Any]:
    root = v.obj(data, "")
    v.no_unknown_keys(
        root, ("method", "criteria", "pairwise", "swing", "weights", "stakeholders"), ""
    )
    method = v.string(v.required(root, "method", ""), "method")
    if method not in ("ahp", "swing", "direct"):
        raise ProblemError("method", "must be one of ahp, swing, direct")
    criteria = _criteria(root)
    n = len(criteria)
    field = {"ahp": "pairwise", "swing": "swing", "direct": "weights"}[method]
    if ("stakeholders" in root) == (field in root):
        raise ProblemError(
            field, f"give either {field} or stakeholders (each with {field}), not both or neither"
        )

    def one_vector(entry: Any, path: str) -> tuple[Array, dict[str, Any]]:
        if method == "ahp":
            out = ahp(
                parse_pairwise(v.required(entry, "pairwise", path), v.join(path, "pairwise"), n)
            )
            return out["weights"], out
        points = v.obj(v.required(entry, field, path), v.join(path, field))
        for name in points:
            if name not in criteria:
                raise ProblemError(v.join(v.join(path, field), name), "is not one of the criteria")
        raw = np.array(
            [
                v.number(points.get(c, 0), v.join(v.join(path, field), c), minimum=0)
                for c in criteria
            ]
        )
        if method == "swing" and raw.max() > 100:
            raise ProblemError(
                v.join(path, field), "swing points go from 0 to 100 (the top swing scores 100)"
            )
        if raw.sum() <= 0:
            raise ProblemError(v.join(path, field), "at least one criterion must have a weight > 0")
        return raw / raw.sum(), {}

    if "stakeholders" not in root:
        w, details = one_vector(root, "")
        result: dict[str, Any] = {"method": method, "weights": _as_dict(criteria, w)}
        result |= {k: val for k, val in details.items() if k not in ("weights", "least_consistent")}
        if method == "ahp":
            i, j = details["least_consistent"]
            pair = (criteria[i], criteria[j])
            result["least_consistent_pair"] = list(pair)
            result["advice"] = consistency_advice(result["consistency_ratio"], pair)
        return result

    people = _stakeholders(root)
    vectors, per_person = [], {}
    matrices = []
    for i, (name, entry) in enumerate(people):
        path = v.join("stakeholders", i)
        w, details = one_vector(entry, path)
        vectors.append(w)
        per_person[name] = {"weights": _as_dict(criteria, w)}
        if method == "ahp":
            per_person[name]["consistency_ratio"] = details["consistency_ratio"]
            matrices.append(parse_pairwise(entry["pairwise"], v.join(path, "pairwise"), n))
    stack = np.array(vectors)
    result = {"method": method, "stakeholders": per_person, "spread": _spread(stack, criteria)}
    if method == "ahp":
        aggregate = np.exp(np.mean(np.log(np.array(matrices)), axis=0))
        out = ahp(aggregate)
        result |= {
            "weights": _as_dict(criteria, out["weights"]),
            "aggregated_pairwise": aggregate.tolist(),
            "lambda_max": out["lambda_max"],
            "consistency_index": out["consistency_index"],
            "random_index": out["random_index"],
            "consistency_ratio": out["consistency_ratio"],
            "consistent": out["consistent"],
            "least_consistent_pair": [criteria[k] for k in out["least_consistent"]],
            "advice": consistency_advice(
                out["consistency_ratio"], tuple(criteria[k] for k in out["least_consistent"])
            ),
        }
    else:
        mean = stack.mean(axis=0)
        result["weights"] = _as_dict(criteria, mean / mean.sum())
    return result
