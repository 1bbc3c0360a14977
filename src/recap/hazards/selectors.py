"""Reads of a city's hazards register, always starting from what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from recap.accounts.types import Reader
from recap.cities.models import City

from .models import CityHazard, CityHazardVersion, HazardType
from .policies import city_hazard_policy, city_hazard_version_policy

TREND_ORDER = {"rising": 0, "stable": 1, "falling": 2}


def city_hazard_list(*, user: Reader, city: City) -> list[CityHazard]:
    """The register ranked by likelihood × impact, rising trends first among equals."""
    entries = list(city_hazard_policy.queryset(user).filter(city=city).select_related("hazard"))
    return sorted(entries, key=lambda e: (-e.score, TREND_ORDER[e.trend], -e.impact, e.hazard.name))


def city_hazard_get(*, user: Reader, city: City, pk: int) -> CityHazard:
    try:
        return (
            city_hazard_policy.queryset(user).select_related("hazard", "city").get(city=city, pk=pk)
        )
    except CityHazard.DoesNotExist as exc:
        raise Http404("No such hazard entry") from exc


def city_hazard_history(*, user: Reader, city: City) -> QuerySet[CityHazardVersion]:
    return (
        city_hazard_version_policy.queryset(user)
        .filter(city=city)
        .select_related("hazard", "actor")
    )


def city_hazard_version_get(*, user: Reader, city: City, pk: int) -> CityHazardVersion:
    try:
        return (
            city_hazard_version_policy.queryset(user)
            .select_related("hazard", "city")
            .get(city=city, pk=pk)
        )
    except CityHazardVersion.DoesNotExist as exc:
        raise Http404("No such version") from exc


def hazard_types_available(*, city: City) -> QuerySet[HazardType]:
    taken = CityHazard.objects.filter(city=city).values("hazard_id")
    return HazardType.objects.filter(is_active=True).exclude(pk__in=taken)


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    impact: int
    entries: list[CityHazard]

    @property
    def level(self) -> str:
        s = self.likelihood * self.impact
        return "very_high" if s >= 15 else "high" if s >= 10 else "medium" if s >= 5 else "low"


def risk_matrix(entries: list[CityHazard]) -> list[list[HeatCell]]:
    """Rows from likelihood 5 (top) to 1, columns impact 1 to 5."""
    return [
        [
            HeatCell(lk, im, [e for e in entries if e.likelihood == lk and e.impact == im])
            for im in range(1, 6)
        ]
        for lk in range(5, 0, -1)
    ]


def hazard_type_names(codes: Any = None) -> dict[str, str]:
    """Hazard types' codes and names (of `codes`, if given), in the reader's language (public:
    the taxonomy)."""
    rows = HazardType.objects.all() if codes is None else HazardType.objects.filter(code__in=codes)
    return dict(rows.values_list("code", "name"))


def hazard_types_by_code(codes: Any) -> dict[str, HazardType]:
    return {h.code: h for h in HazardType.objects.filter(code__in=codes)}
