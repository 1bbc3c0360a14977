"""The implementation plan's writes. Each checks who acts (`policies`), validates every field
by name before writing anything, locks the row it changes, and records the change in the
plan's history (`PlanChange`) and the audit log.

- `plan_start`: from an endorsed package (its coordinator, or the endorsement itself through
  the hook `plan_follow_endorsement`): every action of the endorsed version, by reference.
- `plan_follow_endorsement`: a later endorsed version adds the new actions and closes the
  dropped ones with the reason (never deletes them; one that comes back is reopened).
- `action_plan`: lead department, contact, partners, planned dates (inside the plan's window
  for the action's phase, the end not before the start, no milestone after the end); a date
  already planned changes only with a reason (re-planning).
- `action_status_set`: delayed, at risk and cancelled need a reason; done needs every
  milestone reached.
- `milestone_add`, `milestone_reached`; `indicator_add`.
- `progress_report` (the city's editors) and `progress_decide` (approve or return: the city's
  coordinator or the programme's manager, never the reporter).
- `plan_publish`, `plan_windows`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from recap.accounts.services import audit
from recap.accounts.types import User
from recap.catalogue.models import CandidateAction
from recap.core.stored_files import atomic_with_files
from recap.planning.models import ActionPackage

from .models import (
    PERCENT_MAX,
    TEXT_MAX,
    ActionIndicator,
    ImplementationPlan,
    Milestone,
    PlanAction,
    PlanChange,
    ProgressReport,
)
from .policies import may_approve, may_coordinate, may_edit

#: The plan's windows from its start, by default: short-term actions within two years,
#: medium-term ones within five (the city changes them).
SHORT_TERM_YEARS = 2
MEDIUM_TERM_YEARS = 5
MILESTONES_MAX = 30
#: What `indicator_add` writes of an action's indicator (a framework indicator's latest value is
#: read from tracking; the city's own may be given).
INDICATOR_FIELDS = (
    "indicator",
    "name",
    "unit",
    "baseline",
    "baseline_on",
    "target",
    "target_on",
    "latest",
    "latest_on",
)
INDICATORS_MAX = 10
EVIDENCE_KINDS = ("pdf", "png", "jpeg", "webp")

S = PlanAction.SetStatus


def _day(d: datetime.date | None) -> str:
    return d.isoformat() if d else ""


def _shown(d: datetime.date) -> str:
    return formats.date_format(d, "DATE_FORMAT")


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _change(
    plan: ImplementationPlan,
    actor: User | None,
    kind: str,
    *,
    action: PlanAction | None = None,
    field: str = "",
    before: str = "",
    after: str = "",
    reason: str = "",
) -> PlanChange:
    return PlanChange.objects.create(
        plan=plan,
        action=action,
        kind=kind,
        field=field,
        before=before[:300],
        after=after[:300],
        reason=reason,
        by=actor,
        at=timezone.now(),
    )


def _text(value: Any, field: str, *, required: bool = False, limit: int = TEXT_MAX) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("Say why.")})
    if len(text) > limit:
        raise ValidationError({field: _("Keep it under %(n)s characters.") % {"n": limit}})
    return text


def _candidates(package: ActionPackage, codes: list[str]) -> dict[str, CandidateAction]:
    return {c.code: c for c in CandidateAction.objects.filter(city=package.city, code__in=codes)}


def _add_actions(
    plan: ImplementationPlan, actor: User | None, codes: list[str], *, history: bool
) -> list[PlanAction]:
    candidates = _candidates(plan.package, codes)
    added = []
    for code in codes:
        candidate = candidates.get(code)
        if candidate is None:
            continue  # the action left the city's list since: nothing to plan
        action = PlanAction.objects.create(
            plan=plan,
            candidate=candidate,
            code=code,
            lead_department=candidate.lead_department,
            partners=candidate.partners,
        )
        added.append(action)
        if history:
            _change(plan, actor, PlanChange.Kind.ADDED, action=action, after=code)
    return added


@transaction.atomic
def plan_start(
    *, actor: User | None, package: ActionPackage, by_hook: bool = False
) -> ImplementationPlan:
    """The plan of an endorsed package (its coordinator starts it, or the endorsement does):
    one action per action of the endorsed version. Starting twice gives the same plan."""
    if not by_hook and (actor is None or not may_coordinate(actor, package.city)):
        raise PermissionDenied(_("Only the city's coordinator starts its implementation plan."))
    package = ActionPackage.objects.select_for_update().get(pk=package.pk)
    existing = ImplementationPlan.objects.filter(package=package).first()
    if existing is not None:
        return existing
    if package.status != ActionPackage.Status.ENDORSED:
        raise ValidationError(_("Only an endorsed package becomes an implementation plan."))
    version = package.current
    if version is None:
        raise ValidationError(_("This package has no version to follow."))
    starts = (
        timezone.localdate(package.endorsed_at) if package.endorsed_at else timezone.localdate()
    )
    plan = ImplementationPlan.objects.create(
        city=package.city,
        package=package,
        version=version,
        starts=starts,
        short_term_ends=_years_after(starts, SHORT_TERM_YEARS),
        medium_term_ends=_years_after(starts, MEDIUM_TERM_YEARS),
        created_by=actor,
    )
    _add_actions(plan, actor, list(version.selected), history=False)
    _change(
        plan,
        actor,
        PlanChange.Kind.STARTED,
        after=_("version %(n)s") % {"n": version.number},
    )
    if actor is not None:
        audit(actor=actor, verb="plan.start", target=plan, city=plan.city)
    return plan


def plan_follow_endorsement(actor: User, package: ActionPackage) -> None:
    """The endorsement hook (planning calls it inside the endorsement's transaction): the
    package's plan is started, or follows the newly endorsed version."""
    plan = ImplementationPlan.objects.select_for_update().filter(package=package).first()
    if plan is None:
        plan_start(actor=actor, package=package, by_hook=True)
        return
    version = package.current
    if version is None or version.pk == plan.version_id:
        return
    previous = plan.version
    plan.version = version
    plan.save(update_fields=["version", "updated_at"])
    wanted = list(version.selected)
    held = {a.code: a for a in plan.actions.all()}
    reason = _("Not in version %(n)s of the package, endorsed on %(d)s.") % {
        "n": version.number,
        "d": _shown(timezone.localdate()),
    }
    for code, action in held.items():
        if code not in wanted and not action.closed_reason:
            action.closed_reason = reason[:300]
            action.closed_at = timezone.now()
            action.save(update_fields=["closed_reason", "closed_at", "updated_at"])
            _change(plan, actor, PlanChange.Kind.CLOSED, action=action, reason=reason)
        elif code in wanted and action.closed_reason:
            before = action.closed_reason
            action.closed_reason = ""
            action.closed_at = None
            action.save(update_fields=["closed_reason", "closed_at", "updated_at"])
            _change(
                plan,
                actor,
                PlanChange.Kind.ADDED,
                action=action,
                before=before,
                reason=_("Back in version %(n)s of the package.") % {"n": version.number},
            )
    _add_actions(plan, actor, [c for c in wanted if c not in held], history=True)
    _change(
        plan,
        actor,
        PlanChange.Kind.VERSION,
        before=_("version %(n)s") % {"n": previous.number},
        after=_("version %(n)s") % {"n": version.number},
    )


def _locked_action(action: PlanAction) -> PlanAction:
    return (
        PlanAction.objects.select_for_update().select_related("plan", "candidate").get(pk=action.pk)
    )


def _require_edit(actor: User, plan: ImplementationPlan) -> None:
    if not may_edit(actor, plan.city):
        raise PermissionDenied(_("Only the city's editors change its implementation plan."))


def _require_open(action: PlanAction) -> None:
    if action.closed_reason:
        raise ValidationError(_("This action is closed: %(why)s") % {"why": action.closed_reason})


def _check_dates(
    plan: ImplementationPlan,
    action: PlanAction,
    start: datetime.date | None,
    end: datetime.date | None,
) -> None:
    errors: dict[str, str] = {}
    window = plan.window_end(action.candidate.phase)
    phase = action.candidate.get_phase_display().lower()
    if start is not None and start < plan.starts:
        errors["planned_start"] = _("The plan starts on %(d)s: start on or after it.") % {
            "d": _shown(plan.starts)
        }
    if start is not None and start > window:
        errors["planned_start"] = _("A %(phase)s action ends by %(d)s: start before it.") % {
            "phase": phase,
            "d": _shown(window),
        }
    if end is not None and end > window:
        errors["planned_end"] = _("A %(phase)s action ends by %(d)s.") % {
            "phase": phase,
            "d": _shown(window),
        }
    if start is not None and end is not None and end < start:
        errors["planned_end"] = _("The end comes before the start.")
    if end is not None:
        late = [m for m in action.milestones.all() if m.due > end]
        if late:
            errors["planned_end"] = _(
                "The milestone “%(m)s” is due on %(d)s, after this end: move it first."
            ) % {"m": late[0].title, "d": _shown(late[0].due)}
    if errors:
        raise ValidationError(errors)


PLAN_FIELDS = ("lead_department", "contact_name", "contact_email", "partners")
DATE_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end")


@transaction.atomic
def action_plan(
    *, actor: User, action: PlanAction, values: dict[str, Any], reason: str = ""
) -> PlanAction:
    """Who leads the action and when it runs. Dates already planned change only with a reason
    (`reason`): each change is kept in the plan's history."""
    action = _locked_action(action)
    plan = action.plan
    _require_edit(actor, plan)
    _require_open(action)
    reason = _text(reason, "reason")
    dates = {f: values.get(f, getattr(action, f)) for f in DATE_FIELDS}
    _check_dates(plan, action, dates["planned_start"], dates["planned_end"])
    if dates["actual_start"] and dates["actual_start"] > timezone.localdate():
        raise ValidationError({"actual_start": _("The actual start cannot be in the future.")})
    if (
        dates["actual_end"]
        and dates["actual_start"]
        and dates["actual_end"] < dates["actual_start"]
    ):
        raise ValidationError({"actual_end": _("The end comes before the start.")})
    replanned = [
        f
        for f in ("planned_start", "planned_end")
        if getattr(action, f) is not None and dates[f] != getattr(action, f)
    ]
    if replanned and not reason:
        raise ValidationError(
            {"reason": _("Say why the planned dates change: the plan's history keeps it.")}
        )
    for f in DATE_FIELDS:
        before, after = getattr(action, f), dates[f]
        if before != after:
            kind = PlanChange.Kind.REPLANNED if f in replanned else PlanChange.Kind.PLANNED
            _change(
                plan,
                actor,
                kind,
                action=action,
                field=f,
                before=_day(before),
                after=_day(after),
                reason=reason if f in replanned else "",
            )
            setattr(action, f, after)
    for f in PLAN_FIELDS:
        if f in values:
            column = PlanAction._meta.get_field(f)
            assert isinstance(column, models.CharField)  # its length is the column's
            after = _text(values[f], f, limit=column.max_length or TEXT_MAX)
            before = getattr(action, f)
            if before != after:
                _change(
                    plan,
                    actor,
                    PlanChange.Kind.ASSIGNED,
                    action=action,
                    field=f,
                    before=before,
                    after=after,
                    reason=reason,
                )
                setattr(action, f, after)
    action.full_clean(exclude=["plan", "candidate"])
    action.save()
    audit(actor=actor, verb="plan.action.plan", target=action, city=plan.city)
    return action


REASON_NEEDED = (S.DELAYED, S.AT_RISK, S.CANCELLED)


@transaction.atomic
def action_status_set(
    *, actor: User, action: PlanAction, status: str, reason: str = ""
) -> PlanAction:
    action = _locked_action(action)
    plan = action.plan
    _require_edit(actor, plan)
    _require_open(action)
    if status not in S.values:
        raise ValidationError({"status": _("Choose one of the statuses offered.")})
    reason = _text(reason, "reason", required=status in REASON_NEEDED)
    if status == S.DONE:
        open_ = [m.title for m in action.milestones.all() if m.done_on is None]
        if open_:
            raise ValidationError(
                {
                    "status": _("Milestones are still open: %(m)s. Mark them reached first.")
                    % {"m": "; ".join(open_)}
                }
            )
    before = action.set_status
    action.set_status = status
    action.status_reason = reason
    if status == S.DONE and action.actual_end is None:
        action.actual_end = timezone.localdate()
    action.save()
    _change(
        plan,
        actor,
        PlanChange.Kind.STATUS,
        action=action,
        field="status",
        before=str(S(before).label),
        after=str(S(status).label),
        reason=reason,
    )
    audit(actor=actor, verb="plan.action.status", target=action, city=plan.city)
    return action


@transaction.atomic
def milestone_add(
    *, actor: User, action: PlanAction, title: str, due: datetime.date | None
) -> Milestone:
    action = _locked_action(action)
    plan = action.plan
    _require_edit(actor, plan)
    _require_open(action)
    title = _text(title, "title", limit=200)
    if not title:
        raise ValidationError({"title": _("Name the milestone.")})
    if due is None:
        raise ValidationError({"due": _("Give the day it is due.")})
    if action.planned_end is not None and due > action.planned_end:
        raise ValidationError(
            {
                "due": _("The action is planned to end on %(d)s: a milestone comes before.")
                % {"d": _shown(action.planned_end)}
            }
        )
    if due < plan.starts:
        raise ValidationError({"due": _("The plan starts on %(d)s.") % {"d": _shown(plan.starts)}})
    if action.milestones.count() >= MILESTONES_MAX:
        raise ValidationError(
            {"title": _("An action has at most %(n)s milestones.") % {"n": MILESTONES_MAX}}
        )
    milestone = Milestone.objects.create(action=action, title=title, due=due)
    _change(plan, actor, PlanChange.Kind.MILESTONE, action=action, after=f"{title} · {_day(due)}")
    return milestone


@transaction.atomic
def milestone_reached(*, actor: User, milestone: Milestone, on: datetime.date | None) -> Milestone:
    milestone = (
        Milestone.objects.select_for_update().select_related("action__plan").get(pk=milestone.pk)
    )
    action = milestone.action
    _require_edit(actor, action.plan)
    _require_open(action)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"done_on": _("A milestone is reached on a day that has come.")})
    if milestone.done_on is not None:
        raise ValidationError(_("This milestone is already reached."))
    milestone.done_on = on
    milestone.save(update_fields=["done_on"])
    _change(
        action.plan,
        actor,
        PlanChange.Kind.MILESTONE,
        action=action,
        field="done_on",
        before=milestone.title,
        after=_day(on),
    )
    return milestone


