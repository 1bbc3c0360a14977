"""Who sees a lesson: everyone once it is published; a draft, its city's members; a submitted
one, its city's members and the people of a programme the city belongs to."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from recap.accounts.access import is_platform_admin
from recap.accounts.models import CITY_ROLES, Membership, Role
from recap.cities.models import City
from recap.tracking.policies import programmes_read

from .models import Lesson


def lesson_queryset(user: Any) -> QuerySet[Lesson]:
    published = Q(status=Lesson.Status.PUBLISHED)
    if not getattr(user, "is_authenticated", False):
        return Lesson.objects.filter(published)
    if is_platform_admin(user):
        return Lesson.objects.all()
    # A draft is the city's own working text: its members see it, not the programme yet.
    own = Membership.objects.filter(user=user, role__in=CITY_ROLES).values("city")
    programme_cities = programmes_read(user).values("cities")
    return Lesson.objects.filter(
        published | Q(city__in=own) | (Q(city__in=programme_cities) & ~Q(status="draft"))
    ).distinct()


def publishable_city_ids(user: Any) -> set[int]:
    """The cities whose lessons `user` publishes: those of the programmes they manage (every
    city, for a platform admin). One query, however many lessons a page lists."""
    if is_platform_admin(user):
        return set(City.objects.values_list("pk", flat=True))
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        City.objects.filter(
            programmes__memberships__user=user,
            programmes__memberships__role=Role.PROGRAMME_MANAGER,
        ).values_list("pk", flat=True)
    )


def may_publish(user: Any, lesson: Lesson) -> bool:
    return lesson.city_id in publishable_city_ids(user)
