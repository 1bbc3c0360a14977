from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.core.downloads import requested_format, spreadsheet_response
from recap.core.forms import SpreadsheetUploadForm
from recap.core.imports import upload_flow
from recap.engine.value import DEFAULT_WEIGHTS
from recap.hazards.selectors import hazard_type_names

from . import candidates as svc
from . import selectors
from .candidate_forms import CandidateForm
from .candidate_sheet import (
    CandidatePlan,
    candidate_export,
    candidate_import_apply,
    candidate_import_plan,
)
from .selectors import catalogue_get

CRITERION_LABELS = {
    "resilience": gettext_lazy("Resilience"),
    "economy": gettext_lazy("Economy and jobs"),
    "equity": gettext_lazy("Equity"),
    "climate": gettext_lazy("Climate"),
    "health": gettext_lazy("Health preparedness"),
    "feasibility": gettext_lazy("Feasibility"),
}


@login_required
@require_GET
def candidate_list(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    valued = selectors.candidate_values(
        candidates=selectors.candidate_list(user=request.user, city=city), city=city
    )
    return render(
        request,
        "catalogue/candidates/list.html",
        {
            "city": city,
            "valued": valued,
            "can_edit": city_policy.allows(request.user, city, Level.EDIT),
            # The default weights as shares of 100, as the page states them.
            "weights": {
                c: round(100 * w / sum(DEFAULT_WEIGHTS.values()))
                for c, w in DEFAULT_WEIGHTS.items()
            },
        },
    )


@login_required
@require_GET
def candidate_detail(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    candidate = selectors.candidate_get(user=request.user, city=city, pk=pk)
    valued = selectors.candidate_values(candidates=[candidate], city=city)[0]
    names = hazard_type_names(valued.breakdown["hazards"])
    hazard_rows = [(names.get(code, code), h) for code, h in valued.breakdown["hazards"].items()]
    criterion_rows = [
        (CRITERION_LABELS[name], part) for name, part in valued.breakdown["criteria"].items()
    ]
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    return render(
        request,
        "catalogue/candidates/detail.html",
        {
            "hazard_rows": hazard_rows,
            "criterion_rows": criterion_rows,
            "city": city,
            "c": candidate,
            "valued": valued,
            "can_edit": can_edit,
            # Shown before anyone presses Withdraw: what keeps the action on the list.
            "blockers": svc.candidate_withdraw_blockers(candidate) if can_edit else [],
        },
    )


@login_required
@require_POST
def candidate_adopt(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    source = catalogue_get(code=request.POST.get("code", "")[:20])
    try:
        candidate = svc.candidate_adopt(actor=request.user, city=city, source=source)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("catalogue:detail", code=source.code)
    messages.success(
        request,
        _("%(code)s is now a candidate action of %(city)s.")
        % {"code": source.code, "city": city.name},
    )
    return redirect("candidates:detail", slug=city.slug, pk=candidate.pk)


@login_required
@require_http_methods(["GET", "POST"])
def candidate_new(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    form = CandidateForm(request.POST or None, city=city)
    if request.method == "POST" and form.is_valid():
        values = {
            k: v
            for k, v in form.cleaned_data.items()
            if not k.startswith("hazard__") and k != "code"
        }
        try:
            candidate = svc.candidate_create(
                actor=request.user,
                city=city,
                code=form.cleaned_data["code"],
                hazards=form.hazards_value(),
                **values,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The candidate action was added."))
            return redirect("candidates:detail", slug=city.slug, pk=candidate.pk)
    return render(
        request,
        "catalogue/candidates/form.html",
        {"city": city, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidate_edit(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    candidate = selectors.candidate_get(user=request.user, city=city, pk=pk)
    form = CandidateForm(request.POST or None, instance=candidate, city=city)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if not k.startswith("hazard__")}
        svc.candidate_update(
            actor=request.user, candidate=candidate, hazards=form.hazards_value(), **values
        )
        messages.success(request, _("The candidate action was saved."))
        return redirect("candidates:detail", slug=city.slug, pk=candidate.pk)
    return render(
        request,
        "catalogue/candidates/form.html",
        {"city": city, "form": form, "c": candidate},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def candidate_remove(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    """Withdraw a candidate from the city's list (the route keeps its first name, "remove");
    a refusal names every reason on the candidate's page, nothing changed."""
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    candidate = selectors.candidate_get(user=request.user, city=city, pk=pk)
    try:
        svc.candidate_withdraw(
            actor=request.user, candidate=candidate, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("candidates:detail", slug=city.slug, pk=candidate.pk)
    messages.success(
        request,
        _("%(code)s was withdrawn from the candidate actions.") % {"code": candidate.code},
    )
    return redirect("candidates:list", slug=city.slug)


@login_required
@require_GET
def candidate_download(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    file_format = requested_format(request)
    return spreadsheet_response(
        candidate_export(city, file_format=file_format),
        file_format=file_format,
        stem=f"{city.slug}-candidates",
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidate_upload(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)

    def apply(plan: CandidatePlan) -> str:
        candidate_import_apply(city, plan=plan, actor=request.user)
        return _("Candidate actions updated: %(a)d added, %(c)d changed.") % {
            "a": len(plan.added),
            "c": len(plan.changed),
        }

    back = reverse("candidates:list", kwargs={"slug": city.slug})
    return upload_flow(
        request,
        form=SpreadsheetUploadForm(request.POST or None, request.FILES or None),
        scope=f"catalogue.candidates.{city.pk}",
        plan=lambda data, name: candidate_import_plan(city, data=data, filename=name),
        rebuild=lambda payload: CandidatePlan(**payload),
        apply=apply,
        template="includes/upload.html",
        context={
            "back_url": back,
            "back_label": city.name,
            "heading": _("Import candidate actions"),
        },
        done_url=back,
        retry_url=reverse("candidates:upload", kwargs={"slug": city.slug}),
    )
