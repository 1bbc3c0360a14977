"""Prioritisation workshops: a session's choices (candidates, weights, constraints) and every
run of the engine on them, stored with its input so any run can be reopened and reproduced."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from recap.core.models import WorkFailure, WorkStatus
from recap.engine.value import DEFAULT_WEIGHTS


def default_weights() -> dict[str, float]:
    return dict(DEFAULT_WEIGHTS)


class PrioritisationSession(models.Model):
    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("title"), max_length=200)
    candidates = models.ManyToManyField(
        "catalogue.CandidateAction",
        verbose_name=_("candidate actions"),
        related_name="sessions",
        blank=True,
    )
    weights = models.JSONField(_("criterion weights"), default=default_weights)
    budget_short_usd = models.PositiveIntegerField(_("short-term budget (US$)"))
    budget_medium_usd = models.PositiveIntegerField(_("medium-term budget (US$)"))
    staff_fte = models.DecimalField(
        _("staff capacity (FTE)"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    min_per_sector = models.JSONField(_("minimum actions per sector"), default=dict, blank=True)
    max_actions = models.PositiveSmallIntegerField(_("largest package size"), null=True, blank=True)
    # With fewer than two stakeholders, robustness moves every weight up or down by as much as
    # this share of itself (with two or more, the weights move within their spread).
    DEFAULT_SPREAD = 50  # runs stored before the setting existed used this too
    weight_spread = models.PositiveSmallIntegerField(
        _("how far each weight may move (±%)"),
        default=DEFAULT_SPREAD,
        validators=[MinValueValidator(5), MaxValueValidator(95)],
    )
    # How many chosen actions of each budget may reach their highest likely cost at once and
    # the package still fit (Γ: Bertsimas and Sim's budgeted uncertainty). 0: costs as given.
    gamma_short = models.PositiveSmallIntegerField(
        _("short-term actions that may overrun at once"),
        default=0,
        validators=[MaxValueValidator(1000)],
    )
    gamma_medium = models.PositiveSmallIntegerField(
        _("medium-term actions that may overrun at once"),
        default=0,
        validators=[MaxValueValidator(1000)],
    )
    # How strongly the overruns of actions of one reference class move together (percent; the
    # correlation of budget risk's draws): 0, each action on its own.
    overrun_correlation = models.PositiveSmallIntegerField(
        _("how far overruns of one kind move together (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
    )
    # The shape of each cost range in budget risk's draws: triangular (low, most likely,
    # high), or Beta-PERT, which weighs the most likely cost more and the ends less.
    cost_distribution = models.CharField(
        _("shape of the cost ranges"),
        max_length=12,
        choices=[("triangular", _("Triangular")), ("pert", _("PERT (beta)"))],
        default="triangular",
    )
    # Other futures than today's register: each a name and, per hazard it changes, a
    # likelihood and an impact (`futures.future_set` checks and writes them).
    futures = models.JSONField(_("futures"), default=list, blank=True)
    must_include = models.JSONField(_("must be in"), default=list, blank=True)
    must_exclude = models.JSONField(_("must be out"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "-created_at"]
        verbose_name = _("prioritisation session")
        verbose_name_plural = _("prioritisation sessions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("planning:detail", kwargs={"slug": self.city.slug, "pk": self.pk})


class StakeholderWeights(models.Model):
    session = models.ForeignKey(
        PrioritisationSession, on_delete=models.CASCADE, related_name="stakeholders"
    )
    name = models.CharField(_("stakeholder"), max_length=120)
    weights = models.JSONField(_("weights"))

    class Meta:
        ordering = ["session", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "name"], name="one_weighting_per_stakeholder"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Run(models.Model):
    """One run of the engine: its input is stored at once, its result by a background task."""

    Status = WorkStatus
    Failure = WorkFailure

    class Stage(models.TextChoices):
        WAITING = "", _("Waiting for the worker")
        OPTIMISE = "optimise", _("Choosing the best package")
        EXPLAIN = "explain", _("Explaining each action")
        FRONTIER = "frontier", _("Tracing value against budget")
        RANK = "rank", _("Comparing the stakeholders' rankings")
        ROBUST = "robust", _("Weighing cost overruns")
        FUTURES = "futures", _("Weighing other futures")

    session = models.ForeignKey(
        PrioritisationSession, on_delete=models.CASCADE, related_name="runs"
    )
    number = models.PositiveIntegerField()
    input = models.JSONField(
        help_text="Everything the engine was given: enough to reproduce the run."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=10, choices=Stage.choices, default="", blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    failure = models.CharField(max_length=12, choices=WorkFailure.choices, blank=True)
    # The worker computing it (the sweep fails it if that worker dies), and whether someone
    # asked it to stop (the worker stops within a second or so and marks it cancelled).
    worker_id = models.CharField(max_length=64, blank=True, default="")
    cancel_requested = models.BooleanField(default=False)
    result = models.JSONField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["session", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="run_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session} run {self.number}"

    @property
    def outcome(self) -> dict[str, Any]:
        """The result of a finished run; asking an unfinished run for it is a programming error."""
        if self.result is None:
            raise ValueError(f"{self} has not finished")
        result: dict[str, Any] = self.result
        return result

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


class ActionPackage(models.Model):
    """A city's package: saved from a run, adjusted by hand, endorsed by the coordinator."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ENDORSED = "endorsed", _("Endorsed")

    session = models.ForeignKey(
        PrioritisationSession, on_delete=models.PROTECT, related_name="packages"
    )
    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.CASCADE, related_name="packages"
    )
    name = models.CharField(_("name"), max_length=200)
    rationale = models.TextField(_("rationale"), blank=True)  # the team's, when saved
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The coordinator's own words on endorsing, beside the team's rationale.
    endorsement_note = models.TextField(_("endorsement note"), blank=True)
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    endorsed_at = models.DateTimeField(_("endorsed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "-created_at"]
        verbose_name = _("action package")
        verbose_name_plural = _("action packages")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("planning:package", kwargs={"slug": self.city.slug, "pk": self.pk})

    @property
    def current(self) -> PackageVersion | None:
        return self.versions.order_by("-number").first()


class PackageVersion(models.Model):
    package = models.ForeignKey(ActionPackage, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="+")
    selected = models.JSONField()
    lock_in = models.JSONField(default=list, blank=True)
    lock_out = models.JSONField(default=list, blank=True)
    objective = models.FloatField()
    status = models.CharField(max_length=20)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["package", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["package", "number"], name="package_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.package} v{self.number}"


class RobustnessJob(models.Model):
    """Package robustness over the stakeholders' spread, computed in the background: for a
    run's optimum, or (with `version`) for a package version adjusted by hand, whose locks
    hold in every re-optimisation."""

    Status = WorkStatus
    Failure = WorkFailure

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="robustness_jobs")
    version = models.ForeignKey(
        "PackageVersion",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="robustness_jobs",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    samples = models.PositiveIntegerField(default=200)
    done = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    failure = models.CharField(max_length=12, choices=WorkFailure.choices, blank=True)
    worker_id = models.CharField(max_length=64, blank=True, default="")
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"robustness of {self.version or self.run} ({self.status})"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.samples) if self.samples else 0