@transaction.atomic
def milestone_move(
    *, actor: User, milestone: Milestone, due: datetime.date | None, reason: str
) -> Milestone:
    """A milestone re-planned: a new date, with the reason kept in the history (a missed
    milestone moved to a day to come no longer delays its action)."""
    milestone = (
        Milestone.objects.select_for_update().select_related("action__plan").get(pk=milestone.pk)
    )
    action = milestone.action
    plan = action.plan
    _require_edit(actor, plan)
    _require_open(action)
    reason = _text(reason, "reason")
    errors: dict[str, str] = {}
    if milestone.done_on is not None:
        errors["due"] = _("This milestone is reached: it is not moved any more.")
    elif due is None:
        errors["due"] = _("Give the day it is due.")
    elif action.planned_end is not None and due > action.planned_end:
        errors["due"] = _(
            "The action is planned to end on %(d)s: move its end first, or choose an earlier day."
        ) % {"d": _shown(action.planned_end)}
    elif due < plan.starts:
        errors["due"] = _("The plan starts on %(d)s.") % {"d": _shown(plan.starts)}
    if not reason:
        errors["reason"] = _("Say why the milestone moves: the plan's history keeps it.")
    if errors:
        raise ValidationError(errors)
    assert due is not None
    before = milestone.due
    milestone.due = due
    milestone.save(update_fields=["due"])
    _change(
        plan,
        actor,
        PlanChange.Kind.REPLANNED,
        action=action,
        field="milestone",
        before=f"{milestone.title} · {_day(before)}",
        after=f"{milestone.title} · {_day(due)}",
        reason=reason,
    )
    audit(actor=actor, verb="plan.milestone.move", target=action, city=plan.city)
    return milestone


