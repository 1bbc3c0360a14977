"""What the programme delivers: trainings held and small-scale measures implemented."""

from __future__ import annotations

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
