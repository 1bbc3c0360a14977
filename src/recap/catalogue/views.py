from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from recap.accounts.access import Level, is_platform_admin
from recap.accounts.types import signed_in
from recap.cities.policies import city_policy
from recap.core.downloads import requested_format, spreadsheet_response
from recap.core.imports import upload_flow
from recap.hazards.selectors import hazard_type_names, hazard_types_by_code

from . import selectors
from .forms import CatalogueFilterForm, CatalogueUploadForm
from .services import ImportPlan, catalogue_export, catalogue_import_apply, catalogue_import_plan


@require_GET
def catalogue_list(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    actions = selectors.catalogue_search(
        query=filters.get("q", ""),
        sector=filters.get("sector", ""),
        hazard=filters.get("hazard", ""),
        phase=filters.get("phase", ""),
        cost=filters.get("cost", ""),
    )
    context = {
        "form": form,
        "actions": actions,
        "hazard_names": hazard_type_names(),
    }
    template = "catalogue/partials/_results.html" if request.htmx else "catalogue/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_GET
def catalogue_detail(request: HttpRequest, code: str) -> HttpResponse:
    action = selectors.catalogue_get(code=code)
    hazards = hazard_types_by_code(action.hazards)
    editable = (
        city_policy.queryset(request.user, Level.EDIT).order_by("name")
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "catalogue/detail.html",
        {
            "action": action,
            "editable_cities": editable,
            "hazard_rows": [
                (hazards.get(c), c, e)
                for c, e in sorted(action.hazards.items(), key=lambda x: -x[1])
            ],
        },
    )


@require_GET
def catalogue_download(request: HttpRequest) -> HttpResponse:
    file_format = requested_format(request)
    return spreadsheet_response(
        catalogue_export(file_format=file_format), file_format=file_format, stem="recap-catalogue"
    )


@require_http_methods(["GET", "POST"])
def catalogue_upload(request: HttpRequest) -> HttpResponse:
    """Upload → preview every change → confirm. Only platform admins change the catalogue."""
    if not signed_in(request):
        return redirect(f"{reverse('login')}?next={request.path}")
    if not is_platform_admin(request.user):
        return render(request, "403.html", status=403)

    def apply(plan: ImportPlan) -> str:
        catalogue_import_apply(plan=plan, actor=request.user)
        return _("Catalogue updated: %(c)d added, %(u)d changed.") % {
            "c": len(plan.created),
            "u": len(plan.updated),
        }

    return upload_flow(
        request,
        form=CatalogueUploadForm(request.POST or None, request.FILES or None),
        scope="catalogue",
        plan=lambda data, name: catalogue_import_plan(data=data, filename=name),
        rebuild=lambda payload: ImportPlan(**payload),
        apply=apply,
        template="includes/upload.html",
        context={
            "back_url": reverse("catalogue:list"),
            "back_label": _("Action catalogue"),
            "heading": _("Import the catalogue"),
        },
        done_url=reverse("catalogue:list"),
        retry_url=reverse("catalogue:upload"),
    )
