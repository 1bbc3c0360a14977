"""Who reads and who acts, as types, for every app's signatures.

- `User` (`recap.accounts.models.User`): whoever writes. A service's `actor` is always a
  signed-in person.
- `Reader`: whoever reads. Selectors, policies, access checks and dashboards may be handed
  `request.user` on a public page as well as a signed-in one, so an anonymous visitor is a
  reader too (and sees only what is public).
- `SignedInRequest`: the request of a view behind `login_required` (or the API's `SIGNED_IN`,
  or the admin site); its `request.user` is a `User`, which is how views hand the person to
  services. A view that checks sign-in itself (to answer someone signed out its own way) does
  so with `signed_in(request)`, which narrows the request the same way.
"""

from __future__ import annotations

from typing import TypeAlias, TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from recap.core.signin import SignedInRequest

from .models import User

__all__ = ["Reader", "SignedInRequest", "User", "signed_in"]

#: A signed-in person or an anonymous visitor.
Reader: TypeAlias = User | AnonymousUser


def signed_in(request: HttpRequest) -> TypeGuard[SignedInRequest]:
    """Whether someone is signed in (`request.user.is_authenticated`), so that the type checker
    knows `request.user` is then a `User`."""
    return request.user.is_authenticated
