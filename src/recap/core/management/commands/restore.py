"""`recap restore ARCHIVE.tar.gz`: a backup of `recap backup` into an empty installation (a new
database with no tables, an empty media folder). Checks every file against its checksum."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recap.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup (recap backup) into an empty installation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_restore(Path(options["archive"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        tables = f"{summary.rows:,} rows in {summary.tables} tables, " if summary.tables else ""
        self.stdout.write(f"restored {tables}{summary.files:,} files ({summary.bytes:,} bytes)")
