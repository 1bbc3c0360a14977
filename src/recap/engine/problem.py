"""The package-selection problem: parsed, validated, and held as arrays.

Contract (binding, see DESIGN.md "The engine contract"): `parse_problem(data)` takes the decoded
JSON object and returns a `Problem`, or raises `ProblemError` naming the first field that breaks
the contract. Problems that are well-formed but cannot be satisfied (a sector with too few
actions, an action both forced in and out) are *not* errors here: the optimiser reports them
as `infeasible` with a reason.

Beyond DESIGN.md, an action may list `"sectors"`: further sectors it also serves, which count
towards `min_per_sector` as its `sector` does (a clinic's solar lights serve health and energy).

Uncertainty (docs/engine-contract.md, "Cost ranges, robust packages and futures"):
- an action's `"uses_high"` / `"uses_low"` give, per resource, its pessimistic / optimistic use
  around `uses` (the most likely); `"reference_class"` groups actions whose overruns move
  together (budget risk's optional correlation);
- `"robust": {"gamma": {resource: Γ}}` asks for a package that fits even if any Γ of its actions
  reach their high use at once (Bertsimas and Sim's budgeted uncertainty);
- `"futures": {"names": [...], "objective": "max_min" | "min_max_regret"}` with each action's
  `"values"` (and optionally each synergy's `"bonuses"`) per future.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import validate as v
from .errors import ProblemError

TOP_KEYS = (
    "resources",
    "actions",
    "synergies",
    "min_per_sector",
    "max_actions",
    "must_include",
    "must_exclude",
    "robust",
    "futures",
)
FUTURE_OBJECTIVES = ("max_min", "min_max_regret")
#: At most this many futures: each is a row of the model and, for regret, one more solve.
MAX_FUTURES = 20
ACTION_KEYS = (
    "id",
    "value",
    "uses",
    "sector",
    "sectors",
    "phase",
    "requires",
    "excludes",
    "name",
    "uses_low",
    "uses_high",
    "reference_class",
    "values",
)


@dataclass(frozen=True)
class Action:
    id: str
    value: float
    uses: Mapping[str, float]
    sector: str = ""
    phase: str = ""
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    name: str = ""
    #: Further sectors the action also serves: it counts towards their minimums too.
    also_sectors: tuple[str, ...] = ()
    #: Pessimistic and optimistic use per resource (a missing resource: no spread that way).
    uses_high: Mapping[str, float] = field(default_factory=dict)
    uses_low: Mapping[str, float] = field(default_factory=dict)
    reference_class: str = ""
    #: The action's value in each future (empty for a problem without futures).
    future_values: Mapping[str, float] = field(default_factory=dict)

    def overrun(self, resource: str) -> float:
        """How much more than its most likely use the action may use of `resource`."""
        return max(0.0, self.uses_high.get(resource, 0.0) - self.uses.get(resource, 0.0))

    def counts_for(self, sector: str) -> bool:
        return sector == self.sector or sector in self.also_sectors


@dataclass(frozen=True)
class Synergy:
    actions: tuple[str, ...]
    bonus: float
    #: The bonus in each future (a future not named here: `bonus`).
    future_bonuses: Mapping[str, float] = field(default_factory=dict)

    def bonus_in(self, future: str) -> float:
        return self.future_bonuses.get(future, self.bonus)


@dataclass(frozen=True)
class Problem:
    resources: Mapping[str, float]
    actions: tuple[Action, ...]
    synergies: tuple[Synergy, ...] = ()
    min_per_sector: Mapping[str, int] = field(default_factory=dict)
    max_actions: int | None = None
    must_include: tuple[str, ...] = ()
    must_exclude: tuple[str, ...] = ()
    #: Γ per resource: how many chosen actions may reach their high use at once.
    gamma: Mapping[str, int] = field(default_factory=dict)
    futures: tuple[str, ...] = ()
    future_objective: str = "max_min"

    @property
    def nominal(self) -> bool:
        """True when the problem is the plain one: no Γ in force and no futures."""
        return not self.futures and not any(self.gamma.values())

    # ---- derived arrays (computed once; the dataclass is frozen) ----
    @property
    def ids(self) -> list[str]:
        return [a.id for a in self.actions]

    @property
    def index(self) -> dict[str, int]:
        return {a.id: i for i, a in enumerate(self.actions)}

    @property
    def resource_names(self) -> list[str]:
        return list(self.resources)

    def values(self) -> npt.NDArray[np.float64]:
        return np.array([a.value for a in self.actions], dtype=float)

    def usage_matrix(self) -> npt.NDArray[np.float64]:
        """(resources × actions) matrix of what each action uses."""
        names = self.resource_names
        matrix = np.zeros((len(names), len(self.actions)))
        for j, a in enumerate(self.actions):
            for r, name in enumerate(names):
                matrix[r, j] = a.uses.get(name, 0.0)
        return matrix

    def capacities(self) -> npt.NDArray[np.float64]:
        return np.array(list(self.resources.values()), dtype=float)

    def objective_of(self, selected: Sequence[str]) -> float:
        chosen = set(selected)
        total = sum(a.value for a in self.actions if a.id in chosen)
        total += sum(s.bonus for s in self.synergies if chosen.issuperset(s.actions))
        return float(total)

    def usage_of(self, selected: Sequence[str]) -> dict[str, float]:
        chosen = set(selected)
        return {
            name: float(sum(a.uses.get(name, 0.0) for a in self.actions if a.id in chosen))
            for name in self.resources
        }

    def worst_case_usage(self, selected: Sequence[str]) -> dict[str, float]:
        """Each resource's use if the Γ chosen actions with the largest overruns all overrun:
        the most likely use plus the Γ largest `uses_high - uses` (Γ = 0: the nominal use)."""
        wanted = set(selected)
        chosen = [a for a in self.actions if a.id in wanted]
        out = self.usage_of(selected)
        for name, gamma in self.gamma.items():
            if gamma > 0:
                overruns = sorted((a.overrun(name) for a in chosen), reverse=True)
                out[name] += float(sum(overruns[:gamma]))
        return out

    def future_values_of(self, selected: Sequence[str]) -> dict[str, float]:
        """The package's value in each future (values plus the bonuses of complete synergies)."""
        chosen = set(selected)
        out = {}
        for f in self.futures:
            total = sum(a.future_values[f] for a in self.actions if a.id in chosen)
            total += sum(s.bonus_in(f) for s in self.synergies if chosen.issuperset(s.actions))
            out[f] = float(total)
        return out

    def violations(self, selected: Sequence[str], *, tol: float = 1e-6) -> list[str]:
        """Every constraint `selected` breaks, in words; empty when the package is feasible.
        A resource with Γ > 0 is checked at its worst case."""
        chosen = set(selected)
        index = self.index
        out: list[str] = []
        unknown = chosen - set(index)
        if unknown:
            out.append(f"unknown actions {sorted(unknown)}")
        for name, used in self.worst_case_usage(selected).items():
            limit = self.resources[name]
            if used > limit + tol * max(1.0, abs(limit)):
                worst = " in the worst case" if self.gamma.get(name) else ""
                out.append(f"{name}: uses {used:g} of {limit:g}{worst}")
        for a in self.actions:
            if a.id not in chosen:
                continue
            out.extend(f"{a.id} requires {r}" for r in a.requires if r not in chosen)
            out.extend(f"{a.id} excludes {e}" for e in a.excludes if e in chosen)
        for sector, k in self.min_per_sector.items():
            have = sum(1 for a in self.actions if a.id in chosen and a.counts_for(sector))
            if have < k:
                out.append(f"sector {sector}: {have} of at least {k}")
        if self.max_actions is not None and len(chosen) > self.max_actions:
            out.append(f"{len(chosen)} actions, more than {self.max_actions}")
        out.extend(f"{i} must be included" for i in self.must_include if i not in chosen)
        out.extend(f"{i} must be excluded" for i in self.must_exclude if i in chosen)
        return out


