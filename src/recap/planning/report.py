"""The package report for a mayor: PDF (WeasyPrint) and XLSX, from one context.

Contents: the city's context (top hazards, the latest completed assessment by dimension), the
method and weights (with each stakeholder's), the package by phase and sector with costs and
dividends, the frontier chart, robustness across stakeholders, and why leading actions that were
left out are out.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from recap.accounts.types import Reader
from recap.assessments.charts import profile_chart
from recap.assessments.selectors import assessment_latest_completed, dimension_results
from recap.core.rendering import document_language, pdf_document, xlsx_document
from recap.core.tabular import Column, SheetSpec, write_xlsx
from recap.engine.value import CRITERIA
from recap.hazards.selectors import city_hazard_list

from .charts import run_frontiers
from .models import ActionPackage, PackageVersion
from .readouts import PHASES, PackageReadout, robustness_readout, version_readout
from .selectors import run_weights, version_robustness
from .uncertainty import curve_readout, futures_readout, version_risk
from .wording import bounds_text, kept_out_text, weights_moved_text

# An action in the package chosen in fewer than 80 % of the samples, or one left out chosen in more
# than 20 %, is a close call; the report lists up to twelve of each.
CLOSE_CALL = 0.8
CLOSE_CALLS_SHOWN = 12


def robustness_summary(version: PackageVersion, readout: PackageReadout) -> dict[str, Any] | None:
    """The robustness a report shows for a version (see selectors.version_robustness): each
    action's share of the samples, and whose shares they are; None before any is computed."""
    run, data, result = version.run, version.run.input, version.run.outcome
    # A version adjusted by hand has robustness of its own (its locks held in every sample);
    # until that is computed, the run's optimum stands in, with a note saying so.
    shown = version_robustness(version, done=True)
    job = shown.job
    found = robustness_readout(job)
    if job is None or found is None:
        return None
    probs = found.selection_probability
    in_package = set(version.selected)

    def row(code: str, p: float) -> dict[str, Any]:
        return {"code": code, "name": readout.actions[code].name, "p": p, "in": code in in_package}

    # The close calls: actions in the package that many weightings would drop, and actions left
    # out that many would take; every share is in the XLSX.
    doubtful = sorted(
        (row(c, p) for c, p in probs.items() if c in in_package and p < CLOSE_CALL),
        key=lambda r: (r["p"], r["code"]),
    )
    contenders = sorted(
        (row(c, p) for c, p in probs.items() if c not in in_package and p > 1 - CLOSE_CALL),
        key=lambda r: (-r["p"], r["code"]),
    )
    return {
        "samples": job.samples,
        "share": found.base_package_share,
        "distinct": found.distinct_packages,
        # Blends of the stakeholders' own weightings (two or more), or every weight ±spread.
        "moved": weights_moved_text(data),
        "locked": shown.basis == "version",
        # A version adjusted by hand differs from the run's optimum the samples were about.
        "adjusted": shown.basis != "version"
        and set(version.selected) != set(result["package"]["selected"]),
        "run": run.number,
        # Every action in the package or chosen at least once (the XLSX), most chosen first.
        "rows": sorted(
            (row(c, p) for c, p in probs.items() if c in in_package or p > 0),
            key=lambda r: (not r["in"], -r["p"], r["code"]),
        ),
        "shares": {c: probs.get(c, 0.0) for c in version.selected},
        "always": sum(1 for c in in_package if probs.get(c, 0.0) >= 1.0),
        "doubtful": doubtful[:CLOSE_CALLS_SHOWN],
        "doubtful_count": len(doubtful),
        "contenders": contenders[:CLOSE_CALLS_SHOWN],
        "contenders_count": len(contenders),
    }


