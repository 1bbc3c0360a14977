"""Reads of the project pipeline: a city's concepts, as its policy shows them, and how many
have been submitted per country (the programme's public figure)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet

from recap.cities.models import City

from .models import ProjectConcept
from .policies import project_concept_policy


def concept_list(*, user: Any, city: City) -> QuerySet[ProjectConcept]:
    return project_concept_policy.queryset(user).filter(city=city)


def concepts_submitted_per_country(*, city_ids: Iterable[int]) -> dict[int, int]:
    """Country id -> concepts of these cities submitted to the pipeline (or further along)."""
    submitted = ProjectConcept.objects.filter(
        city_id__in=list(city_ids), status__in=ProjectConcept.SUBMITTED_STATUSES
    )
    return dict(
        submitted.values_list("city__country")
        .annotate(n=Count("pk"))
        .values_list("city__country", "n")
    )
