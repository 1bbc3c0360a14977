"""A city's implementation plan as open data: JSON, CSV (one row per action) and XLSX.

Which schema, and why (checked on 2026-12-06)
---------------------------------------------
No open standard for action plans fits an implementation plan of governance, policy and works
actions, each with a responsible party, dates, a status and its reason, progress, milestones and
indicators. What was looked at:

- Kausal Watch, which many European cities publish their climate plans with
  (https://github.com/kausaltech/kausal-watch, `actions/models/action.py`, `actions/api.py`):
  the closest by far: its `Action` has `identifier`, `name`, `description`, `categories`,
  `responsible_parties` (an organisation and a role, `primary` or `collaborator`),
  `contact_persons`, `schedule`, `start_date` / `end_date`, `status` (`identifier`, `name`,
  `is_completed`), `manual_status` and `manual_status_reason`, `implementation_phase`,
  `completion` (percent), `tasks` (`name`, `due_at`, `completed_at`, `state`), `indicators`
  and `updated_at`. But it is one application's REST API (its serializers), not a published
  standard with a schema or versions of its own.
- OC4IDS 0.9 (https://standard.open-contracting.org/infrastructure/latest/en/), which ReCAP
  already exports its project concepts in (`recap.pipeline.oc4ids`): one infrastructure
  project and its contracting; a plan's policies and governance actions are not projects, and
  it has no status reason, progress or per-action indicator.
- OpenEarth's CityCatalyst "Climate Action Prioritization" schema
  (https://github.com/Open-Earth-Foundation/CityCatalyst/blob/main/schema/generic_action_schema.json)
  and OpenClimate's schema (https://github.com/Open-Earth-Foundation/OpenClimate/tree/main/schema):
  actions as candidates to rank (hazard, sector, cost, timeline) and actors' targets and pledges;
  nothing on who carries an action out, when, or how far it is.
- Popolo (https://www.popoloproject.com/specs/): people, organisations, motions and votes of
  legislatures, not plans.
- schema.org `Action` and `Project` (https://schema.org/Action, https://schema.org/Project): an
  `actionStatus` of potential / active / completed / failed, no delayed or at risk, no
  progress, milestones or indicators.
- The Open Data Charter's Open Up Guide on climate action
  (https://open-data-charter.gitbook.io/open-up-guide-using-open-data-to-advance-climate-a/):
  which datasets to publish, not a data schema; CDP's cities questionnaire is a closed
  reporting form, not an open schema.

So the JSON is a documented shape of ReCAP's own, `"schema": {"name": SCHEMA_NAME,
"version": SCHEMA_VERSION}`, whose action fields take Kausal Watch's names wherever the meaning
is the same, so that a city moving to or from Kausal Watch maps them one to one. The JSON
Schema is `data/plan-export.schema.json`; `docs/implementation-plan-open-data.md` lists the
fields. Field by field (ReCAP → JSON, the Kausal Watch field it is):

- code → `identifier`; title → `name`; description → `description`;
- sectors and hazards → `categories.sector` / `categories.hazard` ([{identifier, name}]: two
  category types, as Kausal's plans define theirs);
- the phase (short or medium term) → `schedule` ({identifier, name, begins_at, ends_at}: the
  plan's window for that phase, as a Kausal `ActionSchedule`);
- lead department → `responsible_parties` role `primary`; partners (as written, split at
  semicolons) → role `collaborator` (an organisation's name, not an id: ReCAP keeps names);
- planned start and end → `start_date` / `end_date`; ReCAP's actual dates → `actual_start_date`
  / `actual_end_date` (Kausal has none);
- the derived status (`selectors.plan_rows`, never the raw `set_status`) → `status`
  ({identifier, name, is_completed}); set by a person, not derived → `manual_status`; its
  reason → `manual_status_reason`; the state grouped as not started / implementation /
  completed → `implementation_phase` (null when cancelled);
- progress → `completion`, as of → `completion_date`;
- milestones → `tasks` ({name, due_at, completed_at, state: completed or not_started});
- indicators → `indicators` ({name, unit, identifier: the results framework's code or null,
  baseline {date, value}, latest_value {date, value} or null, goals [{date, value}]}: Kausal's
  indicator `latest_value` and `goals`);
- the project concept or measure the action became → `follows` ({kind, name, url, state};
  ReCAP's own; its page is the team's, behind sign-in);
- closed when a later package version dropped it → `closed_reason` (Kausal: `merged_with` /
  `superseded_by`, which point at another action; ReCAP keeps a reason);
- `updated_at`.

The contact person's name and e-mail (Kausal's `contact_persons`) are personal data and are
never exported, not even to the city's own team (the same file either way).

CSV: one row per action, UTF-8 with a byte-order mark (Excel opens it as UTF-8), milestones and
indicators one per line in their cell; XLSX: the same rows with dates as date cells, and a
sheet each for milestones and indicators with a row per item. Both through `core.tabular`,
which writes any text a spreadsheet would run as a formula (=, +, -, @) with a leading
apostrophe. Column names are the JSON's field names, in English, so a script reads any city's
file; the values (status, sectors, hazards) are in the reader's language.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from recap.catalogue.models import Phase, Sector
from recap.core.mail import site_link
from recap.core.tabular import Column, SheetSpec, write_csv, write_xlsx
from recap.hazards.selectors import hazard_types_by_code

from . import selectors
from .models import ActionIndicator, ImplementationPlan, Milestone
from .selectors import ActionRow
from .status import CANCELLED, DONE, NOT_STARTED, STATES

SCHEMA_NAME = "recap-implementation-plan"
SCHEMA_VERSION = "1.0"
FORMATS = ("json", "csv", "xlsx")
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: Kausal Watch's implementation phase, from ReCAP's state.
PHASES = {NOT_STARTED: "not_started", DONE: "completed", CANCELLED: None}


def hazard_codes(hazards: Any) -> list[str]:
    """The hazards an action addresses: a candidate keeps {code: level} (a level of 0 does not
    count) or, from older records, a list of codes."""
    if isinstance(hazards, dict):
        return [code for code, level in hazards.items() if level]
    return [str(h) for h in hazards or []]


def partner_names(partners: str) -> list[str]:
    return [p.strip() for p in (partners or "").split(";") if p.strip()]


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def indicator_unit(i: ActionIndicator) -> str:
    return i.unit or (str(i.indicator.unit) if i.indicator_id and i.indicator else "")


def _indicator(i: ActionIndicator) -> dict[str, Any]:
    latest = (
        {"date": _day(i.latest_on), "value": _number(i.latest)} if i.latest is not None else None
    )
    return {
        "name": i.label,
        "unit": indicator_unit(i),
        "identifier": i.indicator.code if i.indicator_id and i.indicator else None,
        "baseline": {"date": _day(i.baseline_on), "value": _number(i.baseline)},
        "latest_value": latest,
        "goals": [{"date": _day(i.target_on), "value": _number(i.target)}],
    }


def _task(m: Milestone) -> dict[str, Any]:
    return {
        "name": m.title,
        "due_at": _day(m.due),
        "completed_at": _day(m.done_on),
        "state": "completed" if m.done_on else "not_started",
    }


class Labels:
    """The words the export needs, read once: sectors by code, hazards by code (one query)."""

    def __init__(self, rows: Iterable[ActionRow]) -> None:
        self.sectors = {code: str(label) for code, label in Sector.choices}
        codes = {c for r in rows for c in hazard_codes(r.action.candidate.hazards)}
        self.hazards = {code: h.name for code, h in hazard_types_by_code(codes).items()}
        self.phases = {code: str(label) for code, label in Phase.choices}

    def sector(self, code: str) -> str:
        return self.sectors.get(code, code)

    def hazard(self, code: str) -> str:
        return self.hazards.get(code, code)


def _schedule(plan: ImplementationPlan, phase: str, labels: Labels) -> dict[str, Any]:
    return {
        "identifier": phase,
        "name": labels.phases.get(phase, phase),
        "begins_at": _day(plan.starts),
        "ends_at": _day(plan.window_end(phase)),
    }


def action_data(plan: ImplementationPlan, row: ActionRow, labels: Labels) -> dict[str, Any]:
    a, status, candidate = row.action, row.status, row.action.candidate
    parties = []
    if a.lead_department:
        parties.append({"organization": {"name": a.lead_department}, "role": "primary"})
    parties += [
        {"organization": {"name": name}, "role": "collaborator"}
        for name in partner_names(a.partners)
    ]
    record = status.record
    return {
        "identifier": a.code,
        "name": candidate.title,
        "description": candidate.description,
        "categories": {
            "sector": [{"identifier": s, "name": labels.sector(s)} for s in candidate.sectors],
            "hazard": [
                {"identifier": h, "name": labels.hazard(h)} for h in hazard_codes(candidate.hazards)
            ],
        },
        "schedule": [_schedule(plan, candidate.phase, labels)],
        "responsible_parties": parties,
        "start_date": _day(a.planned_start),
        "end_date": _day(a.planned_end),
        "actual_start_date": _day(a.actual_start),
        "actual_end_date": _day(a.actual_end),
        "status": {
            "identifier": status.state,
            "name": status.label,
            "is_completed": status.state == DONE,
        },
        "manual_status": not status.derived,
        "manual_status_reason": status.reason,
        "implementation_phase": PHASES.get(status.state, "implementation"),
        "completion": status.progress,
        "completion_date": _day(a.progress_on),
        "tasks": [_task(m) for m in row.milestones],
        "indicators": [_indicator(i) for i in row.indicators],
        "follows": (
            {
                "kind": record.kind,
                "name": record.label,
                "url": site_link(record.url),
                "state": record.state,
            }
            if record
            else None
        ),
        "closed_reason": a.closed_reason,
        "updated_at": a.updated_at.isoformat(),
    }


def public_url(plan: ImplementationPlan) -> str:
    return site_link(reverse("plan_public:page", kwargs={"slug": plan.city.slug}))


def plan_data(
    plan: ImplementationPlan, rows: list[ActionRow], *, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The plan as JSON-ready data (see the module's docstring for each field)."""
    labels = Labels(rows)
    summary = selectors.summary(rows)
    city = plan.city
    return {
        "schema": {"name": SCHEMA_NAME, "version": SCHEMA_VERSION},
        "generated_at": (now or timezone.now()).isoformat(timespec="seconds"),
        "language": (get_language() or "en")[:2],
        "plan": {
            "identifier": f"{city.slug}-{plan.package_id}",
            "name": plan.package.name,
            "organization": {"name": city.name, "country": city.country.iso2},
            "url": public_url(plan),
            "public": plan.public,
            "package_version": plan.version.number,
            "starts": _day(plan.starts),
            "short_term_ends": _day(plan.short_term_ends),
            "medium_term_ends": _day(plan.medium_term_ends),
            "summary": {
                "actions": len(rows),
                "open_actions": summary.total,
                "mean_completion": summary.progress,
                "by_status": {state: summary.counts.get(state, 0) for state in STATES},
            },
        },
        "action_statuses": [
            {"identifier": s, "name": str(label), "is_completed": s == DONE}
            for s, label in STATES.items()
        ],
        "actions": [action_data(plan, row, labels) for row in rows],
    }


