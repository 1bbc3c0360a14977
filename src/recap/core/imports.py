"""The upload → preview → confirm flow every spreadsheet import in the web UI shares.

The first POST carries the file: it is read and checked in full (`plan`); problems re-render the
page with every error and status 400, and nothing is written. A clean file renders a preview
and a signed token holding the checked rows. The second POST carries only that token (signed
per city, valid for an hour), and `apply` writes everything in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .tabular import MAX_BYTES, TableError


def upload_flow(
    request: HttpRequest,
    *,
    form: Any,
    salt: str,
    plan: Callable[[bytes, str], Any],
    rebuild: Callable[[dict[str, Any]], Any],
    apply: Callable[[Any], str],
    template: str,
    context: dict[str, Any],
    done_url: str,
    retry_url: str,
) -> HttpResponse:
    if request.method == "POST" and "confirm" in request.POST:
        try:
            payload = signing.loads(request.POST["confirm"], salt=salt, max_age=3600)
        except signing.BadSignature:
            messages.error(request, _("The preview expired. Upload the file again."))
            return redirect(retry_url)
        try:
            messages.success(request, apply(rebuild(payload)))
        except ValidationError as exc:
            # Something changed between the preview and the confirmation (say, the
            # assessment was completed meanwhile): nothing was written, say why.
            messages.error(request, " ".join(exc.messages))
            return redirect(retry_url)
        return redirect(done_url)
    context = context | {"form": form, "max_mb": MAX_BYTES // (1024 * 1024)}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            checked = plan(upload.read(MAX_BYTES + 1), upload.name)
        except TableError as exc:
            return render(request, template, context | {"errors": exc.errors}, status=400)
        token = signing.dumps(checked.__dict__, salt=salt, compress=True)
        context |= {"plan": checked, "token": token}
    return render(request, template, context, status=400 if form.errors else 200)
