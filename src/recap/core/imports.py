"""The upload → preview → confirm flow every spreadsheet import in the web UI shares.

The first POST carries the file: it is read and checked in full (`plan`); problems re-render the
page with every error and status 400, and nothing is written. A clean file renders a preview;
its checked rows wait on the server (`PendingImport`, bound to the person, the place it goes
into and the file's hash, for an hour). The second POST names only that preview, and `apply`
writes everything in one transaction, taking the preview with it: a second click finds nothing
left to confirm.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .services import pending_import_save, pending_import_take
from .signin import SignedInRequest
from .tabular import MAX_BYTES, TableError
from .uploads import upload_too_large


def upload_flow(
    request: SignedInRequest,
    *,
    form: Any,
    scope: str,
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
            with transaction.atomic():
                pending = pending_import_take(
                    user=request.user, scope=scope, reference=request.POST["confirm"]
                )
                if pending is None:
                    messages.error(
                        request,
                        _("This preview was already saved or has expired. Upload the file again."),
                    )
                    return redirect(retry_url)
                messages.success(request, apply(rebuild(pending.payload)))
        except ValidationError as exc:
            # Something changed between the preview and the confirmation (say, the
            # assessment was completed meanwhile): nothing was written, say why.
            messages.error(request, " ".join(exc.messages))
            return redirect(retry_url)
        return redirect(done_url)
    context = context | {"form": form, "max_mb": MAX_BYTES // (1024 * 1024)}
    if request.method == "POST" and upload_too_large(request):
        too_large = _("the file is larger than %(n)d MB") % {"n": MAX_BYTES // (1024 * 1024)}
        return render(request, template, context | {"errors": [too_large]}, status=413)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(MAX_BYTES + 1)
        try:
            checked = plan(data, upload.name)
        except TableError as exc:
            return render(request, template, context | {"errors": exc.errors}, status=400)
        pending = pending_import_save(
            user=request.user,
            scope=scope,
            filename=upload.name,
            data=data,
            payload=checked.__dict__,
        )
        context |= {"plan": checked, "pending": pending}
    return render(request, template, context, status=400 if form.errors else 200)
