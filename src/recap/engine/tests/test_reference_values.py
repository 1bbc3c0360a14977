"""Ranking and weights against published reference values.

Sources (numbers as printed; printed values carry rounding, hence the tolerances):
- T1  Hwang, C.-L. & Yoon, K. (1981) Multiple Attribute Decision Making, Springer, pp. 133-134,
      fighter-aircraft example (TOPSIS, vector normalisation). Also in ldss-hse/ldss-benchmark,
      benchmark/methods/topsis/test_core.py.
- T2  Tzeng, G.-H. & Huang, J.-J. (2011) Multiple Attribute Decision Making: Methods and
      Applications, CRC Press (TOPSIS); as used in quatrope/scikit-criteria,
      tests/agg/test_topsis.py.
- W1  Afshari, A., Mojahed, M. & Yusuff, R. M. (2010) Simple additive weighting approach to
      personnel selection problem, IJIMT 1(5):511 (SAW, x/max); values as in jbytecode/JMcDM
      test/mcdm/testsaw.jl.
- W2  Saaty, T. L. (1990) How to make a decision: the analytic hierarchy process, EJOR 48:9-26,
      Table 4 (synthesis = weighted sum of priorities, no normalisation).
- A1  Saaty (1990), Tables 2-3: house-buying criteria (8×8, inconsistent) and 3×3 matrices.
- A2  Saaty, T. L. (2008) Decision making with the analytic hierarchy process, Int. J. Services
      Sciences 1(1):83-98, drink-consumption example (7×7).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from recap.engine import derive_weights, parse_rank, rank


def spec(
    method: str, norm: str, matrix: list[list[float]], weights: list[float], types: list[str]
) -> Any:
    return parse_rank(
        {
            "method": method,
            "normalization": norm,
            "alternatives": [f"A{i + 1}" for i in range(len(matrix))],
            "criteria": [
                {"id": f"C{j + 1}", "weight": w, "type": t}
                for j, (w, t) in enumerate(zip(weights, types, strict=True))
            ],
            "matrix": matrix,
        }
    )


def test_topsis_hwang_yoon_1981_fighter_aircraft() -> None:
    x = [
        [2.0, 1500, 20000, 5.5, 5, 9],
        [2.5, 2700, 18000, 6.5, 3, 5],
        [1.8, 2000, 21000, 4.5, 7, 7],
        [2.2, 1800, 20000, 5.0, 5, 5],
    ]
    types = ["benefit", "benefit", "benefit", "cost", "benefit", "benefit"]
    out = rank(spec("topsis", "vector", x, [0.2, 0.1, 0.1, 0.1, 0.2, 0.3], types))
    assert list(out.scores.values()) == pytest.approx([0.643, 0.268, 0.613, 0.312], abs=1e-3)
    assert out.ranking == ["A1", "A3", "A4", "A2"]
    assert list(out.distance_to_ideal.values()) == pytest.approx(
        [0.0545, 0.1197, 0.0580, 0.1009], abs=1e-3
    )  # type: ignore[union-attr]
    assert list(out.distance_to_anti_ideal.values()) == pytest.approx(
        [0.0983, 0.0439, 0.0920, 0.0458], abs=1e-3
    )  # type: ignore[union-attr]


def test_topsis_tzeng_huang_2011() -> None:
    x = [[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]]
    out = rank(spec("topsis", "vector", x, [0.3, 0.4, 0.3], ["benefit"] * 3))
    assert list(out.scores.values()) == pytest.approx([0.5037, 0.6581, 0.7482, 0.3340], abs=1e-4)
    assert out.ranking == ["A3", "A2", "A1", "A4"]


def test_saw_afshari_2010_personnel_selection() -> None:
    x = [
        [4, 7, 3, 2, 2, 2, 2],
        [4, 4, 6, 4, 4, 3, 7],
        [7, 6, 4, 2, 5, 5, 3],
        [3, 2, 5, 3, 3, 2, 5],
        [4, 2, 2, 5, 5, 3, 6],
    ]
    w = [0.283, 0.162, 0.162, 0.07, 0.085, 0.162, 0.076]
    out = rank(spec("weighted_sum", "max", x, w, ["benefit"] * 7))
    assert list(out.scores.values()) == pytest.approx(
        [0.553228, 0.713485, 0.837428, 0.514657, 0.579342], abs=1e-4
    )
    assert out.ranking == ["A3", "A2", "A5", "A1", "A4"]


def test_weighted_sum_saaty_1990_synthesis() -> None:
    x = [
        [0.754, 0.233, 0.754, 0.333, 0.674, 0.747, 0.200, 0.072],
        [0.181, 0.055, 0.065, 0.333, 0.101, 0.060, 0.400, 0.650],
        [0.065, 0.713, 0.181, 0.333, 0.226, 0.193, 0.400, 0.278],
    ]
    w = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
    out = rank(spec("weighted_sum", "none", x, w, ["benefit"] * 8))
    assert list(out.scores.values()) == pytest.approx([0.396, 0.341, 0.263], abs=1e-3)


def test_minmax_cost_criterion_maps_to_max_minus_x_over_range() -> None:
    out = rank(
        spec("weighted_sum", "minmax", [[10, 1], [30, 2], [20, 3]], [1, 0], ["cost", "benefit"])
    )
    assert [row[0] for row in out.normalized] == [1.0, 0.0, 0.5]


HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]


def ahp(matrix: list[list[float]]) -> dict[str, Any]:
    names = [f"c{i}" for i in range(len(matrix))]
    return derive_weights({"method": "ahp", "criteria": names, "pairwise": matrix})


def test_ahp_saaty_1990_house_example_is_flagged_inconsistent() -> None:
    out = ahp(HOUSE)
    assert list(out["weights"].values()) == pytest.approx(
        [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333], abs=1e-3
    )
    assert out["lambda_max"] == pytest.approx(9.669, abs=1e-3)
    assert out["consistency_index"] == pytest.approx(0.238, abs=1e-3)
    assert out["consistency_ratio"] == pytest.approx(0.169, abs=1e-3)
    assert out["consistent"] is False
    assert "contradict" in out["advice"]


@pytest.mark.parametrize(
    ("matrix", "weights", "lam", "cr"),
    [
        ([[1, 7, 1 / 5], [1 / 7, 1, 1 / 8], [5, 8, 1]], [0.233, 0.055, 0.713], 3.247, 0.213),
        ([[1, 1 / 7, 1 / 5], [7, 1, 3], [5, 1 / 3, 1]], [0.072, 0.650, 0.278], 3.065, 0.056),
        ([[1, 1 / 2, 1 / 2], [2, 1, 1], [2, 1, 1]], [0.2, 0.4, 0.4], 3.0, 0.0),
    ],
)
def test_ahp_saaty_1990_three_by_three(
    matrix: list[list[float]], weights: list[float], lam: float, cr: float
) -> None:
    out = ahp(matrix)
    assert list(out["weights"].values()) == pytest.approx(weights, abs=1.5e-3)
    assert out["lambda_max"] == pytest.approx(lam, abs=1e-3)
    assert out["consistency_ratio"] == pytest.approx(cr, abs=1.5e-3)


def test_ahp_saaty_2008_drinks() -> None:
    drinks = [
        [1, 9, 5, 2, 1, 1, 1 / 2],
        [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
        [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
        [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
        [1, 9, 4, 2, 1, 2, 1 / 2],
        [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
        [2, 9, 9, 3, 2, 3, 1],
    ]
    out = ahp(drinks)
    assert list(out["weights"].values()) == pytest.approx(
        [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327], abs=1e-3
    )
    assert out["consistency_ratio"] == pytest.approx(0.022, abs=1e-3)
    assert out["consistent"] is True


def test_geometric_mean_aggregation_of_stakeholders() -> None:
    a = [[1, 3], [1 / 3, 1]]
    b = [[1, 1 / 3], [3, 1]]
    out = derive_weights(
        {
            "method": "ahp",
            "criteria": ["x", "y"],
            "stakeholders": [{"id": "mayor", "pairwise": a}, {"id": "ngo", "pairwise": b}],
        }
    )
    assert out["aggregated_pairwise"] == [[1.0, 1.0], [1.0, 1.0]]
    assert out["weights"] == pytest.approx({"x": 0.5, "y": 0.5})
    assert out["stakeholders"]["mayor"]["weights"]["x"] == pytest.approx(0.75)
    assert out["spread"]["x"] == pytest.approx({"min": 0.25, "max": 0.75, "std": 0.25})


def test_swing_and_direct_weights() -> None:
    swing = derive_weights(
        {
            "method": "swing",
            "criteria": ["resilience", "economy", "equity"],
            "swing": {"resilience": 100, "economy": 60, "equity": 40},
        }
    )
    assert swing["weights"] == pytest.approx({"resilience": 0.5, "economy": 0.3, "equity": 0.2})
    direct = derive_weights(
        {
            "method": "direct",
            "criteria": ["a", "b"],
            "stakeholders": [{"weights": {"a": 1, "b": 1}}, {"weights": {"a": 3, "b": 1}}],
        }
    )
    assert direct["weights"] == pytest.approx({"a": 0.625, "b": 0.375})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"method": "ahp", "criteria": ["a", "b"], "pairwise": [[1, 3], [0.5, 1]]},
            r"pairwise\[1\]\[0\]: must be the reciprocal",
        ),
        (
            {"method": "ahp", "criteria": ["a", "b"], "pairwise": [[2, 3], [1 / 3, 1]]},
            r"pairwise\[0\]\[0\]: must be 1",
        ),
        (
            {"method": "ahp", "criteria": ["a", "b"], "pairwise": [[1, -3], [1 / 3, 1]]},
            r"pairwise\[0\]\[1\]: must be a number > 0",
        ),
        (
            {"method": "ahp", "criteria": ["a", "b"], "pairwise": [[1, 3]]},
            r"pairwise: must be a 2×2 matrix",
        ),
        (
            {"method": "ahp", "criteria": ["a", "a"], "pairwise": [[1, 1], [1, 1]]},
            r"criteria\[1\]: duplicate",
        ),
        (
            {"method": "swing", "criteria": ["a"], "swing": {"a": 120}},
            r"swing: swing points go from 0 to 100",
        ),
        (
            {"method": "swing", "criteria": ["a"], "swing": {"b": 10}},
            r"swing.b: is not one of the criteria",
        ),
        ({"method": "magic", "criteria": ["a"]}, r"method: must be one of"),
    ],
)
def test_weights_input_errors(data: dict[str, Any], message: str) -> None:
    from recap.engine import ProblemError

    with pytest.raises(ProblemError, match=message):
        derive_weights(data)


def test_rank_input_errors() -> None:
    from recap.engine import ProblemError

    base = {
        "method": "topsis",
        "alternatives": ["a", "b"],
        "criteria": [{"id": "x", "weight": 1}],
        "matrix": [[1], [2]],
    }
    with pytest.raises(ProblemError, match=r"matrix\[1\]: must have one value per criterion"):
        parse_rank(base | {"matrix": [[1], [2, 3]]})
    with pytest.raises(ProblemError, match=r"matrix: must have one row per alternative"):
        parse_rank(base | {"matrix": [[1]]})
    with pytest.raises(ProblemError, match=r"criteria\[0\].type: must be benefit or cost"):
        parse_rank(base | {"criteria": [{"id": "x", "weight": 1, "type": "good"}]})
    with pytest.raises(ProblemError, match=r"matrix\[0\]\[0\]: must be a finite number"):
        parse_rank(base | {"matrix": [[float("nan")], [2]]})
    assert np.isfinite(rank(parse_rank(base)).scores["a"])


def test_ahp_names_the_judgement_that_contradicts_the_others() -> None:
    from recap.engine import derive_weights

    # A perfectly consistent 4×4 matrix (weights 8:4:2:1), then one judgement turned round:
    # b against d should be 4 but is given as 1/4. That pair, and no other, is named.
    w = [8, 4, 2, 1]
    matrix = [[w[i] / w[j] for j in range(4)] for i in range(4)]
    assert derive_weights({"method": "ahp", "criteria": list("abcd"), "pairwise": matrix})[
        "consistent"
    ]
    matrix[1][3], matrix[3][1] = 1 / 4, 4
    out = derive_weights({"method": "ahp", "criteria": list("abcd"), "pairwise": matrix})
    assert out["consistent"] is False
    assert out["least_consistent_pair"] == ["b", "d"]
    assert out["advice"].endswith("Start with b against d: it fits the others least.")
