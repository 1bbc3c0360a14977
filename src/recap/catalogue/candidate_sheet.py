"""A city's candidate actions as a spreadsheet, and the all-or-nothing import of one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from recap.accounts.types import User
from recap.cities.models import City
from recap.core.tabular import Column, SheetSpec, read_table, write_csv, write_xlsx
from recap.engine.value import QUALITIES
from recap.hazards.models import HazardType

from .candidates import candidate_create, candidate_update
from .models import (
    RATINGS,
    CandidateAction,
    CatalogueAction,
    Phase,
    ReferenceClassCode,
    Sector,
)
from .spreadsheet import RATING_COLUMNS


def candidate_sheet() -> SheetSpec:
    return SheetSpec(
        name="Candidates",
        key="code",
        columns=[
            Column("code", max_length=20),
            Column("title", max_length=120),
            Column("description", required=False),
            Column("sectors", "list", choices=[s.value for s in Sector]),
            Column(
                "hazards",
                "pairs",
                required=False,
                choices=list(HazardType.objects.values_list("code", flat=True)),
                maximum=3,
            ),
            Column("qualities", "list", required=False, choices=QUALITIES),
            *RATING_COLUMNS,
            Column("local_cost_usd", "int", minimum=0),
            Column(
                "cost_low_usd",
                "int",
                required=False,
                minimum=0,
                help="lowest likely cost; blank: its reference class's range",
            ),
            Column(
                "cost_high_usd",
                "int",
                required=False,
                minimum=0,
                help="highest likely cost; blank: its reference class's range",
            ),
            Column(
                "reference_class",
                "choice",
                required=False,
                default="",
                choices=[c.value for c in ReferenceClassCode],
                help="blank: its catalogue action's",
            ),
            Column("staff_fte", "float", minimum=0, maximum=999),
            Column("phase", "choice", choices=[p.value for p in Phase]),
            Column("lead_department", required=False, max_length=120),
            Column("partners", required=False, max_length=300),
            Column("feasibility_notes", required=False),
            Column("source", required=False, max_length=20),
        ],
    )


def _row(c: CandidateAction) -> dict[str, Any]:
    return {
        "code": c.code,
        "title": c.title,
        "description": c.description,
        "sectors": list(c.sectors),
        "hazards": dict(c.hazards),
        "qualities": list(c.qualities),
        **{name: getattr(c, name) for name in RATINGS},
        "local_cost_usd": c.local_cost_usd,
        "cost_low_usd": c.cost_low_usd,
        "cost_high_usd": c.cost_high_usd,
        "reference_class": c.reference_class,
        "staff_fte": float(c.staff_fte),
        "phase": c.phase,
        "lead_department": c.lead_department,
        "partners": c.partners,
        "feasibility_notes": c.feasibility_notes,
        "source": c.source.code if c.source else "",
    }


def candidate_export(city: City, *, file_format: str = "xlsx") -> bytes:
    rows = [
        _row(c)
        for c in CandidateAction.objects.filter(city=city).select_related("source").order_by("code")
    ]
    spec = candidate_sheet()
    return write_csv(spec, rows) if file_format == "csv" else write_xlsx([(spec, rows)])


@dataclass(frozen=True)
class CandidatePlan:
    rows: list[dict[str, Any]]
    added: list[str]
    changed: list[str]


#: Columns whose blank cell means "none" (a null), not an empty text.
NULLABLE = ("cost_low_usd", "cost_high_usd")


def _blank(key: str, value: Any) -> Any:
    return value if value is not None or key in NULLABLE else ""


def _values(row: dict[str, Any]) -> dict[str, Any]:
    values = {k: _blank(k, v) for k, v in row.items() if k not in ("_row", "code", "source")}
    values["staff_fte"] = Decimal(str(round(row["staff_fte"], 2)))
    return values


def candidate_import_plan(city: City, *, data: bytes, filename: str) -> CandidatePlan:
    catalogue = set(CatalogueAction.objects.values_list("code", flat=True))

    def check(row: dict[str, Any], where: str) -> list[str]:
        problems = []
        cost, low, high = row["local_cost_usd"], row.get("cost_low_usd"), row.get("cost_high_usd")
        if low is not None and low > cost:
            problems.append(f"{where}, column 'cost_low_usd': must not be above local_cost_usd")
        if high is not None and high < cost:
            problems.append(f"{where}, column 'cost_high_usd': must not be below local_cost_usd")
        if row["source"] and row["source"] not in catalogue:
            problems.append(f"{where}, column 'source': {row['source']!r} is not in the catalogue")
        try:
            CandidateAction(city=city, code=row["code"], **_values(row)).full_clean(
                exclude=["city", "source"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            problems.extend(
                f"{where}, column '{f}': {m}" for f, ms in exc.message_dict.items() for m in ms
            )
        return problems

    rows = read_table(data, filename, candidate_sheet(), check=check)
    current = {
        c.code: _row(c) for c in CandidateAction.objects.filter(city=city).select_related("source")
    }
    added = [r["code"] for r in rows if r["code"] not in current]
    changed = [
        r["code"]
        for r in rows
        if r["code"] in current
        and any(
            _blank(k, current[r["code"]].get(k)) != _blank(k, v)
            for k, v in r.items()
            if k != "_row"
        )
    ]
    return CandidatePlan(rows=rows, added=added, changed=changed)


@transaction.atomic
def candidate_import_apply(city: City, *, plan: CandidatePlan, actor: User) -> CandidatePlan:
    sources = {a.code: a for a in CatalogueAction.objects.all()}
    for row in plan.rows:
        values = _values(row)
        existing = CandidateAction.objects.filter(city=city, code=row["code"]).first()
        if existing is None:
            created = candidate_create(actor=actor, city=city, code=row["code"], **values)
            if row["source"]:
                created.source = sources[row["source"]]
                created.save(update_fields=["source"])
        else:
            candidate_update(actor=actor, candidate=existing, **values)
    return plan
