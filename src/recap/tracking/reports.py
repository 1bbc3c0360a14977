"""The donor report for a period: issued by the programme's manager and frozen then. What it
shows is read once, when it is issued, into a snapshot (figures, codes, names, dates); the PDF
(English or French) and the XLSX are drawn from the snapshot alone, so later edits to the
records never change a report that has gone out.

Contract: `report_issue(actor, programme, start, end)` → `DonorReport`; `report_pdf(report,
language)`, `report_xlsx(report, language)` → bytes. Words for codes (statuses, stages, modes)
are put in at drawing time in the reader's language; the figures never change.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recap.accounts.services import audit
from recap.accounts.types import Reader, User
from recap.cities.models import Programme
from recap.core.content import reader_language
from recap.core.rendering import LANGUAGES, pdf_document, xlsx_document
from recap.core.tabular import Column, Row, SheetSpec, write_xlsx
from recap.pipeline.models import MAIN_LINE as MAIN_STAGES
from recap.pipeline.models import Stage

from .breakdowns import breakdown_named
from .models import DonorReport, Measure, Training
from .overview import Filters, measure_statuses_at, overview
from .policies import is_programme_manager
from .status import STATUSES, status_label
from .templatetags.figures import figure

__all__ = ["LANGUAGES", "report_context", "report_issue", "report_pdf", "report_xlsx"]


def _number(value: Decimal | float | None) -> str | None:
    if value is None:
        return None
    return format(Decimal(str(value)).normalize(), "f")


def snapshot_of(
    *, user: Reader, programme: Programme, start: datetime.date, end: datetime.date
) -> dict[str, Any]:
    """Everything the report shows, as plain data (JSON)."""
    seen = overview(user=user, programme=programme, filters=Filters(start=start, end=end))
    measures = (
        Measure.objects.filter(city__in=programme.cities.all())
        .select_related("city__country")
        .order_by("city__name", "title")
    )
    statuses = measure_statuses_at(measures, end)  # as they stood when the period ended
    return {
        "programme": {
            "name": programme.name,
            "short_name": programme.short_name,
            "start": programme.start_date.isoformat(),
            "end": programme.end_date.isoformat(),
            "donor": str(programme.donor) if programme.donor_id else "",
        },
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "indicators": [
            {
                "outcome": row.progress.indicator.outcome.title,
                "code": row.progress.indicator.code,
                "name": row.progress.indicator.name,
                "unit": row.progress.indicator.unit,
                # The words in every language, so the report reads in its reader's.
                "words": _indicator_words(row.progress.indicator),
                "kind": row.progress.indicator.kind,
                "value": _number(row.progress.value),
                "period_value": _number(row.progress.period_value),
                "target": _number(row.progress.target.value) if row.progress.target else None,
                "target_date": row.progress.target.period_end.isoformat()
                if row.progress.target
                else None,
                "status": row.progress.status,
                # Codes, put in words when the report is drawn, in the reader's language.
                "breakdown": row.progress.breakdown,
                "late": [late.city.name if late.city else "" for late in row.progress.late],
            }
            for row in seen.rows
        ],
        "trainings": [
            {
                "title": t.training.title,
                "date": t.training.held_on.isoformat(),
                "mode": t.training.mode,
                "people": t.people,
                "checked": t.gain.n,
                "gain": _number(round(t.gain.mean, 1)) if t.gain.n else None,
                "spread": _number(round(t.gain.spread, 1)) if t.gain.spread is not None else None,
            }
            for t in seen.trainings
        ],
        "learning_gain": {
            "n": seen.overall_gain.n,
            "mean": _number(round(seen.overall_gain.mean, 1)) if seen.overall_gain.n else None,
            "spread": _number(round(seen.overall_gain.spread, 1))
            if seen.overall_gain.spread is not None
            else None,
        },
        # Pairs, not an object: PostgreSQL's jsonb does not keep an object's keys in order.
        "funnel": [
            [str(stage), n]
            for stage, (_label, n) in zip([*MAIN_STAGES, Stage.ON_HOLD], seen.funnel, strict=True)
        ],
        "measures": [
            {
                "city": m.city.name,
                "country": m.city.country.name,
                "title": m.title,
                "status": statuses[m.pk],
                "implemented_on": m.implemented_on.isoformat()
                if m.implemented_on and statuses[m.pk] == Measure.Status.IMPLEMENTED
                else None,
                "beneficiaries": m.beneficiaries,
                "cost": m.cost,
                "co_finance": m.co_finance,
            }
            for m in measures
            if m.pk in statuses
        ],
    }


@transaction.atomic
def report_issue(
    *, actor: User, programme: Programme, start: datetime.date, end: datetime.date
) -> DonorReport:
    if not is_programme_manager(actor, programme):
        raise PermissionDenied(_("Only the programme's manager issues reports."))
    if end < start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    if end > timezone.localdate():
        raise ValidationError({"period_end": _("The period has not ended yet.")})
    if start < programme.start_date:
        raise ValidationError(
            {
                "period_start": _("The programme began on %(a)s: the period starts then or later.")
                % {"a": programme.start_date.isoformat()}
            }
        )
    report = DonorReport.objects.create(
        programme=programme,
        period_start=start,
        period_end=end,
        snapshot=snapshot_of(user=actor, programme=programme, start=start, end=end),
        issued_by=actor,
    )
    audit(
        actor=actor,
        verb="report.issue",
        target=report,
        detail={"from": start.isoformat(), "to": end.isoformat()},
    )
    return report


def breakdown_text(breakdown: Any) -> str:
    """A breakdown in words: "Sex: Female 700, Male 500 · Age band: Under 25 300"."""
    return " · ".join(
        f"{dimension}: " + ", ".join(f"{label} {figure(n)}" for label, n in parts)
        for dimension, parts in breakdown_named(breakdown or {})
    )


def _labels() -> dict[str, dict[str, str]]:
    return {
        "status": {status: status_label(status) for status in STATUSES},
        "measure": {str(k): str(v) for k, v in Measure.Status.choices},
        "mode": {str(k): str(v) for k, v in Training.Mode.choices},
        "stage": {str(k): str(v) for k, v in Stage.choices},
    }


def _indicator_words(indicator: Any) -> dict[str, dict[str, str]]:
    """An indicator's outcome, name and unit in each language that has them."""
    return {
        code: {
            key: text
            for key, text in (
                ("outcome", getattr(indicator.outcome, f"title_{code}", "")),
                ("name", getattr(indicator, f"name_{code}", "")),
                ("unit", getattr(indicator, f"unit_{code}", "")),
            )
            if text
        }
        for code in LANGUAGES
    }


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def report_context(report: DonorReport) -> dict[str, Any]:
    """The snapshot as the report reads in the active language: the indicators' words in it
    (a report issued before they were kept keeps the words it was issued with), its numbers
    and the dates of its sentences written the reader's way."""
    labels = _labels()
    snap = report.snapshot
    language = reader_language()
    gain = snap["learning_gain"]
    return {
        "report": report,
        "s": snap,
        "period_start": _date(snap["period"]["start"]),
        "period_end": _date(snap["period"]["end"]),
        "learning_gain_text": figure(gain["mean"]) if gain["mean"] is not None else "—",
        "indicators": [
            i
            | i.get("words", {}).get(language, {})
            | {
                "status_label": labels["status"].get(i["status"], i["status"]),
                "value_text": figure(i["value"]),
                "period_text": figure(i["period_value"]),
                "target_text": figure(i["target"]),
                "breakdown_text": breakdown_text(i.get("breakdown")),
            }
            for i in snap["indicators"]
        ],
        "trainings": [
            t
            | {
                "mode_label": labels["mode"].get(t["mode"], t["mode"]),
                "gain_text": figure(t["gain"]),
                "spread_text": figure(t["spread"]),
            }
            for t in snap["trainings"]
        ],
        "funnel": [(labels["stage"].get(k, k), n) for k, n in snap["funnel"]],
        "measures": [
            m | {"status_label": labels["measure"].get(m["status"], m["status"])}
            for m in snap["measures"]
        ],
    }


