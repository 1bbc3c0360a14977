from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from recap.accounts.types import SignedInRequest, signed_in

from .models import ProblemReport
from .services import problem_report_set_status


def _set_status(
    admin_obj: ProblemReportAdmin,
    request: SignedInRequest,
    qs: QuerySet[ProblemReport],
    status: str,
) -> None:
    for report in qs:
        problem_report_set_status(actor=request.user, report=report, status=status)
    count = qs.count()
    admin_obj.message_user(
        request,
        ngettext("%(n)d report updated.", "%(n)d reports updated.", count) % {"n": count},
        messages.SUCCESS,
    )


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin[ProblemReport]):
    list_display = ["created_at", "status", "short_message", "page", "email", "language"]
    list_filter = ["status", "language", "created_at"]
    search_fields = ["message", "email", "page"]
    readonly_fields = [
        "message",
        "email",
        "page",
        "language",
        "reporter",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields, "status", "triage_note"]
    actions = ["mark_in_progress", "mark_resolved", "mark_new"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ProblemReport, form: object, change: bool
    ) -> None:
        # Triage from the change form goes through the same audited service as the actions.
        assert signed_in(request), "the admin site lets only signed-in staff in"
        problem_report_set_status(
            actor=request.user, report=obj, status=obj.status, note=obj.triage_note
        )

    @admin.display(description=_("message"))
    def short_message(self, obj: ProblemReport) -> str:
        return obj.message if len(obj.message) <= 80 else obj.message[:79] + "…"

    @admin.action(description=_("Mark as in progress"))
    def mark_in_progress(self, request: SignedInRequest, qs: QuerySet[ProblemReport]) -> None:
        _set_status(self, request, qs, ProblemReport.Status.IN_PROGRESS)

    @admin.action(description=_("Mark as resolved"))
    def mark_resolved(self, request: SignedInRequest, qs: QuerySet[ProblemReport]) -> None:
        _set_status(self, request, qs, ProblemReport.Status.RESOLVED)

    @admin.action(description=_("Mark as new"))
    def mark_new(self, request: SignedInRequest, qs: QuerySet[ProblemReport]) -> None:
        _set_status(self, request, qs, ProblemReport.Status.NEW)
