"""Solve times of the programme's portfolio allocation (recap.engine.portfolio) by size.

Usage:  .venv/bin/python -m benchmarks.portfolio [--sizes 100 1000 5000] [--seeds 3]
        [--time-limit 60] [--explain-seconds 20]

Generated programmes: about one country per 100 claims (at least 5), about four claims a city,
asks from 50,000 to 500,000, four claims in ten accepting down to 50-90% of their ask, values
loosely tied to the ask; the pot is 30% of all asks; two claims per country, two per
city, and country floors that together take 30% of the pot. Prints, per size, the median over
seeds of: the exact solve (model built and solved by HiGHS), the three re-solves behind the
prices of the fairness rules, and the explanations (every claim at 100; at larger sizes, how
many claims were explained within --explain-seconds and the rate).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

from recap.engine.portfolio import explain_claims, parse_portfolio, rule_prices, solve


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--explain-seconds", type=float, default=20.0)
    args = parser.parse_args()
    print(
        f"{'claims':>7} {'solve s':>8} {'status':>10} {'nodes':>6} {'prices s':>9} "
        f"{'explained':>10} {'explain s':>10} {'claims/s':>9}"
    )
    for n in args.sizes:
        solves, prices, explains, rates, done, statuses, nodes = [], [], [], [], [], [], []
        for seed in range(args.seeds):
            spec = parse_portfolio(programme(n, seed))
            t0 = time.perf_counter()
            base = solve(spec, time_limit=args.time_limit)
            solves.append(time.perf_counter() - t0)
            statuses.append(base.status)
            nodes.append(base.nodes)
            t0 = time.perf_counter()
            rule_prices(spec, base, time_limit=args.time_limit)
            prices.append(time.perf_counter() - t0)
            budget = 1e9 if n <= 100 else args.explain_seconds
            t0 = time.perf_counter()
            entries, _complete = explain_claims(
                spec, base, seconds=budget, time_limit=args.time_limit
            )
            seconds = time.perf_counter() - t0
            explained = sum(1 for e in entries.values() if e["computed"])
            explains.append(seconds)
            done.append(explained)
            rates.append(explained / seconds if seconds else 0.0)
        status = "/".join(sorted(set(statuses)))
        print(
            f"{n:>7} {statistics.median(solves):>8.3f} {status:>10} "
            f"{int(statistics.median(nodes)):>6} {statistics.median(prices):>9.3f} "
            f"{int(statistics.median(done)):>6}/{n:<4}{statistics.median(explains):>10.2f} "
            f"{statistics.median(rates):>9.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
