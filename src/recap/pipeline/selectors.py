"""Reads of the project pipeline: a city's concepts, as its policy shows them, how many have
been submitted per country (the programme's public figure), and the directory of facilities
with the fields due for checking."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from recap.cities.models import City

from .models import Facility, ProjectConcept
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


@dataclass(frozen=True)
class Unchecked:
    """A field of a facility's entry that is due for checking: never checked (`checked` None),
    or checked longer ago than the entry's interval."""

    field: str
    checked: datetime.date | None


def facility_unchecked(facility: Facility, today: datetime.date | None = None) -> list[Unchecked]:
    """The entry's sourced fields not checked within `Facility.CHECK_EVERY_DAYS` (or never), in
    the order the directory shows them."""
    today = today or timezone.localdate()
    due = []
    for field in Facility.SOURCED:
        sources = facility.sources if isinstance(facility.sources, dict) else {}
        entry = sources.get(field)
        raw = entry.get("checked") if isinstance(entry, dict) else None
        try:
            checked = datetime.date.fromisoformat(raw) if raw else None
        except (TypeError, ValueError):  # typed by hand in the admin: as good as unchecked
            checked = None
        if checked is None or (today - checked).days > Facility.CHECK_EVERY_DAYS:
            due.append(Unchecked(field, checked))
    return due


def facility_list() -> QuerySet[Facility]:
    """The directory of facilities and funders (public information: everyone may read it)."""
    return Facility.objects.all()
