"""A concept as it leaves ReCAP: a concept note PDF fit to send (in English or French), an XLSX
in the harmonised form's layout (one row per field, in the form's sections, then its tables),
and the record's context both read from (`concept_context`), so they cannot disagree."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from recap.catalogue.models import Sector
from recap.core.rendering import LANGUAGES, document_language, pdf_document, xlsx_document
from recap.core.tabular import Column, Heading, Row, SheetSpec, write_xlsx
from recap.hazards.models import HazardType

from .models import SECTIONS, Facility, ProjectConcept
from .money import concept_money
from .record import concept_hazards, concept_sectors, source_lines
from .texts import choice_labels, upper_first

__all__ = [
    "LANGUAGES",
    "allocation_context",
    "allocation_pdf",
    "concept_context",
    "concept_pdf",
    "concept_xlsx",
]


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
    return pdf_document("pipeline/concept_note.html", concept_context(concept), language=language)


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
    return xlsx_document(lambda: _workbook(concept), language=language)


def _table(title: str, *headers: str) -> SheetSpec:
    return SheetSpec(title, [Column(h) for h in headers])


def _workbook(concept: ProjectConcept) -> bytes:
    context = concept_context(concept)
    money = context["money"]
    record: list[Row] = [
        [_("Reference"), concept.reference],
        [_("City"), f"{concept.city.name}, {concept.city.country.name}"],
        [_("Stage"), str(concept.get_stage_display())],
        [_("Exported"), context["generated"].date().isoformat()],
    ]
    for title, names in SECTIONS:
        record += [[], Heading(str(title))]
        record += [
            [
                upper_first(
                    str(getattr(ProjectConcept._meta.get_field(name), "verbose_name", name))
                ),
                _value(concept, name, context),
            ]
            for name in names
        ]
    record += [[], Heading(_("Totals"))]
    record += [
        [_("Secured"), money.secured],
        [_("Still to find"), money.gap],
        [_("Preparation costs"), money.preparation],
    ]
    form = SheetSpec(
        _("Concept"),
        [Column(_("Field"), width=42), Column(_("Value"), width=90, wrap=True)],
        header=False,
    )
    return write_xlsx(
        [
            (form, record),
            (
                _table(_("Funding sources"), _("Type"), _("From whom"), _("Amount"), _("Status")),
                [
                    [f.get_kind_display(), f.name, f.amount, f.get_status_display()]
                    for f in context["funding"]
                ],
            ),
            (
                _table(_("Preparation costs"), _("Item"), _("Amount")),
                [[p.get_item_display(), p.amount] for p in context["preparation"]],
            ),
            (
                _table(
                    _("Result indicators"), _("Indicator"), _("Unit"), _("Baseline"), _("Target")
                ),
                [
                    [i.name, i.unit, float(i.baseline), float(i.target)]
                    for i in context["indicators"]
                ],
            ),
            (
                _table(_("Studies done"), _("Study"), _("Completed on")),
                [
                    [s.name, s.completed_on.isoformat() if s.completed_on else ""]
                    for s in context["studies"]
                ],
            ),
            (
                _table(
                    _("Source actions"),
                    _("Code"),
                    _("Action"),
                    _("Phase"),
                    _("Cost now (US$)"),
                    _("Cost in the run (US$)"),
                    _("Value"),
                ),
                [
                    [s.code, s.title, s.phase_label, s.cost_now, s.cost_in_run, s.value_in_run]
                    for s in context["sources"]
                ],
            ),
        ]
    )


def allocation_context(decision: Any) -> dict[str, Any]:
    """A saved portfolio decision as its page and its PDF read it (in the active language)."""
    from .allocation import left_out_text, readout

    return {
        "decision": decision,
        "currency": decision.currency,
        "awards": list(decision.awards.select_related("concept__city")),
        "answer": {
            "status": decision.result.get("status"),
            "result": decision.result,
            "left_out": left_out_text(decision.left_out),
            **readout(decision.spec, decision.claims, decision.result, decision.currency),
        },
        "generated": timezone.now(),
    }


def allocation_pdf(decision: Any, *, language: str = "en") -> bytes:
    """The decision as a PDF to send to the steering committee and the funders."""
    with translation.override(document_language(language)):
        context = allocation_context(decision)
    return pdf_document("pipeline/allocation_pdf.html", context, language=language)