def report_context(package: ActionPackage, *, user: Reader) -> dict[str, Any]:
    version = package.current
    assert version is not None
    run = version.run
    data, result = run.input, run.outcome
    readout = version_readout(version)
    actions = readout.actions
    left_out = [
        {
            "code": c,
            "name": actions[c].name,
            "value": actions[c].value,
            "why": result.get("explanations", {}).get(c, {}),
            "why_out": kept_out_text(result.get("explanations", {}).get(c, {})),
            "why_bounds": bounds_text(result.get("explanations", {}).get(c, {})),
        }
        for c in result["ranking"]
        if c not in version.selected
    ][:8]
    assessment = assessment_latest_completed(user=user, city=package.city)
    results = dimension_results(assessment) if assessment else []
    used = run_weights(run)
    weights, stakeholders = used.shares, used.people
    return {
        "package": package,
        "version": version,
        "city": package.city,
        "session": package.session,
        "generated": timezone.now(),
        "hazards": city_hazard_list(user=user, city=package.city)[:6],
        "assessment": assessment,
        "results": results,
        "radar": profile_chart(assessment, results, size=3.3) if assessment and results else None,
        "weights": weights,
        "stakeholders": stakeholders,
        "readout": readout,
        "resources": readout.resources,
        "by_phase": readout.by_phase,
        "sectors": readout.sectors,
        "total_cost": readout.total_cost,
        "left_out": left_out,
        "frontiers": run_frontiers(run),
        "risk": version_risk(version.selected, run),
        "curve": curve_readout(run),
        "futures": futures_readout(run),
        "robustness": robustness_summary(version, readout),
        "firsts": (result.get("rank_robustness") or {}).get("first_rank_acceptability", {}),
        "criteria": data["criteria"],
    }


def package_pdf(package: ActionPackage, *, user: Reader, language: str = "en") -> bytes:
    with translation.override(document_language(language)):
        context = report_context(package, user=user)
    charts = [f.chart for f in context["frontiers"]] + (
        [context["radar"]] if context["radar"] else []
    )
    if context["curve"] is not None:
        charts.append(context["curve"].chart)
    return pdf_document(
        "planning/report.html",
        context,
        language=language,
        images={chart.name: chart.svg.encode() for chart in charts},
    )


PACKAGE_SHEET = SheetSpec(
    name="Package",
    columns=[
        Column("code"),
        Column("title"),
        Column("phase"),
        Column("sector"),
        Column("cost_usd", "float"),
        Column("staff_fte", "float"),
        Column("value", "float"),
        *[Column(c, "float") for c in CRITERIA],
    ],
)
RANKING_SHEET = SheetSpec(
    name="Ranking",
    columns=[
        Column("rank", "int"),
        Column("code"),
        Column("title"),
        Column("value", "float"),
        Column("in_package"),
    ],
)
ROBUSTNESS_SHEET = SheetSpec(
    name="Robustness",
    columns=[
        Column("code"),
        Column("title"),
        Column("in_package"),
        Column("chosen_share", "float"),
        Column("shares_for"),
    ],
)
RISK_SHEET = SheetSpec(
    name="Budget risk",
    columns=[
        Column("budget"),
        Column("limit", "float"),
        Column("most_likely", "float"),
        Column("high", "float"),
        Column("p50", "float"),
        Column("p80", "float"),
        Column("p90", "float"),
        Column("probability_holds", "float"),
        Column("std_error", "float"),
        Column("distribution"),
    ],
)
CURVE_SHEET = SheetSpec(
    name="Price of robustness",
    columns=[
        Column("gamma", "int"),
        Column("best_value", "float"),
        Column("probability_budgets_hold", "float"),
        Column("actions"),
        Column("entered"),
        Column("left"),
    ],
)
WEIGHTS_SHEET = SheetSpec(
    name="Weights", columns=[Column("who"), *[Column(c, "float") for c in CRITERIA]]
)


def yes_no(flag: bool) -> str:
    return str(_("yes") if flag else _("no"))


def package_xlsx(package: ActionPackage, *, language: str = "en") -> bytes:
    """The package, its run's ranking, the weights and the robustness as sheets: the same
    readout and robustness as the PDF, without the PDF's context and charts."""
    return xlsx_document(lambda: _package_workbook(package), language=language)


