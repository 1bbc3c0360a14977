from typing import Any

from django.apps import AppConfig, apps
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_delete, post_migrate
from django.utils.translation import gettext_lazy as _


def cache_table(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """The database cache's table (`CACHES`: the charts drawn ahead, rate limits), made by
    every `recap migrate`, as the tables are: an installation that never ran `recap demo`
    has it too. Does nothing for a cache that is not in the database."""
    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    """What every app leans on: spreadsheets, PDFs, imports waiting for confirmation, stored
    documents."""

    name = "recap.core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment checks)
        from .forms import use_date_pickers
        from .models import StoredDocument
        from .stored_files import delete_on_commit

        def document_gone(sender: Any, instance: StoredDocument, **kwargs: Any) -> None:
            # However its row goes (removed by a person, or with its concept, measure, exchange
            # or city), a document's files leave the storage once the deletion commits.
            delete_on_commit(instance.file, *(getattr(instance, f) for f in instance.extra_files))

        use_date_pickers()
        post_migrate.connect(cache_table, sender=self, dispatch_uid="core-cache-table")
        for model in apps.get_models():
            if issubclass(model, StoredDocument):
                post_delete.connect(
                    document_gone, sender=model, weak=False, dispatch_uid=f"document-{model}"
                )
