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
from recap.core.forms import SpreadsheetUploadForm
from recap.core.imports import upload_flow

from . import selectors
from .charts import compare_chart, profile_chart
from .forms import AnswersForm, AssessmentStartForm
from .models import Assessment
from .services import answers_save, assessment_complete, assessment_start
from .spreadsheet import AnswersPlan, answers_export, answers_import_apply, answers_import_plan


@login_required
@require_http_methods(["GET", "POST"])
def assessment_list(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    form = AssessmentStartForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
        if form is not None and form.is_valid():
            assessment = assessment_start(actor=request.user, city=city, **form.cleaned_data)
            messages.success(request, _("The assessment was started."))
            return redirect("assessments:answer", slug=city.slug, pk=assessment.pk)
    items = selectors.assessment_list(user=request.user, city=city)
    return render(
        request,
        "assessments/list.html",
        {"city": city, "assessments": items, "form": form, "can_edit": can_edit},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_GET
def assessment_detail(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    assessment = selectors.assessment_get(user=request.user, city=city, pk=pk)
    results = selectors.dimension_results(assessment)
    others = [
        a
        for a in selectors.assessment_list(user=request.user, city=city)
        if a.pk != assessment.pk and a.framework_id == assessment.framework_id
    ]
    return render(
        request,
        "assessments/detail.html",
        {
            "city": city,
            "assessment": assessment,
            "results": results,
            "chart": profile_chart(assessment, results),
            "gaps": selectors.gaps(assessment),
            "others": others,
            "can_edit": city_policy.allows(request.user, city, Level.EDIT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_answer(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    assessment = selectors.assessment_get(user=request.user, city=city, pk=pk)
    if assessment.status == Assessment.Status.COMPLETED:
        messages.info(
            request, _("This assessment is completed; start a new one to record changes.")
        )
        return redirect("assessments:detail", slug=city.slug, pk=assessment.pk)
    form = AnswersForm(request.POST if request.method == "POST" else None, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        answers_save(actor=request.user, assessment=assessment, answers=form.answers())
        if "complete" in request.POST:
            try:
                assessment_complete(actor=request.user, assessment=assessment)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("assessments:answer", slug=city.slug, pk=assessment.pk)
            messages.success(request, _("The assessment is completed."))
        else:
            messages.success(request, _("Your answers were saved."))
        return redirect("assessments:detail", slug=city.slug, pk=assessment.pk)
    return render(
        request,
        "assessments/answer.html",
        {"city": city, "assessment": assessment, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def assessment_compare(request: SignedInRequest, slug: str, pk: int, other: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    after = selectors.assessment_get(user=request.user, city=city, pk=pk)
    before = selectors.assessment_get(user=request.user, city=city, pk=other)
    if before.framework_id != after.framework_id:
        messages.error(request, _("Only assessments on the same framework can be compared."))
        return redirect("assessments:detail", slug=city.slug, pk=after.pk)
    rows = selectors.compare(before, after)
    chart = compare_chart(before, after, rows)
    return render(
        request,
        "assessments/compare.html",
        {"city": city, "before": before, "after": after, "rows": rows, "chart": chart},
    )


@login_required
@require_POST
def assessment_complete_view(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    assessment = selectors.assessment_get(user=request.user, city=city, pk=pk)
    try:
        assessment_complete(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The assessment is completed."))
    return redirect("assessments:detail", slug=city.slug, pk=assessment.pk)


@login_required
@require_GET
def assessment_download(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    assessment = selectors.assessment_get(user=request.user, city=city, pk=pk)
    file_format = requested_format(request)
    return spreadsheet_response(
        answers_export(assessment, file_format=file_format),
        file_format=file_format,
        stem=f"{city.slug}-assessment-{assessment.pk}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_upload(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    assessment = selectors.assessment_get(user=request.user, city=city, pk=pk)

    def apply(plan: AnswersPlan) -> str:
        answers_import_apply(assessment, plan=plan, actor=request.user)
        return _("Your answers were saved.")

    back = reverse("assessments:detail", kwargs={"slug": city.slug, "pk": assessment.pk})
    return upload_flow(
        request,
        form=SpreadsheetUploadForm(request.POST or None, request.FILES or None),
        scope=f"assessments.answers.{assessment.pk}",
        plan=lambda data, name: answers_import_plan(assessment, data=data, filename=name),
        rebuild=lambda payload: AnswersPlan(**payload),
        apply=apply,
        template="includes/upload.html",
        context={"back_url": back, "back_label": assessment.title, "heading": _("Import answers")},
        done_url=back,
        retry_url=reverse("assessments:upload", kwargs={"slug": city.slug, "pk": assessment.pk}),
    )
