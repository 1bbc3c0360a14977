"""The programme's portfolio allocation: which cities' claims the pot supports, and with how much.

Contract (ReCAP issue #24, docs/portfolio.md): `parse_portfolio(data)` validates decoded JSON and
returns a `PortfolioSpec`, or raises `ProblemError(path, message)` naming the first field that
breaks the contract. `portfolio(spec, time_limit=...)` returns a JSON-ready dict: `status`,
`objective`, `awards` (id → amount, supported claims only), `by_country`, `binding`, `prices`,
`explanations`; `infeasible` answers carry a `reason` naming a small set of rules that clash
(a deletion filter over the rules, as `optimize.explain_infeasibility` does for packages).
`run_portfolio_json(data)` is both in one call (the CLI verb `recap portfolio`).

Semantics. A supported claim i gets an award a_i with min_i <= a_i <= ask_i (`min` defaults to
`ask`: all or nothing); the awards sum to at most the pot. The objective is
Σ value_i × a_i / ask_i: **a claim's value scales with the share of its ask it gets** (half its
ask, half its value). The rules, each optional:
- `min_per_country` k: each country has at least min(k, its eligible claims) supported, where
  eligible means not in `must_exclude` (the programme's "two concepts per country where a
  country has that many");
- `max_per_city` m: at most m supported claims per city (a city is a country and city pair);
- `country_floor_share` f: each country with an eligible claim gets at least f × pot in awards,
  or all of its eligible asks if those sum to less;
- `must_include` / `must_exclude`: claims supported / left out whatever they cost.

Model: an exact MILP solved by HiGHS (`mip.run_highs`): a binary y_i per claim and, only for a
claim that accepts less than its ask, a continuous a_i with min_i y_i <= a_i <= ask_i y_i (an
all-or-nothing claim's award is ask_i y_i). Awards are read back, clipped into their interval
and checked against every rule before they are reported; `objective` is recomputed from them.
Well-formed input that no allocation satisfies is not an error but `infeasible`.

Explanations (re-solves, within `explain_seconds`; claims past the budget say `computed: false`):
a supported claim's value lost if it were forced out (or the rules that hold it in); a claim
left out, the rules that keep it out, the value lost by forcing it in (or the rules that forbid
it) and what would bring it in: a value of at least X (exact: Newton's method on the optimum
with it forced in, a convex piecewise-linear function of its value; one step when all or
nothing) and an ask of at most Y (bisection to 1% of its ask; Y is verified to bring it in).
`prices`: for each fairness rule, the optimum without the rule minus the optimum with it.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from . import validate as v
from .errors import ProblemError
from .mip import Group, Model, deletion_filter, run_highs
from .optimize import amount_

MAX_CLAIMS = 5_000
DEFAULT_TIME_LIMIT = 60.0
DEFAULT_EXPLAIN_SECONDS = 60.0
TOP_KEYS = (
    "pot",
    "claims",
    "min_per_country",
    "max_per_city",
    "country_floor_share",
    "must_include",
    "must_exclude",
)
CLAIM_KEYS = ("id", "country", "city", "ask", "min", "value", "name")
#: The fairness rules whose price is reported, each with the setting that switches it off.
RULES: dict[str, Any] = {"min_per_country": 0, "max_per_city": None, "country_floor_share": 0.0}
#: Groups that demand something; the deletion filter tries to drop them last.
FORCING = ("must_include", "country_minimum", "country_floor")
#: Bisection steps for the smallest ask that enters: 2^-7 < 1% of the ask.
ASK_STEPS = 7
NEWTON_STEPS = 12
#: Two objectives this close (relative) are a tie: the claim can enter.
TOL = 1e-7


@dataclass(frozen=True)
class Claim:
    id: str
    country: str
    city: str
    ask: float
    min: float
    value: float
    name: str = ""

    @property
    def all_or_nothing(self) -> bool:
        return self.min >= self.ask


@dataclass(frozen=True)
class PortfolioSpec:
    pot: float
    claims: tuple[Claim, ...]
    min_per_country: int = 0
    max_per_city: int | None = None
    country_floor_share: float = 0.0
    must_include: tuple[str, ...] = ()
    must_exclude: tuple[str, ...] = ()

    @cached_property
    def index(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.claims)}

    @cached_property
    def countries(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i, c in enumerate(self.claims):
            out.setdefault(c.country, []).append(i)
        return out

    @cached_property
    def cities(self) -> dict[tuple[str, str], list[int]]:
        out: dict[tuple[str, str], list[int]] = {}
        for i, c in enumerate(self.claims):
            out.setdefault((c.country, c.city), []).append(i)
        return out

    @cached_property
    def eligible(self) -> dict[str, list[int]]:
        """Each country's claims that are not in `must_exclude`."""
        out = set(self.must_exclude)
        return {
            country: [i for i in members if self.claims[i].id not in out]
            for country, members in self.countries.items()
        }

    def minimum(self, country: str) -> int:
        """How many of the country's claims must be supported: min(k, its eligible claims)."""
        return min(self.min_per_country, len(self.eligible[country]))

    def floor(self, country: str) -> float:
        """The country's least total award: f × pot, or all its eligible asks if less."""
        asks = sum(self.claims[i].ask for i in self.eligible[country])
        return min(self.country_floor_share * self.pot, asks) if asks else 0.0

    def value_of(self, awards: Mapping[str, float]) -> float:
        claims = self.claims
        index = self.index
        return float(
            sum(claims[index[k]].value * a / claims[index[k]].ask for k, a in awards.items())
        )

    def violations(self, awards: Mapping[str, float], *, tol: float = 1e-6) -> list[str]:
        """Every rule `awards` breaks, in words; empty when the allocation is feasible."""
        slack = tol * max(1.0, self.pot)
        out: list[str] = [f"unknown claim {k!r}" for k in awards if k not in self.index]
        for c in self.claims:
            a = awards.get(c.id, 0.0)
            if a and not c.min - slack <= a <= c.ask + slack:
                out.append(f"{c.id}: award {a:g} outside [{c.min:g}, {c.ask:g}]")
        total = sum(awards.values())
        if total > self.pot + slack:
            out.append(f"awards total {total:g}, more than the pot of {self.pot:g}")
        for country, members in self.countries.items():
            have = sum(1 for i in members if awards.get(self.claims[i].id))
            if have < self.minimum(country):
                out.append(f"{country}: {have} supported, fewer than {self.minimum(country)}")
            got = sum(awards.get(self.claims[i].id, 0.0) for i in members)
            if got < self.floor(country) - slack:
                out.append(f"{country}: awarded {got:g}, less than {self.floor(country):g}")
        if self.max_per_city is not None:
            for (country, city), members in self.cities.items():
                have = sum(1 for i in members if awards.get(self.claims[i].id))
                if have > self.max_per_city:
                    out.append(f"{city} ({country}): {have} supported, more than allowed")
        out.extend(f"{k} must be supported" for k in self.must_include if not awards.get(k))
        out.extend(f"{k} must be left out" for k in self.must_exclude if awards.get(k))
        return out


