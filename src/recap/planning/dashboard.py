"""The prioritisation's panels on "My work": packages awaiting the person's endorsement, and the
endorsed package of each city the person edits for (what the city's concepts and measures now
follow)."""

from __future__ import annotations

from typing import Any

from recap.accounts.access import ALL, Level, city_ids
from recap.accounts.types import Reader

from .models import ActionPackage
from .policies import package_policy


def awaiting_endorsement(user: Reader) -> dict[str, Any] | None:
    """Draft packages of the cities the person coordinates (a platform administrator, who may
    act anywhere, is not asked: the cities' own coordinators are)."""
    ids = city_ids(user, Level.COORDINATE)
    if ids is ALL or not ids:
        return None
    packages = list(
        package_policy.queryset(user, Level.COORDINATE)
        .filter(status=ActionPackage.Status.DRAFT)
        .select_related("city", "created_by")
        .order_by("-created_at")[:20]
    )
    return {"packages": packages} if packages else None


def endorsed_packages(user: Reader) -> dict[str, Any] | None:
    """The latest endorsed package of each city the person edits for (not a platform
    administrator's every city: theirs is no city's work)."""
    ids = city_ids(user, Level.EDIT)
    if ids is ALL or not ids:
        return None
    latest: dict[int, ActionPackage] = {}
    packages = (
        package_policy.queryset(user, Level.EDIT)
        .filter(status=ActionPackage.Status.ENDORSED)
        .select_related("city", "endorsed_by")
        .order_by("city__name", "-endorsed_at", "-pk")
    )
    for package in packages:
        latest.setdefault(package.city_id, package)
    return {"packages": list(latest.values())} if latest else None
