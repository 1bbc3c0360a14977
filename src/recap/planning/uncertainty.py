"""What a run found about cost overruns, in the reader's language: will each budget hold (budget
risk), and what protecting the package against overruns costs (the price of robustness).

Contract: `budget_risk_readout(run)` and `curve_readout(run)` read what `compute.compute_run`
stored (`budget_risk`, `robust_curve`) and return typed rows, sentences and a chart; None when
the run stored none (no candidate has a cost range, or a run from before these existed). Pure
but for the chart, which is drawn once per run and language and cached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from recap.core.charts import Chart, cached, line_chart

from .labels import resource_label
from .models import Run


def _percent(p: float) -> str:
    return number_format(round(100 * p, 1), decimal_pos=1, use_l10n=True)


@dataclass(frozen=True)
class RiskRow:
    code: str
    label: str
    limit: float
    most_likely: float
    high: float
    probability: float
    std_error: float
    p50: float
    p80: float
    p90: float

    @property
    def percent(self) -> str:
        return _percent(self.probability)

    @property
    def error_points(self) -> str:
        """The sampling error, in percentage points."""
        return _percent(self.std_error)

    @property
    def verdict(self) -> str:
        if self.probability >= 0.9:
            return _("very likely to hold")
        if self.probability >= 0.7:
            return _("likely to hold")
        if self.probability >= 0.4:
            return _("as likely as not")
        return _("likely to be overrun")


@dataclass(frozen=True)
class RiskReadout:
    rows: list[RiskRow]
    together: float
    together_error: float
    draws: int
    distribution: str
    correlation: float = 0.0

    @property
    def correlation_percent(self) -> int:
        return round(100 * self.correlation)

    @property
    def together_percent(self) -> str:
        return _percent(self.together)

    @property
    def together_error_points(self) -> str:
        return _percent(self.together_error)


def risk_rows(risk: dict[str, Any]) -> RiskReadout:
    rows = [
        RiskRow(
            code=code,
            label=resource_label(code),
            limit=r["limit"],
            most_likely=r["most_likely"],
            high=r["high"],
            probability=r["probability"],
            std_error=r["std_error"],
            p50=r["p50"],
            p80=r["p80"],
            p90=r["p90"],
        )
        for code, r in risk["resources"].items()
        if r["high"] > r["low"] or r["probability"] < 1  # a budget with something uncertain
    ]
    return RiskReadout(
        rows,
        risk["all_hold"]["probability"],
        risk["all_hold"]["std_error"],
        risk["draws"],
        risk["distribution"],
        float(risk.get("correlation", 0.0)),
    )


def budget_risk_readout(run: Run | None) -> RiskReadout | None:
    risk = ((run.result or {}) if run else {}).get("budget_risk")
    return risk_rows(risk) if risk else None


@dataclass(frozen=True)
class CurvePoint:
    gamma: int
    value: float | None  # None: no package fits at this Γ
    probability: float | None
    actions: int
    entered: list[str]
    left: list[str]
    binding: list[str]  # resource labels with no worst-case room left

    @property
    def percent(self) -> str:
        return "" if self.probability is None else _percent(self.probability)


@dataclass(frozen=True)
class CurveReadout:
    points: list[CurvePoint]
    stories: list[tuple[str, str]]  # (action code, why it enters or leaves, in words)
    current: int  # the session's Γ (the larger of the two budgets')
    complete: bool
    chart: Chart


def _story(code: str, story: dict[str, Any]) -> str | None:
    ratio = max(story.get("overrun_ratio", {}).values(), default=0.0)
    percent = number_format(round(100 * ratio), decimal_pos=0, use_l10n=True)
    if "enters_at" in story:
        return _(
            "%(code)s enters when %(k)s actions may overrun at once: its own overrun is small "
            "(up to %(p)s %% over its estimate), so it fits where others no longer do."
        ) % {"code": code, "k": story["enters_at"], "p": percent}
    if "leaves_at" in story:
        return _(
            "%(code)s leaves when %(k)s actions may overrun at once: it may cost up to %(p)s %% "
            "more than its estimate, more than the budget can absorb."
        ) % {"code": code, "k": story["leaves_at"], "p": percent}
    if not story.get("always"):
        gammas = ", ".join(str(k) for k in story["in_at"])
        return _("%(code)s is in the package only for %(gammas)s actions overrunning at once.") % {
            "code": code,
            "gammas": gammas,
        }
    return None


def _draw(points: list[CurvePoint], current: int) -> Chart:
    usable = [p for p in points if p.value is not None]
    return line_chart(
        [float(p.gamma) for p in usable],
        [p.value for p in usable if p.value is not None],
        alt=_(
            "Best total value as more of the package's actions may overrun at once, from "
            "%(first)s with none to %(last)s with %(k)s. The table beside the chart gives every "
            "step and how likely the budgets are to hold."
        )
        % {
            "first": number_format(round(usable[0].value or 0, 1), 1, use_l10n=True)
            if usable
            else "—",
            "last": number_format(round(usable[-1].value or 0, 1), 1, use_l10n=True)
            if usable
            else "—",
            "k": usable[-1].gamma if usable else 0,
        },
        x_label=_("Actions that may overrun at once (Γ)"),
        y_label=_("Best total value"),
        mark_x=float(current) if current else None,
        mark_label=_("set for this run"),
    )


def curve_readout(run: Run | None) -> CurveReadout | None:
    curve = ((run.result or {}) if run else {}).get("robust_curve")
    if not curve or run is None:
        return None
    points = [
        CurvePoint(
            gamma=p["gamma"],
            value=p.get("value"),
            probability=p.get("probability"),
            actions=len(p.get("selected", [])),
            entered=p.get("entered", []),
            left=p.get("left", []),
            binding=[resource_label(r) for r in p.get("binding", [])],
        )
        for p in curve["points"]
    ]
    stories = [
        (code, text)
        for code, story in sorted(curve["actions"].items())
        if (text := _story(code, story)) is not None
    ]
    gamma = (run.input["problem"].get("robust") or {}).get("gamma", {})
    current = max(gamma.values(), default=0)
    key = f"robust-curve:{run.pk}:{current}:{json.dumps(curve['points'], sort_keys=True)}"
    chart = cached(key, partial(_draw, points, current))
    return CurveReadout(points, stories, current, bool(curve.get("complete")), chart)


@dataclass(frozen=True)
class FutureRow:
    label: str  # which package: the run's, the best worst case, the least regret, best in …
    selected: list[str]
    cells: list[tuple[str, float, float]]  # per future: (its name, value, regret)
    min_value: float
    max_regret: float
    is_run: bool


@dataclass(frozen=True)
class FuturesReadout:
    columns: list[str]  # "Today" then each future's name
    rows: list[FutureRow]
    sentences: list[str]


def _package_label(kind: str, future: str | None, labels: dict[str, str]) -> str:
    if kind == "run":
        return _("This run's package")
    if kind == "max_min":
        return _("Best worst case")
    if kind == "min_max_regret":
        return _("Least maximum regret")
    name = _("today") if future == "today" else labels.get(future or "", future or "")
    return _("Best in %(future)s") % {"future": name}


def futures_readout(run: Run | None) -> FuturesReadout | None:
    found = ((run.result or {}) if run else {}).get("futures")
    if not found:
        return None
    labels = found["labels"]
    names = found["names"]
    columns = [_("Today") if n == "today" else labels[n] for n in names]
    rows = []
    for row in found["table"]:
        kinds = [(row["kind"], row["future"]), *((a["kind"], a["future"]) for a in row["also"])]
        rows.append(
            FutureRow(
                label=" · ".join(_package_label(k, f, labels) for k, f in kinds),
                selected=row["selected"],
                cells=[
                    (column, row["values"][n], row["regret"][n])
                    for column, n in zip(columns, names, strict=True)
                ],
                min_value=row["min_value"],
                max_regret=row["max_regret"],
                is_run=any(k == "run" for k, _f in kinds),
            )
        )
    run_row = next(r for r in rows if r.is_run)
    if run_row.max_regret <= 1e-6:
        sentence = _(
            "This run's package is the best package in every future weighed: nothing would be "
            "regretted."
        )
        return FuturesReadout(columns, rows, [sentence])
    sentences = []
    for kind in ("min_max_regret", "max_min"):
        chosen = set(found["packages"][kind]["selected"])
        mine = set(run_row.selected)
        if chosen == mine:
            sentences.append(
                _("This run's package is also the one with the least maximum regret.")
                if kind == "min_max_regret"
                else _("This run's package is also the one with the best worst case.")
            )
            continue
        row = next(r for r in rows if set(r.selected) == chosen)
        figures = {
            "added": ", ".join(sorted(chosen - mine)) or "—",
            "dropped": ", ".join(sorted(mine - chosen)) or "—",
            "its": number_format(round(row.max_regret, 1), 1, use_l10n=True),
            "ours": number_format(round(run_row.max_regret, 1), 1, use_l10n=True),
            "its_min": number_format(round(row.min_value, 1), 1, use_l10n=True),
            "our_min": number_format(round(run_row.min_value, 1), 1, use_l10n=True),
        }
        sentences.append(
            _(
                "The package least likely to be regretted adds %(added)s and drops %(dropped)s: "
                "its largest regret is %(its)s, against %(ours)s for this run's package."
            )
            % figures
            if kind == "min_max_regret"
            else _(
                "The package with the best worst case adds %(added)s and drops %(dropped)s: its "
                "lowest value in any future is %(its_min)s, against %(our_min)s for this run's "
                "package."
            )
            % figures
        )
    return FuturesReadout(columns, rows, sentences)


def version_risk(selected: list[str], run: Run) -> RiskReadout | None:
    """Budget risk of any package of a run (a saved version, one adjusted by hand): the run's
    ranges, the same draws and seed as the run's own. None when no action has a range.

    The package the run's stored figures were drawn for reads those figures, so that a
    version saved from the run says what the run's page says, even for a run stored before
    the draws' stream changed (December 2026); other packages are drawn afresh, so for such a run
    the two are independent draws (within a few tenths of a point of each other)."""
    from recap.engine import parse_problem

    from .compute import package_risk

    problem = parse_problem(run.input["problem"])
    if not any(a.uses_high or a.uses_low for a in problem.actions):
        return None
    stored = (run.result or {}).get("budget_risk")
    if stored and set(stored.get("selected", ())) == set(selected):
        found = risk_rows(stored)
    else:
        found = risk_rows(package_risk(problem, list(selected), run.input))
    return found if found.rows else None