# ---------------------------------------------------------------- reading the input


def _ids(value: Any, path: str, known: Mapping[str, int]) -> tuple[str, ...]:
    out = []
    for k, item in enumerate(v.array(value, path)):
        ident = v.string(item, v.join(path, k))
        if ident not in known:
            raise ProblemError(v.join(path, k), f"unknown claim id {ident!r}")
        out.append(ident)
    return tuple(dict.fromkeys(out))


def _claim(raw: Any, path: str) -> Claim:
    c = v.obj(raw, path)
    v.no_unknown_keys(c, CLAIM_KEYS, path)
    ask = v.number(v.required(c, "ask", path), v.join(path, "ask"), minimum=0, strict_min=True)
    least = ask
    if c.get("min") is not None:
        least = v.number(c["min"], v.join(path, "min"), minimum=0, strict_min=True)
        if least > ask:
            raise ProblemError(v.join(path, "min"), "must be <= ask")
    return Claim(
        id=v.string(v.required(c, "id", path), v.join(path, "id")),
        country=v.string(v.required(c, "country", path), v.join(path, "country"), max_length=100),
        city=v.string(v.required(c, "city", path), v.join(path, "city"), max_length=200),
        ask=ask,
        min=least,
        value=v.number(v.required(c, "value", path), v.join(path, "value"), minimum=0),
        name=v.string(c.get("name", ""), v.join(path, "name"), allow_empty=True, max_length=500),
    )


def _share(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ProblemError(path, "must be a number from 0 to 1")
    return float(value)


def _cap(value: Any, path: str) -> int | None:
    return None if value is None else v.integer(value, path, minimum=1)


def parse_portfolio(data: Any) -> PortfolioSpec:
    """Validate decoded JSON against the contract and build a `PortfolioSpec`."""
    root = v.obj(data, "")
    v.no_unknown_keys(root, TOP_KEYS, "")
    pot = v.number(v.required(root, "pot", ""), "pot", minimum=0, strict_min=True)
    raw_claims = v.array(v.required(root, "claims", ""), "claims")
    if not 1 <= len(raw_claims) <= MAX_CLAIMS:
        raise ProblemError("claims", f"must list from 1 to {MAX_CLAIMS:,} claims")
    claims: list[Claim] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_claims):
        claim = _claim(raw, v.join("claims", i))
        if claim.id in seen:
            raise ProblemError(
                v.join(v.join("claims", i), "id"),
                f"duplicate id {claim.id!r} (also claims[{seen[claim.id]}])",
            )
        seen[claim.id] = i
        claims.append(claim)
    return PortfolioSpec(
        pot=pot,
        claims=tuple(claims),
        min_per_country=v.integer(root.get("min_per_country", 0), "min_per_country", minimum=0),
        max_per_city=_cap(root.get("max_per_city"), "max_per_city"),
        country_floor_share=_share(root.get("country_floor_share", 0.0), "country_floor_share"),
        must_include=_ids(root.get("must_include", []), "must_include", seen),
        must_exclude=_ids(root.get("must_exclude", []), "must_exclude", seen),
    )


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP


