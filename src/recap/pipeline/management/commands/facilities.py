"""`recap facilities load [FILE]`: the directory of facilities and funders, from a JSON file
(the one that ships with ReCAP by default). All or nothing: any error, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recap.pipeline.services import facilities_load_shipped, facility_directory_load

MAX_BYTES = 1024 * 1024


class Command(BaseCommand):
    help = "Load the directory of project preparation facilities and funders."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        load = sub.add_parser("load", help="create or update entries from FILE (JSON)")
        load.add_argument("file", nargs="?", help="default: the directory shipped with ReCAP")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["file"]:
                path = Path(options["file"])
                if not path.is_file():
                    raise CommandError(f"{path}: no such file", returncode=2)
                with path.open("rb") as fh:
                    raw = fh.read(MAX_BYTES + 1)  # no more than the limit is ever read
                if len(raw) > MAX_BYTES:
                    raise CommandError(f"{path}: larger than 1 MB", returncode=2)
                try:
                    data = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise CommandError(f"{path}: not a JSON file ({exc})", returncode=2) from None
                count = facility_directory_load(data)
            else:
                count = facilities_load_shipped()
        except ValidationError as exc:
            raise CommandError(
                "Nothing was loaded:\n  " + "\n  ".join(exc.messages), returncode=2
            ) from None
        self.stdout.write(f"{count} facilities and funders loaded.")
