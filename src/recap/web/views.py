from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from recap.cities.selectors import office_directory, programme_current
from recap.feedback.forms import ProblemReportForm
from recap.feedback.services import problem_report_create
from recap.tracking.progress import public_results
from recap.tracking.selectors import programme_progress


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    programme = programme_current()
    progress = programme_progress(programme=programme) if programme else None
    results = public_results(programme) if programme else []
    return render(
        request,
        "web/home.html",
        {"programme": programme, "progress": progress, "results": results},
    )


@require_GET
def offices(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    groups = office_directory(query=query)
    # Each office's contact details name their source; the sources are listed once, below.
    sources = sorted({o.contact_source for _, offices in groups for o in offices} - {""})
    context = {"groups": groups, "query": query, "sources": sources}
    template = "web/partials/_offices.html" if request.htmx else "web/offices.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@ratelimit(  # type: ignore[untyped-decorator]
    key="ip", rate=lambda group, request: settings.RECAP_FEEDBACK_RATE, method="POST", block=True
)
def report_problem(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ProblemReportForm(request.POST)
        if form.is_valid():
            problem_report_create(
                message=form.cleaned_data["message"],
                email=form.cleaned_data["email"],
                page=form.cleaned_data["page"],
                language=get_language() or "",
                reporter=request.user,
            )
            messages.success(request, _("Thank you. Your report reached the ReCAP team."))
            back = form.cleaned_data["page"]
            if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect("web:report_problem")
        status = 400
    else:
        page = request.GET.get("from", "")
        form = ProblemReportForm(initial={"page": page})
        status = 200
    return render(request, "web/report_problem.html", {"form": form}, status=status)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/429.html", status=429)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", status=403)