def with_rules(
    spec: PortfolioSpec,
    *,
    pot: float | None = None,
    min_per_country: int | None = None,
    max_per_city: int | _Keep | None = KEEP,
    country_floor_share: float | None = None,
) -> PortfolioSpec:
    """The same claims under other rules (what-if): each setting given is validated as in the
    input; `max_per_city=None` lifts the city cap."""
    changes: dict[str, Any] = {}
    if pot is not None:
        changes["pot"] = v.number(pot, "pot", minimum=0, strict_min=True)
    if min_per_country is not None:
        changes["min_per_country"] = v.integer(min_per_country, "min_per_country", minimum=0)
    if max_per_city is not KEEP:
        changes["max_per_city"] = _cap(max_per_city, "max_per_city")
    if country_floor_share is not None:
        changes["country_floor_share"] = _share(country_floor_share, "country_floor_share")
    return replace(spec, **changes)


# ---------------------------------------------------------------- the model


def build_model(
    spec: PortfolioSpec,
    *,
    keep: set[Group] | None = None,
    lock_in: Sequence[str] = (),
    lock_out: Sequence[str] = (),
) -> Model:
    """Columns: y_i per claim, then a_i per claim that accepts less than its ask. Rows carry
    the rule (`Group`) they come from; `keep` drops every named rule not in it (the linking
    rows and the `lock_in` / `lock_out` bounds, used by the explanations, always stay)."""
    claims = spec.claims
    n = len(claims)
    partial = [i for i, c in enumerate(claims) if not c.all_or_nothing]
    column = {i: n + p for p, i in enumerate(partial)}
    cost = np.zeros(n + len(partial))
    upper = np.ones(n + len(partial))
    award: list[tuple[int, float]] = []
    for i, c in enumerate(claims):
        if i in column:
            cost[column[i]] = c.value / c.ask
            upper[column[i]] = c.ask
            award.append((column[i], 1.0))
        else:
            cost[i] = c.value
            award.append((i, c.ask))
    model = Model(
        n_actions=n,
        n_synergies=0,
        cost=cost,
        lower=np.zeros(n + len(partial)),
        upper=upper,
        all_integral=False,
        n_extra=len(partial),
    )

    def add(coefs: dict[int, float], lo: float, hi: float, group: Group) -> None:
        if keep is None or group in keep or group.kind == "link":
            model.rows.append((coefs, lo, hi, group))

    for i, col in column.items():
        link = Group("link", (claims[i].id,))
        add({col: 1.0, i: -claims[i].ask}, -np.inf, 0.0, link)
        add({col: 1.0, i: -claims[i].min}, 0.0, np.inf, link)
    add(dict(award), -np.inf, spec.pot, Group("pot", ()))
    for country, members in spec.countries.items():
        if k := spec.minimum(country):
            add(dict.fromkeys(members, 1.0), float(k), np.inf, Group("country_minimum", (country,)))
        if (least := spec.floor(country)) > 0:
            coefs = dict(award[i] for i in members)
            add(coefs, least, np.inf, Group("country_floor", (country,)))
    if spec.max_per_city is not None:
        for (country, city), members in spec.cities.items():
            if len(members) > spec.max_per_city:
                group = Group("city_cap", (country, city))
                add(dict.fromkeys(members, 1.0), -np.inf, float(spec.max_per_city), group)
    locks = (
        ("must_include", spec.must_include, "lower"),
        ("must_exclude", spec.must_exclude, "upper"),
    )
    for kind, ids, side in locks:
        for ident in ids:
            group = Group(kind, (ident,))
            if keep is None or group in keep:
                _fix(model, spec.index[ident], side)
                model.bound_groups.append((spec.index[ident], side, group))
    for ident in lock_in:
        _fix(model, spec.index[ident], "lower")
    for ident in lock_out:
        _fix(model, spec.index[ident], "upper")
    return model


def _fix(model: Model, j: int, side: str) -> None:
    if side == "lower":
        model.lower[j] = 1.0
    else:
        model.upper[j] = 0.0


