"""The city's implementation reports: the list of those issued (each as PDF and XLSX, in
English and French), the coordinator's form to issue one as of a day, and the files. A report
is frozen when issued (`implementation.reports`); its files are drawn from its snapshot."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models.fields.json import KeyTransform
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.models import City
from recap.cities.selectors import city_get_for_user
from recap.core.forms import add_service_errors
from recap.core.rates import WRITE_RATE
from recap.core.rendering import document_download

from .. import selectors
from ..models import ImplementationPlan, ImplementationReport
from ..policies import may_coordinate
from ..reports import report_issue as issue
from ..reports import report_pdf, report_xlsx

FORMATS = ("pdf", "xlsx")


class IssueForm(forms.Form):
    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        help_text=gettext_lazy(
            "The day the report is as of: today or earlier, not before the latest report."
        ),
    )


def _plan(
    request: HttpRequest, slug: str, level: Level = Level.VIEW
) -> tuple[City, ImplementationPlan]:
    city = city_get_for_user(user=request.user, slug=slug, level=level)
    plan = selectors.plan_of(city)
    if plan is None:
        raise Http404("No implementation plan")
    return city, plan


def _page(
    request: HttpRequest, city: City, plan: ImplementationPlan, form: IssueForm, status: int = 200
) -> HttpResponse:
    reports = []
    issued = (
        plan.reports.select_related("issued_by")
        .defer("snapshot")  # the counts are all the list shows of it
        .annotate(counts=KeyTransform("counts", "snapshot"))
        .order_by("-as_of", "-pk")
    )
    for report in issued:
        counts = dict(report.counts or [])
        late = counts.get("delayed", 0) + counts.get("at_risk", 0)
        reports.append((report, late, counts.get("done", 0)))
    return render(
        request,
        "implementation/reports.html",
        {
            "city": city,
            "plan": plan,
            "reports": reports,
            "form": form,
            "can_issue": may_coordinate(request.user, city),
        },
        status=status,
    )


@login_required
@require_GET
def report_list(request: SignedInRequest, slug: str) -> HttpResponse:
    city, plan = _plan(request, slug)
    return _page(request, city, plan, IssueForm(initial={"as_of": timezone.localdate()}))


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def report_issue(request: SignedInRequest, slug: str) -> HttpResponse:
    city, plan = _plan(request, slug, Level.COORDINATE)
    form = IssueForm(request.POST)
    if form.is_valid():
        try:
            report = issue(actor=request.user, plan=plan, as_of=form.cleaned_data["as_of"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Report issued. It will not change from now on."))
            return redirect(
                reverse("implementation:reports", args=[city.slug]) + f"#report-{report.pk}"
            )
    return _page(request, city, plan, form, status=400)


@login_required
@require_GET
def report_file(request: SignedInRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such format")
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    report = get_object_or_404(
        ImplementationReport.objects.select_related("issued_by"), pk=pk, plan__city=city
    )
    draw = report_pdf if fmt == "pdf" else report_xlsx
    return document_download(
        request,
        lambda language: draw(report, language=language),
        stem=f"{city.slug}-implementation-{report.as_of.isoformat()}",
        kind="pdf" if fmt == "pdf" else "xlsx",
    )
