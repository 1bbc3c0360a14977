"""Who reads what of the programme's monitoring: a city's measures as its policy says; evidence
by whoever may read the measure or the reported value it backs (the city's members for a
city's, the programme's people for those of its own cities and indicators)."""

from __future__ import annotations

from django.db.models import QuerySet

from recap.accounts.access import Level, manages_programme, programme_ids
from recap.accounts.models import Role
from recap.accounts.policies import CityScopedPolicy
from recap.accounts.types import Reader
from recap.cities.models import City, Programme
from recap.cities.policies import city_policy

from .models import Evidence, Indicator, IndicatorUpdate, Measure


class MeasurePolicy(CityScopedPolicy[Measure]):
    model = Measure


measure_policy = MeasurePolicy()


def programmes_read(user: Reader) -> QuerySet[Programme]:
    """The programmes whose monitoring `user` reads as their manager or reviewer (every one
    for a platform admin)."""
    ids = programme_ids(user, Role.PROGRAMME_MANAGER, Role.REVIEWER)
    return Programme.objects.all() if ids is None else Programme.objects.filter(pk__in=ids)


def evidence_readable(user: Reader, evidence: Evidence) -> bool:
    """The city's people read its evidence; the programme's people read the evidence of its
    own cities and indicators, never another programme's."""
    if not user.is_authenticated:
        return False
    if evidence.measure is not None:
        city = evidence.measure.city
        return city_policy.allows(user, city, Level.VIEW) or (
            programmes_read(user).filter(cities=city).exists()
        )
    update = evidence.update
    assert update is not None
    if update.city is not None and city_policy.allows(user, update.city, Level.VIEW):
        return True
    return programmes_read(user).filter(pk=update.indicator.outcome.programme_id).exists()


def is_programme_manager(user: Reader, programme: Programme) -> bool:
    """Whether `user` manages `programme` (its manager's membership, or a platform admin)."""
    return manages_programme(user, programme.pk)


def may_report(user: Reader, indicator: Indicator, city: City | None) -> bool:
    """City-level values: the city's editors; programme-level: the programme's manager."""
    programme = indicator.outcome.programme
    if indicator.level == Indicator.Level.CITY:
        return (
            city is not None
            and programme.cities.filter(pk=city.pk).exists()
            and city_policy.allows(user, city, Level.EDIT)
        )
    return city is None and is_programme_manager(user, programme)


REPORTER_VERBS = ("indicator.update_save", "indicator.update_submit")


def reporter_ids(update: IndicatorUpdate) -> set[int]:
    """Everyone who stands behind the value as its reporter: who drafted it, changed it or
    submitted it. None of them may approve it (four eyes)."""
    from recap.accounts.models import AuditEvent

    ids = set(
        AuditEvent.objects.filter(
            target_type=IndicatorUpdate._meta.label_lower,
            target_id=str(update.pk),
            verb__in=REPORTER_VERBS,
            actor__isnull=False,
        ).values_list("actor_id", flat=True)
    )
    if update.created_by_id is not None:
        ids.add(update.created_by_id)
    return ids


def reported_by(user: Reader, updates: list[IndicatorUpdate]) -> set[int]:
    """Which of `updates` (their pks) `user` reported, so may not decide (one query)."""
    from recap.accounts.models import AuditEvent

    if not user.is_authenticated or not updates:
        return set()
    mine = {u.pk for u in updates if u.created_by_id == user.pk}
    mine |= {
        int(pk)
        for pk in AuditEvent.objects.filter(
            target_type=IndicatorUpdate._meta.label_lower,
            target_id__in=[str(u.pk) for u in updates],
            verb__in=REPORTER_VERBS,
            actor=user,
        ).values_list("target_id", flat=True)
    }
    return mine


def may_approve(user: Reader, update: IndicatorUpdate) -> bool:
    """The programme's manager (or a platform admin) who did not report the value."""
    return is_programme_manager(
        user, update.indicator.outcome.programme
    ) and user.pk not in reporter_ids(update)
