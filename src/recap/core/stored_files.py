"""Uploaded files that no record names any more.

A service writes an upload's file inside its transaction; when that transaction rolls back
(a later check refuses, the connection drops, the process dies) the row is gone but the file
stays on disk. Django has no hook on rollback, so the files are reconciled instead:
`orphaned_files()` lists the files under `MEDIA_ROOT` that no `FileField` of any installed
model names, older than a grace period (an upload in flight is written before its row is
committed), and `recap files --orphans --delete` removes them.

Contract: `referenced_names()` → the set of names every file field holds; `orphaned_files(
min_age)` → paths, oldest first; `remove_orphans(min_age)` → (count, bytes) removed.
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction

#: An orphan younger than this is left alone: its row may still be on its way to a commit.
GRACE = datetime.timedelta(hours=1)


def delete_on_commit(*files: Any) -> None:
    """Take stored files off their storage once the transaction that dropped their rows
    commits (never before: a rollback keeps row and file together). The one way every upload's
    file is deleted: a concept's document, evidence and its thumbnail, an exchange's document."""
    doomed = [(f.storage, f.name) for f in files if f]
    if doomed:
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in doomed])


def referenced_names() -> set[str]:
    """Every name a file field of any installed model holds, as stored (relative to
    `MEDIA_ROOT`)."""
    names: set[str] = set()
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        for field in fields:
            names.update(
                model._default_manager.exclude(**{field: ""})
                .exclude(**{f"{field}__isnull": True})
                .values_list(field, flat=True)
                .iterator()
            )
    return names


def orphaned_files(min_age: datetime.timedelta = GRACE) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    named = referenced_names()
    newest = time.time() - min_age.total_seconds()
    found = [
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.relative_to(root).as_posix() not in named
        and path.stat().st_mtime <= newest
    ]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def remove_orphans(min_age: datetime.timedelta = GRACE) -> tuple[int, int]:
    count = size = 0
    for path in orphaned_files(min_age):
        try:
            size += path.stat().st_size
            path.unlink()
        except FileNotFoundError:  # removed meanwhile
            continue
        count += 1
    return count, size