def _id_list(value: Any, path: str, known: set[str]) -> tuple[str, ...]:
    items = v.array(value, path)
    out = []
    for k, item in enumerate(items):
        ident = v.string(item, v.join(path, k))
        if ident not in known:
            raise ProblemError(v.join(path, k), f"unknown action id {ident!r}")
        out.append(ident)
    return tuple(dict.fromkeys(out))


def _spread(
    raw: Mapping[str, Any], key: str, path: str, uses: Mapping[str, float], resources: Any
) -> dict[str, float]:
    """`uses_high` (each ≥ the action's `uses` of it) or `uses_low` (each ≤ it)."""
    out: dict[str, float] = {}
    kpath = v.join(path, key)
    for name, amount in v.obj(raw.get(key, {}), kpath).items():
        upath = v.join(kpath, name)
        if name not in resources:
            raise ProblemError(upath, f"{name!r} is not one of the resources")
        x = v.number(amount, upath, minimum=0)
        most_likely = uses.get(name, 0.0)
        if key == "uses_high" and x < most_likely:
            raise ProblemError(upath, "must be >= uses")
        if key == "uses_low" and x > most_likely:
            raise ProblemError(upath, "must be <= uses")
        out[name] = x
    return out


def _per_future(
    raw: Any, path: str, futures: tuple[str, ...], *, complete: bool
) -> dict[str, float]:
    """A value per future: every future named when `complete`, none that is not."""
    given = v.obj(raw, path)
    for name in given:
        if name not in futures:
            raise ProblemError(v.join(path, name), f"{name!r} is not one of futures.names")
    if complete:
        for name in futures:
            v.required(given, name, path)
    return {name: v.number(x, v.join(path, name), minimum=0) for name, x in given.items()}


