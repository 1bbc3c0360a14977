"""Problem reports sent from any page through "Having trouble? Report a problem"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MESSAGE_MAX_LENGTH = 2000


class ProblemReport(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")

    message = models.TextField(_("what went wrong"), max_length=MESSAGE_MAX_LENGTH)
    email = models.EmailField(_("contact e-mail"), blank=True)
    page = models.CharField(_("page"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed-in reporter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True
    )
    triage_note = models.TextField(_("triage note"), blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")

    def __str__(self) -> str:
        return self.message[:60]