@transaction.atomic
def indicator_add(*, actor: User, action: PlanAction, values: dict[str, Any]) -> ActionIndicator:
    action = _locked_action(action)
    _require_edit(actor, action.plan)
    _require_open(action)
    if action.indicators.count() >= INDICATORS_MAX:
        raise ValidationError(_("An action has at most %(n)s indicators.") % {"n": INDICATORS_MAX})
    unknown = set(values) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValueError(f"not an indicator's field: {sorted(unknown)}")  # a caller's bug
    row = ActionIndicator(action=action, **values)
    if not row.indicator_id and not (row.name or "").strip():
        raise ValidationError({"name": _("Choose an indicator of the framework or name your own.")})
    if row.baseline_on and row.target_on and row.target_on <= row.baseline_on:
        raise ValidationError({"target_on": _("The target comes after the baseline.")})
    row.full_clean(exclude=["action"])
    row.save()
    _change(
        action.plan,
        actor,
        PlanChange.Kind.PLANNED,
        action=action,
        field="indicator",
        after=row.label,
    )
    return row


@atomic_with_files()
def progress_report(
    *,
    actor: User,
    action: PlanAction,
    percent: int | None,
    on: datetime.date | None,
    note: str,
    setback_reason: str = "",
    evidence: tuple[bytes, str] | None = None,  # (the file's bytes, its name)
) -> ProgressReport:
    """An editor's progress on an action: it counts once someone else approves it."""
    action = _locked_action(action)
    plan = action.plan
    _require_edit(actor, plan)
    _require_open(action)
    errors: dict[str, str] = {}
    if percent is None or not 0 <= int(percent) <= PERCENT_MAX:
        errors["percent"] = _("Give the progress as a percent from 0 to 100.")
    if on is None:
        errors["on"] = _("Give the day the progress is as of.")
    elif on > timezone.localdate():
        errors["on"] = _("Progress is reported as of a day that has come.")
    elif on < plan.starts:
        errors["on"] = _("The plan starts on %(d)s.") % {"d": _shown(plan.starts)}
    note = str(note or "").strip()
    if not note:
        errors["note"] = _("Say what happened.")
    elif len(note) > TEXT_MAX:
        errors["note"] = _("Keep it under %(n)s characters.") % {"n": TEXT_MAX}
    setback_reason = str(setback_reason or "").strip()
    goes_back = percent is not None and "percent" not in errors and int(percent) < action.progress
    if goes_back and not setback_reason:
        errors["setback_reason"] = _("Progress goes back from %(was)s%% to %(now)s%%: say why.") % {
            "was": action.progress,
            "now": percent,
        }
    report = ProgressReport(
        action=action, note=note, setback_reason=setback_reason, created_by=actor
    )
    if evidence is not None:  # its refusal is named beside the others
        try:
            report.accept(*evidence, kinds=EVIDENCE_KINDS)
        except ValidationError as exc:
            errors |= {f: " ".join(m) for f, m in exc.message_dict.items()}
    if errors:
        raise ValidationError(errors)
    assert percent is not None  # said above, by name
    assert on is not None
    report.percent, report.on = int(percent), on
    if evidence is not None:
        report.keep(evidence[0])
    else:
        report.save()
    audit(actor=actor, verb="plan.progress.report", target=report, city=plan.city)
    return report


