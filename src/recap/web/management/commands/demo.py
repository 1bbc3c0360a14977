from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recap.demo.load import demo_accounts, demo_load, demo_loaded
from recap.demo.scale import demo_scale


class Command(BaseCommand):
    help = (
        "Set up the database and load the demo programme (five pilot cities, offices, users), "
        "once: run again, it changes nothing. --reset empties the database and loads it afresh."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete everything in the database, then load the demo afresh.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Load even under production settings."
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="CITIES",
            help="Also add this many synthetic cities (for load tests), each with "
            "--candidates candidate actions and a session over them.",
        )
        parser.add_argument("--candidates", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        if not (0 <= options["scale"] <= 1000 and 1 <= options["candidates"] <= 1000):
            raise CommandError("--scale takes 0 to 1000 cities, --candidates 1 to 1000.")
        # (SETTINGS_MODULE is None while settings are overridden, as in some tests.)
        module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE", "")
        if module.endswith("production") and not options["force"]:
            raise CommandError(
                "Refusing to load demo users with a known password under production settings "
                "(use --force if you mean it)."
            )
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        if options["reset"]:
            call_command("flush", interactive=False, verbosity=0)
            self.stdout.write("Emptied the database (--reset).")
        if demo_loaded():
            self.stdout.write(
                "The demo programme is already loaded; nothing was changed "
                "(`recap demo --reset` loads it afresh, discarding every change)."
            )
            accounts = demo_accounts()
            note = "unless changed since"
        else:
            accounts = demo_load()
            self.stdout.write(
                self.style.SUCCESS("Demo programme loaded: ReCAP 21, five pilot cities.")
            )
            note = "for all"
        if options["scale"]:
            added = demo_scale(cities=options["scale"], candidates=options["candidates"])
            self.stdout.write(
                f"Scale: {added.cities} synthetic cities added with {added.candidates} candidate "
                "actions and a session each (editors scale.editor.001 and on)."
            )
        self.stdout.write(f"\nDemo accounts (password {note}: {accounts[0].password})\n")
        width = max(len(a.username) for a in accounts)
        for a in accounts:
            self.stdout.write(f"  {a.username:<{width}}  {a.role} — {a.scope}")
        self.stdout.write("")
