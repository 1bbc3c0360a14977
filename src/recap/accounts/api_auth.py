"""How API callers say who they are: a personal token (`Authorization: Bearer recap_…`) or the
browser session. Public routes also let anonymous callers through; a token that is present but
wrong is always refused (401), never silently ignored."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, django_auth

from .services import api_token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            raise AuthenticationError(message="Invalid, expired or revoked API token.")
        request.user = user
        return user


def session_or_anonymous(request: HttpRequest) -> Any:
    return request.user


token_auth = TokenAuth()
#: For routes anyone may call; what they see still depends on who they are.
PUBLIC = [token_auth, session_or_anonymous]
#: For routes that need a signed-in person.
SIGNED_IN = [token_auth, django_auth]
