from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from recap.accounts.access import Level, is_platform_admin
from recap.cities.policies import city_policy
from recap.core.tabular import MAX_BYTES, TableError
from recap.hazards.models import HazardType

from . import selectors
from .forms import CatalogueFilterForm, CatalogueUploadForm
from .services import ImportPlan, catalogue_export, catalogue_import_apply, catalogue_import_plan

SIGNING_SALT = "recap.catalogue.import"


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
        "hazard_names": dict(HazardType.objects.values_list("code", "name")),
    }
    template = "catalogue/partials/_results.html" if request.htmx else "catalogue/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_GET
def catalogue_detail(request: HttpRequest, code: str) -> HttpResponse:
    action = selectors.catalogue_get(code=code)
    hazards = {h.code: h for h in HazardType.objects.filter(code__in=action.hazards)}
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
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    content_type = (
        "text/csv; charset=utf-8"
        if file_format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(catalogue_export(file_format=file_format), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="recap-catalogue.{file_format}"'
    return response


@require_http_methods(["GET", "POST"])
def catalogue_upload(request: HttpRequest) -> HttpResponse:
    """Upload → preview every change → confirm. Only platform admins change the catalogue."""
    if not is_platform_admin(request.user):
        return (
            render(request, "403.html", status=403)
            if request.user.is_authenticated
            else redirect(f"/accounts/login/?next={request.path}")
        )
    if request.method == "POST" and "confirm" in request.POST:
        try:
            payload = signing.loads(request.POST["confirm"], salt=SIGNING_SALT, max_age=3600)
        except signing.BadSignature:
            messages.error(request, _("The preview expired. Upload the file again."))
            return redirect("catalogue:upload")
        plan = ImportPlan(**payload)
        catalogue_import_apply(plan=plan, actor=request.user)
        messages.success(
            request,
            _("Catalogue updated: %(c)d added, %(u)d changed.")
            % {"c": len(plan.created), "u": len(plan.updated)},
        )
        return redirect("catalogue:list")
    form = CatalogueUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form, "max_mb": MAX_BYTES // (1024 * 1024)}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(MAX_BYTES + 1)
        try:
            plan = catalogue_import_plan(data=data, filename=upload.name)
        except TableError as exc:
            context["errors"] = exc.errors
            return render(request, "catalogue/upload.html", context, status=400)
        context["plan"] = plan
        context["token"] = signing.dumps(plan.__dict__, salt=SIGNING_SALT, compress=True)
    return render(request, "catalogue/upload.html", context)