def all_groups(spec: PortfolioSpec) -> list[Group]:
    """Every nameable rule of `spec`, in a stable order."""
    model = build_model(spec)
    groups = [g for *_, g in model.rows if g.kind != "link"]
    return list(dict.fromkeys(groups + [g for _, _, g in model.bound_groups]))


@dataclass(frozen=True)
class Solved:
    status: str  # optimal | feasible | infeasible | no_solution | error
    objective: float
    bound: float | None
    awards: dict[str, float]
    seconds: float
    nodes: int = 0
    message: str = ""


def _awards(spec: PortfolioSpec, x: npt.NDArray[np.float64]) -> dict[str, float]:
    """Each supported claim's award, clipped into [min, ask] and snapped to its ends."""
    n = len(spec.claims)
    out: dict[str, float] = {}
    p = n
    for i, c in enumerate(spec.claims):
        if c.all_or_nothing:
            if x[i] > 0.5:
                out[c.id] = c.ask
            continue
        a = float(x[p])
        p += 1
        if x[i] > 0.5:
            a = min(max(a, c.min), c.ask)
            a = c.ask if c.ask - a <= 1e-9 * c.ask else (c.min if a - c.min <= 1e-9 * c.ask else a)
            out[c.id] = a
    return out


def solve(
    spec: PortfolioSpec,
    *,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    gap: float = 0.0,
    lock_in: Sequence[str] = (),
    lock_out: Sequence[str] = (),
) -> Solved:
    """The best allocation (with `lock_in` claims supported and `lock_out` ones left out)."""
    t0 = time.perf_counter()
    out = run_highs(
        build_model(spec, lock_in=lock_in, lock_out=lock_out), time_limit=time_limit, rel_gap=gap
    )
    seconds = time.perf_counter() - t0
    if out.status == "infeasible":
        return Solved("infeasible", 0.0, None, {}, seconds, out.nodes)
    if out.x is None:
        status = "error" if out.status == "error" else "no_solution"
        return Solved(status, 0.0, out.bound, {}, seconds, out.nodes, out.message)
    awards = _awards(spec, out.x)
    broken = spec.violations(awards)
    broken += [f"{k} is locked in" for k in lock_in if k not in awards]
    broken += [f"{k} is locked out" for k in lock_out if k in awards]
    if broken:  # never report an allocation that breaks a rule
        return Solved("error", 0.0, out.bound, {}, seconds, out.nodes, "; ".join(broken))
    objective = spec.value_of(awards)
    bound = max(out.bound, objective) if out.bound is not None else None
    status = {"optimal": "optimal", "feasible": "feasible"}.get(out.status, "error")
    if status == "optimal" and gap > 0 and bound is not None:
        # Stopped within the gap asked for: not proven.
        status = "optimal" if bound - objective <= 1e-6 + 1e-9 * abs(objective) else "feasible"
    return Solved(status, objective, bound, awards, seconds, out.nodes, out.message)


# ---------------------------------------------------------------- words for the rules


def describe(spec: PortfolioSpec, group: Group) -> dict[str, Any]:
    """A rule as data (its kind and figures) with a `text` in plain English."""
    kind, key = group.kind, group.key
    out: dict[str, Any] = {"kind": kind}
    if kind == "pot":
        out |= {"pot": spec.pot, "text": f"the pot of {amount_(spec.pot)}"}
    elif kind == "country_minimum":
        k, have = spec.minimum(key[0]), len(spec.eligible[key[0]])
        out |= {"country": key[0], "minimum": k, "eligible": have}
        out["text"] = f"at least {k} supported claim{'s' if k != 1 else ''} in {key[0]}"
        out["text"] += f" ({have} eligible)"
    elif kind == "country_floor":
        least = spec.floor(key[0])
        whole = least < spec.country_floor_share * spec.pot
        out |= {"country": key[0], "floor": least, "all_asks": whole}
        why = "all of its eligible asks" if whole else f"{spec.country_floor_share:.0%} of the pot"
        out["text"] = f"at least {amount_(least)} to {key[0]} ({why})"
    elif kind == "city_cap":
        m = spec.max_per_city
        out |= {"country": key[0], "city": key[1], "maximum": m}
        out["text"] = f"at most {m} supported claim{'s' if m != 1 else ''} in {key[1]} ({key[0]})"
    elif kind == "must_include":
        out |= {"claim": key[0], "text": f"{key[0]} must be supported"}
    elif kind == "must_exclude":
        out |= {"claim": key[0], "text": f"{key[0]} must be left out"}
    return out


