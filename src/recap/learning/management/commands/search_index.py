from typing import Any

from django.core.management.base import BaseCommand

from recap.learning.search import index_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index of lessons, catalogue actions, measures and concepts."

    def handle(self, *args: Any, **options: Any) -> None:
        count = index_rebuild()
        self.stdout.write(f"{count} records indexed.")
