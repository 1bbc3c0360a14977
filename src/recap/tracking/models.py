"""What the programme delivers: trainings held and small-scale measures implemented."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Training(models.Model):
    class Mode(models.TextChoices):
        VIRTUAL = "virtual", _("Virtual")
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Hybrid")

    programme = models.ForeignKey(
        "cities.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="trainings",
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.VIRTUAL)
    countries = models.ManyToManyField("cities.Country", verbose_name=_("countries"), blank=True)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    topics = models.TextField(_("topics"), blank=True)

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%Y-%m-%d})"


class Measure(models.Model):
    """A small-scale measure a city implements with the programme's support."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        IMPLEMENTED = "implemented", _("Implemented")

    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="measures"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    implemented_on = models.DateField(_("implemented on"), null=True, blank=True)

    class Meta:
        ordering = ["city", "title"]
        verbose_name = _("small-scale measure")
        verbose_name_plural = _("small-scale measures")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="implemented") | Q(implemented_on__isnull=False),
                name="implemented_measure_has_date",
                violation_error_message=_("An implemented measure needs its date."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.implemented_on and self.status != self.Status.IMPLEMENTED:
            raise ValidationError(
                {"implemented_on": _("Only an implemented measure has an implementation date.")}
            )


class Outcome(models.Model):
    """A result the programme works towards: the level above its indicators."""

    programme = models.ForeignKey(
        "cities.Programme", on_delete=models.CASCADE, related_name="outcomes"
    )
    code = models.SlugField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["programme", "order", "code"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="outcome_code_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Indicator(models.Model):
    """A measure of an outcome: derived from the platform's own records (computed, never
    typed) or reported by a city or the programme (counted once approved)."""

    class Kind(models.TextChoices):
        DERIVED = "derived", _("Derived from the platform's records")
        REPORTED = "reported", _("Reported")

    class Level(models.TextChoices):
        PROGRAMME = "programme", _("Programme")
        CITY = "city", _("City")

    class Direction(models.TextChoices):
        UP = "up", _("Higher is better")
        DOWN = "down", _("Lower is better")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("Sum of the periods")
        LATEST = "latest", _("Latest value")

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(_("unit"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    #: For a derived indicator: which of the platform's computations (`tracking.derived`).
    source = models.CharField(_("computed from"), max_length=40, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    direction = models.CharField(
        _("direction"), max_length=4, choices=Direction.choices, default=Direction.UP
    )
    aggregation = models.CharField(
        _("aggregation"), max_length=8, choices=Aggregation.choices, default=Aggregation.SUM
    )
    baseline_value = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    #: A reported indicator not updated within this many days is late.
    interval_days = models.PositiveSmallIntegerField(_("update every (days)"), default=90)
    breakdowns = models.JSONField(_("breakdowns"), default=list, blank=True)
    is_public = models.BooleanField(_("shown on the public page"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["outcome", "order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["outcome", "code"], name="indicator_code_unique"),
            models.CheckConstraint(
                condition=Q(kind="reported", source="") | (Q(kind="derived") & ~Q(source="")),
                name="indicator_source_when_derived",
                violation_error_message=_(
                    "A derived indicator names what it is computed from; a reported one does not."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    period_end = models.DateField(_("by"))
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["indicator", "period_end"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period_end"], name="one_target_a_period")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} by {self.period_end}: {self.value}"


class IndicatorUpdate(models.Model):
    """A reported value for a period, which someone stands behind: drafted, submitted, then
    approved (it counts) or returned with a reason."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="updates")
    city = models.ForeignKey(
        "cities.City", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    #: {dimension: {category: number}}, e.g. {"sex": {"female": 12, "male": 9}}
    breakdown = models.JSONField(_("breakdown"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.TextField(_("why it was returned"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["indicator", "-period_end", "pk"]
        verbose_name = _("indicator update")
        verbose_name_plural = _("indicator updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="update_period_in_order",
                violation_error_message=_("The period ends before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period_start}–{self.period_end}: {self.value}"
