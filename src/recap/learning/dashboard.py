"""Peer learning's panel on "My work" for a programme's manager: the lessons the cities
submitted, waiting to be published or returned."""

from __future__ import annotations

from typing import Any

from recap.accounts.access import programme_city_ids
from recap.accounts.models import Role
from recap.accounts.types import Reader

from .models import Lesson
from .policies import lesson_queryset

#: The lessons listed one by one (the programme's lessons page has them all).
LISTED = 20


def lessons_work(user: Reader) -> dict[str, Any] | None:
    """Submitted lessons of the cities whose lessons `user` publishes (the programme's manager;
    not a platform administrator, who publishes anywhere but is no programme's manager)."""
    cities = programme_city_ids(user, Role.PROGRAMME_MANAGER)
    if not cities:  # None (an admin) or none
        return None
    submitted = (
        lesson_queryset(user)
        .filter(status=Lesson.Status.SUBMITTED, city_id__in=cities)
        .select_related("city")
        .order_by("updated_at")
    )
    lessons = list(submitted[:LISTED])
    return {"lessons": lessons, "count": submitted.count()} if lessons else None
