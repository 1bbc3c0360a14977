"""Uploaded files, kept in step with the rows that name them, on whatever storage the settings
choose (the local disk by default, S3-compatible object storage for several hosts): everything
here goes through Django's storage API, never through a path on disk.

Two ways a file and its row could part, and what closes each:
- A row dropped: `delete_on_commit` removes its files once the deletion commits (a rollback keeps
  row and file together).
- A file written, then its row rolled back: a service writes its documents inside
  `atomic_with_files`, which removes what it wrote when it rolls back. Should a transaction
  around it roll back later (a caller's own atomic block), or the process die before, the file
  is an orphan: `orphaned_files()` lists the stored files that no `FileField` of any installed
  model names, older than a grace period (an upload in flight is written before its row is
  committed), and `recap files --orphans --delete` removes them.

Contract: `atomic_with_files()` (a context manager and decorator); `written(stored)` records a
file a service has just written; `referenced_names()` → the set of names every file field holds;
`stored_names()` → every name on the storage; `orphaned_files(min_age)` → names, oldest first;
`remove_orphans(min_age)` → (count, bytes) removed.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.core.files.storage import Storage, default_storage
from django.db import models, transaction
from django.utils import timezone

#: An orphan younger than this is left alone: its row may still be on its way to a commit.
GRACE = datetime.timedelta(hours=1)

_written: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("recap_written", default=None)


def _remove(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        with contextlib.suppress(Exception):  # already gone, or the storage unreachable:
            storage.delete(name)  # the orphan sweep is the second line


def written(stored: Any) -> None:
    """Record a file just written, so that `atomic_with_files` removes it on a rollback."""
    files = _written.get()
    if files is not None and stored:
        files.append((stored.storage, stored.name))


@contextlib.contextmanager
def atomic_with_files() -> Iterator[None]:
    """`transaction.atomic()`, and the files written through `written()` inside it are removed
    from the storage when it rolls back. Nested inside another, the outer one decides."""
    files: list[tuple[Storage, str]] = []
    token = _written.set(files)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        _written.reset(token)
        _remove(files)
        raise
    _written.reset(token)
    outer = _written.get()
    if outer is not None:
        outer.extend(files)


def delete_on_commit(*files: Any) -> None:
    """Take stored files off their storage once the transaction that dropped their rows
    commits (never before: a rollback keeps row and file together). The one way every upload's
    file is deleted."""
    doomed = [(f.storage, f.name) for f in files if f]
    if doomed:
        transaction.on_commit(lambda: _remove(doomed))


def referenced_names() -> set[str]:
    """Every name a file field of any installed model holds, as stored."""
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


def stored_names(storage: Storage | None = None, folder: str = "") -> Iterator[str]:
    """Every file's name on the storage, folder by folder (the storage API's `listdir`, which
    the local disk and object storage both answer)."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # no upload yet: the media folder does not exist
        return
    prefix = f"{folder}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for sub in sorted(folders):
        yield from stored_names(storage, prefix + sub)


def orphaned_files(
    min_age: datetime.timedelta = GRACE, storage: Storage | None = None
) -> list[str]:
    """The stored files no row names, older than `min_age`, oldest first."""
    storage = storage or default_storage
    named = referenced_names()
    newest = timezone.now() - min_age
    found: list[tuple[datetime.datetime, str]] = []
    for name in stored_names(storage):
        if name in named:
            continue
        try:
            modified = storage.get_modified_time(name)
        except FileNotFoundError:  # removed meanwhile
            continue
        if modified <= newest:
            found.append((modified, name))
    return [name for _, name in sorted(found)]


def remove_orphans(
    min_age: datetime.timedelta = GRACE, storage: Storage | None = None
) -> tuple[int, int]:
    storage = storage or default_storage
    count = size = 0
    for name in orphaned_files(min_age, storage):
        try:
            size += storage.size(name)
        except FileNotFoundError:  # removed meanwhile
            continue
        storage.delete(name)
        count += 1
    return count, size
