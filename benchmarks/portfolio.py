"""Solve times of the programme's portfolio allocation (recap.engine.portfolio) by size.

Usage:  .venv/bin/python -m benchmarks.portfolio [--sizes 100 1000 5000] [--seeds 3]
        [--time-limit 60] [--explain-seconds 20]

Generated programmes: about one country per 100 claims (at least 5), about four claims a city,
asks from 50,000 to 500,000, four claims in ten accepting down to 50-90% of their ask, values
loosely tied to the ask; the pot is 30% of all asks; two claims per country, two per
city, and country floors that together take 30% of the pot. Prints, per size, the median over
seeds of: the greedy rule (claims by value per ask, best first, each funded at its ask while
the pot lasts and its city is under the cap; it ignores the country minimums and floors, so it
may break them) with its value and time; the exact solve (model built and solved by HiGHS) and
its value relative to greedy's; the three re-solves behind the prices of the fairness rules;
and the explanations within --explain-seconds (every size; the budget includes nothing but
the explanations): how many claims got their first-pass figures (`computed`) and when that
pass ended, and how many are fully explained (also `ask_at_most`) when the budget ran out.
`--plain` explains with one MILP re-solve per question instead of the fast path.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

from recap.engine.portfolio import (
    PortfolioSpec,
    explain_claims,
    parse_portfolio,
    rule_prices,
    solve,
)


def programme(n: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    countries = max(5, n // 100)
    per_city = n / countries / 4  # about four claims a city
    cities = {c: max(2, round(per_city * rng.uniform(0.5, 1.5))) for c in range(countries)}
    claims = []
    for i in range(n):
        country = int(rng.integers(0, countries))
        city = int(rng.integers(0, cities[country]))
        ask = float(rng.integers(50, 501)) * 1000
        claim: dict[str, Any] = {
            "id": f"C{i:05d}",
            "country": f"K{country:03d}",
            "city": f"k{country:03d}-{city}",
            "ask": ask,
            "value": round(float(ask / 10000 * rng.uniform(0.3, 1.7)), 2),
        }
        if rng.random() < 0.4:
            claim["min"] = round(ask * float(rng.uniform(0.5, 0.9)))
        claims.append(claim)
    total = sum(c["ask"] for c in claims)
    present = len({c["country"] for c in claims})
    return {
        "pot": round(0.3 * total),
        "claims": claims,
        "min_per_country": 2,
        "max_per_city": 2,
        "country_floor_share": round(0.3 / present, 4),
    }


def greedy(spec: PortfolioSpec) -> tuple[float, dict[str, float]]:
    """Claims by value per ask, best first, each funded at its ask while the pot lasts and its
    city has fewer than `max_per_city` supported: the rule the exact solve is measured against."""
    left = spec.pot
    per_city: dict[tuple[str, str], int] = {}
    awards: dict[str, float] = {}
    cap = spec.max_per_city
    for c in sorted(spec.claims, key=lambda c: (-c.value / c.ask, c.id)):
        city = (c.country, c.city)
        if c.id in spec.must_exclude or c.ask > left or (cap and per_city.get(city, 0) >= cap):
            continue
        awards[c.id] = c.ask
        left -= c.ask
        per_city[city] = per_city.get(city, 0) + 1
    return spec.value_of(awards), awards


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--explain-seconds", type=float, default=5.0)
    parser.add_argument("--plain", action="store_true", help="one MILP re-solve per question")
    args = parser.parse_args()
    print(
        f"{'claims':>7} {'greedy':>10} {'greedy s':>9} {'rules ok':>8} {'exact':>10} "
        f"{'vs greedy':>9} {'solve s':>8} {'status':>8} {'prices s':>9} "
        f"{'computed':>11} {'pass 1 s':>9} {'fully':>10} {'explain s':>10} {'solve+1 s':>10}"
    )
    for n in args.sizes:
        rows: list[dict[str, float]] = []
        statuses = []
        for seed in range(args.seeds):
            spec = parse_portfolio(programme(n, seed))
            t0 = time.perf_counter()
            greedy_value, greedy_awards = greedy(spec)
            greedy_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            base = solve(spec, time_limit=args.time_limit)
            solve_s = time.perf_counter() - t0
            statuses.append(base.status)
            t0 = time.perf_counter()
            rule_prices(spec, base, time_limit=args.time_limit)
            prices_s = time.perf_counter() - t0
            timings: dict[str, float] = {}
            t0 = time.perf_counter()
            entries, _complete = explain_claims(
                spec,
                base,
                seconds=args.explain_seconds,
                time_limit=args.time_limit,
                fast=not args.plain,
                timings=timings,
            )
            explain_s = time.perf_counter() - t0
            computed = sum(1 for e in entries.values() if e["computed"])
            fully = sum(
                1
                for e in entries.values()
                if e["computed"] and (not e.get("to_enter") or "ask_at_most" in e["to_enter"])
            )
            rows.append(
                {
                    "greedy": greedy_value,
                    "greedy_s": greedy_s,
                    "greedy_ok": float(not spec.violations(greedy_awards)),
                    "exact": base.objective,
                    "ratio": base.objective / greedy_value if greedy_value else float("nan"),
                    "solve_s": solve_s,
                    "prices_s": prices_s,
                    "computed": computed,
                    "first_s": timings.get("first_pass", explain_s),
                    "fully": fully,
                    "explain_s": explain_s,
                    "total_s": solve_s + timings.get("first_pass", explain_s),
                }
            )

        def med(key: str, rows: list[dict[str, float]] = rows) -> float:
            return statistics.median(r[key] for r in rows)

        status = "/".join(sorted(set(statuses)))
        ok = f"{sum(int(r['greedy_ok']) for r in rows)}/{len(rows)}"
        print(
            f"{n:>7} {med('greedy'):>10.1f} {med('greedy_s'):>9.4f} {ok:>8} {med('exact'):>10.1f} "
            f"{med('ratio'):>9.4f} {med('solve_s'):>8.3f} {status:>8} {med('prices_s'):>9.3f} "
            f"{int(med('computed')):>6}/{n:<4} {med('first_s'):>9.2f} "
            f"{int(med('fully')):>5}/{n:<4} {med('explain_s'):>10.2f} {med('total_s'):>10.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
