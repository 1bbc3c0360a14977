from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from recap.accounts.api_auth import SIGNED_IN
from recap.core.api_errors import errors

from .selectors import user_city_access
from .types import SignedInRequest

router = Router(tags=["me"])


class CityRoleOut(Schema):
    city_id: int
    city: str
    role: str


class MeOut(Schema):
    username: str
    name: str
    is_platform_admin: bool
    cities: list[CityRoleOut]


@router.get(
    "",
    response={200: MeOut, **errors(401)},
    auth=SIGNED_IN,
    summary="Who am I, and which cities do I work on",
)
def me(request: SignedInRequest) -> dict[str, Any]:
    user = request.user
    return {
        "username": user.username,
        "name": user.display_name,
        "is_platform_admin": user.is_superuser,
        "cities": [
            {"city_id": a.city.pk, "city": a.city.name, "role": a.role_label}
            for a in user_city_access(user=user)
        ],
    }
