"""Writes of the platform's own rows: spreadsheets waiting for confirmation."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import PendingImport

if TYPE_CHECKING:
    # django-stubs' alias for AUTH_USER_MODEL: core sits below accounts and may not import it.
    from django.contrib.auth.models import _User


def pending_imports_expire() -> int:
    """Drop previews nobody confirmed in time."""
    deleted, _ = PendingImport.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


@transaction.atomic
def pending_import_save(
    *, user: _User, scope: str, filename: str, data: bytes, payload: dict[str, Any]
) -> PendingImport:
    """Keep a checked file's rows until its uploader confirms them. A new preview for the same
    place replaces the person's earlier one; beyond a handful waiting, the oldest go."""
    pending_imports_expire()
    PendingImport.objects.filter(user=user, scope=scope).delete()
    keep = settings.RECAP_PENDING_IMPORTS_PER_PERSON - 1
    stale = PendingImport.objects.filter(user=user).values_list("pk", flat=True)[keep:]
    PendingImport.objects.filter(pk__in=list(stale)).delete()
    return PendingImport.objects.create(
        user=user,
        scope=scope,
        filename=filename[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        payload=payload,
        expires_at=timezone.now() + timedelta(seconds=settings.RECAP_PENDING_IMPORT_SECONDS),
    )


def pending_import_take(*, user: _User, scope: str, reference: str) -> PendingImport | None:
    """The person's own unexpired preview for this place, removed as it is taken (a second
    confirmation finds nothing); None for anything else. Call inside the transaction that
    applies it, so a failed apply leaves it waiting."""
    try:
        pk = uuid.UUID(reference)
    except (ValueError, AttributeError):
        return None
    pending = (
        PendingImport.objects.select_for_update()
        .filter(pk=pk, user=user, scope=scope, expires_at__gt=timezone.now())
        .first()
    )
    if pending is not None:
        pending.delete()
    return pending
