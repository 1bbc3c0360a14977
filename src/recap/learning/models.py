"""What cities learn and share: lessons and case studies, drafted by a city, published by the
programme, public once published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Lesson(models.Model):
    class Kind(models.TextChoices):
        LESSON = "lesson", _("Lesson learned")
        CASE_STUDY = "case_study", _("Case study")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for publication")
        PUBLISHED = "published", _("Published")

    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="lessons"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.LESSON)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500)
    context = models.TextField(_("context"))
    what_was_done = models.TextField(_("what was done"))
    results = models.TextField(_("results, with figures"))
    differently = models.TextField(_("what we would do differently"), blank=True)
    cost_usd = models.PositiveBigIntegerField(_("cost (US$)"), null=True, blank=True)
    partners = models.CharField(_("partners"), max_length=300, blank=True)
    hazards = models.ManyToManyField(
        "hazards.HazardType", verbose_name=_("hazards"), blank=True, related_name="lessons"
    )
    actions = models.ManyToManyField(
        "catalogue.CatalogueAction",
        verbose_name=_("catalogue actions"),
        blank=True,
        related_name="lessons",
    )
    measures = models.ManyToManyField(
        "tracking.Measure", verbose_name=_("small-scale measures"), blank=True
    )
    concepts = models.ManyToManyField(
        "pipeline.ProjectConcept", verbose_name=_("project concepts"), blank=True
    )
    #: Written for the demo or from the programme's plans rather than from a city's own words.
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.TextField(_("why it was returned"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "title"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lessons:detail", kwargs={"pk": self.pk})