def conflict_sentence(spec: PortfolioSpec, groups: Sequence[Group]) -> str:
    texts = [describe(spec, g)["text"] for g in groups]
    if not texts:
        return "No allocation meets every rule."
    if len(texts) == 1:
        return f"This rule cannot be met: {texts[0]}."
    return "These rules cannot all hold together: " + "; ".join(texts) + "."


def explain_infeasibility(
    spec: PortfolioSpec,
    *,
    budget_seconds: float = 10.0,
    lock_in: Sequence[str] = (),
    lock_out: Sequence[str] = (),
) -> list[Group]:
    """A set of rules that cannot all hold (with the locks); irreducible unless the budget runs
    out. Deletion filter: drop each rule in turn and keep it dropped if the rest is still
    infeasible; rules that demand something are tried last, so the answer names both what is
    demanded and what stands in the way."""

    def infeasible_without(keep: set[Group], seconds: float) -> bool:
        model = build_model(spec, keep=keep, lock_in=lock_in, lock_out=lock_out)
        return run_highs(model, feasibility_only=True, time_limit=seconds).status == "infeasible"

    return deletion_filter(
        all_groups(spec), set(FORCING), infeasible_without, budget_seconds=budget_seconds
    )


def tight_rules(spec: PortfolioSpec, awards: Mapping[str, float]) -> list[dict[str, Any]]:
    """The rules the allocation meets exactly, with no slack left."""
    slack = 1e-6 * max(1.0, spec.pot)
    out = []
    if sum(awards.values()) >= spec.pot - slack:
        out.append(describe(spec, Group("pot", ())))
    for country, members in spec.countries.items():
        have = sum(1 for i in members if spec.claims[i].id in awards)
        if (k := spec.minimum(country)) and have == k:
            out.append(describe(spec, Group("country_minimum", (country,))))
        got = sum(awards.get(spec.claims[i].id, 0.0) for i in members)
        if (least := spec.floor(country)) > 0 and got <= least + slack:
            out.append(describe(spec, Group("country_floor", (country,))))
    if (m := spec.max_per_city) is not None:
        for (country, city), members in spec.cities.items():
            if sum(1 for i in members if spec.claims[i].id in awards) == m < len(members):
                out.append(describe(spec, Group("city_cap", (country, city))))
    return out


# ---------------------------------------------------------------- explanations


class _Clock:
    def __init__(self, seconds: float, time_limit: float | None) -> None:
        self.deadline = time.perf_counter() + seconds
        self.time_limit = time_limit

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def limit(self) -> float:
        left = max(0.05, self.left())
        return left if self.time_limit is None else min(left, self.time_limit)


def _kept_out(spec: PortfolioSpec, claim: Claim, awards: Mapping[str, float]) -> list[Any]:
    reasons: list[dict[str, Any]] = []
    if claim.id in spec.must_exclude:
        reasons.append({"kind": "locked_out", "text": "it is locked out (must_exclude)"})
    m = spec.max_per_city
    city = spec.cities[(claim.country, claim.city)]
    if m is not None and sum(1 for i in city if spec.claims[i].id in awards) >= m:
        text = f"{claim.city} ({claim.country}) already has the most supported claims allowed, {m}"
        reasons.append(describe(spec, Group("city_cap", (claim.country, claim.city))))
        reasons[-1]["text"] = text
    left = max(0.0, spec.pot - sum(awards.values()))
    if left < claim.min - 1e-9 * spec.pot:
        text = f"it needs at least {amount_(claim.min)} but {amount_(left)} of the pot is left"
        reasons.append({"kind": "pot", "need": claim.min, "left": left, "text": text})
    if not reasons:
        text = "its value for what it asks does not justify what it would displace"
        reasons.append({"kind": "value", "text": text})
    return reasons


def _held(
    spec: PortfolioSpec, claim: Claim, clock: _Clock, *, lock_in: bool
) -> list[dict[str, Any]]:
    """The rules that forbid forcing `claim` in (`lock_in`) or out."""
    country = claim.country
    if not lock_in and spec.minimum(country) == len(spec.countries[country]):
        groups = [Group("country_minimum", (country,))]  # every claim of the country is needed
    else:
        locks: dict[str, Sequence[str]] = {"lock_in" if lock_in else "lock_out": (claim.id,)}
        budget = min(5.0, max(0.1, clock.left()))
        groups = explain_infeasibility(spec, budget_seconds=budget, **locks)
    return [describe(spec, g) for g in groups]


def _with_claim(spec: PortfolioSpec, i: int, **changes: Any) -> PortfolioSpec:
    claims = list(spec.claims)
    claims[i] = replace(claims[i], **changes)
    return replace(spec, claims=tuple(claims))


#: A re-solve with claim i forced in (True) or out (False, a `must_include` lock on it lifted),
#: its value, ask or min changed as the mapping says (none: unchanged).
Resolve = Callable[[int, bool, Mapping[str, float], _Clock], Solved]