# ---------------------------------------------------------------- tables


def _date_column(name: str) -> Column:
    return Column(name, width=12)


ACTION_COLUMNS = (
    Column("identifier", width=10),
    Column("name", width=36, wrap=True),
    Column("description", width=48, wrap=True),
    Column("sectors", kind="list"),
    Column("hazards", kind="list"),
    Column("schedule", width=14),
    Column("lead_department"),
    Column("partners", kind="list"),
    _date_column("start_date"),
    _date_column("end_date"),
    _date_column("actual_start_date"),
    _date_column("actual_end_date"),
    Column("status", width=14),
    Column("status_identifier", width=14),
    Column("manual_status_reason", width=40, wrap=True),
    Column("completion", kind="int", width=11),
    _date_column("completion_date"),
    Column("tasks", kind="lines", width=40, wrap=True),
    Column("indicators", kind="lines", width=40, wrap=True),
    Column("follows", width=30, wrap=True),
    Column("follows_url", width=30),
    Column("closed_reason", width=30, wrap=True),
)
TASK_COLUMNS = (
    Column("action", width=10),
    Column("name", width=40, wrap=True),
    _date_column("due_at"),
    _date_column("completed_at"),
)
INDICATOR_COLUMNS = (
    Column("action", width=10),
    Column("name", width=36, wrap=True),
    Column("unit", width=12),
    Column("baseline", kind="float"),
    _date_column("baseline_date"),
    Column("latest_value", kind="float"),
    _date_column("latest_date"),
    Column("goal", kind="float"),
    _date_column("goal_date"),
)


