"""Writes of lessons: a city's editors draft and submit; the programme's manager publishes or
returns with a reason; every step audited. A published lesson is public."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.cities.models import City
from recap.cities.policies import city_policy

from .models import Lesson
from .policies import may_publish

EDITORS_ONLY = _("Only the city's editors write its lessons.")
TEXTS = ("title", "summary", "context", "what_was_done", "results", "differently", "partners")
LINKS = ("hazards", "actions", "measures", "concepts")


@transaction.atomic
def lesson_save(
    *, actor: Any, city: City, data: dict[str, Any], lesson: Lesson | None = None
) -> Lesson:
    """A new draft, or a change to a draft or a returned lesson. Measures and concepts must be
    the city's own."""
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    if lesson is not None and (lesson.city_id != city.pk):
        raise PermissionDenied(EDITORS_ONLY)
    if lesson is not None and lesson.status != Lesson.Status.DRAFT:
        raise ValidationError(_("A submitted or published lesson can no longer be changed."))
    for name in ("measures", "concepts"):
        if any(item.city_id != city.pk for item in data.get(name) or []):
            raise ValidationError({name: _("Choose the city's own.")})
    lesson = lesson or Lesson(city=city, created_by=actor)
    for name in TEXTS:
        if name in data:
            setattr(lesson, name, (data[name] or "").strip())
    for name in ("kind", "cost_usd"):
        if name in data:
            setattr(lesson, name, data[name])
    lesson.full_clean()
    lesson.save()
    for name in LINKS:
        if name in data:
            getattr(lesson, name).set(data[name] or [])
    audit(actor=actor, verb="lesson.save", target=lesson, city=city)
    return lesson


@transaction.atomic
def lesson_submit(*, actor: Any, lesson: Lesson) -> Lesson:
    city_policy.require(actor, lesson.city, Level.EDIT, EDITORS_ONLY)
    if lesson.status != Lesson.Status.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."))
    lesson.status, lesson.return_reason = Lesson.Status.SUBMITTED, ""
    lesson.save(update_fields=["status", "return_reason", "updated_at"])
    audit(actor=actor, verb="lesson.submit", target=lesson, city=lesson.city)
    return lesson


@transaction.atomic
def lesson_decide(*, actor: Any, lesson: Lesson, publish: bool, reason: str = "") -> Lesson:
    """The programme's manager publishes a submitted lesson (it becomes public) or returns it
    to the city as a draft with a reason; a published one can be withdrawn the same way."""
    if not may_publish(actor, lesson):
        raise PermissionDenied(_("Only the programme's manager publishes lessons."))
    reason = reason.strip()
    if publish:
        if lesson.status != Lesson.Status.SUBMITTED:
            raise ValidationError(_("Only a submitted lesson can be published."))
        lesson.status, lesson.return_reason = Lesson.Status.PUBLISHED, ""
        lesson.published_at, lesson.published_by = timezone.now(), actor
    else:
        if lesson.status == Lesson.Status.DRAFT:
            raise ValidationError(_("This lesson is already with the city."))
        if not reason:
            raise ValidationError({"reason": _("Say why it goes back to the city.")})
        lesson.status, lesson.return_reason = Lesson.Status.DRAFT, reason[:2000]
        lesson.published_at = None
    lesson.save()
    audit(
        actor=actor,
        verb="lesson.publish" if publish else "lesson.return",
        target=lesson,
        city=lesson.city,
        detail={"reason": lesson.return_reason},
    )
    return lesson
