from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recap.demo.load import demo_load


class Command(BaseCommand):
    help = "Set up the database and load the demo programme (five pilot cities, offices, users)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Load even under production settings."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SETTINGS_MODULE.endswith("production") and not options["force"]:
            raise CommandError(
                "Refusing to load demo users with a known password under production settings "
                "(use --force if you mean it)."
            )
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        accounts = demo_load()
        self.stdout.write(self.style.SUCCESS("Demo programme loaded: ReCAP 21, five pilot cities."))
        self.stdout.write(f"\nDemo accounts (password for all: {accounts[0].password})\n")
        width = max(len(a.username) for a in accounts)
        for a in accounts:
            self.stdout.write(f"  {a.username:<{width}}  {a.role} — {a.scope}")
        self.stdout.write("")
