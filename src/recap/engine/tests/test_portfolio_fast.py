"""The fast path of the portfolio's explanations (`portfolio_fast.FastResolver`) against the
plain one (one MILP re-solve per question): the same optima, the same figures, allocations that
are optimal, and an honest `computed: false` when the time runs out."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from recap.engine.portfolio import (
    TOL,
    PortfolioSpec,
    Solved,
    _Clock,
    _with_claim,
    explain_claims,
    parse_portfolio,
    plain_resolve,
    portfolio,
    solve,
)
from recap.engine.portfolio_fast import FastResolver
from recap.engine.tests.test_portfolio import random_spec

FIGURES = ("value_lost_if_out", "cost_if_in")


def medium_spec(seed: int, n: int = 40) -> PortfolioSpec:
    """A programme like the benchmark's, small enough for a MILP per claim: partial claims,
    country minimums and floors, city caps, and sometimes locks."""
    rng = np.random.default_rng(seed)
    countries = int(rng.integers(2, 5))
    claims = []
    for i in range(n):
        country = int(rng.integers(0, countries))
        ask = float(rng.integers(50, 501)) * 1000
        claim: dict[str, Any] = {
            "id": f"C{i:03d}",
            "country": f"K{country}",
            "city": f"k{country}-{int(rng.integers(0, 4))}",
            "ask": ask,
            "value": round(float(ask / 10000 * rng.uniform(0.3, 1.7)), 2),
        }
        if rng.random() < 0.4:
            claim["min"] = round(ask * float(rng.uniform(0.5, 0.9)))
        claims.append(claim)
    data: dict[str, Any] = {
        "pot": round(0.3 * sum(c["ask"] for c in claims)),
        "claims": claims,
        "min_per_country": int(rng.integers(0, 3)),
        "max_per_city": [None, 1, 2][int(rng.integers(0, 3))],
        "country_floor_share": [0.0, 0.05, 0.1][int(rng.integers(0, 3))],
    }
    if seed % 3 == 1:
        data["must_include"] = [claims[int(rng.integers(0, n))]["id"]]
        data["must_exclude"] = [claims[int(rng.integers(0, n))]["id"]]
    return parse_portfolio(data)


def close(a: float | None, b: float | None, scale: float) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= TOL * max(1.0, abs(scale))


def optimal_with(spec: PortfolioSpec, ident: str, inside: bool, alt: Solved) -> bool:
    """Whether `alt` is an allocation of `spec` with claim `ident` forced in (or out, a
    must_include lock on it lifted) that breaks no rule and is worth the forced optimum."""
    trial = spec
    if not inside:
        trial = replace(spec, must_include=tuple(k for k in spec.must_include if k != ident))
    if trial.violations(alt.awards) or (ident in alt.awards) != inside:
        return False
    locks = {"lock_in": [ident]} if inside else {"lock_out": [ident]}
    exact = solve(trial, time_limit=None, **locks)  # type: ignore[arg-type]
    return exact.status == "optimal" and close(
        trial.value_of(alt.awards), exact.objective, exact.objective
    )


def chosen_by_an_optimum(
    spec: PortfolioSpec, ident: str, inside: bool, base: Solved, changed: list[str], *, key: str
) -> bool:
    """Whether some optimum with `ident` forced in or out changes exactly the claims `changed`
    against `base` (`key` "replaced_by": the claims that come in; "would_displace": leave)."""
    trial = spec
    if not inside:
        trial = replace(spec, must_include=tuple(k for k in spec.must_include if k != ident))
    was = set(base.awards)
    if key == "replaced_by":
        pin_in, pin_out = set(changed), {c.id for c in spec.claims} - was - set(changed)
    else:
        pin_in, pin_out = was - set(changed), set(changed)
    (pin_in if inside else pin_out).add(ident)
    if pin_in & pin_out:
        return False
    locks = {"lock_in": [ident]} if inside else {"lock_out": [ident]}
    free = solve(trial, time_limit=None, **locks)  # type: ignore[arg-type]
    pinned = solve(trial, time_limit=None, lock_in=sorted(pin_in), lock_out=sorted(pin_out))
    return pinned.status == "optimal" and close(pinned.objective, free.objective, free.objective)


def assert_same_explanations(spec: PortfolioSpec) -> None:
    base = solve(spec, time_limit=None)
    if base.status != "optimal":  # said, not passed in silence: nothing was compared
        assert base.status == "infeasible"
        pytest.skip("this random portfolio has no allocation that meets its rules")
    fast, fast_done = explain_claims(spec, base, seconds=1e9, time_limit=None, fast=True)
    plain, plain_done = explain_claims(spec, base, seconds=1e9, time_limit=None, fast=False)
    # Both finish, or both leave the same bisection unsettled (a smaller ask that no
    # allocation takes, under a country's floor, stops it the same way on either path).
    assert fast_done == plain_done
    scale = base.objective
    for c in spec.claims:
        f, p = fast[c.id], plain[c.id]
        assert f["computed"] and p["computed"]
        assert set(f) == set(p), c.id
        for key in FIGURES:
            if key in p:
                assert close(f[key], p[key], scale), (c.id, key, f[key], p[key])
        for key in ("held_in_by", "blocked_by", "kept_out_by"):
            assert f.get(key) == p.get(key), (c.id, key)
        if p.get("to_enter") is not None:
            fe, pe = f["to_enter"], p["to_enter"]
            assert close(fe["value_at_least"], pe["value_at_least"], c.value), c.id
            assert set(fe) == set(pe)
            # The bisection follows the verdicts, which agree (the optima do): same ask.
            if "ask_at_most" in pe:
                assert close(fe["ask_at_most"], pe["ask_at_most"], c.ask), c.id
        for key in ("replaced_by", "would_displace"):
            if key in p and f[key] != p[key]:
                # Ties: another optimum may change other claims; it must be an optimum too.
                inside = key == "would_displace"
                assert chosen_by_an_optimum(spec, c.id, inside, base, f[key], key=key), c.id


@pytest.mark.parametrize("partial", [False, True])
@pytest.mark.parametrize("seed", range(18))  # about a third have no allocation: skipped, said
def test_small_random_portfolios_explain_the_same(seed: int, partial: bool) -> None:
    assert_same_explanations(random_spec(200 + seed, partial=partial))


@pytest.mark.parametrize("seed", range(3))
def test_medium_portfolios_explain_the_same(seed: int) -> None:
    assert_same_explanations(medium_spec(seed, n=14))


@pytest.mark.parametrize("seed", range(9))
def test_each_forced_optimum_matches_the_milp(seed: int) -> None:
    spec = medium_spec(seed)
    base = solve(spec, time_limit=None)
    if base.status != "optimal":
        pytest.skip("no allocation meets every rule")
    fast = FastResolver(spec)
    plain = plain_resolve(spec)
    clock = _Clock(1e9, None)
    rng = np.random.default_rng(seed)
    settled = 0
    for i, c in enumerate(spec.claims):
        if c.id in spec.must_exclude:
            continue
        inside = c.id not in base.awards
        questions: list[dict[str, float]] = [{}]
        if inside:  # also a changed value and a smaller ask, as the explanations ask
            questions.append({"value": c.value * float(rng.uniform(1.0, 3.0))})
            ask = c.ask * float(rng.uniform(0.2, 1.0))
            questions.append({"ask": ask, "min": min(c.min, ask)})
        for changes in questions:
            found = fast.forced(
                i, inside=inside, changes=changes, deadline=time.perf_counter() + 60
            )
            expected = plain(i, inside, changes, clock)
            if found is None:  # not settled: the caller re-solves the MILP
                continue
            settled += 1
            assert expected.status == "optimal", (c.id, changes)
            assert close(found.objective, expected.objective, expected.objective), (c.id, changes)
            trial = _with_claim(spec, i, **changes) if changes else spec
            assert optimal_with(trial, c.id, inside, found), (c.id, changes)
    assert settled > len(spec.claims)  # the fast path did the work, not the fallback


def test_a_tiny_budget_gives_computed_false_not_wrong_figures() -> None:
    spec = medium_spec(4)
    base = solve(spec, time_limit=None)
    assert base.status == "optimal"
    nothing, complete = explain_claims(spec, base, seconds=0.0, time_limit=None)
    assert not complete
    for e in nothing.values():
        assert e["computed"] is False
        assert not set(e) & {"value_lost_if_out", "cost_if_in", "to_enter", "replaced_by"}
    # A budget that runs out part way: what is computed is right, the rest says so.
    some, complete = explain_claims(spec, base, seconds=0.01, time_limit=None)
    full, _ = explain_claims(spec, base, seconds=1e9, time_limit=None, fast=False)
    assert not complete
    for ident, e in some.items():
        if not e["computed"]:
            assert not set(e) & {"value_lost_if_out", "cost_if_in", "to_enter", "replaced_by"}
            continue
        for key in FIGURES:
            if key in e:
                assert close(e[key], full[ident][key], base.objective)
        if e.get("to_enter"):
            want = full[ident]["to_enter"]
            assert close(e["to_enter"]["value_at_least"], want["value_at_least"], 1.0)
            if "ask_at_most" in e["to_enter"]:
                assert close(e["to_enter"]["ask_at_most"], want["ask_at_most"], 1.0)


def test_a_deadline_already_past_settles_nothing() -> None:
    spec = medium_spec(0)
    base = solve(spec, time_limit=None)
    fast = FastResolver(spec)
    i = next(i for i, c in enumerate(spec.claims) if c.id not in base.awards)
    assert fast.forced(i, inside=True, deadline=time.perf_counter() - 1) is None


def test_portfolio_uses_the_fast_path_and_is_complete() -> None:
    r = portfolio(medium_spec(2), explain_seconds=60)
    assert r["explanations_complete"]
    assert all(e["computed"] for e in r["explanations"].values())
