"""The programme's portfolio allocation: hand-made cases with known answers, brute force over
every subset of claims (with an LP over the awards of each subset when claims accept less than
their ask) on small random instances, clashing rules named, the price of each fairness rule,
what it takes for a claim to enter, and every bad-input path named."""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from recap.engine.errors import ProblemError
from recap.engine.mip import Group
from recap.engine.portfolio import (
    MAX_CLAIMS,
    PortfolioSpec,
    parse_portfolio,
    portfolio,
    run_portfolio_json,
    solve,
    what_if,
    with_rules,
)

ISSUE: dict[str, Any] = {
    "pot": 500000,
    "claims": [
        {
            "id": "RW-KIGALI-001",
            "country": "RW",
            "city": "kigali",
            "ask": 90000,
            "min": 60000,
            "value": 71.5,
        },
        {"id": "RW-KIGALI-002", "country": "RW", "city": "kigali", "ask": 120000, "value": 80},
        {"id": "RW-HUYE-001", "country": "RW", "city": "huye", "ask": 150000, "value": 60},
        {
            "id": "KE-NAIROBI-001",
            "country": "KE",
            "city": "nairobi",
            "ask": 200000,
            "min": 100000,
            "value": 90,
        },
        {"id": "KE-MOMBASA-001", "country": "KE", "city": "mombasa", "ask": 100000, "value": 30},
        {"id": "UG-KAMPALA-001", "country": "UG", "city": "kampala", "ask": 180000, "value": 40},
    ],
    "min_per_country": 2,
    "max_per_city": 1,
    "country_floor_share": 0.2,
    "must_include": [],
    "must_exclude": [],
}


def claim(ident: str, ask: float, value: float, **extra: Any) -> dict[str, Any]:
    country, city = extra.pop("country", "RW"), extra.pop("city", ident.lower())
    return {"id": ident, "country": country, "city": city, "ask": ask, "value": value, **extra}


def spec_of(pot: float, *claims: dict[str, Any], **rules: Any) -> PortfolioSpec:
    return parse_portfolio({"pot": pot, "claims": list(claims), **rules})


# ---------------------------------------------------------------- brute force


def every_rule(spec: PortfolioSpec) -> set[Group]:
    rules = {Group("pot", ())}
    for country in spec.countries:
        rules |= {Group("country_minimum", (country,)), Group("country_floor", (country,))}
    if spec.max_per_city is not None:
        rules |= {Group("city_cap", key) for key in spec.cities}
    rules |= {Group("must_include", (k,)) for k in spec.must_include}
    rules |= {Group("must_exclude", (k,)) for k in spec.must_exclude}
    return rules


def _counts_hold(spec: PortfolioSpec, chosen: set[int], rules: set[Group]) -> bool:
    ids = {spec.claims[i].id for i in chosen}
    for country, members in spec.countries.items():
        short = len(chosen.intersection(members)) < spec.minimum(country)
        if short and Group("country_minimum", (country,)) in rules:
            return False
    if spec.max_per_city is not None:
        for key, members in spec.cities.items():
            if Group("city_cap", key) in rules and len(chosen.intersection(members)) > (
                spec.max_per_city
            ):
                return False
    if any(Group("must_include", (k,)) in rules and k not in ids for k in spec.must_include):
        return False
    return not any(Group("must_exclude", (k,)) in rules and k in ids for k in spec.must_exclude)


def _best_awards(
    spec: PortfolioSpec, chosen: list[int], rules: set[Group]
) -> tuple[float, list[float]] | None:
    """The best awards for exactly the claims `chosen`: an LP (or a check, all or nothing)."""
    claims = [spec.claims[i] for i in chosen]
    rows: list[list[float]] = []
    limits: list[float] = []
    if Group("pot", ()) in rules:
        rows.append([1.0] * len(chosen))
        limits.append(spec.pot)
    for country in spec.countries:
        least = spec.floor(country)
        if Group("country_floor", (country,)) in rules and least > 0:
            rows.append([-1.0 if c.country == country else 0.0 for c in claims])
            limits.append(-least)
    if all(c.min == c.ask for c in claims):
        awards = [c.ask for c in claims]
        ok = all(
            np.dot(r, awards) <= lim + 1e-9 * max(1, abs(lim))
            for r, lim in zip(rows, limits, strict=True)
        )
        return (sum(c.value for c in claims), awards) if ok else None
    lp = linprog(
        c=[-c.value / c.ask for c in claims],
        A_ub=rows or None,
        b_ub=limits or None,
        bounds=[(c.min, c.ask) for c in claims],
        method="highs",
    )
    return (-float(lp.fun), list(lp.x)) if lp.status == 0 else None