@transaction.atomic
def progress_decide(
    *, actor: User, report: ProgressReport, move: str, reason: str = "", seen: str | None = None
) -> ProgressReport:
    fresh = (
        ProgressReport.objects.select_for_update()
        .select_related("action__plan__city")
        .get(pk=report.pk)
    )
    plan = fresh.action.plan
    if not may_approve(actor, plan.city):
        raise PermissionDenied(
            _("The city's coordinator or the programme's manager approves progress.")
        )
    if fresh.created_by_id == actor.pk:
        raise PermissionDenied(_("Someone other than its reporter approves progress (four eyes)."))
    workflow = ProgressReport.workflow()
    step = workflow.check(move, seen=seen or report.status, fresh=fresh.status)
    reason = workflow.reason(step, reason)
    fresh.status = step.to
    fresh.return_reason = reason
    fresh.decided_by = actor
    fresh.decided_at = timezone.now()
    fresh.save(update_fields=["status", "return_reason", "decided_by", "decided_at"])
    if step.to == ProgressReport.Status.APPROVED:
        action = PlanAction.objects.select_for_update().get(pk=fresh.action_id)
        newer = action.progress_on is not None and action.progress_on > fresh.on
        if not newer:  # an older report approved late does not undo a newer one
            before = action.progress
            action.progress = fresh.percent
            action.progress_on = fresh.on
            if action.actual_start is None and fresh.percent > 0:
                action.actual_start = fresh.on
            action.save()
            _change(
                plan,
                actor,
                PlanChange.Kind.PROGRESS,
                action=action,
                before=f"{before}%",
                after=f"{fresh.percent}%",
                reason=fresh.setback_reason or fresh.note,
            )
    audit(actor=actor, verb=f"plan.progress.{move}", target=fresh, city=plan.city)
    return fresh


