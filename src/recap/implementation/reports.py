"""The city's implementation report as of a date: issued by the city's coordinator and frozen
then, like the donor report (`tracking.reports`). What it shows is read once, when it is issued,
into a snapshot of plain data; the PDF (English or French) and the XLSX are drawn from the
snapshot alone, so later changes to the plan never change a report that has gone out.

Contract: `report_snapshot(plan, as_of)` → a JSON-able dict; `report_issue(actor=, plan=,
as_of=)` → `ImplementationReport`; `report_pdf(report, language=)`, `report_xlsx(report,
language=)` → bytes; `report_context(report)` → the snapshot as it reads in the active language.

What the snapshot holds:
- the plan (city, package and version, windows) and, per action, its code, title, phase, lead
  department, partners, planned and actual dates, status (`selectors.plan_rows` with
  `today=as_of`: the dated rules, a missed milestone or a passed end, are judged on `as_of`),
  its reason, progress, milestones, indicators (baseline, latest, target) and the concept or
  measure it follows; the counts by state; the changes since the previous report.
- Words are kept as codes where the report must read in both languages (states, phases,
  the kinds and fields of changes, a record's stage) and put in words when the report is drawn.
  A status's reason that the platform wrote (a missed milestone, a record's stage) is kept in
  every language, written at issue; a reason the city typed is kept as typed, as are the
  actions' titles, departments and notes. A framework indicator's name and unit are kept in
  every language that has them.
- What the report reads is the plan as it stands when issued (its statuses, dates, milestones
  and progress), judged on `as_of`. So reports go forward: one per plan and `as_of`, and a new
  one is not as of a day before the latest one (it would describe a later plan than the report
  it precedes).

"What changed since the last report" lists the plan's history (`PlanChange`) between the two
issues, not between the two `as_of` dates: from the moment the previous report read the plan
(kept in its snapshot as `changes_until`) to the moment this one reads it. Why: each snapshot
shows the plan as it stood when it was issued, whatever its `as_of`; a change made between the
previous report's `as_of` and its issue is already in that report, and a change made between
this report's `as_of` and its issue is already in this one's statuses. Bounding by the issues
lists every change in exactly one report, with no gap and no repeat. The first report lists
the changes since the plan started.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recap.accounts.services import audit
from recap.accounts.types import User
from recap.catalogue.models import Phase
from recap.core.content import reader_language
from recap.core.mail import site_link
from recap.core.rendering import LANGUAGES, pdf_document, xlsx_document
from recap.core.tabular import Column, Heading, Row, SheetSpec, write_xlsx
from recap.pipeline.models import Stage
from recap.tracking.models import Measure
from recap.tracking.templatetags.figures import figure

from . import selectors
from .models import (
    ActionIndicator,
    ImplementationPlan,
    ImplementationReport,
    PlanAction,
    PlanChange,
)
from .policies import may_coordinate
from .status import NEEDS_ATTENTION, STATES, derive

__all__ = [
    "LANGUAGES",
    "report_context",
    "report_issue",
    "report_pdf",
    "report_snapshot",
    "report_xlsx",
]

#: What the snapshot's shape is; a later shape can still draw the reports issued before it.
SCHEMA = 1
#: At most this many changes are kept in one report (the rest are counted, not listed).
CHANGES_MAX = 500
#: Fields whose values are a person's contact details: a change to them is listed, its values
#: are not (a report leaves the platform).
PRIVATE_FIELDS = ("contact_name", "contact_email")
DATE_FIELDS = (
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "short_term_ends",
    "medium_term_ends",
)
_VERSION = re.compile(r"(\d+)")


# ---------------------------------------------------------------- reading the plan


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _number(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return format(Decimal(str(value)).normalize(), "f")


def _in_languages(words: Callable[[], Any]) -> dict[str, str]:
    """`words()` written in each language of the reports."""
    out = {}
    for code in LANGUAGES:
        with translation.override(code):
            out[code] = str(words())
    return out


def _reverse_words(choices: list[tuple[str, Any]]) -> dict[str, str]:
    """The code behind a label written in any language of the reports (the history keeps a
    status's label in the language of whoever changed it)."""
    out: dict[str, str] = {}
    for code in LANGUAGES:
        with translation.override(code):
            for value, label in choices:
                out[str(label)] = value
    return out


def _indicator(row: ActionIndicator) -> dict[str, Any]:
    if row.indicator_id and row.indicator is not None:
        framework = row.indicator
        words = {
            code: {
                "name": getattr(framework, f"name_{code}", "") or framework.name,
                "unit": getattr(framework, f"unit_{code}", "") or framework.unit,
            }
            for code in LANGUAGES
        }
    else:
        words = {code: {"name": row.name, "unit": row.unit} for code in LANGUAGES}
    return {
        "words": words,
        "baseline": _number(row.baseline),
        "baseline_on": _iso(row.baseline_on),
        "latest": _number(row.latest),
        "latest_on": _iso(row.latest_on),
        "target": _number(row.target),
        "target_on": _iso(row.target_on),
    }


def _action(row: selectors.ActionRow, as_of: datetime.date) -> dict[str, Any]:
    action, status = row.action, row.status
    record = status.record
    # The reason again in each language: the platform's sentences (a missed milestone, a
    # record's stage) are written in the language active when they are derived.
    reason = _in_languages(
        lambda: derive(action, row.milestones, record, as_of, action.progress_on).reason
    )
    return {
        "code": action.code,
        "title": action.candidate.title,
        "phase": action.candidate.phase,
        "lead_department": action.lead_department,
        "partners": action.partners,
        "planned_start": _iso(action.planned_start),
        "planned_end": _iso(action.planned_end),
        "actual_start": _iso(action.actual_start),
        "actual_end": _iso(action.actual_end),
        "state": status.state,
        "derived": status.derived,
        "reason": reason,
        "progress": status.progress,
        "progress_on": _iso(action.progress_on),
        "closed": bool(action.closed_reason),
        "record": {
            "kind": record.kind,
            "label": record.label,
            "state": record.state,
            "url": site_link(record.url),
            "on": _iso(record.on),
        }
        if record is not None
        else None,
        "milestones": [
            {"title": m.title, "due": _iso(m.due), "done_on": _iso(m.done_on)}
            for m in row.milestones
        ],
        "indicators": [_indicator(i) for i in row.indicators],
    }


def _change(
    change: PlanChange, statuses: dict[str, str], publication: dict[str, str]
) -> dict[str, Any]:
    """One line of the plan's history with its values as codes where the history kept words."""
    kind, field, before, after = change.kind, change.field, change.before, change.after
    values = "text"
    if kind == PlanChange.Kind.STATUS:
        values = "status"
        before, after = statuses.get(before, before), statuses.get(after, after)
    elif kind == PlanChange.Kind.PUBLISHED:
        values = "public"
        after = publication.get(after, after)
    elif kind in (PlanChange.Kind.STARTED, PlanChange.Kind.VERSION):
        values = "version"
        before = "".join(_VERSION.findall(before)[:1])
        after = "".join(_VERSION.findall(after)[:1])
    elif field in DATE_FIELDS:
        values = "date"
    elif kind == PlanChange.Kind.MILESTONE and field == "done_on":
        values = "reached"  # before: the milestone's title; after: the day it was reached
    if field in PRIVATE_FIELDS:
        before = after = ""
    return {
        "at": change.at.isoformat(),
        "on": timezone.localdate(change.at).isoformat(),
        "code": change.action.code if change.action_id and change.action else "",
        "kind": kind,
        "field": field,
        "values": values,
        "before": before,
        "after": after,
        "reason": change.reason,
        "by": change.by.display_name if change.by_id and change.by else "",
    }


def _previous(plan: ImplementationPlan) -> ImplementationReport | None:
    return plan.reports.order_by("-as_of", "-issued_at", "-pk").first()


def report_snapshot(
    plan: ImplementationPlan, as_of: datetime.date, *, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """Everything the report shows, as plain data (JSON), read now and judged on `as_of`."""
    now = now or timezone.now()
    plan = selectors.plans_queryset().get(pk=plan.pk)
    rows = selectors.plan_rows([plan], today=as_of)[plan.pk]
    counts = selectors.summary(rows)
    previous = _previous(plan)
    since = None
    if previous is not None:
        since = previous.snapshot.get("changes_until") or previous.issued_at.isoformat()
    changes = (
        PlanChange.objects.filter(plan=plan, at__lte=now)
        .select_related("action", "by")
        .order_by("at", "pk")
    )
    if since is not None:
        changes = changes.filter(at__gt=datetime.datetime.fromisoformat(since))
    listed = list(changes[: CHANGES_MAX + 1])
    left_out = changes.count() - CHANGES_MAX if len(listed) > CHANGES_MAX else 0
    statuses = _reverse_words(PlanAction.SetStatus.choices)
    publication = _reverse_words(
        [("public", gettext_lazy("public")), ("not_public", gettext_lazy("not public"))]
    )
    return {
        "schema": SCHEMA,
        "city": {"name": plan.city.name, "slug": plan.city.slug, "country": str(plan.city.country)},
        "package": {"name": plan.package.name, "version": plan.version.number},
        "plan": {
            "starts": _iso(plan.starts),
            "short_term_ends": _iso(plan.short_term_ends),
            "medium_term_ends": _iso(plan.medium_term_ends),
            "public": plan.public,
        },
        "as_of": as_of.isoformat(),
        "previous": {
            "as_of": previous.as_of.isoformat(),
            "issued_at": previous.issued_at.isoformat(),
        }
        if previous is not None
        else None,
        # Pairs, not an object: PostgreSQL's jsonb does not keep an object's keys in order.
        "counts": [[state, counts.counts.get(state, 0)] for state in STATES],
        "open": counts.total,
        "progress": counts.progress,
        "actions": [_action(row, as_of) for row in rows],
        "changes_since": since,
        "changes_until": now.isoformat(),
        "changes": [_change(c, statuses, publication) for c in listed[:CHANGES_MAX]],
        "changes_left_out": left_out,
    }


# ---------------------------------------------------------------- issuing


def _shown(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


@transaction.atomic
def report_issue(
    *, actor: User, plan: ImplementationPlan, as_of: datetime.date | None
) -> ImplementationReport:
    """The report as of `as_of`, frozen now. The plan's row is locked first, so two presses at
    once (a double click) make one report: the second waits, then finds the first."""
    if not may_coordinate(actor, plan.city):
        raise PermissionDenied(_("Only the city's coordinator issues its implementation reports."))
    plan = ImplementationPlan.objects.select_for_update().select_related("city").get(pk=plan.pk)
    if as_of is None:
        raise ValidationError({"as_of": _("Give the day the report is as of.")})
    today = timezone.localdate()
    if as_of > today:
        raise ValidationError(
            {
                "as_of": _("%(d)s has not come yet: a report is as of today or earlier.")
                % {"d": _shown(as_of)}
            }
        )
    if as_of < plan.starts:
        raise ValidationError(
            {
                "as_of": _("The plan starts on %(d)s: a report is as of that day or later.")
                % {"d": _shown(plan.starts)}
            }
        )
    same = plan.reports.filter(as_of=as_of).select_related("issued_by").first()
    if same is not None:
        raise ValidationError(
            {
                "as_of": _(
                    "A report as of %(d)s was already issued on %(on)s: download it from the list."
                )
                % {"d": _shown(as_of), "on": _shown(timezone.localdate(same.issued_at))}
            }
        )
    latest = _previous(plan)
    if latest is not None and as_of < latest.as_of:
        raise ValidationError(
            {
                "as_of": _(
                    "A report as of %(d)s is already issued: a new report is as of a later day."
                )
                % {"d": _shown(latest.as_of)}
            }
        )
    report = ImplementationReport.objects.create(
        plan=plan,
        as_of=as_of,
        snapshot=report_snapshot(plan, as_of),
        issued_by=actor,
    )
    audit(
        actor=actor,
        verb="plan.report.issue",
        target=report,
        city=plan.city,
        detail={"as_of": as_of.isoformat()},
    )
    return report


# ---------------------------------------------------------------- drawing


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def _moment(text: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text) if text else None


def _labels() -> dict[str, dict[str, str]]:
    """Words for the snapshot's codes, in the active language."""
    fields: dict[str, str] = {}
    for model in (PlanAction, ImplementationPlan):
        for name in (*DATE_FIELDS, "lead_department", "partners", *PRIVATE_FIELDS):
            try:
                fields[name] = str(getattr(model._meta.get_field(name), "verbose_name", name))
            except FieldDoesNotExist:  # a field of the other model
                continue
    fields |= {
        "status": _("status"),
        "done_on": _("reached on"),
        "indicator": _("indicator"),
    }
    return {
        "state": {k: str(v) for k, v in STATES.items()},
        "phase": {str(k): str(v) for k, v in Phase.choices},
        "kind": {str(k): str(v) for k, v in PlanChange.Kind.choices},
        "field": fields,
        "stage": {str(k): str(v) for k, v in Stage.choices},
        "measure": {str(k): str(v) for k, v in Measure.Status.choices},
        "public": {"public": _("public"), "not_public": _("not public")},
    }


def _value(change: dict[str, Any], side: str, labels: dict[str, dict[str, str]]) -> Any:
    """A change's value (`side`: "before" or "after") as the reader reads it: a date, a
    status's words, or the text."""
    kind, value = change["values"], change[side]
    if value and (kind == "date" or (kind == "reached" and side == "after")):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    if value and kind == "version":
        return _("version %(n)s") % {"n": value}
    words = {"status": labels["state"], "public": labels["public"]}.get(kind, {})
    return words.get(value, value)


def _record(record: dict[str, Any] | None, labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    if record is None:
        return {}
    table = labels["stage"] if record["kind"] == "concept" else labels["measure"]
    return record | {
        "kind_label": _("project concept") if record["kind"] == "concept" else _("measure"),
        "state_label": table.get(record["state"], record["state"]),
    }


def report_context(report: ImplementationReport) -> dict[str, Any]:
    """The snapshot as the report reads in the active language: codes in words, dates as dates
    (written the reader's way by the template), numbers as the reader writes them."""
    labels = _labels()
    snap = report.snapshot
    language = reader_language()

    def words(texts: dict[str, str]) -> str:
        return texts.get(language) or texts.get("en") or ""

    actions = []
    for a in snap["actions"]:
        actions.append(
            a
            | {
                "state_label": labels["state"].get(a["state"], a["state"]),
                "phase_label": labels["phase"].get(a["phase"], a["phase"]),
                "reason_text": words(a["reason"]),
                "planned_start": _date(a["planned_start"]),
                "planned_end": _date(a["planned_end"]),
                "actual_start": _date(a["actual_start"]),
                "actual_end": _date(a["actual_end"]),
                "progress_on": _date(a["progress_on"]),
                "record": _record(a["record"], labels),
                "milestones": [
                    m
                    | {
                        "due": _date(m["due"]),
                        "done_on": _date(m["done_on"]),
                        "missed": m["done_on"] is None and m["due"] < snap["as_of"],
                    }
                    for m in a["milestones"]
                ],
                "indicators": [
                    i
                    | (i["words"].get(language) or i["words"].get("en") or {})
                    | {
                        "baseline_on": _date(i["baseline_on"]),
                        "latest_on": _date(i["latest_on"]),
                        "target_on": _date(i["target_on"]),
                        "baseline_text": figure(i["baseline"]),
                        "latest_text": figure(i["latest"]),
                        "target_text": figure(i["target"]),
                    }
                    for i in a["indicators"]
                ],
            }
        )
    changes = [
        c
        | {
            "on": _date(c["on"]),
            "kind_label": labels["kind"].get(c["kind"], c["kind"]),
            "field_label": labels["field"].get(c["field"], c["field"]),
            "before_value": _value(c, "before", labels),
            "after_value": _value(c, "after", labels),
        }
        for c in snap["changes"]
    ]
    previous = snap.get("previous")
    return {
        "report": report,
        "s": snap,
        "as_of": _date(snap["as_of"]),
        "issued_on": timezone.localdate(report.issued_at),
        "plan_starts": _date(snap["plan"]["starts"]),
        "short_term_ends": _date(snap["plan"]["short_term_ends"]),
        "medium_term_ends": _date(snap["plan"]["medium_term_ends"]),
        "previous_as_of": _date(previous["as_of"]) if previous else None,
        "previous_issued": timezone.localdate(_moment(previous["issued_at"])) if previous else None,
        "counts": [(code, labels["state"].get(code, code), n) for code, n in snap["counts"]],
        "actions": actions,
        "attention": [a for a in actions if a["state"] in NEEDS_ATTENTION],
        "milestones": [(a, m) for a in actions for m in a["milestones"]],
        "indicators": [(a, i) for a in actions for i in a["indicators"]],
        "changes": changes,
    }


def report_pdf(report: ImplementationReport, *, language: str = "en") -> bytes:
    with translation.override(language if language in LANGUAGES else "en"):
        context = report_context(report)
    return pdf_document("implementation/report_pdf.html", context, language=language)


def report_xlsx(report: ImplementationReport, *, language: str = "en") -> bytes:
    return xlsx_document(lambda: _workbook(report), language=language)


def _workbook(report: ImplementationReport) -> bytes:
    context = report_context(report)
    snap = context["s"]
    sheets: list[tuple[SheetSpec, list[Row]]] = []

    def number(value: Any) -> Any:
        return float(value) if value is not None else None

    def sheet(title: str, columns: list[Column], rows: list[Row]) -> None:
        sheets.append((SheetSpec(title, columns), rows))

    def text(name: str, width: int = 28, wrap: bool = False) -> Column:
        return Column(name, width=width, wrap=wrap)

    def day(name: str) -> Column:
        return Column(name, width=14)

    def num(name: str) -> Column:
        return Column(name, kind="float", width=12)

    summary: list[Row] = [
        [_("City"), snap["city"]["name"]],
        [_("Package"), snap["package"]["name"]],
        [_("Package version"), snap["package"]["version"]],
        [_("As of"), context["as_of"]],
        [_("Issued"), context["issued_on"]],
        [_("Issued by"), report.issued_by.display_name if report.issued_by else ""],
        [_("Plan starts"), context["plan_starts"]],
        [_("Short-term actions end by"), context["short_term_ends"]],
        [_("Medium-term actions end by"), context["medium_term_ends"]],
        [_("Previous report as of"), context["previous_as_of"]],
        [_("Open actions"), snap["open"]],
        [_("Mean progress (%)"), snap["progress"]],
        Heading(_("Actions by status")),
        *[[label, n] for _code, label, n in context["counts"]],
    ]
    sheet(_("Report"), [text(_("Field"), 34), text(_("Value"), 40)], summary)
    sheet(
        _("Actions"),
        [
            text(_("Code"), 10),
            text(_("Action"), 40, wrap=True),
            text(_("Phase"), 14),
            text(_("Lead department")),
            text(_("Partners")),
            day(_("Planned start")),
            day(_("Planned end")),
            day(_("Actual start")),
            day(_("Actual end")),
            text(_("Status"), 14),
            text(_("Why"), 48, wrap=True),
            Column(_("Progress (%)"), kind="int", width=12),
            day(_("Progress as of")),
            text(_("Follows"), 36),
            text(_("Its stage"), 20),
        ],
        [
            [
                a["code"],
                a["title"],
                a["phase_label"],
                a["lead_department"],
                a["partners"],
                a["planned_start"],
                a["planned_end"],
                a["actual_start"],
                a["actual_end"],
                a["state_label"],
                a["reason_text"],
                a["progress"],
                a["progress_on"],
                a["record"].get("label", ""),
                a["record"].get("state_label", ""),
            ]
            for a in context["actions"]
        ],
    )
    sheet(
        _("Delays and risks"),
        [text(_("Code"), 10), text(_("Action"), 40), text(_("Status"), 14), text(_("Why"), 60)],
        [[a["code"], a["title"], a["state_label"], a["reason_text"]] for a in context["attention"]],
    )
    sheet(
        _("Milestones"),
        [text(_("Code"), 10), text(_("Milestone"), 48), day(_("Due")), day(_("Reached on"))],
        [[a["code"], m["title"], m["due"], m["done_on"]] for a, m in context["milestones"]],
    )
    sheet(
        _("Indicators"),
        [
            text(_("Code"), 10),
            text(_("Indicator"), 40),
            text(_("Unit"), 16),
            num(_("Baseline")),
            day(_("Baseline as of")),
            num(_("Latest value")),
            day(_("Latest as of")),
            num(_("Target")),
            day(_("Target by")),
        ],
        [
            [
                a["code"],
                i["name"],
                i["unit"],
                number(i["baseline"]),
                i["baseline_on"],
                number(i["latest"]),
                i["latest_on"],
                number(i["target"]),
                i["target_on"],
            ]
            for a, i in context["indicators"]
        ],
    )
    sheet(
        _("Changes"),
        [
            day(_("Date")),
            text(_("Code"), 10),
            text(_("Change"), 18),
            text(_("Field"), 18),
            text(_("Before"), 24),
            text(_("After"), 24),
            text(_("Why"), 48, wrap=True),
            text(_("Changed by"), 20),
        ],
        [
            [
                c["on"],
                c["code"],
                c["kind_label"],
                c["field_label"],
                c["before_value"],
                c["after_value"],
                c["reason"],
                c["by"],
            ]
            for c in context["changes"]
        ],
    )
    return write_xlsx(sheets)
