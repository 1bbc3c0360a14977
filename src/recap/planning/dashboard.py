"""The prioritisation's panel on "My work": packages awaiting the person's endorsement."""

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