def brute(
    spec: PortfolioSpec,
    rules: set[Group] | None = None,
    *,
    lock_in: tuple[str, ...] = (),
    lock_out: tuple[str, ...] = (),
) -> float | None:
    """The best objective over every subset of claims, or None when no allocation exists."""
    rules = every_rule(spec) if rules is None else rules
    n = len(spec.claims)
    best = None
    for size in range(n + 1):
        for subset in itertools.combinations(range(n), size):
            ids = {spec.claims[i].id for i in subset}
            if not set(lock_in) <= ids or ids & set(lock_out):
                continue
            if not _counts_hold(spec, set(subset), rules):
                continue
            found = _best_awards(spec, list(subset), rules)
            if found is not None and (best is None or found[0] > best):
                best = found[0]
    return best


def random_spec(seed: int, *, partial: bool) -> PortfolioSpec:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 8))
    claims = []
    for i in range(n):
        country = ["RW", "KE", "UG"][int(rng.integers(0, 3))]
        city = f"{country.lower()}{int(rng.integers(0, 2))}"
        ask = float(rng.integers(10, 60))
        c = claim(f"c{i}", ask, float(rng.integers(1, 50)), country=country, city=city)
        if partial and rng.random() < 0.5:
            c["min"] = float(round(ask * rng.uniform(0.3, 1.0)))
        claims.append(c)
    rules: dict[str, Any] = {
        "min_per_country": int(rng.integers(0, 3)),
        "max_per_city": [None, 1, 2][int(rng.integers(0, 3))],
        "country_floor_share": [0.0, 0.1, 0.2, 0.3][int(rng.integers(0, 4))],
    }
    if rng.random() < 0.25:
        rules["must_include"] = [f"c{int(rng.integers(0, n))}"]
    if rng.random() < 0.25:
        rules["must_exclude"] = [f"c{int(rng.integers(0, n))}"]
    return spec_of(float(rng.integers(40, 200)), *claims, **rules)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


SEEDS = range(30)


# ---------------------------------------------------------------- hand-made answers


def test_all_or_nothing_claims_are_a_knapsack() -> None:
    # A alone is worth 10; A with any other breaks the pot; B and C fit together, worth 13.
    spec = spec_of(100, claim("A", 60, 10), claim("B", 50, 7), claim("C", 50, 6))
    r = portfolio(spec)
    assert r["status"] == "optimal"
    assert r["awards"] == {"B": 50.0, "C": 50.0}
    assert r["objective"] == pytest.approx(13.0)
    a = r["explanations"]["A"]
    assert not a["supported"]
    assert [k["kind"] for k in a["kept_out_by"]] == ["pot"]
    # Forcing A in: A alone (10) instead of 13; it would need a value of 13 to enter.
    assert a["cost_if_in"] == pytest.approx(3.0)
    assert a["to_enter"]["value_at_least"] == pytest.approx(13.0)
    assert r["explanations"]["B"]["value_lost_if_out"] == pytest.approx(3.0)
    assert r["binding"] == [{"kind": "pot", "pot": 100.0, "text": "the pot of 100"}]


def test_a_claim_that_accepts_less_takes_what_the_pot_leaves() -> None:
    # B (9 for 60) in full, A gets the 40 left, at least its min: 9 + 8 × 40/80 = 13 beats
    # A in full alone (8) or B alone (9).
    spec = spec_of(100, claim("A", 80, 8, min=40), claim("B", 60, 9))
    r = portfolio(spec)
    assert r["awards"] == {"A": 40.0, "B": 60.0}
    assert r["objective"] == pytest.approx(13.0)
    a = r["explanations"]["A"]
    assert a["share"] == pytest.approx(0.5)
    assert a["value_gained"] == pytest.approx(4.0)
    assert a["partial_because"]["kind"] == "pot"
    # Without A, B alone: 9; A is worth 4 here.
    assert a["value_lost_if_out"] == pytest.approx(4.0)


