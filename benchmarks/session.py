"""Benchmark of a prioritisation run (package, ranking, explanations, frontiers, stakeholder
robustness) on generated sessions of 50, 200 and 1,000 candidates.

Usage: .venv/bin/python -m benchmarks.session
The baseline in the same run is the optimisation alone (`optimize`), so the table shows what
the explanations (every action, on two processes) and frontiers add on top of choosing the
package. All of it runs in the background worker: the web request only stores the run's input
(its size is the "stored KB" column, with the result) and queues it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recap.engine import optimize, parse_problem
from recap.engine.robustness import package_robustness
from recap.planning.compute import compute_run, stakeholder_blends

SECTORS = ("health", "water_sanitation", "energy", "mobility", "drm", "governance")


def session_input(n: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    phase = rng.choice(["short", "medium"], size=n)
    cost = np.round(rng.lognormal(12, 1.0, size=n))
    staff = np.round(rng.gamma(2.0, 0.4, size=n), 2)
    actions = [
        {
            "id": f"A{i:04d}",
            "name": f"Action {i}",
            "value": 0.0,
            "uses": {
                ("capex_short" if phase[i] == "short" else "capex_medium"): float(cost[i]),
                "staff_fte": float(staff[i]),
            },
            "sector": str(rng.choice(SECTORS)),
            "phase": str(phase[i]),
        }
        for i in range(n)
    ]
    return {
        "problem": {
            "resources": {
                "capex_short": float(0.25 * cost[phase == "short"].sum()),
                "capex_medium": float(0.25 * cost[phase == "medium"].sum()),
                "staff_fte": float(0.3 * staff.sum()),
            },
            "actions": actions,
            "min_per_sector": {"health": 1, "drm": 1},
            "max_actions": max(5, n // 5),
            "must_include": [],
            "must_exclude": [],
        },
        "criteria": ["resilience", "economy", "equity", "climate", "health"],
        "weights": [0.4, 0.15, 0.15, 0.15, 0.15],
        "stakeholders": {
            "a": [0.6, 0.1, 0.1, 0.1, 0.1],
            "b": [0.2, 0.5, 0.1, 0.1, 0.1],
            "c": [0.3, 0.1, 0.4, 0.1, 0.1],
        },
        "scores": {a["id"]: rng.beta(2, 3, size=5).round(4).tolist() for a in actions},
    }


def main() -> None:
    print(
        f"{'candidates':>10}  {'optimize only s':>16}  {'full run s':>11}  {'status':>8}  "
        f"{'explained':>9}  {'frontier pts':>12}  {'robustness 200 on 2 workers s':>30}  "
        f"{'stored KB':>9}"
    )
    for n in (50, 200, 1000):
        data = session_input(n, 1)
        values = {
            k: 100 * sum(w * s for w, s in zip(data["weights"], v, strict=True))
            for k, v in data["scores"].items()
        }
        problem_data = data["problem"] | {
            "actions": [a | {"value": values[a["id"]]} for a in data["problem"]["actions"]]
        }
        t0 = time.perf_counter()
        optimize(parse_problem(problem_data), time_limit=30)
        base = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = compute_run(data)
        full = time.perf_counter() - t0
        explained = sum(1 for e in result["explanations"].values() if len(e) > 3)
        points = sum(len(f["points"]) for f in result["frontiers"].values())
        spec = {
            "problem": problem_data,
            "criteria": data["criteria"],
            "scores": data["scores"],
            "weights": data["weights"],
            "weight_samples": stakeholder_blends(data["stakeholders"], 200),  # as the worker
            "samples": 200,
            "seed": 1,
            "workers": 2,
        }
        t0 = time.perf_counter()
        package_robustness(spec)
        robust = time.perf_counter() - t0
        stored = (len(json.dumps(data)) + len(json.dumps(result))) / 1024
        print(
            f"{n:>10}  {base:>16.3f}  {full:>11.2f}  {result['package']['status']:>8}  "
            f"{explained:>9}  {points:>12}  {robust:>30.2f}  {stored:>9.0f}"
        )


if __name__ == "__main__":
    main()
