from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app leans on: spreadsheets, PDFs, imports waiting for confirmation, stored
    documents."""

    name = "recap.core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from .models import StoredDocument
        from .stored_files import delete_on_commit

        def document_gone(sender: Any, instance: StoredDocument, **kwargs: Any) -> None:
            # However its row goes (removed by a person, or with its concept, measure, exchange
            # or city), a document's files leave the storage once the deletion commits.
            delete_on_commit(instance.file, *(getattr(instance, f) for f in instance.extra_files))

        for model in apps.get_models():
            if issubclass(model, StoredDocument):
                post_delete.connect(
                    document_gone, sender=model, weak=False, dispatch_uid=f"document-{model}"
                )