def test_a_partial_claim_left_out_needs_the_value_newton_finds() -> None:
    # B and C are all or nothing and fill the pot; A (ask 100, min 50) could replace C only.
    # With A in: B (12) + A on the 50 left: v/2, against 12 + 10: A needs a value of 20.
    spec = spec_of(100, claim("A", 100, 12, min=50), claim("B", 50, 12), claim("C", 50, 10))
    r = portfolio(spec)
    assert r["awards"] == {"B": 50.0, "C": 50.0}
    a = r["explanations"]["A"]
    assert a["to_enter"]["value_at_least"] == pytest.approx(20.0)
    assert a["cost_if_in"] == pytest.approx(22.0 - 18.0)


def test_the_issue_example_is_infeasible_with_the_clashing_rules_named() -> None:
    # RW needs two claims in two cities (60,000 + 150,000 at least), KE both of its two
    # (100,000 + 100,000), UG a fifth of the pot (its only ask, 180,000): 590,000 > 500,000.
    r = run_portfolio_json(ISSUE)
    assert r["status"] == "infeasible"
    assert r["awards"] == {}
    kinds = {(c["kind"], c.get("country")) for c in r["conflict"]}
    assert kinds == {
        ("pot", None),
        ("country_minimum", "RW"),
        ("country_minimum", "KE"),
        ("country_floor", "UG"),
    }
    assert "the pot of 500,000" in r["reason"]
    assert "at least 2 supported claims in KE (2 eligible)" in r["reason"]
    # Without the minimum per country it is possible; the prices are undefined.
    assert r["objective_without"]["min_per_country"] is not None
    assert r["prices"] == dict.fromkeys(r["prices"])
    json.dumps(r, allow_nan=False)


def test_the_issue_example_with_a_bigger_pot() -> None:
    spec = parse_portfolio(ISSUE)
    r = portfolio(spec, pot=700000)
    assert r["status"] == "optimal"
    # RW: KIGALI-001 in full and HUYE (one per kigali); KE: both, NAIROBI gets what is left.
    assert r["awards"] == {
        "RW-KIGALI-001": 90000.0,
        "RW-HUYE-001": 150000.0,
        "KE-NAIROBI-001": 180000.0,
        "KE-MOMBASA-001": 100000.0,
        "UG-KAMPALA-001": 180000.0,
    }
    assert r["objective"] == pytest.approx(71.5 + 60 + 90 * 0.9 + 30 + 40)
    assert r["total"] == pytest.approx(700000.0)
    assert r["by_country"]["KE"]["awarded"] == pytest.approx(280000.0)
    assert r["by_country"]["RW"]["minimum"] == 2
    assert r["by_country"]["UG"]["floor"] == pytest.approx(140000.0)
    k2 = r["explanations"]["RW-KIGALI-002"]
    assert {k["kind"] for k in k2["kept_out_by"]} >= {"city_cap"}
    # In place of KIGALI-001 it brings 8.5 more and takes 30,000 of NAIROBI's (13.5): 85.
    assert k2["to_enter"]["value_at_least"] == pytest.approx(85.0)
    # With ask X it brings 8.5 and takes (X − 90,000) × 90/200,000: X ≤ 108,889 (1%).
    assert 108889 * 0.99 <= k2["to_enter"]["ask_at_most"] <= 108889
    # KE has exactly two claims: each is held in by its minimum.
    held = r["explanations"]["KE-MOMBASA-001"]["held_in_by"]
    assert [h["kind"] for h in held] == ["country_minimum"]
    # The city cap costs 29: without it KIGALI-002 joins (checked by brute force below).
    assert r["prices"]["max_per_city"] == pytest.approx(29.0)
    uncapped = brute(replace(spec, pot=700000.0, max_per_city=None))
    assert uncapped is not None
    assert r["prices"]["max_per_city"] == pytest.approx(uncapped - r["objective"])


