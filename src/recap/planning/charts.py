"""The efficient frontier of a run, for the run page and the report: one chart per budget (best
total value as the budget grows, the budget actually set marked) and its figures as rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.utils.translation import gettext as _

from recap.core.charts import Chart, cached, line_chart, whole

from .labels import resource_label
from .models import Run


@dataclass(frozen=True)
class FrontierPoint:
    limit: float
    value: float | None  # None: no package fits (a constraint cannot hold at this budget)
    actions: int
    gain: float | None  # value added since the step before


@dataclass(frozen=True)
class Frontier:
    resource: str
    label: str
    current_limit: float
    points: list[FrontierPoint]
    chart: Chart


def _points(raw: list[dict[str, Any]]) -> list[FrontierPoint]:
    out: list[FrontierPoint] = []
    before: float | None = None
    for p in raw:
        value = p["value"]
        gain = value - before if value is not None and before is not None else None
        out.append(FrontierPoint(p["limit"], value, p.get("actions", 0), gain))
        before = value if value is not None else before
    return out


def _draw(label: str, current: float, points: list[FrontierPoint]) -> Chart:
    usable = [p for p in points if p.value is not None]
    top = max((p.value for p in usable if p.value is not None), default=0.0)
    return line_chart(
        [p.limit for p in usable],
        [p.value for p in usable if p.value is not None],
        alt=_(
            "Best total value as the %(resource)s grows from 0 to %(top_limit)s: it reaches "
            "%(top)s. The budget set is %(current)s. The table beside the chart gives every "
            "step."
        )
        % {
            "resource": label,
            "top_limit": whole(max((p.limit for p in points), default=0.0)),
            "top": whole(top),
            "current": whole(current),
        },
        x_label=label,
        y_label=_("Best total value"),
        mark_x=current,
        mark_label=_("budget set"),
    )


def run_frontiers(run: Run) -> list[Frontier]:
    """Each budget's frontier, its chart drawn once per run and language (then cached)."""
    out = []
    for name, raw in ((run.result or {}).get("frontiers") or {}).items():
        label = resource_label(name)
        points = _points(raw["points"])
        current = float(raw.get("current_limit", run.input["problem"]["resources"][name]))
        key = f"frontier:{run.pk}:{name}:{json.dumps(raw['points'], sort_keys=True)}"
        chart = cached(key, partial(_draw, label, current, points))
        out.append(Frontier(name, label, current, points, chart))
    return out