def plain_resolve(spec: PortfolioSpec) -> Resolve:
    """One MILP re-solve per question (the reference the fast path is tested against)."""

    def resolve(i: int, inside: bool, changes: Mapping[str, float], clock: _Clock) -> Solved:
        ident = spec.claims[i].id
        trial = _with_claim(spec, i, **changes) if changes else spec
        if inside:
            return solve(trial, time_limit=clock.limit(), lock_in=[ident])
        if ident in trial.must_include:
            trial = replace(trial, must_include=tuple(k for k in trial.must_include if k != ident))
        return solve(trial, time_limit=clock.limit(), lock_out=[ident])

    return resolve


def fast_resolve(spec: PortfolioSpec) -> Resolve:
    """The same answers, settled by bounds and a small search where it can
    (`portfolio_fast.FastResolver`), by the MILP re-solve where it cannot."""
    from .portfolio_fast import FastResolver

    fast = FastResolver(spec)
    plain = plain_resolve(spec)

    def resolve(i: int, inside: bool, changes: Mapping[str, float], clock: _Clock) -> Solved:
        found = fast.forced(i, inside=inside, changes=changes, deadline=clock.deadline)
        return found if found is not None else plain(i, inside, changes, clock)

    return resolve


def value_to_enter(
    spec: PortfolioSpec,
    i: int,
    best: float,
    forced: Solved,
    clock: _Clock,
    *,
    resolve: Resolve | None = None,
) -> float | None:
    """The least value at which claim i is in an optimal allocation: the root of
    g(v) = F(v) − best, where F(v), the optimum with it forced in, is convex and piecewise
    linear in v with slope its share of its ask there (Newton's method ends in a few steps).
    None when the time ran out first."""
    resolve = resolve or plain_resolve(spec)
    claim = spec.claims[i]
    value, found = claim.value, forced
    for _ in range(NEWTON_STEPS):
        short = best - found.objective
        if abs(short) <= TOL * max(1.0, abs(best)):
            return value
        value += short / (found.awards[claim.id] / claim.ask)
        if claim.all_or_nothing:
            return value  # F is v plus a constant: one step is exact
        if clock.left() <= 0:
            return None
        found = resolve(i, True, {"value": value}, clock)
        if found.status != "optimal":
            return None
    return None


def ask_to_enter(
    spec: PortfolioSpec, i: int, best: float, clock: _Clock, resolve: Resolve | None = None
) -> float | None:
    """An ask (at most its own, within 1% of it) at which claim i enters an optimal allocation,
    value unchanged; verified by re-solving. None when none was found."""
    return _ask_search(spec, i, best, clock, resolve or plain_resolve(spec))[1]


def _ask_search(
    spec: PortfolioSpec, i: int, best: float, clock: _Clock, resolve: Resolve
) -> tuple[bool, float | None]:
    """`ask_to_enter`, and whether the bisection finished (False: time or a re-solve ran out,
    and the answer says nothing)."""
    claim = spec.claims[i]
    others = sum(spec.claims[j].ask for j in spec.eligible[claim.country] if j != i)
    moves_floor = others < spec.country_floor_share * spec.pot  # its ask changes the floor

    def enters(ask: float) -> bool | None:
        changes = {"ask": ask, "min": min(claim.min, ask)}
        inside = resolve(i, True, changes, clock)
        if inside.status != "optimal":
            return None
        target = best
        if moves_floor:
            outside = resolve(i, False, changes, clock)
            if outside.status == "infeasible":
                return True
            if outside.status != "optimal":
                return None
            target = outside.objective
        return inside.objective >= target - TOL * max(1.0, abs(target))

    low, high, found = 0.0, claim.ask, None
    for _ in range(ASK_STEPS):
        if clock.left() <= 0:
            return False, None
        mid = (low + high) / 2
        verdict = enters(mid)
        if verdict is None:
            return False, None
        if verdict:
            low = found = mid
        else:
            high = mid
    return True, found


def _explain_in(
    spec: PortfolioSpec, i: int, base: Solved, clock: _Clock, resolve: Resolve
) -> dict[str, Any] | None:
    """A supported claim's figures, or None when they could not be proven in time."""
    claim = spec.claims[i]
    entry: dict[str, Any] = {}
    trial = spec
    if claim.id in spec.must_include:
        entry["held_in_by"] = [describe(spec, Group("must_include", (claim.id,)))]
        trial = replace(spec, must_include=tuple(k for k in spec.must_include if k != claim.id))
    alt = resolve(i, False, {}, clock)
    if alt.status == "infeasible":
        entry["value_lost_if_out"] = None
        entry["held_in_by"] = entry.get("held_in_by", []) + _held(
            trial, claim, clock, lock_in=False
        )
    elif alt.status == "optimal":
        # Negative only for a locked-in claim: what its lock costs.
        entry["value_lost_if_out"] = base.objective - alt.objective
        entry["replaced_by"] = sorted(set(alt.awards) - set(base.awards))
    else:
        return None
    return entry


