from __future__ import annotations

import numpy as np
import pytest

from recap.engine import ProblemError, explain, frontier, optimize, parse_problem, robustness
from recap.engine.tests.test_cli import GOOD

PROBLEM = parse_problem(GOOD)


def test_explanations_give_losses_costs_and_binding_constraints() -> None:
    out = explain(PROBLEM)
    acts = out["actions"]
    assert out["selected"] == ["H-01", "G-03", "W-07"]
    assert acts["G-03"]["locked_in"] is True
    # Forcing H-01 out lets H-02 in: 73.5 -> 55 (30 + 5 + 20).
    assert acts["H-01"]["loss_if_removed"] == pytest.approx(18.5)
    assert acts["H-01"]["replacement"] == ["H-02"]
    assert acts["H-02"]["cost_to_include"] == pytest.approx(18.5)
    assert acts["H-02"]["kept_out_by"] == ["H-01 in the package excludes it"]
    assert acts["H-02"]["kept_out_because"] == [{"kind": "excluded_by", "action": "H-01"}]
    # W-07 is the only water action: the sector minimum means it cannot go.
    assert "at least 1 water action" in acts["W-07"]["cannot_remove"]
    assert out["complete"] is True


def test_budget_is_named_when_it_keeps_an_action_out() -> None:
    data = {
        "resources": {"capex": 10},
        "actions": [
            {"id": "big", "value": 50, "uses": {"capex": 8}},
            {"id": "small", "value": 20, "uses": {"capex": 5}},
        ],
    }
    acts = explain(parse_problem(data))["actions"]
    assert acts["small"]["kept_out_by"] == ["capex: it needs 5 but only 2 of 10 is left"]
    # The same reason as data, for callers that word it in their own language.
    assert acts["small"]["kept_out_because"] == [
        {"kind": "resource", "resource": "capex", "need": 5.0, "left": 2.0, "limit": 10.0}
    ]
    assert acts["small"]["cost_to_include"] == pytest.approx(30)


def test_frontier_rises_with_the_budget_and_ends_at_everything() -> None:
    out = frontier(PROBLEM, "capex_short", steps=6)
    values = [p["value"] for p in out["points"] if p["value"] is not None]
    assert values == sorted(values)
    assert out["points"][0]["status"] == "infeasible"  # G-03 is locked in and costs 8.5
    assert out["points"][-1]["limit"] == pytest.approx(
        12.5
    )  # the current limit is above total use (11.7)
    assert out["complete"] is True
    with pytest.raises(ProblemError, match="not one of the resources"):
        frontier(PROBLEM, "nope")


RANK = {
    "method": "weighted_sum",
    "normalization": "minmax",
    "alternatives": ["a", "b", "c"],
    "criteria": [
        {"id": "x", "weight": 1, "type": "benefit"},
        {"id": "y", "weight": 1, "type": "benefit"},
    ],
    "matrix": [[1.0, 0.0], [0.0, 1.0], [0.45, 0.45]],
}


def test_rank_acceptability_is_seeded_and_sums_to_one() -> None:
    out = robustness(RANK | {"samples": 5000, "seed": 7})
    again = robustness(RANK | {"samples": 5000, "seed": 7})
    assert out == again
    acc = out["rank_acceptability"]
    for ranks in acc.values():
        assert sum(ranks) == pytest.approx(1.0)
    for position in range(3):
        assert sum(acc[a][position] for a in acc) == pytest.approx(1.0)
    # c (0.45, 0.45) is never first: a or b always beats it; a and b split the first rank.
    assert acc["c"][0] == 0
    assert acc["a"][0] == pytest.approx(0.5, abs=0.03)
    assert out["central_weights"]["a"]["x"] > 0.5
    assert out["central_weights"]["c"] is None


def test_weight_ranges_and_stakeholder_samples() -> None:
    narrow = robustness(
        RANK | {"weight_ranges": {"x": [0.7, 0.9], "y": [0.1, 0.3]}, "samples": 1000}
    )
    assert narrow["first_rank_acceptability"]["a"] == 1.0
    people = robustness(RANK | {"weight_samples": [[1, 0], [0, 1]], "samples": 1000, "seed": 1})
    assert people["first_rank_acceptability"]["a"] + people["first_rank_acceptability"][
        "b"
    ] == pytest.approx(1.0)
    with pytest.raises(ProblemError, match=r"weight_ranges.x: high must not be below low"):
        robustness(RANK | {"weight_ranges": {"x": [0.9, 0.1], "y": [0, 1]}})
    with pytest.raises(ProblemError, match=r"weight_samples\[0\]: must have 2 weights"):
        robustness(RANK | {"weight_samples": [[1]]})


