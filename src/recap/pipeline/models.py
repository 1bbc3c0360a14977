"""Project concepts on their way to funders. The public site counts the submitted ones per
country against the programme's target."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectConcept(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to the pipeline")
        IN_REVIEW = "in_review", _("In review")
        PRESENTED = "presented", _("Presented to funders")
        FINANCED = "financed", _("Financed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    #: Statuses that count as "submitted to the pipeline" for the programme's target.
    SUBMITTED_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.PRESENTED, Status.FINANCED)

    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="concepts"
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("short description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "title"]
        verbose_name = _("project concept")
        verbose_name_plural = _("project concepts")

    def __str__(self) -> str:
        return self.title