def _explain_out(
    spec: PortfolioSpec, i: int, base: Solved, clock: _Clock, resolve: Resolve
) -> dict[str, Any] | None:
    """A claim left out's figures, or None when they could not be proven in time."""
    claim = spec.claims[i]
    if claim.id in spec.must_exclude:
        return {"cost_if_in": None, "to_enter": None}
    alt = resolve(i, True, {}, clock)
    if alt.status == "infeasible":
        return {"cost_if_in": None, "blocked_by": _held(spec, claim, clock, lock_in=True)}
    if alt.status != "optimal":
        return None
    threshold = value_to_enter(spec, i, base.objective, alt, clock, resolve=resolve)
    if threshold is None:
        return None
    return {
        "cost_if_in": max(0.0, base.objective - alt.objective),
        "would_displace": sorted(set(base.awards) - set(alt.awards)),
        # `ask_at_most` is added by the second pass, when time allows.
        "to_enter": {"value_at_least": threshold},
    }


def explain_claims(
    spec: PortfolioSpec,
    base: Solved,
    *,
    seconds: float,
    time_limit: float | None,
    fast: bool = True,
    timings: dict[str, float] | None = None,
) -> tuple[dict[str, dict[str, Any]], bool]:
    """Each claim's explanation, and whether every one got its figures within `seconds`.

    Two passes, so that a budget too short for everything still covers every claim it can:
    first one re-solve per claim (more only for a partial claim's value to enter, or to name
    the rules that hold a claim in or out); then the bisections for `ask_at_most` (about seven
    re-solves each). A claim the first pass did not reach, or whose figures it could not prove
    in time, says `computed: false` and has none of them; one the second did not reach has no
    `ask_at_most` key (None means no smaller ask brings it in).

    `fast` (the default) settles each re-solve with `portfolio_fast.FastResolver` (bounds and a
    small search, the same optimum) and falls back to the MILP only where that cannot; False
    re-solves the MILP every time. `timings`, when given, receives the seconds each pass took
    (`first_pass`, `second_pass`)."""
    t0 = time.perf_counter()
    timings = {} if timings is None else timings
    clock = _Clock(seconds, time_limit)
    out: dict[str, dict[str, Any]] = {}
    complete = True
    proven = base.status == "optimal"
    resolve = (fast_resolve if fast else plain_resolve)(spec) if proven else plain_resolve(spec)
    for i, claim in enumerate(spec.claims):
        award = base.awards.get(claim.id, 0.0)
        entry: dict[str, Any] = {
            "supported": award > 0,
            "award": award,
            "ask": claim.ask,
            "share": award / claim.ask,
            "value": claim.value,
            "value_gained": claim.value * award / claim.ask,
        }
        if award and award < claim.ask:
            entry["partial_because"] = describe(spec, Group("pot", ()))
        if not award:
            entry["kept_out_by"] = _kept_out(spec, claim, base.awards)
        figures = None
        if proven and clock.left() > 0:
            explain = _explain_in if award else _explain_out
            figures = explain(spec, i, base, clock, resolve)
        entry["computed"] = figures is not None
        entry |= figures or {}
        complete = complete and entry["computed"]
        out[claim.id] = entry
    timings["first_pass"] = time.perf_counter() - t0
    for i, claim in enumerate(spec.claims):
        wanted = out[claim.id].get("to_enter")
        if wanted is not None:
            if clock.left() <= 0:
                complete = False
                break
            settled, ask = _ask_search(spec, i, base.objective, clock, resolve)
            if settled:
                wanted["ask_at_most"] = ask
            complete = complete and settled
    timings["second_pass"] = time.perf_counter() - t0 - timings["first_pass"]
    return out, complete


# ---------------------------------------------------------------- the answer


