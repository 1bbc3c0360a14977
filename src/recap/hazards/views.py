from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recap.accounts.access import Level
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.core.tabular import MAX_BYTES, TableError

from . import selectors
from .forms import CityHazardForm, RegisterUploadForm
from .services import (
    FIELDS,
    city_hazard_add,
    city_hazard_remove,
    city_hazard_restore,
    city_hazard_update,
)
from .spreadsheet import RegisterPlan, register_export, register_import_apply, register_import_plan

SALT = "recap.hazards.import"


@login_required
@require_GET
def register(request: HttpRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    entries = selectors.city_hazard_list(user=request.user, city=city)
    return render(
        request,
        "hazards/register.html",
        {
            "city": city,
            "entries": entries,
            "matrix": selectors.risk_matrix(entries),
            "can_edit": city_policy.allows(request.user, city, Level.EDIT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def add(request: HttpRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    form = CityHazardForm(
        request.POST or None, available=selectors.hazard_types_available(city=city)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            city_hazard_add(actor=request.user, city=city, hazard=data.pop("hazard"), **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The hazard was added to the register."))
            return redirect("hazards:register", slug=city.slug)
    return render(
        request,
        "hazards/form.html",
        {"city": city, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    entry = selectors.city_hazard_get(user=request.user, city=city, pk=pk)
    form = CityHazardForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        city_hazard_update(
            actor=request.user, entry=entry, **{f: form.cleaned_data[f] for f in FIELDS}
        )
        messages.success(request, _("The register entry was saved."))
        return redirect("hazards:register", slug=city.slug)
    return render(
        request,
        "hazards/form.html",
        {"city": city, "form": form, "entry": entry},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    entry = selectors.city_hazard_get(user=request.user, city=city, pk=pk)
    city_hazard_remove(actor=request.user, entry=entry)
    messages.success(
        request,
        _("“%(name)s” was removed; it can be restored from the history.")
        % {"name": entry.hazard.name},
    )
    return redirect("hazards:register", slug=city.slug)


@login_required
@require_GET
def history(request: HttpRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    return render(
        request,
        "hazards/history.html",
        {
            "city": city,
            "versions": selectors.city_hazard_history(user=request.user, city=city)[:200],
            "can_edit": city_policy.allows(request.user, city, Level.EDIT),
        },
    )


@login_required
@require_POST
def restore(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    version = selectors.city_hazard_version_get(user=request.user, city=city, pk=pk)
    city_hazard_restore(actor=request.user, version=version)
    messages.success(
        request, _("“%(name)s” was restored to that state.") % {"name": version.hazard.name}
    )
    return redirect("hazards:register", slug=city.slug)


@login_required
@require_GET
def download(request: HttpRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    content_type = (
        "text/csv; charset=utf-8"
        if file_format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(
        register_export(city, file_format=file_format), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{city.slug}-hazards.{file_format}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    if request.method == "POST" and "confirm" in request.POST:
        try:
            payload = signing.loads(request.POST["confirm"], salt=f"{SALT}.{city.pk}", max_age=3600)
        except signing.BadSignature:
            messages.error(request, _("The preview expired. Upload the file again."))
            return redirect("hazards:upload", slug=city.slug)
        plan = RegisterPlan(**payload)
        register_import_apply(city, plan=plan, actor=request.user)
        messages.success(
            request,
            _("Register updated: %(a)d added, %(c)d changed.")
            % {"a": len(plan.added), "c": len(plan.changed)},
        )
        return redirect("hazards:register", slug=city.slug)
    form = RegisterUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"city": city, "form": form, "max_mb": MAX_BYTES // (1024 * 1024)}
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            plan = register_import_plan(
                city, data=upload_file.read(MAX_BYTES + 1), filename=upload_file.name
            )
        except TableError as exc:
            context["errors"] = exc.errors
            return render(request, "hazards/upload.html", context, status=400)
        context["plan"] = plan
        context["token"] = signing.dumps(plan.__dict__, salt=f"{SALT}.{city.pk}", compress=True)
    return render(request, "hazards/upload.html", context)