def test_min_per_country_counts_only_eligible_claims_and_has_a_price() -> None:
    # KE's best claim is worth little; k = 2 forces KE's two claims over RW's third.
    claims = [
        claim("R1", 10, 9, city="a"),
        claim("R2", 10, 8, city="b"),
        claim("R3", 10, 7, city="c"),
        claim("K1", 10, 1, country="KE", city="n"),
        claim("K2", 10, 2, country="KE", city="m"),
        claim("K3", 10, 3, country="KE", city="o"),
    ]
    spec = spec_of(40, *claims, min_per_country=2, must_exclude=["K3"])
    r = portfolio(spec)
    assert r["awards"] == {"R1": 10.0, "R2": 10.0, "K1": 10.0, "K2": 10.0}
    assert r["by_country"]["KE"]["eligible"] == 2
    # Without it: RW's three and KE's K2, 9 + 8 + 7 + 2 = 26, against 9 + 8 + 1 + 2 = 20.
    assert r["objective"] == pytest.approx(20.0)
    assert r["objective_without"]["min_per_country"] == pytest.approx(26.0)
    assert r["prices"]["min_per_country"] == pytest.approx(6.0)
    # Only one eligible claim in KE: the minimum there is one, not two.
    one = spec_of(40, *claims, min_per_country=2, must_exclude=["K3", "K1"])
    assert one.minimum("KE") == 1
    assert portfolio(one)["awards"] == {"R1": 10.0, "R2": 10.0, "R3": 10.0, "K2": 10.0}


def test_country_floor_falls_back_to_every_eligible_ask() -> None:
    claims = [claim("R1", 50, 50), claim("K1", 10, 1, country="KE")]
    spec = spec_of(50, *claims, country_floor_share=0.5)
    # KE's floor is its ask (10 < 25): RW's one claim no longer fits.
    assert spec.floor("KE") == pytest.approx(10.0)
    r = portfolio(spec)
    assert r["status"] == "infeasible"
    assert {c["kind"] for c in r["conflict"]} == {"pot", "country_floor"}
    floor = next(c for c in r["conflict"] if c.get("country") == "KE")
    assert floor["all_asks"] is True
    assert "all of its eligible asks" in floor["text"]


def test_a_claim_both_forced_in_and_out_names_both_locks() -> None:
    r = portfolio(spec_of(100, claim("A", 10, 1), must_include=["A"], must_exclude=["A"]))
    assert r["status"] == "infeasible"
    assert [c["kind"] for c in r["conflict"]] == ["must_include", "must_exclude"]


def test_locks_are_explained() -> None:
    spec = spec_of(100, claim("A", 60, 1), claim("B", 60, 10), must_include=["A"], must_exclude=[])
    r = portfolio(spec)
    assert r["awards"] == {"A": 60.0}
    a = r["explanations"]["A"]
    assert a["held_in_by"][0]["kind"] == "must_include"
    assert a["value_lost_if_out"] == pytest.approx(1.0 - 10.0)  # the lock costs 9
    b = r["explanations"]["B"]
    assert b["blocked_by"][0]["kind"] in {"pot", "must_include"}
    assert {x["kind"] for x in b["blocked_by"]} == {"pot", "must_include"}
    out = portfolio(replace(spec, must_include=(), must_exclude=("B",)))
    assert out["explanations"]["B"]["kept_out_by"][0]["kind"] == "locked_out"


def test_what_if_a_bigger_pot_and_another_k() -> None:
    spec = spec_of(100, claim("A", 60, 10), claim("B", 50, 7), claim("C", 50, 6))
    change = what_if(spec, pot=160)
    assert change["entered"] == ["A"]
    assert change["objective_change"] == pytest.approx(10.0)
    assert with_rules(spec, max_per_city=None).max_per_city is None
    assert with_rules(spec, min_per_country=3).min_per_country == 3
    with pytest.raises(ProblemError, match=r"^pot: must be a number > 0$"):
        with_rules(spec, pot=-1)
    with pytest.raises(ProblemError, match="country_floor_share: must be a number from 0 to 1"):
        portfolio(spec, country_floor_share=2)


