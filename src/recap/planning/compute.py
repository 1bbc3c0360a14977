"""A prioritisation run as a pure function of its stored input: the engine only, no Django.

Contract: `compute_run(input)` returns the package (`optimize`), the ranking by value, every
action's explanation, the efficient frontier for each phase budget and, with two or more
stakeholders, the rank acceptability over their weightings. Same input, same result.
"""

from __future__ import annotations

from typing import Any

from recap.engine import explain, frontier, optimize, parse_problem
from recap.engine.robustness import rank_acceptability


def compute_run(data: dict[str, Any]) -> dict[str, Any]:
    """The engine on a stored input: package, ranking, explanations, frontier, robustness."""
    weights = data["weights"]
    problem_json = dict(data["problem"])
    values = {
        code: 100 * sum(w * s for w, s in zip(weights, scores, strict=True))
        for code, scores in data["scores"].items()
    }
    problem_json["actions"] = [
        a | {"value": round(values[a["id"]], 6)} for a in problem_json["actions"]
    ]
    problem = parse_problem(problem_json)
    package = optimize(problem, time_limit=30).to_json()
    explained = (
        explain(problem, time_limit=10, budget_seconds=30) if problem.actions else {"actions": {}}
    )
    fronts = {
        name: frontier(problem, name, steps=9, time_limit=5, budget_seconds=15)
        for name in ("capex_short", "capex_medium")
        if problem.actions and package["status"] != "infeasible"
    }
    ranking = sorted(values, key=lambda code: (-values[code], code))
    result: dict[str, Any] = {
        "values": values,
        "ranking": ranking,
        "package": package,
        "explanations": explained.get("actions", {}),
        "frontiers": fronts,
    }
    people = data.get("stakeholders") or {}
    if len(people) >= 2 and len(ranking) >= 2:
        result["rank_robustness"] = rank_acceptability(
            {
                "method": "weighted_sum",
                "normalization": "none",
                "alternatives": list(data["scores"]),
                "criteria": [
                    {"id": c, "weight": w} for c, w in zip(data["criteria"], weights, strict=True)
                ],
                "matrix": [data["scores"][code] for code in data["scores"]],
                "weight_samples": list(people.values()),
                "samples": 2000,
                "seed": 1,
            }
        )
    return result
