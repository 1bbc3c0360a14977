"""Who reads what of the programme's monitoring: a city's measures as its policy says; evidence
by whoever may read the measure or the reported value it backs (the city's members for a
city's, the programme's people for every one of the programme)."""

from __future__ import annotations

from typing import Any

from recap.accounts.access import Level
from recap.cities.policies import city_policy
from recap.core.policies import CityScopedPolicy

from .models import Evidence, Measure


class MeasurePolicy(CityScopedPolicy[Measure]):
    model = Measure


measure_policy = MeasurePolicy()


def evidence_readable(user: Any, evidence: Evidence) -> bool:
    from recap.pipeline.policies import programme_reader

    if not user.is_authenticated:
        return False
    if evidence.measure is not None:
        return city_policy.allows(user, evidence.measure.city, Level.VIEW) or programme_reader(user)
    update = evidence.update
    assert update is not None
    if update.city is not None and city_policy.allows(user, update.city, Level.VIEW):
        return True
    return programme_reader(user)
