"""Who reads what of the programme's monitoring: a city's measures as its policy says; evidence
by whoever may read the measure or the reported value it backs (the city's members for a
city's, the programme's people for those of its own cities and indicators)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from recap.accounts.access import Level, manages_programme, programme_ids
from recap.accounts.models import Role
from recap.accounts.policies import CityScopedPolicy
from recap.cities.models import Programme
from recap.cities.policies import city_policy

from .models import Evidence, Measure


class MeasurePolicy(CityScopedPolicy[Measure]):
    model = Measure


measure_policy = MeasurePolicy()


def programmes_read(user: Any) -> QuerySet[Programme]:
    """The programmes whose monitoring `user` reads as their manager or reviewer (every one
    for a platform admin)."""
    ids = programme_ids(user, Role.PROGRAMME_MANAGER, Role.REVIEWER)
    return Programme.objects.all() if ids is None else Programme.objects.filter(pk__in=ids)


def evidence_readable(user: Any, evidence: Evidence) -> bool:
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


def is_programme_manager(user: Any, programme: Programme) -> bool:
    """Whether `user` manages `programme` (its manager's membership, or a platform admin)."""
    return manages_programme(user, programme.pk)
