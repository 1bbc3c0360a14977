"""The package-selection problem: parsed, validated, and held as arrays.

Contract (binding, see DESIGN.md "The engine contract"): `parse_problem(data)` takes the decoded
JSON object and returns a `Problem`, or raises `ProblemError` naming the first field that breaks
the contract. Problems that are well-formed but cannot be satisfied (a sector with too few
actions, an action both forced in and out) are *not* errors here: the optimiser reports them
as `infeasible` with a reason.

Beyond DESIGN.md, an action may list `"sectors"`: further sectors it also serves, which count
towards `min_per_sector` as its `sector` does (a clinic's solar lights serve health and energy).
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
)
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

    def counts_for(self, sector: str) -> bool:
        return sector == self.sector or sector in self.also_sectors


@dataclass(frozen=True)
class Synergy:
    actions: tuple[str, ...]
    bonus: float


@dataclass(frozen=True)
class Problem:
    resources: Mapping[str, float]
    actions: tuple[Action, ...]
    synergies: tuple[Synergy, ...] = ()
    min_per_sector: Mapping[str, int] = field(default_factory=dict)
    max_actions: int | None = None
    must_include: tuple[str, ...] = ()
    must_exclude: tuple[str, ...] = ()

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

    def violations(self, selected: Sequence[str], *, tol: float = 1e-6) -> list[str]:
        """Every constraint `selected` breaks, in words; empty when the package is feasible."""
        chosen = set(selected)
        index = self.index
        out: list[str] = []
        unknown = chosen - set(index)
        if unknown:
            out.append(f"unknown actions {sorted(unknown)}")
        for name, used in self.usage_of(selected).items():
            limit = self.resources[name]
            if used > limit + tol * max(1.0, abs(limit)):
                out.append(f"{name}: uses {used:g} of {limit:g}")
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

    actions = []
    for i, raw in enumerate(raw_actions):
        path = v.join("actions", i)
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
        if ident in requires:
            raise ProblemError(v.join(path, "requires"), "an action cannot require itself")
        if ident in excludes:
            raise ProblemError(v.join(path, "excludes"), "an action cannot exclude itself")
        actions.append(
            Action(
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
                name=v.string(
                    raw.get("name", ""), v.join(path, "name"), allow_empty=True, max_length=500
                ),
            )
        )

    synergies = []
    for k, raw in enumerate(v.array(root.get("synergies", []), "synergies")):
        path = v.join("synergies", k)
        s = v.obj(raw, path)
        v.no_unknown_keys(s, ("actions", "bonus"), path)
        members = _id_list(v.required(s, "actions", path), v.join(path, "actions"), known)
        if len(members) < 2:
            raise ProblemError(
                v.join(path, "actions"), "a synergy needs at least two different actions"
            )
        bonus = v.number(v.required(s, "bonus", path), v.join(path, "bonus"), minimum=0)
        synergies.append(Synergy(actions=members, bonus=bonus))

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
    )