def package_spec(workers: int) -> dict[str, object]:
    rng = np.random.default_rng(3)
    actions = [
        {"id": f"a{i}", "value": 0, "uses": {"capex": float(rng.integers(1, 10))}}
        for i in range(12)
    ]
    scores = {a["id"]: rng.uniform(0, 1, size=2).round(3).tolist() for a in actions}
    return {
        "problem": {"resources": {"capex": 20}, "actions": actions},
        "criteria": ["economy", "equity"],
        "scores": scores,
        "weights": [0.5, 0.5],
        "weight_ranges": {"economy": [0.2, 0.8], "equity": [0.2, 0.8]},
        "samples": 40,
        "seed": 11,
        "workers": workers,
    }


def test_package_robustness_is_reproducible_across_worker_counts() -> None:
    one, two = robustness(package_spec(1)), robustness(package_spec(2))
    assert one == two
    probs = one["selection_probability"]
    assert set(probs) == {f"a{i}" for i in range(12)}
    assert all(0 <= p <= 1 for p in probs.values())
    assert 0 < one["base_package_share"] <= 1
    base = set(one["base_package"])
    assert sum(probs[a] for a in base) / len(base) >= 0.5


def test_package_robustness_matches_direct_optimisation_for_a_fixed_weighting() -> None:
    spec = package_spec(1) | {"weight_samples": [[1, 0]], "samples": 3}
    spec.pop("weight_ranges")
    out = robustness(spec)
    values = {a: 100 * s[0] for a, s in spec["scores"].items()}  # type: ignore[union-attr]
    problem = dict(spec["problem"])  # type: ignore[call-overload]
    problem["actions"] = [a | {"value": values[a["id"]]} for a in problem["actions"]]
    best = set(optimize(parse_problem(problem)).selected)
    assert {a for a, p in out["selection_probability"].items() if p == 1.0} == best


def test_explain_and_frontier_report_progress_step_by_step() -> None:
    steps: list[tuple[int, int]] = []
    explain(PROBLEM, progress=lambda d, t: steps.append((d, t)))
    assert steps == [(i, len(PROBLEM.actions)) for i in range(len(PROBLEM.actions) + 1)]
    steps.clear()
    frontier(PROBLEM, "capex_short", steps=5, progress=lambda d, t: steps.append((d, t)))
    assert steps == [(i, 5) for i in range(5)]


def test_explanations_on_two_processes_are_the_same_as_on_one() -> None:
    rng = np.random.default_rng(5)
    data = {
        "resources": {"capex": 400.0, "staff": 9.0},
        "actions": [
            {
                "id": f"a{i:02d}",
                "value": float(rng.integers(5, 60)),
                "uses": {"capex": float(rng.integers(20, 120)), "staff": float(rng.integers(1, 4))},
            }
            for i in range(30)
        ],
        "max_actions": 8,
    }
    problem = parse_problem(data)
    seen: list[int] = []
    one = explain(problem)
    two = explain(problem, workers=2, progress=lambda d, t: seen.append(d))
    assert two["actions"] == one["actions"] and two["complete"] is True
    assert seen[0] == 0 and seen[-1] == 30 and seen == sorted(seen)


def test_an_exhausted_budget_leaves_explanations_incomplete_and_says_so() -> None:
    out = explain(PROBLEM, budget_seconds=-1)
    assert out["complete"] is False
    assert all(set(e) == {"selected", "value", "synergy_share"} for e in out["actions"].values())


def test_an_action_counts_for_every_sector_it_serves() -> None:
    from recap.engine.greedy import greedy_package

    data = {
        "resources": {"capex": 10},
        "actions": [
            {
                "id": "lights",
                "value": 5,
                "uses": {"capex": 4},
                "sector": "health",
                "sectors": ["energy"],
            },
            {"id": "clinic", "value": 9, "uses": {"capex": 8}, "sector": "health"},
        ],
        "min_per_sector": {"energy": 1},
    }
    problem = parse_problem(data)
    result = optimize(problem)
    # Only the lights serve energy: they must be in, though the clinic is worth more.
    assert result.status == "optimal" and result.selected == ["lights"]
    assert problem.violations(["lights"]) == [] and problem.violations(["clinic"])
    assert greedy_package(problem) == ["lights"]
    with pytest.raises(ProblemError, match=r"actions\[0\]\.sectors: must be an array"):
        parse_problem(data | {"actions": [data["actions"][0] | {"sectors": "energy"}]})
