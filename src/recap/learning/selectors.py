"""What the learning pages read: published lessons and the hazards they are filed under, the
peer city a link names. Who may read a lesson or an exchange is `policies`; search is `search`."""

from __future__ import annotations

from django.db.models import QuerySet

from recap.cities.models import City
from recap.hazards.models import HazardType

from .models import Lesson


def published_lessons(*, hazard: HazardType | None = None) -> QuerySet[Lesson]:
    """The published lessons (public), with their city and hazards; of one hazard if given."""
    lessons = (
        Lesson.objects.filter(status=Lesson.Status.PUBLISHED)
        .select_related("city__country")
        .prefetch_related("hazards")
    )
    return lessons if hazard is None else lessons.filter(hazards=hazard)


def hazard_by_code(code: str) -> HazardType | None:
    return HazardType.objects.filter(code=code[:40]).first() if code else None


def hazards_with_lessons() -> QuerySet[HazardType]:
    """The hazards some published lesson is filed under (the public list's filter)."""
    return HazardType.objects.filter(lessons__status=Lesson.Status.PUBLISHED).distinct()


def public_city_by_slug(slug: str) -> City | None:
    """A public city named in an address (`?to=rajshahi`), or None."""
    return City.objects.filter(slug=slug[:80], is_public=True).first() if slug else None
