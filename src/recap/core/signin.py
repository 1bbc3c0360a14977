"""The request of a view only signed-in people reach, as a type.

`login_required` (and `login_required_htmx`, and the API's `SIGNED_IN` auth) let a request
through only when someone is signed in, but Django's `HttpRequest` still types `request.user`
as "a user or an anonymous visitor". A view so guarded declares `request: SignedInRequest`, and
hands `request.user` to services that need a real person without a cast. Nothing changes at
run time: the request is Django's own; the class only tells the type checker what the guard
already ensures.

The core floor sits below accounts, so the user model is named here by django-stubs' own alias
for `AUTH_USER_MODEL` (`_User`, which its mypy plugin resolves to `recap.accounts.models.User`)
rather than imported. Apps take this class, with the `Reader` alias, from
`recap.accounts.types`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import _User


class SignedInRequest(HttpRequest):
    user: _User