def _indicator_line(i: ActionIndicator) -> str:
    latest = f"{_number(i.latest)} ({_day(i.latest_on)})" if i.latest is not None else "—"
    unit = f" ({indicator_unit(i)})" if indicator_unit(i) else ""
    return (
        f"{i.label}{unit}: {_number(i.baseline)} ({_day(i.baseline_on)}) → {latest} → "
        f"{_number(i.target)} ({_day(i.target_on)})"
    )


def _task_line(m: Milestone) -> str:
    reached = _("reached on %(d)s") % {"d": _day(m.done_on)} if m.done_on else _("not reached")
    return f"{m.title} · {_day(m.due)} · {reached}"


def action_row(row: ActionRow, labels: Labels) -> dict[str, Any]:
    a, status, candidate = row.action, row.status, row.action.candidate
    return {
        "identifier": a.code,
        "name": candidate.title,
        "description": candidate.description,
        "sectors": [labels.sector(s) for s in candidate.sectors],
        "hazards": [labels.hazard(h) for h in hazard_codes(candidate.hazards)],
        "schedule": labels.phases.get(candidate.phase, candidate.phase),
        "lead_department": a.lead_department,
        "partners": partner_names(a.partners),
        "start_date": a.planned_start,
        "end_date": a.planned_end,
        "actual_start_date": a.actual_start,
        "actual_end_date": a.actual_end,
        "status": status.label,
        "status_identifier": status.state,
        "manual_status_reason": status.reason,
        "completion": status.progress,
        "completion_date": a.progress_on,
        "tasks": [_task_line(m) for m in row.milestones],
        "indicators": [_indicator_line(i) for i in row.indicators],
        "follows": status.record.label if status.record else "",
        "follows_url": site_link(status.record.url) if status.record else "",
        "closed_reason": a.closed_reason,
    }


