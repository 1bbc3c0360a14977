"""Budget risk, robust packages (Γ) and futures against the nominal model, in the same run.

Usage:  .venv/bin/python -m benchmarks.uncertainty [--sizes 50 200 1000] [--seeds 3]
        [--draws 100000] [--time-limit 60]

Prints, on generated city portfolios (`benchmarks.generate.city_portfolio`, every constraint
type, with cost ranges and two futures from `with_uncertainty`):
1. budget risk of a large package: seconds for `--draws` draws (triangular and PERT, each
   independent and correlated within reference classes), best of three, on one worker and on
   two, and the PERT quantile table's one-off build apart — the target is well under a
   second for a 200-action package at 100,000 draws;
2. solve seconds (median over seeds) of the nominal model, the robust one (Γ = 2 on each
   budget), max-min and least-maximum-regret over two futures (also with each future's best
   found two at a time, as a session's runs do, and the futures' model alone given the
   bests), and each one's ratio to the nominal (the target: within 3× at 200 candidates; on
   screen within 10 s at 1,000); then each of the four against the same solve with the whole
   model handed to HiGHS (`optimize(fixing=False)`), and a line if their optima differ;
3. a session's futures step (max-min and least maximum regret over today and two futures):
   each objective finding its own bests, against the bests found once on two workers and
   both objectives then solved side by side, and the same with today's best handed over (the
   run's own optimum, proven), as a session's run does;
4. the price-of-robustness curve (every Γ until the package is covered) at 200 candidates,
   on one worker and on two (a session's runs use two): seconds, points and how many of them
   needed a solve (the target: within 5 s).
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from recap.engine.optimize import best_per_future, optimize
from recap.engine.problem import Problem
from recap.engine.risk import budget_risk
from recap.engine.robust import price_of_robustness

from .generate import city_portfolio, with_uncertainty


def _timed(
    problem: Problem, time_limit: float, workers: int = 1, **kw: Any
) -> tuple[float, str, float]:
    """Seconds, status and objective of one `optimize`."""
    t0 = time.perf_counter()
    r = optimize(problem, time_limit=time_limit, workers=workers, **kw)
    return time.perf_counter() - t0, r.status, r.objective


def _solve_seconds(args: argparse.Namespace) -> None:
    print("\n## Solve seconds against the nominal model (median over seeds)\n")
    print(
        "Max-min and regret include each future's best (F + 1 = 3 exact solves of nominal "
        "size, 2 rounds on two workers); 'model alone' is the futures' model given those bests."
    )
    print()
    print(
        "| candidates | nominal | robust Γ=2 | × | max-min (2 futures) | × | least max regret | × "
        "| max-min, 2 workers | × | regret, 2 workers | × | max-min model alone | × "
        "| regret model alone | × |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    keys = (
        "nominal",
        "robust",
        "max_min",
        "regret",
        "max_min_2",
        "regret_2",
        "mm_alone",
        "rg_alone",
    )
    fixing_rows: dict[int, dict[str, list[float]]] = {}
    for n in args.sizes:
        rows: dict[str, list[float]] = {k: [] for k in keys}
        whole: dict[str, list[float]] = {k: [] for k in ("nominal", "robust", "max_min", "regret")}
        statuses: set[str] = set()
        for seed in range(args.seeds):
            base = with_uncertainty(city_portfolio(n, seed), seed, futures=2)
            nominal = replace(base, futures=())
            gamma = {r: 2 for r in base.resources if r.startswith("capex")}
            variants = {
                "nominal": nominal,
                "robust": replace(nominal, gamma=gamma),
                "max_min": replace(base, future_objective="max_min"),
                "regret": replace(base, future_objective="min_max_regret"),
            }
            for key, problem in variants.items():
                seconds, status, objective = _timed(problem, args.time_limit)
                rows[key].append(seconds)
                statuses.add(status)
                # The same solve with the whole model handed to HiGHS (no reduced-cost fixing).
                seconds, status, other = _timed(problem, args.time_limit, fixing=False)
                whole[key].append(seconds)
                statuses.add(status)
                if abs(other - objective) > 1e-6 * max(1.0, abs(other)):
                    print(f"| {n} | {key} seed {seed}: the two optima differ: a bug |")
            for key in ("max_min", "regret"):  # each future's best found two at a time
                seconds, status, _ = _timed(variants[key], args.time_limit, workers=2)
                rows[f"{key}_2"].append(seconds)
                statuses.add(status)
            bests = best_per_future(base, time_limit=args.time_limit)
            for key, alone in (("max_min", "mm_alone"), ("regret", "rg_alone")):
                seconds, status, _ = _timed(variants[key], args.time_limit, bests=bests)
                rows[alone].append(seconds)
                statuses.add(status)
        fixing_rows[n] = {**{f"{k}_whole": v for k, v in whole.items()}, **rows}
        med = {k: statistics.median(v) for k, v in rows.items()}
        nom = max(med["nominal"], 1e-6)
        print(
            f"| {n} | {med['nominal']:.3f} | "
            + " | ".join(f"{med[k]:.3f} | {med[k] / nom:.1f}" for k in keys[1:])
            + " |"
            + ("" if statuses == {"optimal"} else f" ({statuses})")
        )

    print("\n## Reduced-cost fixing against HiGHS on the whole model (median seconds)\n")
    print("| candidates | model | whole model | with fixing | faster × |")
    print("|---|---|---|---|---|")
    for n, got in fixing_rows.items():
        for key in ("nominal", "robust", "max_min", "regret"):
            was, now = statistics.median(got[f"{key}_whole"]), statistics.median(got[key])
            print(f"| {n} | {key} | {was:.3f} | {now:.3f} | {was / max(now, 1e-6):.1f} |")


#: The shapes and correlations a session can choose, as the budget-risk table prints them.
RISK_CASES = (
    ("triangular", 0.0),
    ("pert", 0.0),
    ("triangular", 0.5),
    ("pert", 0.5),
)


def _budget_risk_seconds(args: argparse.Namespace) -> None:
    """Seconds for `--draws` draws of a large package, best of three, on one worker and on two
    (a session's runs use two); the PERT quantile table is built once per process, timed
    apart."""
    from recap.engine.risk import _pert_table

    _pert_table.cache_clear()
    t0 = time.perf_counter()
    _pert_table()
    print("## Budget risk of a large package (best of three)\n")
    print(f"The PERT quantile table, built once per process: {time.perf_counter() - t0:.2f} s.\n")
    print("| candidates | package | draws | distribution | ρ | 1 worker s | 2 workers s |")
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        problem = with_uncertainty(city_portfolio(n, 0), 0)
        # A large package: the first max(200, n/5) actions, so the draw is as big as it gets.
        selected = [a.id for a in problem.actions][: max(200, n // 5)]
        for dist, rho in RISK_CASES:
            best = {}
            for workers in (1, 2):
                runs = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    budget_risk(problem, selected, draws=args.draws, seed=1, distribution=dist,
                                correlation=rho, workers=workers)  # fmt: skip
                    runs.append(time.perf_counter() - t0)
                best[workers] = min(runs)
            print(
                f"| {n} | {len(selected)} | {args.draws:,} | {dist} | {rho} "
                f"| {best[1]:.2f} | {best[2]:.2f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()

    _budget_risk_seconds(args)
    _solve_seconds(args)

    print("\n## A session's futures step: both objectives, over today and two futures\n")
    print(
        "| candidates | nominal | each objective its own bests | × "
        "| bests once, both objectives side by side, 2 workers | × "
        "| the same, today's best the run's own | × |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        rows: dict[str, list[float]] = {"nominal": [], "apart": [], "shared": [], "handed": []}
        for seed in range(args.seeds):
            base = with_uncertainty(city_portfolio(n, seed), seed, futures=2)
            # "today" is the nominal problem's own values, as in a session's run.
            base = replace(
                base,
                futures=("today", *base.futures),
                actions=tuple(
                    replace(a, future_values={**a.future_values, "today": a.value})
                    for a in base.actions
                ),
            )
            t0 = time.perf_counter()
            run = optimize(replace(base, futures=()), time_limit=args.time_limit)
            rows["nominal"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for objective in ("max_min", "min_max_regret"):
                _timed(replace(base, future_objective=objective), args.time_limit)
            rows["apart"].append(time.perf_counter() - t0)
            # As a session's run: only a proven optimum is handed over.
            proven = run.selected if run.status == "optimal" else None
            for key, nominal in (("shared", None), ("handed", proven)):
                t0 = time.perf_counter()
                bests = best_per_future(
                    base, time_limit=args.time_limit, workers=2, nominal=nominal
                )
                with ThreadPoolExecutor(2) as pool:  # both objectives side by side, as a run
                    list(
                        pool.map(
                            lambda objective, b=base, found=bests: optimize(
                                replace(b, future_objective=objective),
                                time_limit=args.time_limit,
                                bests=found,
                            ),
                            ("max_min", "min_max_regret"),
                        )
                    )
                rows[key].append(time.perf_counter() - t0)
        med = {k: statistics.median(v) for k, v in rows.items()}
        nom = max(med["nominal"], 1e-6)
        print(
            f"| {n} | {med['nominal']:.3f} | "
            + " | ".join(
                f"{med[k]:.3f} | {med[k] / nom:.1f}" for k in ("apart", "shared", "handed")
            )
            + " |"
        )

    print("\n## The price of robustness (every Γ until the package is covered)\n")
    print(
        "| candidates | workers | seconds | points | solves | value at Γ=0 | value at the last Γ |"
    )
    print("|---|---|---|---|---|---|---|")
    for n in [s for s in args.sizes if s <= 200]:
        problem = with_uncertainty(city_portfolio(n, 0), 0)
        curves = []
        for workers in (1, 2):
            t0 = time.perf_counter()
            curve = price_of_robustness(
                problem, draws=10_000, time_limit=args.time_limit, workers=workers
            )
            seconds = time.perf_counter() - t0
            pts = curve["points"]
            curves.append([(p["gamma"], p.get("value")) for p in pts])
            solves = sum(1 for p in pts if p.get("solved", True))
            print(f"| {n} | {workers} | {seconds:.2f} | {len(pts)} | {solves} | "
                  f"{pts[0].get('value', 0):.1f} | {pts[-1].get('value', 0):.1f} |")  # fmt: skip
        if curves[0] != curves[1]:
            print(f"| {n} | the two curves differ: a bug |")


if __name__ == "__main__":
    main()
