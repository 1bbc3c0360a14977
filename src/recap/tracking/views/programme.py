"""The programme's own pages of monitoring: its trainings (each with its attendance, imported
from a sheet, and its learning gain), its donor reports (issued, then frozen) and its IATI
activity file. The programme's manager writes; its reviewers read."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from recap.accounts.types import SignedInRequest
from recap.core.downloads import (
    generated_response,
    requested_format,
    spreadsheet_response,
)
from recap.core.forms import add_service_errors
from recap.core.imports import upload_flow
from recap.core.rates import WRITE_RATE
from recap.core.rendering import document_download
from recap.core.tabular import write_csv
from recap.core.uploads import upload_too_large
from recap.pipeline.selectors import programme_read_by

from .. import selectors
from ..attendance_sheet import attendance_rows, attendance_workbook
from ..forms import AttendanceUploadForm, FrameworkUploadForm, ReportForm, TrainingForm
from ..iati import (
    NotConfigured,
    activity_identifier,
    activity_xml,
    ruleset_problems,
    schema_problems,
)
from ..models import DonorReport, Training
from ..policies import is_programme_manager
from ..reports import report_issue, report_pdf, report_xlsx
from ..selectors import framework_dump
from ..services import FRAMEWORK_MAX_BYTES, framework_upload
from ..trainings import (
    ATTENDANCE,
    AttendancePlan,
    attendance_apply,
    attendance_plan,
    learning_gain,
    training_save,
)


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def trainings(request: SignedInRequest) -> HttpResponse:
    programme = programme_read_by(request.user)
    can_edit = is_programme_manager(request.user, programme)
    form = TrainingForm(request.POST or None, programme=programme)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the programme's manager records trainings."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                training = _save(request, programme, data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Training recorded: now add its attendance."))
                return redirect("results:training", pk=training.pk)
    sessions = selectors.programme_trainings(programme=programme)
    rows = [
        (t, sum(p.count for p in t.attendance.all()), learning_gain(list(t.attendance.all())))
        for t in sessions
    ]
    return render(
        request,
        "tracking/trainings.html",
        {"programme": programme, "rows": rows, "form": form, "can_edit": can_edit},
        status=400 if request.method == "POST" else 200,
    )


def _save(
    request: SignedInRequest, programme: Any, data: dict[str, Any], training: Any = None
) -> Any:
    return training_save(
        actor=request.user,
        programme=programme,
        data={
            "title": data["title"],
            "held_on": data["held_on"],
            "mode": data["mode"],
            "trainers": data["trainers"],
            "topics": data["topics"],
            "cities": list(data["cities"]),
        },
        training=training,
    )


def _training(request: SignedInRequest, pk: int) -> tuple[Any, Training]:
    programme = programme_read_by(request.user)
    return programme, selectors.training_get(programme=programme, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def training_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    programme, training = _training(request, pk)
    can_edit = is_programme_manager(request.user, programme)
    form = TrainingForm(
        request.POST or None,
        instance=training,
        programme=programme,
        initial={"cities": list(training.cities.all())},
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the programme's manager records trainings."))
        if form.is_valid():
            try:
                _save(request, programme, form.cleaned_data, training)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("results:training", pk=training.pk)
        training.refresh_from_db()
    people = list(training.attendance.select_related("city").order_by("city__name", "pk"))
    return render(
        request,
        "tracking/training.html",
        {
            "programme": programme,
            "training": training,
            "people": people,
            "headcount": sum(p.count for p in people),
            "gain": learning_gain(people),
            "form": form,
            "can_edit": can_edit,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def attendance_template(request: SignedInRequest, pk: int) -> HttpResponse:
    """The attendance sheet to fill in, with this session's rows if it has some: drop-downs
    and an Instructions sheet in the XLSX (`attendance_sheet`)."""
    _programme, training = _training(request, pk)
    rows = attendance_rows(training)
    file_format = requested_format(request)
    content = (
        write_csv(ATTENDANCE, rows) if file_format == "csv" else attendance_workbook(training, rows)
    )
    return spreadsheet_response(
        content, file_format=file_format, stem=f"attendance-{training.held_on:%Y-%m-%d}"
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def attendance_upload(request: SignedInRequest, pk: int) -> HttpResponse:
    programme, training = _training(request, pk)
    if not is_programme_manager(request.user, programme):
        raise PermissionDenied(_("Only the programme's manager records trainings."))

    def apply(plan: AttendancePlan) -> str:
        people = attendance_apply(actor=request.user, training=training, plan=plan)
        return _("Attendance saved: %(n)d people.") % {"n": people}

    back = reverse("results:training", kwargs={"pk": training.pk})
    return upload_flow(
        request,
        form=AttendanceUploadForm(request.POST or None, request.FILES or None),
        scope=f"tracking.attendance.{training.pk}",
        plan=lambda data, name: attendance_plan(training, data, name),
        rebuild=lambda payload: AttendancePlan(**payload),
        apply=apply,
        template="tracking/attendance_upload.html",
        context={"back_url": back, "back_label": training.title, "training": training},
        done_url=back,
        retry_url=reverse("results:attendance", kwargs={"pk": training.pk}),
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate="30/h", method="POST", block=True)  # type: ignore[untyped-decorator]
def reports(request: SignedInRequest) -> HttpResponse:
    programme = programme_read_by(request.user)
    can_issue = is_programme_manager(request.user, programme)
    form = ReportForm(
        request.POST or None,
        initial={"period_start": programme.start_date, "period_end": timezone.localdate()},
    )
    if request.method == "POST":
        if not can_issue:
            raise PermissionDenied(_("Only the programme's manager issues reports."))
        if form.is_valid():
            try:
                report = report_issue(
                    actor=request.user,
                    programme=programme,
                    start=form.cleaned_data["period_start"],
                    end=form.cleaned_data["period_end"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Report issued. It will not change from now on."))
                return redirect(reverse("results:reports") + f"#report-{report.pk}")
    return render(
        request,
        "tracking/reports.html",
        {
            "programme": programme,
            "reports": programme.donor_reports.select_related("issued_by"),
            "form": form,
            "can_issue": can_issue,
            "iati_identifier": activity_identifier(programme),
        },
        status=400 if request.method == "POST" else 200,
    )


def _report(request: SignedInRequest, pk: int) -> DonorReport:
    programme = programme_read_by(request.user)
    return selectors.report_get(programme=programme, pk=pk)


@login_required
@require_GET
def report_pdf_view(request: SignedInRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    return document_download(
        request,
        lambda language: report_pdf(report, language=language),
        stem=f"report-{report.period_start}-{report.period_end}",
        kind="pdf",
    )


@login_required
@require_GET
def report_xlsx_view(request: SignedInRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    return document_download(
        request,
        lambda language: report_xlsx(report, language=language),
        stem=f"report-{report.period_start}-{report.period_end}",
        kind="xlsx",
    )


@login_required
@require_GET
def iati_view(request: SignedInRequest) -> HttpResponse:
    """The programme as an IATI 2.03 activity, checked against the standard's schema and
    ruleset first; refused while the deployment has not said who publishes it."""
    programme = programme_read_by(request.user)
    try:
        xml = activity_xml(programme)
    except NotConfigured as exc:  # the platform's set-up, never the reader's: a clean refusal
        return render(
            request,
            "tracking/iati_refused.html",
            {"programme": programme, "problems": [str(exc)]},
            status=503,
        )
    problems = schema_problems(xml) + ruleset_problems(xml)
    if problems:  # a fault of ReCAP's, never the reader's: say so rather than hand out bad XML
        return render(
            request,
            "tracking/iati_refused.html",
            {"programme": programme, "problems": problems[:20]},
            status=500,
        )
    return generated_response(
        xml,
        filename=f"{programme.slug}-iati-activity.xml",
        content_type="application/xml; charset=utf-8",
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate="30/h", method="POST", block=True)  # type: ignore[untyped-decorator]
def framework(request: SignedInRequest) -> HttpResponse:
    """The results framework: read by the programme's people, downloaded as the file it loads
    from, and replaced by its manager with a changed file (checked in full; nothing written
    unless all of it is right)."""
    programme = programme_read_by(request.user)
    if request.GET.get("format") == "json":
        return generated_response(
            json.dumps(framework_dump(programme), ensure_ascii=False, indent=2),
            filename=f"{programme.slug}-framework.json",
            content_type="application/json; charset=utf-8",
        )
    can_edit = is_programme_manager(request.user, programme)
    form = FrameworkUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the programme's manager changes its results framework."))
        if upload_too_large(request):
            errors = [_("The file is larger than 5 MB.")]
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                count = framework_upload(
                    actor=request.user,
                    programme=programme,
                    data=upload.read(FRAMEWORK_MAX_BYTES + 1),
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("Framework saved: %(n)d indicators.") % {"n": count})
                return redirect("results:framework")
    outcomes = selectors.framework_outcomes(programme=programme)
    return render(
        request,
        "tracking/framework.html",
        {
            "programme": programme,
            "outcomes": outcomes,
            "form": form,
            "errors": errors,
            "can_edit": can_edit,
        },
        status=400 if request.method == "POST" else 200,
    )