def plan_csv(rows: list[ActionRow]) -> bytes:
    labels = Labels(rows)
    return write_csv(SheetSpec("Actions", ACTION_COLUMNS), (action_row(r, labels) for r in rows))


def plan_xlsx(rows: list[ActionRow]) -> bytes:
    labels = Labels(rows)
    tasks = [
        {"action": r.action.code, "name": m.title, "due_at": m.due, "completed_at": m.done_on}
        for r in rows
        for m in r.milestones
    ]
    indicators = [
        {
            "action": r.action.code,
            "name": i.label,
            "unit": indicator_unit(i),
            "baseline": i.baseline,
            "baseline_date": i.baseline_on,
            "latest_value": i.latest,
            "latest_date": i.latest_on,
            "goal": i.target,
            "goal_date": i.target_on,
        }
        for r in rows
        for i in r.indicators
    ]
    return write_xlsx(
        [
            (SheetSpec("Actions", ACTION_COLUMNS), [action_row(r, labels) for r in rows]),
            (SheetSpec("Tasks", TASK_COLUMNS), tasks),
            (SheetSpec("Indicators", INDICATOR_COLUMNS), indicators),
        ]
    )


def plan_export(
    plan: ImplementationPlan, fmt: str, today: datetime.date | None = None
) -> tuple[bytes, str, str]:
    """The plan in `fmt` (one of `FORMATS`): (content, content type, file name)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    rows = selectors.plan_rows([plan], today)[plan.pk]
    if fmt == "json":
        data = plan_data(plan, rows)
        content = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    elif fmt == "csv":
        content = plan_csv(rows)
    else:
        content = plan_xlsx(rows)
    name = f"{plan.city.slug}-implementation-plan-{timezone.localdate():%Y-%m-%d}.{fmt}"
    return content, CONTENT_TYPES[fmt], name
