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


def stored_document_name(instance: StoredDocument, filename: str) -> str:
    """A name of ReCAP's own, in the model's folder: what the person typed never reaches the
    storage."""
    return f"{instance.storage_folder()}/{uuid.uuid4().hex}.{instance.kind_of_file}"


class StoredDocument(models.Model):
    """A document a person uploaded (a concept's council decision, a measure's photo, a file
    shared in an exchange): its file on the storage, the name it is served under, its kind read
    from its bytes, its size and SHA-256. The one shape of every model that keeps a file.

    A service fills it with `accept()` (which refuses what is not a document of the kinds
    allowed, naming the field) and writes it with `keep()`, inside
    `core.stored_files.atomic_with_files` so that a rollback takes the written objects away
    again. However a row is deleted (by a service, or with what it belongs to), its files leave
    the storage once the deletion commits (`CoreConfig.ready` connects that for every subclass).
    Documents are served by `core.downloads.document_response`."""

    file = models.FileField(upload_to=stored_document_name, max_length=200, blank=True)
    filename = models.CharField(max_length=200, blank=True)  # as uploaded, offered on download
    kind_of_file = models.CharField(max_length=10, blank=True)  # pdf, xlsx, docx, png, jpeg, webp
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    #: The file fields a model keeps beside `file` (evidence's thumbnail), removed with it.
    extra_files: tuple[str, ...] = ()
    #: The field a refusal is reported on (the form's name for the upload).
    upload_field = "file"

    class Meta:
        abstract = True

    def storage_folder(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} names the folder its files go in")

    @property
    def has_document(self) -> bool:
        return bool(self.file)

    def accept(self, data: bytes, filename: str, *, kinds: tuple[str, ...] = ()) -> str:
        """Take `data` as this row's document: its kind read from its bytes (a
        `ValidationError` on `upload_field` when it is not one of `kinds`, too large, or not
        what its name says), its name kept by the one rule, its size and SHA-256."""
        import hashlib

        from django.core.exceptions import ValidationError

        from .documents import accepted_document, kept_filename

        try:
            kind = accepted_document(data, filename, kinds=kinds)
        except ValidationError as exc:
            if self.upload_field == "file":
                raise
            raise ValidationError(
                {self.upload_field: exc.message_dict.get("file", exc.messages)}
            ) from None
        self.filename = kept_filename(filename, kind)
        self.kind_of_file, self.size = kind, len(data)
        self.sha256 = hashlib.sha256(data).hexdigest()
        return kind

    def keep(self, data: bytes, **extras: tuple[str, bytes]) -> None:
        """The row checked (but for its files), its document written to the storage with
        `extras` (field → (name, bytes)) beside it, then the row saved. Files written here are
        removed again if the enclosing `atomic_with_files` rolls back."""
        from django.core.files.base import ContentFile

        from .stored_files import written

        self.full_clean(exclude=["file", *self.extra_files])
        self.file.save(f"upload.{self.kind_of_file}", ContentFile(data), save=False)
        written(self.file)
        for field, (name, content) in extras.items():
            stored = getattr(self, field)
            stored.save(name, ContentFile(content), save=False)
            written(stored)
        self.save()
