from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recap.catalogue.services import catalogue_export, catalogue_import_apply, catalogue_import_plan
from recap.core.tabular import MAX_BYTES, TableError


class Command(BaseCommand):
    help = (
        "Export the action catalogue to XLSX/CSV, or import one (checked in full; all or nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        export = sub.add_parser("export", help="write the catalogue to FILE (.xlsx or .csv)")
        export.add_argument("file")
        imp = sub.add_parser("import", help="read FILE (.xlsx or .csv) into the catalogue")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if options["verb"] == "export":
            if path.suffix.lower() not in (".xlsx", ".csv"):
                raise CommandError(f"{path}: give a .xlsx or .csv file name", returncode=2)
            path.write_bytes(catalogue_export(file_format=path.suffix.lower().lstrip(".")))
            self.stdout.write(f"Wrote {path}")
            return
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)  # read_table refuses anything larger, by its size
        try:
            plan = catalogue_import_plan(data=data, filename=path.name)
        except TableError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(f"{path}: rejected, nothing was written", returncode=2) from None
        summary = (
            f"{len(plan.created)} new, {len(plan.updated)} changed, {len(plan.unchanged)} unchanged"
        )
        if options["dry_run"]:
            self.stdout.write(f"{path}: valid ({summary}); nothing written (--dry-run)")
            return

        def progress(done: int, total: int) -> None:
            sys.stderr.write(f"\r  {done}/{total} rows")
            if done == total:
                sys.stderr.write("\n")

        catalogue_import_apply(plan=plan, progress=progress)
        self.stdout.write(f"{path}: imported ({summary})")
