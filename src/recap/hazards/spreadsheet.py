"""A city's hazards register as a spreadsheet, and the all-or-nothing import of one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from recap.accounts.types import User
from recap.cities.models import City
from recap.core.tabular import Column, SheetSpec, TableError, read_table, write_csv, write_xlsx

from .models import CityHazard, HazardType, Trend
from .services import FIELDS, city_hazard_add, city_hazard_update


def register_sheet() -> SheetSpec:
    return SheetSpec(
        name="Hazards",
        key="hazard",
        columns=[
            Column(
                "hazard", "choice", choices=list(HazardType.objects.values_list("code", flat=True))
            ),
            Column("likelihood", "int", minimum=1, maximum=5),
            Column("impact", "int", minimum=1, maximum=5),
            Column("trend", "choice", choices=[t.value for t in Trend]),
            Column("affected_groups", required=False),
            Column("affected_areas", required=False),
            Column("evidence", required=False),
        ],
    )


def register_rows(city: City) -> list[dict[str, Any]]:
    return [
        {"hazard": e.hazard.code, **{f: getattr(e, f) for f in FIELDS}}
        for e in CityHazard.objects.filter(city=city)
        .select_related("hazard")
        .order_by("hazard__code")
    ]


def register_export(city: City, *, file_format: str = "xlsx") -> bytes:
    spec, rows = register_sheet(), register_rows(city)
    return write_csv(spec, rows) if file_format == "csv" else write_xlsx([(spec, rows)])


@dataclass(frozen=True)
class RegisterPlan:
    rows: list[dict[str, Any]]
    added: list[str]
    changed: list[str]


def register_import_plan(city: City, *, data: bytes, filename: str) -> RegisterPlan:
    rows = read_table(data, filename, register_sheet())
    current = {r["hazard"]: r for r in register_rows(city)}
    added, changed = [], []
    for row in rows:
        values = {k: (v if v is not None else "") for k, v in row.items() if k != "_row"}
        if row["hazard"] not in current:
            added.append(row["hazard"])
        elif values != current[row["hazard"]]:
            changed.append(row["hazard"])
    return RegisterPlan(rows=rows, added=added, changed=changed)


@transaction.atomic
def register_import_apply(city: City, *, plan: RegisterPlan, actor: User) -> RegisterPlan:
    types = {h.code: h for h in HazardType.objects.all()}
    for row in plan.rows:
        values = {f: (row[f] if row[f] is not None else "") for f in FIELDS}
        entry = CityHazard.objects.filter(city=city, hazard__code=row["hazard"]).first()
        if entry is None:
            city_hazard_add(actor=actor, city=city, hazard=types[row["hazard"]], **values)
        else:
            city_hazard_update(actor=actor, entry=entry, **values)
    return plan


__all__ = [
    "RegisterPlan",
    "TableError",
    "register_export",
    "register_import_apply",
    "register_import_plan",
]