@transaction.atomic
def plan_publish(*, actor: User, plan: ImplementationPlan, public: bool) -> ImplementationPlan:
    if not may_coordinate(actor, plan.city):
        raise PermissionDenied(_("Only the city's coordinator publishes its plan."))
    plan = ImplementationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.public != public:
        plan.public = public
        plan.save(update_fields=["public", "updated_at"])
        _change(
            plan,
            actor,
            PlanChange.Kind.PUBLISHED,
            after=_("public") if public else _("not public"),
        )
        audit(
            actor=actor,
            verb="plan.publish" if public else "plan.unpublish",
            target=plan,
            city=plan.city,
        )
    return plan


@transaction.atomic
def plan_windows(
    *,
    actor: User,
    plan: ImplementationPlan,
    short_term_ends: datetime.date | None,
    medium_term_ends: datetime.date | None,
    reason: str,
) -> ImplementationPlan:
    """The phases' windows; refused if an action's dates would fall outside them."""
    if not may_coordinate(actor, plan.city):
        raise PermissionDenied(_("Only the city's coordinator changes the plan's windows."))
    plan = ImplementationPlan.objects.select_for_update().get(pk=plan.pk)
    reason = _text(reason, "reason", required=True)
    errors: dict[str, str] = {}
    if short_term_ends is None or short_term_ends <= plan.starts:
        errors["short_term_ends"] = _("The short term ends after the plan starts.")
    if medium_term_ends is None or (short_term_ends and medium_term_ends < short_term_ends):
        errors["medium_term_ends"] = _("The medium term ends on or after the short term.")
    if errors:
        raise ValidationError(errors)
    for action in plan.actions.select_related("candidate").filter(closed_reason=""):
        end = short_term_ends if action.candidate.phase == "short" else medium_term_ends
        if action.planned_end and end and action.planned_end > end:
            field = "short_term_ends" if action.candidate.phase == "short" else "medium_term_ends"
            raise ValidationError(
                {
                    field: _("%(a)s is planned to end on %(d)s, after this.")
                    % {
                        "a": action.code,
                        "d": _shown(action.planned_end),
                    }
                }
            )
    for field, value in (
        ("short_term_ends", short_term_ends),
        ("medium_term_ends", medium_term_ends),
    ):
        before = getattr(plan, field)
        if before != value:
            _change(
                plan,
                actor,
                PlanChange.Kind.REPLANNED,
                field=field,
                before=_day(before),
                after=_day(value),
                reason=reason,
            )
            setattr(plan, field, value)
    plan.save()
    return plan
