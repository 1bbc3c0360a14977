"""Indicators the platform computes from its own records, never typed: each a function of a
programme and a period (start and end inclusive) giving one number, over the programme's cities.

Contract: `DERIVED[source].compute(programme, start, end)`; `derived_value(indicator, start,
end)` for an indicator whose `source` names one. Trainings count where held in the period;
measures where implemented in it; concepts where moved to the stage in it (from their audited
moves), the way the public figure counts them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from recap.cities.models import Programme
from recap.pipeline.models import ConceptMove, Stage

from .models import Indicator, Measure, Training

Compute = Callable[[Programme, datetime.date, datetime.date], Decimal]


@dataclass(frozen=True)
class Derived:
    label: object
    unit: object
    compute: Compute


def _trainings(programme: Programme, start: datetime.date, end: datetime.date) -> Decimal:
    n = Training.objects.filter(programme=programme, held_on__range=(start, end)).count()
    return Decimal(n)


def _people_trained(programme: Programme, start: datetime.date, end: datetime.date) -> Decimal:
    total = Training.objects.filter(programme=programme, held_on__range=(start, end)).aggregate(
        n=Sum("participants")
    )["n"]
    return Decimal(total or 0)


def _moved_to(stage: str) -> Compute:
    def compute(programme: Programme, start: datetime.date, end: datetime.date) -> Decimal:
        moves = ConceptMove.objects.filter(
            to_stage=stage,
            at__date__range=(start, end),
            concept__city__in=programme.cities.all(),
        ).exclude(concept__stage=Stage.WITHDRAWN)
        return Decimal(moves.aggregate(n=Count("concept", distinct=True))["n"] or 0)

    return compute


def _measures(programme: Programme, start: datetime.date, end: datetime.date) -> Decimal:
    n = Measure.objects.filter(
        city__in=programme.cities.all(),
        status=Measure.Status.IMPLEMENTED,
        implemented_on__range=(start, end),
    ).count()
    return Decimal(n)


DERIVED: dict[str, Derived] = {
    "trainings_held": Derived(_("Trainings held"), _("trainings"), _trainings),
    "people_trained": Derived(_("People trained"), _("people"), _people_trained),
    "projects_submitted": Derived(
        _("Project concepts submitted to the pipeline"),
        _("concepts"),
        _moved_to(Stage.SUBMITTED),
    ),
    "concepts_presented": Derived(
        _("Project concepts presented to funders"), _("concepts"), _moved_to(Stage.PRESENTED)
    ),
    "measures_implemented": Derived(
        _("Small-scale measures implemented"), _("measures"), _measures
    ),
}


def derived_value(indicator: Indicator, start: datetime.date, end: datetime.date) -> Decimal:
    programme = indicator.outcome.programme
    return DERIVED[indicator.source].compute(programme, start, end)
