"""Rows the platform keeps for its own work, not for any one domain."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingImport(models.Model):
    """A spreadsheet checked in full and shown as a preview, waiting for its uploader to
    confirm it. The checked rows stay here, on the server, and the confirmation names only
    this row's id: however large the file, the second request is small."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_imports"
    )
    # What the import goes into (the catalogue, a city's register, an assessment...), so a
    # preview made for one place cannot be confirmed into another.
    scope = models.CharField(max_length=100)
    filename = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} for {self.scope} ({self.user_id})"


class WorkStatus(models.TextChoices):
    """Where a piece of background work stands (a run of the engine, a robustness job...)."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class WorkFailure(models.TextChoices):
    """Why a piece of background work failed: worded on the page in the reader's language
    (the worker's exception text, kept beside it, is for the city's editors)."""

    INTERRUPTED = "interrupted", _("The background worker stopped before it finished")
    ERROR = "error", _("The engine stopped with an error")


class WorkerProcess(models.Model):
    """A background worker, on any host. It is alive while its heartbeat is fresh; work it
    held when it died is failed by the sweep (`core.work.work_sweep`)."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=200)
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.host} (pid {self.pid})"