def rule_prices(
    spec: PortfolioSpec, base: Solved, *, time_limit: float | None
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """For each fairness rule: the optimum without it minus the optimum with it (0 when the
    rule is off), and the optimum without it (None when not proven)."""
    prices: dict[str, float | None] = {}
    without: dict[str, float | None] = {}
    for rule, off in RULES.items():
        if getattr(spec, rule) == off:
            without[rule] = base.objective if base.status == "optimal" else None
            prices[rule] = 0.0 if base.status == "optimal" else None
            continue
        alt = solve(replace(spec, **{rule: off}), time_limit=time_limit)
        without[rule] = alt.objective if alt.status == "optimal" else None
        proven = alt.status == "optimal" and base.status == "optimal"
        prices[rule] = max(0.0, alt.objective - base.objective) if proven else None
    return prices, without


def by_country(spec: PortfolioSpec, awards: Mapping[str, float]) -> dict[str, dict[str, Any]]:
    out = {}
    for country, members in spec.countries.items():
        got = [awards.get(spec.claims[i].id, 0.0) for i in members]
        out[country] = {
            "supported": sum(1 for a in got if a),
            "eligible": len(spec.eligible[country]),
            "awarded": float(sum(got)),
            "share_of_pot": float(sum(got)) / spec.pot,
            "asked": float(sum(spec.claims[i].ask for i in spec.eligible[country])),
            "value": float(
                sum(
                    spec.claims[i].value * a / spec.claims[i].ask
                    for i, a in zip(members, got, strict=True)
                )
            ),
            "minimum": spec.minimum(country),
            "floor": spec.floor(country),
        }
    return out


MESSAGES = {
    "optimal": "Proven optimal.",
    "feasible": "Stopped (time limit or gap) before optimality was proven: see bound.",
    "infeasible": "No allocation meets every rule.",
    "no_solution": "Time ran out before any allocation was found.",
}


def portfolio(
    spec: PortfolioSpec,
    *,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    gap: float = 0.0,
    explain: bool = True,
    explain_seconds: float = DEFAULT_EXPLAIN_SECONDS,
    pot: float | None = None,
    min_per_country: int | None = None,
    max_per_city: int | _Keep | None = KEEP,
    country_floor_share: float | None = None,
) -> dict[str, Any]:
    """The best allocation of `spec` (under other rules when `pot`, `min_per_country`,
    `max_per_city` or `country_floor_share` is given: see `with_rules`), with its explanations
    unless `explain` is false."""
    t0 = time.perf_counter()
    spec = with_rules(
        spec,
        pot=pot,
        min_per_country=min_per_country,
        max_per_city=max_per_city,
        country_floor_share=country_floor_share,
    )
    base = solve(spec, time_limit=time_limit, gap=gap)
    prices, without = rule_prices(spec, base, time_limit=time_limit)
    out: dict[str, Any] = {
        "status": base.status,
        "message": base.message if base.status == "error" else MESSAGES[base.status],
        "objective": base.objective,
        "bound": base.bound if base.bound is not None and math.isfinite(base.bound) else None,
        "pot": spec.pot,
        "total": float(sum(base.awards.values())),
        "left": max(0.0, spec.pot - float(sum(base.awards.values()))),
        "awards": base.awards,
        "by_country": by_country(spec, base.awards),
        "binding": tight_rules(spec, base.awards) if base.awards else [],
        "prices": prices,
        "objective_without": without,
        "explanations": {},
        "explanations_complete": False,
        "solve_seconds": base.seconds,
    }
    if base.status == "infeasible":
        groups = explain_infeasibility(spec)
        out["reason"] = conflict_sentence(spec, groups)
        out["conflict"] = [describe(spec, g) for g in groups]
    elif explain and base.status in ("optimal", "feasible"):
        out["explanations"], out["explanations_complete"] = explain_claims(
            spec, base, seconds=explain_seconds, time_limit=time_limit
        )
    out["seconds"] = time.perf_counter() - t0
    return out


def what_if(
    spec: PortfolioSpec, *, time_limit: float | None = DEFAULT_TIME_LIMIT, **rules: Any
) -> dict[str, Any]:
    """The allocation now and under other rules (`pot=`, `min_per_country=`, ...: see
    `with_rules`): the change in value, the claims that enter and leave, changed awards."""
    before = portfolio(spec, time_limit=time_limit, explain=False)
    after = portfolio(spec, time_limit=time_limit, explain=False, **rules)
    a, b = before["awards"], after["awards"]
    return {
        "changes": rules,
        "status": after["status"],
        "objective_before": before["objective"],
        "objective_after": after["objective"],
        "objective_change": after["objective"] - before["objective"],
        "entered": sorted(set(b) - set(a)),
        "left": sorted(set(a) - set(b)),
        "awards_changed": {
            k: {"before": a[k], "after": b[k]} for k in a if k in b and a[k] != b[k]
        },
        "reason": after.get("reason"),
    }


def run_portfolio_json(
    data: Any,
    *,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    explain_seconds: float = DEFAULT_EXPLAIN_SECONDS,
) -> dict[str, Any]:
    """What `recap portfolio SPEC.json` runs: parse (raising `ProblemError`), then solve."""
    return portfolio(parse_portfolio(data), time_limit=time_limit, explain_seconds=explain_seconds)