def test_explanations_stop_at_their_budget() -> None:
    spec = random_spec(3, partial=True)
    r = portfolio(spec, explain_seconds=0.0)
    assert r["explanations_complete"] is False
    assert all(e["computed"] is False for e in r["explanations"].values())
    assert set(r["explanations"]) == {c.id for c in spec.claims}


# ---------------------------------------------------------------- brute force


@pytest.mark.parametrize("partial", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_the_optimum_matches_brute_force(seed: int, partial: bool) -> None:
    spec = random_spec(seed, partial=partial)
    r = portfolio(spec, explain=False)
    expected = brute(spec)
    if expected is None:
        assert r["status"] == "infeasible"
        conflict = {Group(c["kind"], _key(c)) for c in r["conflict"]}
        assert brute(spec, conflict) is None  # the rules named cannot hold together
        for g in conflict:  # and each of them is needed
            assert brute(spec, conflict - {g}) is not None
        return
    assert r["status"] == "optimal"
    assert close(r["objective"], expected)
    assert spec.violations(r["awards"]) == []
    assert close(spec.value_of(r["awards"]), r["objective"])
    for rule, off in (("min_per_country", 0), ("max_per_city", None), ("country_floor_share", 0)):
        without = brute(replace(spec, **{rule: off}))
        assert without is not None
        assert close(r["prices"][rule], without - expected), rule


def _key(c: dict[str, Any]) -> tuple[str, ...]:
    if c["kind"] == "pot":
        return ()
    if c["kind"] == "city_cap":
        return (c["country"], c["city"])
    return (c.get("country") or c["claim"],)


@pytest.mark.parametrize("seed", range(8))
def test_each_claims_figures_match_brute_force(seed: int) -> None:
    for offset in range(20):  # the first feasible instance from this seed on
        spec = random_spec(100 + 20 * seed + offset, partial=seed % 2 == 1)
        best = brute(spec)
        if best is not None:
            break
    assert best is not None
    r = portfolio(spec)
    assert r["explanations_complete"]
    for i, c in enumerate(spec.claims):
        e = r["explanations"][c.id]
        if e["supported"]:
            out = brute(
                replace(spec, must_include=tuple(k for k in spec.must_include if k != c.id)),
                lock_out=(c.id,),
            )
            if out is None:
                assert e["value_lost_if_out"] is None and e["held_in_by"]
            else:
                assert close(e["value_lost_if_out"], best - out)
            continue
        if c.id in spec.must_exclude:
            continue
        forced = brute(spec, lock_in=(c.id,))
        if forced is None:
            assert e["cost_if_in"] is None and e["blocked_by"]
            continue
        assert close(e["cost_if_in"], best - forced)
        threshold = e["to_enter"]["value_at_least"]
        assert threshold is not None
        eps = 1e-4 * max(1.0, threshold)
        # A little above the threshold it is in every optimum; a little below, in none.
        above = brute(_valued(spec, i, threshold + eps), lock_in=(c.id,))
        below = brute(_valued(spec, i, threshold - eps), lock_in=(c.id,))
        assert above is not None and below is not None
        assert below < best < above
        ask = e["to_enter"]["ask_at_most"]
        if ask is not None:
            asked = _valued(spec, i, c.value, ask=ask, min=min(c.min, ask))
            inside = brute(asked, lock_in=(c.id,))
            assert inside is not None
            assert inside >= (brute(asked, lock_out=(c.id,)) or -1) - 1e-6


def _valued(spec: PortfolioSpec, i: int, value: float, **changes: float) -> PortfolioSpec:
    claims = list(spec.claims)
    claims[i] = replace(claims[i], value=value, **changes)
    return replace(spec, claims=tuple(claims))


def test_solve_locks_and_time_limit() -> None:
    spec = random_spec(1, partial=True)
    free = solve(spec, time_limit=None)
    ident = spec.claims[0].id
    inside = solve(spec, lock_in=[ident])
    outside = solve(spec, lock_out=[ident])
    for s in (inside, outside):
        assert s.status in {"optimal", "infeasible"}
        if s.status == "optimal":
            assert s.objective <= free.objective + 1e-9
    if inside.status == "optimal":
        assert ident in inside.awards
    assert ident not in outside.awards


# ---------------------------------------------------------------- bad input


def _bad(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(ISSUE)
    change(data)
    return data


def _set(*path: Any) -> Any:
    *where, key, value = path

    def change(data: Any) -> None:
        for k in where:
            data = data[k]
        data[key] = value

    return change


def _drop(*path: Any) -> Any:
    *where, key = path

    def change(data: Any) -> None:
        for k in where:
            data = data[k]
        del data[key]

    return change


BAD = [
    (_set("pot", 0), "pot: must be a number > 0"),
    (_set("pot", "500000"), "pot: must be a number > 0"),
    (_set("pot", float("nan")), "pot: must be a finite number (not NaN or infinity)"),
    (_drop("pot"), "pot: is required"),
    (_set("extra", 1), "extra: unknown field"),
    (_set("claims", {}), "claims: must be an array"),
    (_set("claims", []), "claims: must list from 1 to 5,000 claims"),
    (_set("claims", 3, "ask", 0), "claims[3].ask: must be a number > 0"),
    (_set("claims", 3, "ask", True), "claims[3].ask: must be a number > 0"),
    (_drop("claims", 1, "ask"), "claims[1].ask: is required"),
    (_set("claims", 2, "min", 200000), "claims[2].min: must be <= ask"),
    (_set("claims", 2, "min", 0), "claims[2].min: must be a number > 0"),
    (_set("claims", 0, "value", -1), "claims[0].value: must be a number >= 0"),
    (_drop("claims", 0, "value"), "claims[0].value: is required"),
    (_set("claims", 4, "id", "RW-KIGALI-001"), "claims[4].id: duplicate id 'RW-KIGALI-001'"),
    (_set("claims", 4, "id", ""), "claims[4].id: must not be empty"),
    (_set("claims", 1, "country", 7), "claims[1].country: must be a string"),
    (_drop("claims", 1, "city"), "claims[1].city: is required"),
    (_set("claims", 1, "colour", "red"), "claims[1].colour: unknown field"),
    (_set("claims", 1, "name", 3), "claims[1].name: must be a string"),
    (_set("claims", 5, "x"), "claims[5]: must be an object"),
    (_set("min_per_country", -1), "min_per_country: must be a whole number >= 0"),
    (_set("min_per_country", 1.5), "min_per_country: must be a whole number"),
    (_set("max_per_city", 0), "max_per_city: must be a whole number >= 1"),
    (_set("country_floor_share", 1.2), "country_floor_share: must be a number from 0 to 1"),
    (_set("country_floor_share", -0.1), "country_floor_share: must be a number from 0 to 1"),
    (_set("country_floor_share", "0.2"), "country_floor_share: must be a number from 0 to 1"),
    (_set("must_include", ["NOPE"]), "must_include[0]: unknown claim id 'NOPE'"),
    (_set("must_exclude", ["RW-HUYE-001", 3]), "must_exclude[1]: must be a string"),
    (_set("must_exclude", "RW-HUYE-001"), "must_exclude: must be an array"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_input_names_its_field(change: Any, message: str) -> None:
    with pytest.raises(ProblemError) as caught:
        run_portfolio_json(_bad(change))
    assert str(caught.value).startswith(message)


def test_not_an_object_and_too_many_claims() -> None:
    with pytest.raises(ProblemError, match="must be an object"):
        parse_portfolio([])
    many = [claim(f"c{i}", 1, 1) for i in range(MAX_CLAIMS + 1)]
    with pytest.raises(ProblemError, match="claims: must list from 1 to 5,000 claims"):
        parse_portfolio({"pot": 10, "claims": many})


def test_optional_fields_take_their_defaults() -> None:
    spec = parse_portfolio({"pot": 10, "claims": [claim("A", 5, 1, min=None)]})
    assert spec.claims[0].min == 5.0
    assert (spec.min_per_country, spec.max_per_city, spec.country_floor_share) == (0, None, 0.0)
    assert run_portfolio_json({"pot": 10, "claims": [claim("A", 5, 1)]})["awards"] == {"A": 5.0}
