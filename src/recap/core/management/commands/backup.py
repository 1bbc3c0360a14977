"""`recap backup ARCHIVE.tar.gz`: the database (a consistent snapshot, taken while the site
runs) and every uploaded file, in one archive (`core.backup`). `recap restore` reads it back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recap.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = "Write the database and the uploaded files to one archive (a .tar.gz)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="where to write it, e.g. recap-2026-12-06.tar.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["archive"])
        if not path.name.endswith(".tar.gz"):
            raise CommandError("The archive's name ends in .tar.gz.")
        if path.exists():
            raise CommandError(f"{path} exists already: choose a new name.")
        if not path.parent.is_dir():
            raise CommandError(f"No such folder: {path.parent}")
        try:
            summary = backup_write(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        tables = f"{summary.rows:,} rows in {summary.tables} tables, " if summary.tables else ""
        self.stdout.write(f"{path}: {tables}{summary.files:,} files ({summary.bytes:,} bytes)")
        for name in summary.missing:
            self.stderr.write(f"removed while the backup ran (not in it): {name}")
