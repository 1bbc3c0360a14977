"""Rows the platform keeps for its own work, not for any one domain."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


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