def report_pdf(report: DonorReport, *, language: str = "en") -> bytes:
    return pdf_document("tracking/report_pdf.html", report_context(report), language=language)


def report_xlsx(report: DonorReport, *, language: str = "en") -> bytes:
    return xlsx_document(lambda: _workbook(report), language=language)


def _workbook(report: DonorReport) -> bytes:
    context = report_context(report)
    snap = context["s"]
    sheets: list[tuple[SheetSpec, list[Row]]] = []

    def number(value: Any) -> Any:
        return float(value) if value is not None else None

    def sheet(title: str, header: list[str], rows: list[Row]) -> None:
        columns = [Column(h, width=40 if i == 0 else 18) for i, h in enumerate(header)]
        sheets.append((SheetSpec(title, columns), rows))

    issued = report.issued_at.date().isoformat()
    sheet(
        _("Report"),
        [_("Field"), _("Value")],
        [
            [_("Programme"), snap["programme"]["name"]],
            [_("Period from"), snap["period"]["start"]],
            [_("Period to"), snap["period"]["end"]],
            [_("Issued"), issued],
            [_("Issued by"), report.issued_by.display_name if report.issued_by else ""],
            [_("Learning gain (mean)"), number(snap["learning_gain"]["mean"])],
            [_("People with both knowledge checks"), snap["learning_gain"]["n"]],
        ],
    )
    sheet(
        _("Indicators"),
        [
            _("Outcome"),
            _("Indicator"),
            _("Unit"),
            _("Value"),
            _("In the period"),
            _("Target"),
            _("By"),
            _("Status"),
            _("Late"),
            _("Breakdown"),
        ],
        [
            [
                i["outcome"],
                i["name"],
                i["unit"],
                number(i["value"]),
                number(i["period_value"]),
                number(i["target"]),
                i["target_date"],
                i["status_label"],
                ", ".join(n or _("the programme") for n in i["late"]),
                i["breakdown_text"],
            ]
            for i in context["indicators"]
        ],
    )
    sheet(
        _("Trainings"),
        [
            _("Training"),
            _("Date"),
            _("Mode"),
            _("People"),
            _("Checked before and after"),
            _("Learning gain"),
            _("Spread"),
        ],
        [
            [
                t["title"],
                t["date"],
                t["mode_label"],
                t["people"],
                t["checked"],
                number(t["gain"]),
                number(t["spread"]),
            ]
            for t in context["trainings"]
        ],
    )
    sheet(_("Pipeline"), [_("Stage"), _("Concepts")], [list(p) for p in context["funnel"]])
    sheet(
        _("Measures"),
        [
            _("City"),
            _("Country"),
            _("Measure"),
            _("Status"),
            _("Implemented on"),
            _("People reached"),
            _("Cost (US$)"),
            _("Co-finance (US$)"),
        ],
        [
            [
                m["city"],
                m["country"],
                m["title"],
                m["status_label"],
                m["implemented_on"],
                m["beneficiaries"],
                m["cost"],
                m["co_finance"],
            ]
            for m in context["measures"]
        ],
    )
    return write_xlsx(sheets)
