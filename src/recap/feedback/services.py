from __future__ import annotations

from django.db import transaction

from recap.accounts.services import audit
from recap.accounts.types import Reader, User

from .models import ProblemReport


@transaction.atomic
def problem_report_create(
    *,
    message: str,
    email: str = "",
    page: str = "",
    language: str = "",
    reporter: Reader | None = None,
) -> ProblemReport:
    report = ProblemReport(
        message=message,
        email=email,
        page=page,
        language=language,
        reporter=reporter if reporter is not None and reporter.is_authenticated else None,
    )
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def problem_report_set_status(
    *, actor: User, report: ProblemReport, status: str, note: str | None = None
) -> ProblemReport:
    # The stored status: an admin form may already have changed `report` in memory.
    old = ProblemReport.objects.filter(pk=report.pk).values_list("status", flat=True).get()
    report.status = status
    if note is not None:
        report.triage_note = note
    report.full_clean()
    report.save(update_fields=["status", "triage_note", "updated_at"])
    audit(
        actor=actor, verb="problem_report.status", target=report, detail={"from": old, "to": status}
    )
    return report
