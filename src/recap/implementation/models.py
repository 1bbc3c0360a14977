"""A city's implementation plan: every action of its endorsed package, by reference, with who
leads it, when it runs, its milestones, the indicators that show its effect, the progress the
city reports (four eyes) and the history of every change.

- `ImplementationPlan`: one per endorsed package; follows the package's endorsed version
  (`version`); its windows (`starts`, `short_term_ends`, `medium_term_ends`) bound the actions'
  dates by phase; `public` when the city says so.
- `PlanAction`: one per action of the package, kept when a later version drops it (closed with
  the reason, never deleted). Its status is partly set (`set_status`, with `status_reason`) and
  partly derived (`implementation.status`): see there.
- `Milestone`, `ActionIndicator`, `ProgressReport` (submitted by the city's editors, approved
  by someone else: four eyes), `PlanChange` (the plan's history), `ImplementationReport`
  (frozen when issued).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from recap.core.models import StoredDocument
from recap.core.workflow import UnderReview, Workflow, decision_moves

PERCENT_MAX = 100
TEXT_MAX = 2000


class ImplementationPlan(models.Model):
    city = models.ForeignKey(
        "cities.City", on_delete=models.CASCADE, related_name="implementation_plans"
    )
    package = models.OneToOneField(
        "planning.ActionPackage", on_delete=models.PROTECT, related_name="implementation_plan"
    )
    #: The endorsed version the plan follows now (a later endorsed version moves it on).
    version = models.ForeignKey(
        "planning.PackageVersion", on_delete=models.PROTECT, related_name="+"
    )
    starts = models.DateField(_("plan starts"))
    short_term_ends = models.DateField(_("short-term actions end by"))
    medium_term_ends = models.DateField(_("medium-term actions end by"))
    public = models.BooleanField(_("published on the city's public page"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "-created_at"]
        verbose_name = _("implementation plan")
        verbose_name_plural = _("implementation plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(short_term_ends__gt=F("starts"))
                & Q(medium_term_ends__gte=F("short_term_ends")),
                name="plan_windows_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.city} · {self.package}"

    def window_end(self, phase: str) -> datetime.date:
        return self.short_term_ends if phase == "short" else self.medium_term_ends


class PlanAction(models.Model):
    class SetStatus(models.TextChoices):
        """What a person may set; `status.py` derives the rest (delayed by a missed
        milestone, done through a concept or a measure, not started before its start)."""

        ON_TRACK = "on_track", _("On track")
        DELAYED = "delayed", _("Delayed")
        AT_RISK = "at_risk", _("At risk")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.CASCADE, related_name="actions")
    candidate = models.ForeignKey(
        "catalogue.CandidateAction", on_delete=models.PROTECT, related_name="plan_actions"
    )
    code = models.CharField(_("code"), max_length=20)
    lead_department = models.CharField(_("lead department"), max_length=120, blank=True)
    contact_name = models.CharField(_("contact"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    partners = models.CharField(_("partners"), max_length=300, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    set_status = models.CharField(
        _("status"), max_length=12, choices=SetStatus.choices, default=SetStatus.ON_TRACK
    )
    status_reason = models.TextField(_("why"), blank=True, max_length=TEXT_MAX)
    #: The approved progress (percent), from the latest approved report.
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_on = models.DateField(_("progress as of"), null=True, blank=True)
    #: Set when a later package version drops the action: closed, with the reason, not deleted.
    closed_reason = models.CharField(_("closed because"), max_length=300, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "code"]
        verbose_name = _("planned action")
        verbose_name_plural = _("planned actions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "candidate"], name="plan_action_once"),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="plan_action_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=PERCENT_MAX), name="plan_action_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.candidate.title}"

    @property
    def closed(self) -> bool:
        return bool(self.closed_reason)


class Milestone(models.Model):
    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due = models.DateField(_("due"))
    done_on = models.DateField(_("reached on"), null=True, blank=True)

    class Meta:
        ordering = ["action", "due", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class ActionIndicator(models.Model):
    """An indicator that shows an action's effect: one of the results framework's (`indicator`)
    or the city's own (`name` and `unit`), with its baseline and target."""

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.ForeignKey(
        "tracking.Indicator", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("indicator"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    baseline_on = models.DateField(_("baseline as of"))
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    target_on = models.DateField(_("target by"))
    latest = models.DecimalField(
        _("latest value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    latest_on = models.DateField(_("latest as of"), null=True, blank=True)

    class Meta:
        ordering = ["action", "pk"]
        verbose_name = _("action indicator")
        verbose_name_plural = _("action indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(indicator__isnull=False) | ~Q(name=""), name="action_indicator_named"
            ),
            models.CheckConstraint(
                condition=Q(target_on__gt=F("baseline_on")), name="action_indicator_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return str(self.indicator.name) if self.indicator_id and self.indicator else self.name


class ProgressReport(UnderReview, StoredDocument):
    """Progress an editor of the city reports on an action (a percent, a dated note, evidence
    kept as every uploaded document is: `core.models.StoredDocument`, optional here): it counts
    once someone else approves it (the city's coordinator or the programme's manager: four
    eyes)."""

    upload_field = "evidence"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="reports")
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    on = models.DateField(_("as of"))
    note = models.TextField(_("what happened"), max_length=TEXT_MAX)
    #: Why progress goes back (required when `percent` is below the approved progress).
    setback_reason = models.TextField(_("why it goes back"), blank=True, max_length=TEXT_MAX)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    return_reason = models.TextField(_("why it was returned"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["action", "-on", "-pk"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__lte=PERCENT_MAX), name="progress_report_percent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action.code} · {self.percent}% · {self.on}"

    def storage_folder(self) -> str:
        return "progress"

    @classmethod
    def workflow(cls) -> Workflow:
        return REPORT_MOVES


REPORT_MOVES = Workflow(
    decision_moves(
        ProgressReport.Status.SUBMITTED,
        ProgressReport.Status.APPROVED,
        ProgressReport.Status.RETURNED,
        _("Only submitted progress can be approved or returned."),
    )
)


class PlanChange(models.Model):
    """One change to the plan, as its history shows it: what changed, from what to what, why,
    by whom, when."""

    class Kind(models.TextChoices):
        STARTED = "started", _("Plan started")
        PLANNED = "planned", _("Planned")
        REPLANNED = "replanned", _("Re-planned")
        ASSIGNED = "assigned", _("Re-assigned")
        STATUS = "status", _("Status")
        MILESTONE = "milestone", _("Milestone")
        PROGRESS = "progress", _("Progress")
        VERSION = "version", _("New package version")
        CLOSED = "closed", _("Closed")
        ADDED = "added", _("Added")
        PUBLISHED = "published", _("Publication")

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.CASCADE, related_name="changes")
    action = models.ForeignKey(
        PlanAction, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    field = models.CharField(max_length=40, blank=True)
    before = models.CharField(max_length=300, blank=True)
    after = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["plan", "-at"], name="plan_change_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.at:%Y-%m-%d}"

    @property
    def field_label(self) -> str:
        """The changed field in the reader's words (the history stores its code)."""
        if self.field in CHANGE_FIELDS:
            return str(CHANGE_FIELDS[self.field])
        for model in (PlanAction, ImplementationPlan):
            try:
                return str(model._meta.get_field(self.field).verbose_name)  # type: ignore[union-attr]
            except FieldDoesNotExist:
                continue
        return self.field


#: Fields of the history that are not a column of an action or a plan.
CHANGE_FIELDS = {
    "status": _("status"),
    "milestone": _("milestone"),
    "indicator": _("indicator"),
    "done_on": _("reached on"),
}


class ImplementationReport(models.Model):
    """The city's implementation report as of a date, frozen when issued: what it shows is kept
    in `snapshot`, so later changes to the plan do not change it."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.CASCADE, related_name="reports")
    as_of = models.DateField(_("as of"))
    snapshot = models.JSONField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-as_of", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "as_of"], name="implementation_report_once")
        ]
        verbose_name = _("implementation report")
        verbose_name_plural = _("implementation reports")

    def __str__(self) -> str:
        return f"{self.plan} · {self.as_of}"
