"""One typed reading of a package: a run's optimum, or a version of a saved package.

Contract: `package_readout(run, selected=…)` arranges what a finished run stored (its input and
result) around a set of chosen actions: each action as an `ActionLine` (phase, sector, cost,
staff, value, criterion scores), the package by phase with each phase's cost, the cost by
sector, and each resource used against its limit. The run's page, the package's page, the
PDF and XLSX reports and the API read a package through this, so they cannot disagree about
what it holds or costs. Pure: no query, only the run already loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .labels import resource_label
from .models import PackageVersion, RobustnessJob, Run

PHASES = ("short", "medium")


@dataclass(frozen=True)
class ActionLine:
    """A candidate action as the run saw it."""

    id: str
    name: str
    phase: str
    sector: str
    cost: float  # US$: what it uses of its phase's budget
    staff: float  # FTE
    value: float  # 0–100 under the run's weights
    scores: dict[str, float]  # criterion -> score in [0, 1]


@dataclass(frozen=True)
class ResourceUse:
    code: str
    name: str
    limit: float
    used: float


@dataclass(frozen=True)
class PackageReadout:
    run: Run
    selected: tuple[str, ...]
    actions: dict[str, ActionLine]  # every candidate of the run, by id
    by_phase: dict[str, list[ActionLine]]  # the chosen ones, in the package's order
    phase_cost: dict[str, float]
    sectors: list[tuple[str, float]]  # cost by sector, largest first
    resources: list[ResourceUse]

    @property
    def chosen(self) -> list[ActionLine]:
        return [self.actions[c] for c in self.selected]

    @property
    def total_cost(self) -> float:
        return sum(self.phase_cost.values())

    @property
    def candidates(self) -> list[ActionLine]:
        return sorted(self.actions.values(), key=lambda a: a.id)


def _line(action: dict[str, Any], value: float, scores: dict[str, float]) -> ActionLine:
    uses = action["uses"]
    return ActionLine(
        id=action["id"],
        name=action["name"],
        phase=action["phase"],
        sector=action.get("sector", ""),
        cost=float(sum(v for k, v in uses.items() if k.startswith("capex"))),
        staff=float(uses.get("staff_fte", 0.0)),
        value=value,
        scores=scores,
    )


def package_readout(
    run: Run, selected: list[str] | tuple[str, ...] | None = None
) -> PackageReadout:
    """`selected`: the chosen actions (a package version's); by default the run's optimum."""
    data, result = run.input, run.outcome
    chosen = tuple(result["package"]["selected"] if selected is None else selected)
    criteria = data.get("criteria", [])
    actions = {
        a["id"]: _line(
            a,
            result["values"][a["id"]],
            dict(zip(criteria, data["scores"].get(a["id"], []), strict=False)),
        )
        for a in data["problem"]["actions"]
    }
    by_phase: dict[str, list[ActionLine]] = {p: [] for p in PHASES}
    sectors: dict[str, float] = {}
    for code in chosen:
        line = actions[code]
        by_phase.setdefault(line.phase, []).append(line)
        sectors[line.sector] = sectors.get(line.sector, 0.0) + line.cost
    uses = {a["id"]: a["uses"] for a in data["problem"]["actions"]}
    resources = [
        ResourceUse(
            code=name,
            name=resource_label(name),
            limit=float(limit),
            used=float(sum(uses[c].get(name, 0.0) for c in chosen)),
        )
        for name, limit in data["problem"]["resources"].items()
    ]
    return PackageReadout(
        run=run,
        selected=chosen,
        actions=actions,
        by_phase=by_phase,
        phase_cost={p: sum(a.cost for a in items) for p, items in by_phase.items()},
        sectors=sorted(sectors.items(), key=lambda kv: -kv[1]),
        resources=resources,
    )


def version_readout(version: PackageVersion) -> PackageReadout:
    return package_readout(version.run, version.selected)


@dataclass(frozen=True)
class RobustnessReadout:
    """What a finished robustness job found, typed: how often each action was chosen over the
    sampled weightings (0 to 1, by action id) and how often the package itself came out whole.
    The one way its result is read (the pages, the report, the API, a concept's sources)."""

    selection_probability: dict[str, float]
    base_package_share: float | None
    distinct_packages: int | None


def robustness_readout(job: RobustnessJob | None) -> RobustnessReadout | None:
    """A job's findings, or None while it has none (not finished, failed, none at all)."""
    if job is None or not job.result:
        return None
    result: dict[str, Any] = job.result
    share = result.get("base_package_share")
    return RobustnessReadout(
        selection_probability={
            str(k): float(v) for k, v in (result.get("selection_probability") or {}).items()
        },
        base_package_share=None if share is None else float(share),
        distinct_packages=result.get("distinct_packages"),
    )
