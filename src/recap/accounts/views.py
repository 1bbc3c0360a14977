from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import check_for_language, ngettext
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from . import selectors
from .dashboard import panels_for
from .forms import ApiTokenForm
from .services import (
    api_token_create,
    api_token_revoke,
    api_tokens_revoke_on_password_change,
    user_language_set,
    user_work_seen,
)
from .types import SignedInRequest

#: The session's key for the previous visit "My work" counts what is new from.
WORK_SINCE = "recap_work_since"


@login_required
@require_GET
def dashboard(request: SignedInRequest) -> HttpResponse:
    """What awaits the person, role by role. What is new is counted from their last visit: the
    last time My work was shown in their previous session (`user.work_seen_at`), kept for the
    whole of this session, so that reloading the page does not make it old."""
    since = request.session.get(WORK_SINCE)
    if since is None:
        seen = request.user.work_seen_at
        request.session[WORK_SINCE] = seen.isoformat() if seen else ""
    else:
        request.user.work_seen_at = datetime.fromisoformat(since) if since else None
    user_work_seen(user=request.user)  # in the database only: this page still reads `since`
    panels = panels_for(request.user)
    other_roles = list(selectors.user_other_roles(user=request.user))
    return render(
        request,
        "accounts/dashboard.html",
        {
            "cities": selectors.user_city_access(user=request.user),
            "other_roles": other_roles,
            "panels": panels,
            "last_visit": request.user.work_seen_at,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: SignedInRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiTokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": selectors.api_token_list(user=request.user), "new_key": new_key},
    )


@login_required
@require_POST
def token_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_get(user=request.user, pk=pk)
    api_token_revoke(user=request.user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


class PasswordChange(auth_views.PasswordChangeView):
    """Django's password change, which also revokes the person's API tokens and says so."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        _tell_tokens_revoked(self.request, api_tokens_revoke_on_password_change(user=form.user))
        return response


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's reset by e-mail link, which also revokes the person's API tokens."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        _tell_tokens_revoked(self.request, api_tokens_revoke_on_password_change(user=form.user))
        return response


@method_decorator(
    ratelimit(key="ip", rate=lambda g, r: settings.RECAP_RESET_EMAIL_RATE, method="POST"),
    name="post",
)
@method_decorator(
    ratelimit(
        key=lambda g, r: r.POST.get("email", "").strip().lower()[:254],
        rate=lambda g, r: settings.RECAP_RESET_EMAIL_RATE,
        method="POST",
    ),
    name="post",
)
class PasswordReset(auth_views.PasswordResetView):
    """Django's reset request, limited per client address and per e-mail address, so nobody
    can flood a mailbox or the mail server through it."""


def _tell_tokens_revoked(request: HttpRequest, count: int) -> None:
    if count:
        messages.info(
            request,
            ngettext(
                "Your API token was revoked with the old password: make a new one if a tool "
                "still needs it.",
                "Your %(n)d API tokens were revoked with the old password: make new ones for "
                "the tools that still need them.",
                count,
            )
            % {"n": count},
        )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembering a signed-in person's choice for what the site
    sends them (e-mails)."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and check_for_language(language):
        user_language_set(user=request.user, language=language)
    return response
