"""The learning app's signal wiring: the search documents follow their records (`search`), a
database migrated from before search existed gets its index once, and an exchange message's
document leaves the disk with it. Connected once from `LearningConfig.ready`.

The receivers are local functions held strongly (`weak=False`), or they would be collected at
once; each has a `dispatch_uid`, so connecting twice connects once."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


def connect(config: AppConfig) -> None:
    from recap.catalogue.models import CatalogueAction
    from recap.pipeline.models import ProjectConcept
    from recap.tracking.models import Measure

    from . import search
    from .models import Lesson

    kinds = {
        Lesson: search.Kind.LESSON,
        CatalogueAction: search.Kind.ACTION,
        Measure: search.Kind.MEASURE,
        ProjectConcept: search.Kind.CONCEPT,
    }

    def changed(sender: Any, instance: Any, **kwargs: Any) -> None:
        if kwargs.get("raw"):
            return  # fixtures: the index is rebuilt after loading
        search.index_later(kinds[sender], instance.pk)

    def links(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
        model = kwargs.get("model")
        if action == "pre_clear" and type(instance) not in kinds and model in kinds:
            # Cleared from the hazard's side: the records it linked, read before they go.
            linked = sender.objects.filter(**{instance._meta.model_name: instance})
            for pk in linked.values_list(f"{model._meta.model_name}_id", flat=True):
                search.index_later(kinds[model], pk)
            return
        if not action.startswith("post_"):
            return
        if type(instance) in kinds:  # lesson.hazards.add(...)
            search.index_later(kinds[type(instance)], instance.pk)
        elif kwargs.get("model") in kinds:  # hazard.measure_set.add(...): the other side
            for pk in kwargs.get("pk_set") or ():
                search.index_later(kinds[kwargs["model"]], pk)

    for model in kinds:
        post_save.connect(
            changed, sender=model, weak=False, dispatch_uid=f"search-save-{model.__name__}"
        )
        post_delete.connect(
            changed, sender=model, weak=False, dispatch_uid=f"search-delete-{model.__name__}"
        )
    for through in (Lesson.hazards.through, Lesson.actions.through, Measure.hazards.through):
        m2m_changed.connect(
            links, sender=through, weak=False, dispatch_uid=f"search-links-{through}"
        )

    def first_index(sender: Any, **kwargs: Any) -> None:
        # A database migrated from before search existed gets its index once.
        from .models import SearchDocument

        if not SearchDocument.objects.exists() and CatalogueAction.objects.exists():
            search.index_rebuild()

    post_migrate.connect(first_index, sender=config, weak=False, dispatch_uid="search-first-index")
