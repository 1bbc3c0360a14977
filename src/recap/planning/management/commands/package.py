from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recap.accounts.models import User
from recap.cities.models import City
from recap.planning.models import ActionPackage
from recap.planning.report import package_pdf, package_xlsx


class Command(BaseCommand):
    help = "The report of a city's endorsed package: package report --city SLUG -o FILE.pdf|.xlsx"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        report = sub.add_parser(
            "report", help="write the report of the city's latest endorsed package"
        )
        report.add_argument("--city", required=True, help="the city's short name, e.g. kigali")
        report.add_argument("-o", "--output", required=True, help="FILE.pdf or FILE.xlsx")
        report.add_argument(
            "--language",
            default="en",
            help="the report's language: "
            + ", ".join(code for code, _name in settings.LANGUAGES)
            + " (default en)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["output"])
        if out.suffix.lower() not in (".pdf", ".xlsx"):
            raise CommandError(f"{out}: give a .pdf or .xlsx file name", returncode=2)
        languages = [code for code, _name in settings.LANGUAGES]
        if options["language"] not in languages:
            raise CommandError(
                f"--language: {options['language']!r} is not one of {', '.join(languages)}",
                returncode=2,
            )
        city = City.objects.filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(
                f"--city: no city with the short name {options['city']!r}", returncode=2
            )
        package = (
            ActionPackage.objects.filter(city=city, status=ActionPackage.Status.ENDORSED)
            .order_by("-endorsed_at")
            .first()
        )
        if package is None:
            raise CommandError(f"{city.name} has no endorsed package yet", returncode=2)
        # The command line acts as the platform: it reads the city's register for the context.
        reader = User(is_superuser=True, is_active=True)
        language = options["language"]
        content = (
            package_pdf(package, user=reader, language=language)
            if out.suffix.lower() == ".pdf"
            else package_xlsx(package, language=language)
        )
        out.write_bytes(content)
        version = package.current.number if package.current else 1
        self.stdout.write(f"Wrote {out} ({package.name}, version {version})")