def _package_workbook(package: ActionPackage) -> bytes:
    version = package.current
    assert version is not None
    readout = version_readout(version)
    run, actions = readout.run, readout.actions
    used = run_weights(run)
    weights, stakeholders = used.shares, used.people
    robust = robustness_summary(version, readout)
    selected = set(readout.selected)
    package_rows = [
        {
            "code": a.id,
            "title": a.name,
            "phase": a.phase,
            "sector": a.sector,
            "cost_usd": a.cost,
            "staff_fte": a.staff,
            "value": round(a.value, 2),
            **a.scores,
        }
        for phase in PHASES
        for a in readout.by_phase[phase]
    ]
    ranking_rows = [
        {
            "rank": i + 1,
            "code": c,
            "title": actions[c].name,
            "value": round(actions[c].value, 2),
            "in_package": yes_no(c in selected),
        }
        for i, c in enumerate(run.outcome["ranking"])
    ]
    weight_rows = [{"who": _("Session (used)"), **weights}] + [
        {"who": name, **w} for name, w in stakeholders.items()
    ]
    sheets = [
        (PACKAGE_SHEET, package_rows),
        (RANKING_SHEET, ranking_rows),
        (WEIGHTS_SHEET, weight_rows),
    ]
    if robust:
        # Whose shares these are: the version's own (its locks held) or its run's optimum.
        if robust["locked"]:
            basis = _("version %(n)s, locks held") % {"n": version.number}
        elif robust["adjusted"]:
            basis = _("optimum of run %(run)s, not version %(n)s as adjusted") % {
                "run": robust["run"],
                "n": version.number,
            }
        else:
            basis = _("optimum of run %(run)s") % {"run": robust["run"]}
        sheets.append(
            (
                ROBUSTNESS_SHEET,
                [
                    {
                        "code": r["code"],
                        "title": r["name"],
                        "in_package": yes_no(r["in"]),
                        "chosen_share": round(r["p"], 4),
                        "shares_for": basis,
                    }
                    for r in robust["rows"]
                ],
            )
        )
    sheets += _uncertainty_sheets(version.selected, run)
    return write_xlsx(sheets)


def _uncertainty_sheets(selected: list[str], run: Any) -> list[tuple[SheetSpec, list[Any]]]:
    """Budget risk of the version, the run's price of robustness and its futures, as sheets
    (each only when the run has it)."""
    sheets: list[tuple[SheetSpec, list[Any]]] = []
    if (risk := version_risk(selected, run)) is not None:
        rows = [
            {
                "budget": r.label,
                "limit": r.limit,
                "most_likely": r.most_likely,
                "high": r.high,
                "p50": round(r.p50),
                "p80": round(r.p80),
                "p90": round(r.p90),
                "probability_holds": round(r.probability, 4),
                "std_error": round(r.std_error, 4),
                "distribution": risk.distribution,
            }
            for r in risk.rows
        ]
        rows.append(
            {
                "budget": str(_("Every budget")),
                "probability_holds": round(risk.together, 4),
                "std_error": round(risk.together_error, 4),
                "distribution": risk.distribution,
            }
        )
        sheets.append((RISK_SHEET, rows))
    if (curve := curve_readout(run)) is not None:
        sheets.append(
            (
                CURVE_SHEET,
                [
                    {
                        "gamma": p.gamma,
                        "best_value": None if p.value is None else round(p.value, 2),
                        "probability_budgets_hold": None
                        if p.probability is None
                        else round(p.probability, 4),
                        "actions": p.actions,
                        "entered": ", ".join(p.entered),
                        "left": ", ".join(p.left),
                    }
                    for p in curve.points
                ],
            )
        )
    if (futures := futures_readout(run)) is not None:
        spec = SheetSpec(
            name="Futures",
            columns=[
                Column("package"),
                Column("actions"),
                *[Column(f"value {name}", "float") for name in futures.columns],
                *[Column(f"regret {name}", "float") for name in futures.columns],
                Column("worst_value", "float"),
                Column("largest_regret", "float"),
            ],
        )
        rows = []
        for r in futures.rows:
            row: dict[str, Any] = {"package": r.label, "actions": ", ".join(r.selected)}
            for name, value, regret in r.cells:
                row[f"value {name}"] = round(value, 2)
                row[f"regret {name}"] = round(regret, 2)
            row["worst_value"] = round(r.min_value, 2)
            row["largest_regret"] = round(r.max_regret, 2)
            rows.append(row)
        sheets.append((spec, rows))
    return sheets
