"""Reads of the catalogue: search and filter by sector, hazard, phase and cost band."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import COST_BANDS, CatalogueAction


def catalogue_search(
    *, query: str = "", sector: str = "", hazard: str = "", phase: str = "", cost: str = ""
) -> QuerySet[CatalogueAction]:
    qs = CatalogueAction.objects.filter(is_active=True)
    for word in query.split():
        qs = qs.filter(
            Q(code__icontains=word)
            | Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(description__icontains=word)
        )
    if sector:
        # JSON containment differs between SQLite and PostgreSQL; the catalogue is small.
        qs = qs.filter(pk__in=[a.pk for a in qs.only("pk", "sectors") if sector in a.sectors])
    if hazard:
        qs = qs.filter(hazards__has_key=hazard)
    if phase:
        qs = qs.filter(phase=phase)
    if cost in COST_BANDS:
        low, high = COST_BANDS[cost]
        qs = qs.filter(cost_max_usd__gt=low) if low else qs
        qs = qs.filter(cost_max_usd__lte=high) if high else qs
    return qs.order_by("code")


def catalogue_get(*, code: str) -> CatalogueAction:
    try:
        return CatalogueAction.objects.get(code=code, is_active=True)
    except CatalogueAction.DoesNotExist as exc:
        raise Http404("No such action") from exc
