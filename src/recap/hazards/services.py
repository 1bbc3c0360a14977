"""Writes to a city's hazards register. Every change leaves a version that can be restored."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.core.content import SOURCE, shipped_french

from .models import CityHazard, CityHazardVersion, HazardType

FIELDS = ("likelihood", "impact", "trend", "affected_groups", "affected_areas", "evidence")


EDITORS_ONLY = gettext_lazy("Only the city's editors can change its hazards register.")


def snapshot(entry: CityHazard) -> dict[str, Any]:
    return {field: getattr(entry, field) for field in FIELDS}


def _version(entry: CityHazard, change: str, actor: User) -> CityHazardVersion:
    return CityHazardVersion.objects.create(
        city=entry.city,
        hazard=entry.hazard,
        change=change,
        data=snapshot(entry),
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


@transaction.atomic
def city_hazard_add(*, actor: User, city: City, hazard: HazardType, **values: Any) -> CityHazard:
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    if CityHazard.objects.filter(city=city, hazard=hazard).exists():
        raise ValidationError({"hazard": _("This hazard is already in the city's register.")})
    entry = CityHazard(city=city, hazard=hazard, updated_by=actor, **_only_fields(values))
    entry.full_clean()
    entry.save()
    _version(entry, CityHazardVersion.Change.CREATED, actor)
    audit(actor=actor, verb="hazard.add", target=entry, city=city, detail={"hazard": hazard.code})
    return entry


@transaction.atomic
def city_hazard_update(*, actor: User, entry: CityHazard, **values: Any) -> CityHazard:
    city_policy.require(actor, entry.city, Level.EDIT, EDITORS_ONLY)
    stored = CityHazard.objects.select_for_update().get(pk=entry.pk)
    before = snapshot(stored)
    for field, value in _only_fields(values).items():
        setattr(stored, field, value)
    stored.updated_by = actor
    stored.full_clean()
    if snapshot(stored) == before:
        return stored
    stored.save()
    _version(stored, CityHazardVersion.Change.UPDATED, actor)
    changed = {
        f: [before[f], getattr(stored, f)] for f in FIELDS if before[f] != getattr(stored, f)
    }
    audit(actor=actor, verb="hazard.update", target=stored, city=stored.city, detail=changed)
    return stored


@transaction.atomic
def city_hazard_remove(*, actor: User, entry: CityHazard) -> None:
    city_policy.require(actor, entry.city, Level.EDIT, EDITORS_ONLY)
    _version(entry, CityHazardVersion.Change.DELETED, actor)
    audit(
        actor=actor,
        verb="hazard.remove",
        target=entry,
        city=entry.city,
        detail={"hazard": entry.hazard.code},
    )
    entry.delete()


@transaction.atomic
def city_hazard_restore(*, actor: User, version: CityHazardVersion) -> CityHazard:
    """Bring an entry back to the state a version recorded (re-adding it if it was removed)."""
    city_policy.require(actor, version.city, Level.EDIT, EDITORS_ONLY)
    data = {f: version.data[f] for f in FIELDS if f in version.data}
    entry = CityHazard.objects.filter(city=version.city, hazard=version.hazard).first()
    if entry is None:
        entry = CityHazard(city=version.city, hazard=version.hazard)
    for field, value in data.items():
        setattr(entry, field, value)
    entry.updated_by = actor
    entry.full_clean()
    entry.save()
    _version(entry, CityHazardVersion.Change.RESTORED, actor)
    audit(
        actor=actor,
        verb="hazard.restore",
        target=entry,
        city=entry.city,
        detail={"version": version.pk},
    )
    return entry


def _only_fields(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"not register fields: {sorted(unknown)}")
    return values


def hazard_taxonomy_load() -> int:
    """The shipped taxonomy of shocks and stresses; admins may add more in the admin."""
    raw = resources.files("recap.hazards").joinpath("data/taxonomy.json").read_text("utf-8")
    rows = json.loads(raw)["hazards"]
    french = shipped_french("recap.hazards", "fr/taxonomy.json").get("hazards", {})
    with translation.override(SOURCE):
        for row in rows:
            fr = french.get(row["code"], {})
            HazardType.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "family": row["family"],
                    "kind": row["kind"],
                    "description": row["description"],
                    "name_fr": fr.get("name"),
                    "description_fr": fr.get("description"),
                },
            )
    return len(rows)
