"""A concept as it leaves ReCAP: a concept note PDF fit to send (in English or French), an XLSX
in the harmonised form's layout (one row per field, in the form's sections, then its tables),
and the record's context both read from (`concept_context`), so they cannot disagree."""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from recap.catalogue.models import Sector
from recap.core.pdf import render_pdf
from recap.core.tabular import BAND, escape_text
from recap.hazards.models import HazardType

from .models import SECTIONS, Facility, ProjectConcept
from .money import concept_money
from .record import concept_hazards, concept_sectors, source_lines
from .texts import choice_labels, upper_first

LANGUAGES = ("en", "fr")


def concept_context(concept: ProjectConcept) -> dict[str, Any]:
    hazard_names = dict(HazardType.objects.values_list("code", "name"))
    return {
        "c": concept,
        "city": concept.city,
        "money": concept_money(concept),
        "sectors": choice_labels(Sector.choices, concept_sectors(concept)),
        "hazards": [hazard_names.get(h, h) for h in concept_hazards(concept)],
        "climate": choice_labels(
            Facility.ClimateObjective.choices, list(concept.climate_objectives)
        ),
        "sources": source_lines(concept),
        "funding": list(concept.funding_sources.all()),
        "preparation": list(concept.preparation_costs.all()),
        "indicators": list(concept.indicators.all()),
        "studies": list(concept.studies.all()),
        "documents": list(concept.attachments.all()),
        "generated": timezone.now(),
    }


def concept_pdf(concept: ProjectConcept, *, language: str = "en") -> bytes:
    with translation.override(language if language in LANGUAGES else "en"):
        html = render_to_string(
            "pipeline/concept_note.html",
            concept_context(concept) | {"LANGUAGE_CODE": translation.get_language()},
        )
    return render_pdf(html)


def _value(concept: ProjectConcept, name: str, context: dict[str, Any]) -> Any:
    """A field of the record as the form shows it: words for codes, the actions' answer where
    the concept leaves it to them."""
    if name == "sector":
        return context["sectors"][0] if context["sectors"] else ""
    if name == "sub_sectors":
        return ", ".join(context["sectors"][1:])
    if name == "hazards":
        return ", ".join(context["hazards"])
    if name == "climate_objectives":
        return ", ".join(context["climate"])
    if name == "total_cost":
        return context["money"].total or None
    display = getattr(concept, f"get_{name}_display", None)
    value = display() if display is not None else getattr(concept, name)
    return "" if value is None else value


def concept_xlsx(concept: ProjectConcept, *, language: str = "en") -> bytes:
    with translation.override(language if language in LANGUAGES else "en"):
        return _workbook(concept)


def _workbook(concept: ProjectConcept) -> bytes:
    context = concept_context(concept)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Concept")[:31]
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    band = PatternFill("solid", fgColor=BAND)

    def text(value: Any) -> Any:
        return escape_text(str(value)) if isinstance(value, str) else value

    sheet.append([_("Reference"), concept.reference])
    sheet.append([_("City"), f"{concept.city.name}, {concept.city.country.name}"])
    sheet.append([_("Stage"), str(concept.get_stage_display())])
    sheet.append([_("Exported"), context["generated"].date().isoformat()])
    for title, names in SECTIONS:
        sheet.append([])
        sheet.append([str(title)])
        sheet.cell(sheet.max_row, 1).font = bold
        sheet.cell(sheet.max_row, 1).fill = band
        for name in names:
            label = upper_first(
                str(getattr(ProjectConcept._meta.get_field(name), "verbose_name", name))
            )
            sheet.append([label, text(_value(concept, name, context))])
    money = context["money"]
    sheet.append([])
    sheet.append([_("Totals")])
    sheet.cell(sheet.max_row, 1).font = bold
    sheet.cell(sheet.max_row, 1).fill = band
    for label, amount in [
        (_("Secured"), money.secured),
        (_("Still to find"), money.gap),
        (_("Preparation costs"), money.preparation),
    ]:
        sheet.append([label, amount])
    sheet.column_dimensions["A"].width = 42
    sheet.column_dimensions["B"].width = 90
    for row in sheet.iter_rows(min_col=2, max_col=2):
        for cell in row:
            cell.alignment = wrap

    def table(title: str, header: list[str], rows: list[list[Any]]) -> None:
        ws = book.create_sheet(title[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font, cell.fill = bold, band
        for r in rows:
            ws.append([text(v) for v in r])
        for i in range(len(header)):
            ws.column_dimensions[chr(ord("A") + i)].width = 28

    table(
        _("Funding sources"),
        [_("Type"), _("From whom"), _("Amount"), _("Status")],
        [
            [f.get_kind_display(), f.name, f.amount, f.get_status_display()]
            for f in context["funding"]
        ],
    )
    table(
        _("Preparation costs"),
        [_("Item"), _("Amount")],
        [[p.get_item_display(), p.amount] for p in context["preparation"]],
    )
    table(
        _("Result indicators"),
        [_("Indicator"), _("Unit"), _("Baseline"), _("Target")],
        [[i.name, i.unit, float(i.baseline), float(i.target)] for i in context["indicators"]],
    )
    table(
        _("Studies done"),
        [_("Study"), _("Completed on")],
        [
            [s.name, s.completed_on.isoformat() if s.completed_on else ""]
            for s in context["studies"]
        ],
    )
    table(
        _("Source actions"),
        [
            _("Code"),
            _("Action"),
            _("Phase"),
            _("Cost now (US$)"),
            _("Cost in the run (US$)"),
            _("Value"),
        ],
        [
            [s.code, s.title, s.phase_label, s.cost_now, s.cost_in_run, s.value_in_run]
            for s in context["sources"]
        ],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
