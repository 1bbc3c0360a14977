"""Writes to the action catalogue: the shipped catalogue, and imports that replace rows by code."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from recap.accounts.services import audit
from recap.accounts.types import User
from recap.core.content import SOURCE, shipped_french
from recap.core.tabular import read_table, write_csv, write_xlsx
from recap.hazards.models import HazardType

from .models import RATINGS, CatalogueAction
from .spreadsheet import action_to_row, catalogue_sheet


@dataclass(frozen=True)
class ImportPlan:
    """What an import would do, checked in full before anything is written."""

    rows: list[dict[str, Any]]
    created: list[str]
    updated: list[str]
    unchanged: list[str]

    @property
    def added(self) -> list[str]:
        return self.created

    @property
    def changed(self) -> list[str]:
        return self.updated


def _hazard_codes() -> list[str]:
    return list(HazardType.objects.values_list("code", flat=True))


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": row["title"],
        "summary": row["summary"],
        "description": row["description"],
        "sectors": row["sectors"],
        "hazards": row["hazards"],
        "qualities": row["qualities"],
        **{name: row[name] for name in RATINGS if name in row},
        "cost_min_usd": row["cost_min_usd"],
        "cost_max_usd": row["cost_max_usd"],
        "reference_class": row.get("reference_class") or "",
        "staff_fte": Decimal(str(round(row["staff_fte"], 2))),
        "months_to_implement": row["months_to_implement"],
        "phase": row["phase"],
        "prerequisites": row["prerequisites"],
        "kpis": row["kpis"],
    }


def _same(stored: dict[str, Any], row: dict[str, Any]) -> bool:
    """Whether a file's row says nothing new (columns the file does not have say nothing)."""
    return all(stored.get(k) == v for k, v in row.items() if k != "_row")


def catalogue_import_plan(*, data: bytes, filename: str) -> ImportPlan:
    """Read and check a whole file; raises TableError listing every problem."""

    def check(row: dict[str, Any], where: str) -> list[str]:
        problems = []
        if not row["sectors"]:
            problems.append(f"{where}, column 'sectors': name at least one sector")
        if row["cost_max_usd"] < row["cost_min_usd"]:
            problems.append(f"{where}, column 'cost_max_usd': must not be below cost_min_usd")
        try:
            CatalogueAction(code=row["code"], **_fields(row)).full_clean(
                exclude=["code"], validate_constraints=False
            )
        except ValidationError as exc:
            problems.extend(
                f"{where}, column '{f}': {m}" for f, ms in exc.message_dict.items() for m in ms
            )
        return problems

    rows = read_table(data, filename, catalogue_sheet(_hazard_codes()), check=check)
    existing = {a.code: a for a in CatalogueAction.objects.all()}
    created, updated, unchanged = [], [], []
    with translation.override(SOURCE):  # the sheet holds the English texts
        for row in rows:
            current = existing.get(row["code"])
            if current is None:
                created.append(row["code"])
            elif _same(action_to_row(current), row):
                unchanged.append(row["code"])
            else:
                updated.append(row["code"])
    return ImportPlan(rows=rows, created=created, updated=updated, unchanged=unchanged)


@transaction.atomic
def catalogue_import_apply(
    *,
    plan: ImportPlan,
    actor: User | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPlan:
    total = len(plan.rows)
    for done, row in enumerate(plan.rows, start=1):
        with translation.override(SOURCE):  # the English columns, whoever imports it
            CatalogueAction.objects.update_or_create(code=row["code"], defaults=_fields(row))
        if progress is not None and (done % 50 == 0 or done == total):
            progress(done, total)
    if actor is not None and plan.rows:
        first = CatalogueAction.objects.get(code=plan.rows[0]["code"])
        audit(
            actor=actor,
            verb="catalogue.import",
            target=first,
            detail={"created": len(plan.created), "updated": len(plan.updated)},
        )
    return plan


def catalogue_export(*, file_format: str = "xlsx") -> bytes:
    """The catalogue as a sheet, in English (the French texts ship in `data/fr/`)."""
    spec = catalogue_sheet(_hazard_codes())
    with translation.override(SOURCE):
        rows = [action_to_row(a) for a in CatalogueAction.objects.order_by("code")]
    if file_format == "csv":
        return write_csv(spec, rows)
    return write_xlsx([(spec, rows)])


def catalogue_load_shipped() -> int:
    """The catalogue that ships with ReCAP (66 actions, in the project's own words)."""
    raw = resources.files("recap.catalogue").joinpath("data/actions.json").read_text("utf-8")
    rows = json.loads(raw)
    french = shipped_french("recap.catalogue", "fr/actions.json")
    with translation.override(SOURCE):
        for row in rows:
            flat = {k: v for k, v in row.items() if k != "co_benefits"} | row["co_benefits"]
            texts = {f"{name}_fr": value for name, value in french.get(row["code"], {}).items()}
            CatalogueAction.objects.update_or_create(
                code=row["code"], defaults=_fields(flat) | texts
            )
    return len(rows)
