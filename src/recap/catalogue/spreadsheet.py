"""The catalogue as a spreadsheet: one row per action, the columns below."""

from __future__ import annotations

from typing import Any

from recap.core.tabular import Column, SheetSpec
from recap.engine.value import CO_BENEFITS, QUALITIES

from .models import RATINGS, CatalogueAction, Phase, ReferenceClassCode, Sector

#: An action's 0–3 ratings. Files made before feasibility was rated still import: a blank
#: cell means 2, and without the column an update keeps the stored rating (new actions get 2).
RATING_COLUMNS = (
    *[Column(name, "int", minimum=0, maximum=3) for name in CO_BENEFITS],
    Column(
        "feasibility",
        "int",
        required=False,
        minimum=0,
        maximum=3,
        default=2,
        help="0 very hard to 3 straightforward; blank means 2",
    ),
)


def catalogue_sheet(hazard_codes: list[str]) -> SheetSpec:
    return SheetSpec(
        name="Actions",
        key="code",
        columns=[
            Column("code", max_length=20),
            Column("title", max_length=120),
            Column("summary", max_length=300),
            Column("description"),
            Column("sectors", "list", choices=[s.value for s in Sector]),
            Column("hazards", "pairs", required=False, choices=hazard_codes, maximum=3),
            Column("qualities", "list", required=False, choices=QUALITIES),
            *RATING_COLUMNS,
            Column("cost_min_usd", "int", minimum=0),
            Column("cost_max_usd", "int", minimum=0),
            Column(
                "reference_class",
                "choice",
                required=False,
                default="",
                choices=[c.value for c in ReferenceClassCode],
                help="where its cost range comes from: "
                + ", ".join(c.value for c in ReferenceClassCode),
            ),
            Column("staff_fte", "float", minimum=0, maximum=999),
            Column("months_to_implement", "int", minimum=1, maximum=120),
            Column("phase", "choice", choices=[p.value for p in Phase]),
            Column("prerequisites", "lines", required=False),
            Column("kpis", "lines", required=False),
        ],
    )


def action_to_row(action: CatalogueAction) -> dict[str, Any]:
    return {
        "code": action.code,
        "title": action.title,
        "summary": action.summary,
        "description": action.description,
        "sectors": list(action.sectors),
        "hazards": dict(action.hazards),
        "qualities": list(action.qualities),
        **{name: getattr(action, name) for name in RATINGS},
        "cost_min_usd": action.cost_min_usd,
        "cost_max_usd": action.cost_max_usd,
        "reference_class": action.reference_class,
        "staff_fte": float(action.staff_fte),
        "months_to_implement": action.months_to_implement,
        "phase": action.phase,
        "prerequisites": list(action.prerequisites),
        "kpis": list(action.kpis),
    }
