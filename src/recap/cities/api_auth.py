"""The city an API route reads private data of: one the caller may see, else a 404, as if it
did not exist (hidden cities included). Who the caller is comes from `accounts.api_auth`."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from recap.accounts.access import Level

from .policies import city_policy
from .selectors import city_public_get


def private_city(request: HttpRequest, city_id: int) -> Any:
    """A city whose private data the caller may read; anyone else gets a 404."""
    city = city_public_get(user=request.user, pk=city_id)
    if not city_policy.allows(request.user, city, Level.VIEW):
        raise Http404
    return city
