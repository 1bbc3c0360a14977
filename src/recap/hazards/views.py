from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.core.downloads import requested_format, spreadsheet_response
from recap.core.imports import upload_flow

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


@login_required
@require_GET
def register(request: SignedInRequest, slug: str) -> HttpResponse:
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
def add(request: SignedInRequest, slug: str) -> HttpResponse:
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
def edit(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
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
def remove(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
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
def history(request: SignedInRequest, slug: str) -> HttpResponse:
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
def restore(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    version = selectors.city_hazard_version_get(user=request.user, city=city, pk=pk)
    city_hazard_restore(actor=request.user, version=version)
    messages.success(
        request, _("“%(name)s” was restored to that state.") % {"name": version.hazard.name}
    )
    return redirect("hazards:register", slug=city.slug)


@login_required
@require_GET
def download(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    file_format = requested_format(request)
    return spreadsheet_response(
        register_export(city, file_format=file_format),
        file_format=file_format,
        stem=f"{city.slug}-hazards",
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)

    def apply(plan: RegisterPlan) -> str:
        register_import_apply(city, plan=plan, actor=request.user)
        return _("Register updated: %(a)d added, %(c)d changed.") % {
            "a": len(plan.added),
            "c": len(plan.changed),
        }

    return upload_flow(
        request,
        form=RegisterUploadForm(request.POST or None, request.FILES or None),
        scope=f"hazards.register.{city.pk}",
        plan=lambda data, name: register_import_plan(city, data=data, filename=name),
        rebuild=lambda payload: RegisterPlan(**payload),
        apply=apply,
        template="includes/upload.html",
        context={
            "back_url": reverse("hazards:register", kwargs={"slug": city.slug}),
            "back_label": city.name,
            "heading": _("Import the register"),
        },
        done_url=reverse("hazards:register", kwargs={"slug": city.slug}),
        retry_url=reverse("hazards:upload", kwargs={"slug": city.slug}),
    )
