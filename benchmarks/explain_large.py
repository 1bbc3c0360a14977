"""Explanations on large city-like portfolios with every constraint type (issue #23, item 6).

Usage:  .venv/bin/python -m benchmarks.explain_large [--sizes 200 1000] [--seeds 2]
        [--budget 60] [--workers 1]

Portfolios from `benchmarks.generate.city_portfolio` (seeded): two phases with a budget each,
staff, sector minimums, prerequisites, exclusions, synergies, locks and a size cap. For each:
the optimisation alone (the baseline, same run), then `explain` within `--budget` seconds: how
many actions got their exact answer, how many a proven interval (the last part of the budget,
`explain.INTERVAL_SECONDS` at most), how many nothing, and the intervals' median width relative
to the package's value.
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.generate import city_portfolio
from recap.engine.explain import explain
from recap.engine.optimize import optimize

KEYS = ("loss_if_removed", "cost_to_include")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    print(
        f"{'actions':>7} {'seed':>4} {'optimise s':>10} {'explain s':>9} {'exact':>6} "
        f"{'interval':>8} {'nothing':>7} {'median width':>12}"
    )
    for n in args.sizes:
        for seed in range(1, args.seeds + 1):
            problem = city_portfolio(n, seed)
            t0 = time.perf_counter()
            base = optimize(problem, time_limit=60)
            solve_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            found = explain(problem, budget_seconds=args.budget, workers=args.workers)
            explain_s = time.perf_counter() - t0
            exact = interval = nothing = 0
            widths = []
            for ident, entry in found["actions"].items():
                if (
                    entry.get("locked_in")
                    or any(k in entry for k in KEYS)
                    or ident in problem.must_exclude
                    or "cannot_add" in entry
                    or "cannot_remove" in entry
                ):
                    exact += 1
                elif any(f"{k}_between" in entry for k in KEYS):
                    interval += 1
                    low, high = next(entry[f"{k}_between"] for k in KEYS if f"{k}_between" in entry)
                    if high is not None:
                        widths.append((high - low) / max(1e-9, base.objective))
                else:
                    nothing += 1
            width = f"{100 * statistics.median(widths):.2f} %" if widths else "-"
            print(
                f"{n:>7} {seed:>4} {solve_s:>10.2f} {explain_s:>9.1f} {exact:>6} "
                f"{interval:>8} {nothing:>7} {width:>12}"
            )


if __name__ == "__main__":
    main()
