"""`recap reminders`: send this week's reminder digest now (each person at most once a week),
or with --dry-run list who would be told what, sending nothing."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recap.tracking.reminders import digest_items, reminders_send


class Command(BaseCommand):
    help = "Send the weekly reminder digest of late and waiting results (at most once a week each)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Show, send nothing.")
        parser.add_argument("--as-of", default="", help="The day to read lateness at (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = (
                datetime.date.fromisoformat(options["as_of"])
                if options["as_of"]
                else timezone.localdate()
            )
        except ValueError:
            raise CommandError("--as-of: a date, YYYY-MM-DD.", returncode=2) from None
        if options["dry_run"]:
            for person in get_user_model().objects.filter(is_active=True).order_by("username"):
                lines = digest_items(person, as_of)
                if lines:
                    self.stdout.write(f"{person.username} <{person.email}>")
                    for line in lines:
                        self.stdout.write(f"  - {line}")
            return
        self.stdout.write(f"Sent {reminders_send(as_of)} digest(s).")
