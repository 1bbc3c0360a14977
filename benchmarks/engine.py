"""Benchmark of the decision engine against raw HiGHS and a greedy heuristic, in one run.

Usage:  .venv/bin/python -m benchmarks.engine [--quick] [--json FILE]

Prints one table. For each class: the engine (greedy start handed to HiGHS), raw HiGHS on the
very same model (built the same way, default options, same gap and time limit), and the greedy
value/cost heuristic alone. Raw HiGHS is the baseline measured in the same run; the last column
is the engine's time over raw HiGHS's where both prove optimality.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import city_portfolio, programme_portfolio
from benchmarks.orlib import load
from recap.engine.greedy import greedy_package
from recap.engine.mip import build_model, run_highs
from recap.engine.optimize import optimize, relative_gap
from recap.engine.problem import Problem
from recap.engine.robustness import package_robustness, rank_acceptability


@dataclass
class Row:
    name: str
    count: int = 0
    engine_times: list[float] = field(default_factory=list)
    raw_times: list[float] = field(default_factory=list)
    engine_matched: int = 0
    engine_proven: int = 0
    raw_matched: int = 0
    raw_proven: int = 0
    greedy_gaps: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    note: str = ""


def raw_highs(problem: Problem, time_limit: float, gap: float = 0.0) -> dict[str, Any]:
    t0 = time.perf_counter()
    model = build_model(problem)
    out = run_highs(model, time_limit=time_limit, rel_gap=gap)  # HiGHS's own abs gap: plain HiGHS
    seconds = time.perf_counter() - t0
    objective = (
        problem.objective_of(
            [
                a.id
                for a, x in zip(problem.actions, out.x[: len(problem.actions)], strict=True)
                if x > 0.5
            ]
        )
        if out.x is not None
        else None
    )
    return {"status": out.status, "objective": objective, "bound": out.bound, "seconds": seconds}


def compare(row: Row, problem: Problem, time_limit: float, known: float | None = None) -> None:
    engine = optimize(problem, time_limit=time_limit)
    raw = raw_highs(problem, time_limit)
    greedy = greedy_package(problem)
    best = known if known is not None else max(engine.objective, raw["objective"] or 0)
    row.count += 1
    row.engine_times.append(engine.solve_seconds)
    row.raw_times.append(raw["seconds"])
    row.engine_proven += engine.status == "optimal"
    row.raw_proven += raw["status"] == "optimal"
    row.engine_matched += abs(engine.objective - best) <= 1e-6 * max(1, abs(best))
    row.raw_matched += raw["objective"] is not None and abs(raw["objective"] - best) <= 1e-6 * max(
        1, abs(best)
    )
    greedy_value = problem.objective_of(greedy) if greedy is not None else 0.0
    row.greedy_gaps.append(relative_gap(greedy_value, best) if best else 0.0)
    if engine.status == "optimal" and raw["status"] == "optimal":
        row.ratios.append(engine.solve_seconds / max(raw["seconds"], 1e-9))


def fmt_time(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.3f} / {max(values):.2f}"


def print_table(rows: list[Row], extra: list[tuple[str, str]]) -> None:
    head = (
        f"{'class':<34} {'n':>4}  {'engine s (med/max)':>19} {'opt ok':>7} {'proven':>7}  "
        f"{'raw HiGHS s (med/max)':>22} {'opt ok':>7} {'proven':>7}  {'greedy gap (mean/max)':>22}  {'engine/raw (med/max)':>20}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = f"{statistics.median(r.ratios):.2f} / {max(r.ratios):.2f}" if r.ratios else "-"
        gaps = f"{np.mean(r.greedy_gaps):.2%} / {max(r.greedy_gaps):.2%}" if r.greedy_gaps else "-"
        print(
            f"{r.name:<34} {r.count:>4}  {fmt_time(r.engine_times):>19} {r.engine_matched:>7} {r.engine_proven:>7}  "
            f"{fmt_time(r.raw_times):>22} {r.raw_matched:>7} {r.raw_proven:>7}  {gaps:>22}  {ratio:>20}"
        )
    print()
    for label, text in extra:
        print(f"{label:<58} {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a subset, for a smoke run")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    rows: list[Row] = []
    extra: list[tuple[str, str]] = []
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731

    for file in ["mknap1.txt", "mknap2.txt", "mknapcb1.txt"]:
        instances = load(file)
        if args.quick and file == "mknapcb1.txt":
            instances = instances[20:23]
        row = Row(f"OR-Library {file}")
        for inst in instances:
            log(f"  {inst.name}")
            compare(row, inst.problem, 60.0, inst.best_known)
        rows.append(row)

    seeds = range(3) if args.quick else range(7)
    for n in (50, 200, 1000):
        row = Row(f"city portfolio, {n} actions")
        for seed in seeds:
            log(f"  city {n} seed {seed}")
            compare(row, city_portfolio(n, seed), 60.0)
        rows.append(row)

    # The options the benchmark rejected, measured here so the decision can be re-checked.
    for k in (0, 3) if not args.quick else (21,):
        problem = load("mknapcb1.txt")[k].problem
        plain = optimize(problem, time_limit=60)
        warm = optimize(problem, time_limit=60, warm_start=True)
        pair = optimize(problem, time_limit=60, portfolio=True)
        extra.append(
            (
                f"options on mknapcb1 #{k} (s to proof)",
                f"engine {plain.solve_seconds:.2f}; + greedy start {warm.solve_seconds:.2f}; "
                f"+ two-seed portfolio {pair.solve_seconds:.2f}",
            )
        )

    # Where raw HiGHS does not prove optimality within the limit: same limit, who is closer?
    for label, problem, limit in [
        ("mknapcb1 #3 at 1 s", load("mknapcb1.txt")[3].problem, 1.0),
        ("mknapcb1 #12 at 1 s", load("mknapcb1.txt")[12].problem, 1.0),
        ("programme 5,000 × 10 at 2 s", programme_portfolio(5000, 10, 0), 2.0),
        ("programme 5,000 × 10 at 0.05 s", programme_portfolio(5000, 10, 0), 0.05),
    ]:
        log(f"  {label}")
        e = optimize(problem, time_limit=limit)
        r = raw_highs(problem, limit)
        extra.append(
            (
                f"time-limited: {label}",
                f"engine {e.objective:.2f} (bound {e.bound:.2f}, {e.status}); "
                f"raw HiGHS {r['objective'] if r['objective'] is not None else 'none'} "
                f"(bound {r['bound'] if r['bound'] is not None else 'none'}, {r['status']})",
            )
        )

    log("  programme 5,000 × 10")
    prog = programme_portfolio(5000, 10, 0)
    e = optimize(prog, time_limit=30.0, gap=0.005)
    r = raw_highs(prog, 30.0, gap=0.005)
    g = greedy_package(prog)
    extra.append(
        (
            "programme 5,000 actions × 10 resources, stop at 0.5 % gap",
            f"engine {e.solve_seconds:.2f} s gap {e.gap:.4%} ({e.status}); raw HiGHS {r['seconds']:.2f} s; "
            f"greedy gap {relative_gap(prog.objective_of(g or []), e.bound):.2%}",
        )
    )

    log("  ranking robustness")
    rng = np.random.default_rng(0)
    matrix = rng.uniform(0, 10, size=(200, 6)).round(3).tolist()
    spec = {
        "alternatives": [f"A{i}" for i in range(200)],
        "criteria": [
            {"id": f"c{j}", "weight": 1, "type": "cost" if j == 5 else "benefit"} for j in range(6)
        ],
        "matrix": matrix,
        "samples": 10_000,
        "seed": 1,
    }
    for method, norm in [("weighted_sum", "minmax"), ("topsis", "vector")]:
        t0 = time.perf_counter()
        rank_acceptability(spec | {"method": method, "normalization": norm})
        extra.append(
            (
                f"ranking robustness, {method}: 200 × 10,000 samples",
                f"{time.perf_counter() - t0:.3f} s",
            )
        )

    log("  package robustness")
    city = city_portfolio(200, 0)
    scores = rng.beta(2, 3, size=(200, 5)).round(4)
    payload = {
        "problem": {
            "resources": dict(city.resources),
            "actions": [
                {
                    "id": a.id,
                    "value": 0,
                    "uses": dict(a.uses),
                    "sector": a.sector,
                    "requires": list(a.requires),
                    "excludes": list(a.excludes),
                }
                for a in city.actions
            ],
            "synergies": [{"actions": list(s.actions), "bonus": s.bonus} for s in city.synergies],
            "min_per_sector": dict(city.min_per_sector),
            "max_actions": city.max_actions,
            "must_include": list(city.must_include),
            "must_exclude": list(city.must_exclude),
        },
        "criteria": ["resilience", "economy", "equity", "climate", "health"],
        "scores": {a.id: scores[i].tolist() for i, a in enumerate(city.actions)},
        "weights": [0.35, 0.2, 0.2, 0.15, 0.1],
        "weight_ranges": {
            "resilience": [0.2, 0.5],
            "economy": [0.1, 0.3],
            "equity": [0.1, 0.3],
            "climate": [0.05, 0.25],
            "health": [0.05, 0.2],
        },
        "samples": 200,
        "seed": 1,
        "workers": min(2, os.cpu_count() or 1),
    }
    t0 = time.perf_counter()
    out = package_robustness(payload)
    extra.append(
        (
            f"package robustness: 200 actions × 200 re-optimisations, {payload['workers']} workers",
            f"{time.perf_counter() - t0:.2f} s ({out['distinct_packages']} distinct packages)",
        )
    )

    print_table(rows, extra)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"rows": [r.__dict__ for r in rows], "extra": extra}, indent=1)
        )


if __name__ == "__main__":
    main()
