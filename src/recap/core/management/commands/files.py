"""`recap files --orphans [--delete] [--min-age-hours H]`: list (or remove) uploaded files that
no record names, left on the storage when the transaction that wrote them rolled back
(`core.stored_files`). Run it daily beside the backup; it never touches a file younger than
an hour unless told."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recap.core.stored_files import GRACE, orphaned_files, remove_orphans


class Command(BaseCommand):
    help = "List, or with --delete remove, uploaded files that no record names (orphans)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orphans", action="store_true", help="look for orphaned files")
        parser.add_argument("--delete", action="store_true", help="remove what is found")
        parser.add_argument(
            "--min-age-hours",
            type=float,
            default=GRACE.total_seconds() / 3600,
            help="leave files younger than this alone (default: 1)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["orphans"]:
            raise CommandError("Say what to look for: --orphans.")
        hours = options["min_age_hours"]
        if not 0 <= hours <= 24 * 365:
            raise CommandError("--min-age-hours: a number of hours from 0 to 8760.")
        age = datetime.timedelta(hours=hours)
        if options["delete"]:
            count, size = remove_orphans(age)
            self.stdout.write(f"removed {count} orphaned file(s), {size:,} bytes")
            return
        found = orphaned_files(age)
        for name in found:
            self.stdout.write(name)
        self.stdout.write(f"{len(found)} orphaned file(s); --delete removes them")