def _parse_futures(root: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    if "futures" not in root:
        return (), "max_min"
    spec = v.obj(root["futures"], "futures")
    v.no_unknown_keys(spec, ("names", "objective"), "futures")
    names = v.array(v.required(spec, "names", "futures"), "futures.names")
    if not 1 <= len(names) <= MAX_FUTURES:
        raise ProblemError("futures.names", f"must list from 1 to {MAX_FUTURES} futures")
    out: list[str] = []
    for k, name in enumerate(names):
        text = v.string(name, v.join("futures.names", k), max_length=100)
        if text in out:
            raise ProblemError(v.join("futures.names", k), f"duplicate future {text!r}")
        out.append(text)
    objective = v.string(v.required(spec, "objective", "futures"), "futures.objective")
    if objective not in FUTURE_OBJECTIVES:
        raise ProblemError("futures.objective", f"must be one of: {', '.join(FUTURE_OBJECTIVES)}")
    return tuple(out), objective


def _parse_gamma(root: Mapping[str, Any], resources: Mapping[str, float]) -> dict[str, int]:
    if "robust" not in root:
        return {}
    spec = v.obj(root["robust"], "robust")
    v.no_unknown_keys(spec, ("gamma",), "robust")
    out = {}
    for name, k in v.obj(v.required(spec, "gamma", "robust"), "robust.gamma").items():
        path = v.join("robust.gamma", name)
        if name not in resources:
            raise ProblemError(path, f"{name!r} is not one of the resources")
        out[name] = v.integer(k, path, minimum=0)
    return out


def _parse_action(
    raw: Any,
    path: str,
    resources: Mapping[str, float],
    known: set[str],
    futures: tuple[str, ...],
) -> Action:
    v.no_unknown_keys(raw, ACTION_KEYS, path)
    uses: dict[str, float] = {}
    for name, amount in v.obj(raw.get("uses", {}), v.join(path, "uses")).items():
        upath = v.join(v.join(path, "uses"), name)
        if name not in resources:
            raise ProblemError(upath, f"{name!r} is not one of the resources")
        uses[name] = v.number(amount, upath, minimum=0)
    requires = _id_list(raw.get("requires", []), v.join(path, "requires"), known)
    excludes = _id_list(raw.get("excludes", []), v.join(path, "excludes"), known)
    ident = raw["id"]
    if "values" in raw and not futures:
        raise ProblemError(v.join(path, "values"), "values per future need futures.names")
    future_values = (
        _per_future(v.required(raw, "values", path), v.join(path, "values"), futures, complete=True)
        if futures
        else {}
    )
    if ident in requires:
        raise ProblemError(v.join(path, "requires"), "an action cannot require itself")
    if ident in excludes:
        raise ProblemError(v.join(path, "excludes"), "an action cannot exclude itself")
    return Action(
        id=ident,
        value=v.number(v.required(raw, "value", path), v.join(path, "value"), minimum=0),
        uses=uses,
        sector=v.string(raw.get("sector", ""), v.join(path, "sector"), allow_empty=True),
        also_sectors=tuple(
            v.string(s, v.join(v.join(path, "sectors"), k))
            for k, s in enumerate(v.array(raw.get("sectors", []), v.join(path, "sectors")))
        ),
        phase=v.string(raw.get("phase", ""), v.join(path, "phase"), allow_empty=True),
        requires=requires,
        excludes=excludes,
        name=v.string(raw.get("name", ""), v.join(path, "name"), allow_empty=True, max_length=500),
        uses_high=_spread(raw, "uses_high", path, uses, resources),
        uses_low=_spread(raw, "uses_low", path, uses, resources),
        reference_class=v.string(
            raw.get("reference_class", ""),
            v.join(path, "reference_class"),
            allow_empty=True,
        ),
        future_values=future_values,
    )


def parse_problem(data: Any) -> Problem:
    """Validate decoded JSON against the contract and build a `Problem`."""
    root = v.obj(data, "")
    v.no_unknown_keys(root, TOP_KEYS, "")

    resources: dict[str, float] = {}
    for name, limit in v.obj(v.required(root, "resources", ""), "resources").items():
        path = v.join("resources", name)
        if not name.strip():
            raise ProblemError(path, "resource names must not be empty")
        resources[name] = v.number(limit, path, minimum=0)

    raw_actions = v.array(v.required(root, "actions", ""), "actions")
    ids: dict[str, int] = {}
    for i, raw in enumerate(raw_actions):
        path = v.join("actions", i)
        a = v.obj(raw, path)
        ident = v.string(v.required(a, "id", path), v.join(path, "id"))
        if ident in ids:
            raise ProblemError(
                v.join(path, "id"), f"duplicate id {ident!r} (also actions[{ids[ident]}])"
            )
        ids[ident] = i
    known = set(ids)

    futures, future_objective = _parse_futures(root)
    actions = [
        _parse_action(raw, v.join("actions", i), resources, known, futures)
        for i, raw in enumerate(raw_actions)
    ]

    synergies = []
    for k, raw in enumerate(v.array(root.get("synergies", []), "synergies")):
        path = v.join("synergies", k)
        s = v.obj(raw, path)
        v.no_unknown_keys(s, ("actions", "bonus", "bonuses"), path)
        members = _id_list(v.required(s, "actions", path), v.join(path, "actions"), known)
        if len(members) < 2:
            raise ProblemError(
                v.join(path, "actions"), "a synergy needs at least two different actions"
            )
        bonus = v.number(v.required(s, "bonus", path), v.join(path, "bonus"), minimum=0)
        if "bonuses" in s and not futures:
            raise ProblemError(v.join(path, "bonuses"), "bonuses per future need futures.names")
        bonuses = _per_future(
            s.get("bonuses", {}), v.join(path, "bonuses"), futures, complete=False
        )
        synergies.append(Synergy(actions=members, bonus=bonus, future_bonuses=bonuses))

    min_per_sector = {
        sector: v.integer(k, v.join("min_per_sector", sector), minimum=0)
        for sector, k in v.obj(root.get("min_per_sector", {}), "min_per_sector").items()
    }
    max_actions = root.get("max_actions")
    if max_actions is not None:
        max_actions = v.integer(max_actions, "max_actions", minimum=0)

    return Problem(
        resources=resources,
        actions=tuple(actions),
        synergies=tuple(synergies),
        min_per_sector=min_per_sector,
        max_actions=max_actions,
        must_include=_id_list(root.get("must_include", []), "must_include", known),
        must_exclude=_id_list(root.get("must_exclude", []), "must_exclude", known),
        gamma=_parse_gamma(root, resources),
        futures=futures,
        future_objective=future_objective,
    )
