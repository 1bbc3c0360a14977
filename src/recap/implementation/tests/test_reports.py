"""The city's implementation report: frozen when issued (the PDF and the XLSX drawn from the
snapshot alone), what changed since the previous report and not before it, French words and
dates in the French files whoever issued it, real date cells, and the forbidden paths: the
wrong role, another city, a day in the future, before the plan, twice the same day."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from recap.accounts.models import AuditEvent, Membership, Role, User
from recap.core.tests.racing import needs_postgres, race
from recap.implementation import reports, services
from recap.implementation.models import (
    ImplementationPlan,
    ImplementationReport,
    Milestone,
    PlanAction,
    PlanChange,
)
from recap.implementation.reports import report_issue, report_pdf, report_xlsx
from recap.testing import World, make_user
from recap.tracking.models import Indicator
from recap.tracking.services import framework_load_shipped

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)
TODAY = timezone.localdate()
#: The plan started well before today, so reports can be as of past days.
STARTS = TODAY - 400 * DAY
BASE = "/cities/kigali/workspace/implementation/reports/"


def pdf_text(pdf: bytes) -> str:
    """The PDF's words, lines and pages joined by single spaces (a cell wraps its text)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


FRENCH_MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
)
#: How English dates are written (Django's "N j, Y": the Associated Press's months).
ENGLISH_MONTHS = "Jan. Feb. March April May June July Aug. Sept. Oct. Nov. Dec."


def french_day(day: datetime.date) -> str:
    return f"{day.day} {FRENCH_MONTHS.split()[day.month - 1]} {day.year}"


def english_day(day: datetime.date) -> str:
    return f"{ENGLISH_MONTHS.split()[day.month - 1]} {day.day}, {day.year}"


def sheet_rows(xlsx: bytes, name: str) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(xlsx))
    return [[c.value for c in row] for row in book[name].iter_rows()]


def started_earlier(plan: ImplementationPlan) -> ImplementationPlan:
    """The plan as if endorsed 400 days ago (its windows moved with it)."""
    ImplementationPlan.objects.filter(pk=plan.pk).update(
        starts=STARTS,
        short_term_ends=STARTS + 730 * DAY,
        medium_term_ends=STARTS + 1800 * DAY,
    )
    plan.refresh_from_db()
    return plan


def action(plan: ImplementationPlan, code: str) -> PlanAction:
    return plan.actions.select_related("candidate").get(code=code)


def plan_dates(
    world: World, a: PlanAction, start: datetime.date, end: datetime.date, **kw: Any
) -> PlanAction:
    return services.action_plan(
        actor=world.users["editor_a"],
        action=a,
        values={"planned_start": start, "planned_end": end, **kw.pop("values", {})},
        **kw,
    )


def rajshahi_coordinator(world: World) -> User:
    user = make_user("rajshahi_coordinator")
    Membership.objects.create(user=user, role=Role.CITY_COORDINATOR, city=world.city_b)
    return user


def test_a_report_is_frozen_when_issued(world: World, plan: ImplementationPlan) -> None:
    plan = started_earlier(plan)
    editor, coordinator = world.users["editor_a"], world.users["coordinator_a"]
    drains = plan_dates(
        world,
        action(plan, "DRM-01"),
        STARTS,
        STARTS + 600 * DAY,
        values={"lead_department": "Roads and drains"},
    )
    services.milestone_add(actor=editor, action=drains, title="Survey done", due=TODAY - 20 * DAY)
    report = report_issue(actor=coordinator, plan=plan, as_of=TODAY - DAY)
    first = report.snapshot["actions"][0]
    assert (first["code"], first["state"], first["lead_department"]) == (
        "DRM-01",
        "delayed",
        "Roads and drains",
    )
    assert "Survey done" in first["reason"]["en"]
    before_pdf, before_xlsx = pdf_text(report_pdf(report)), report_xlsx(report)
    assert "Roads and drains" in before_pdf and "Survey done" in before_pdf
    assert "Delayed" in before_pdf
    # The plan changes after the report went out: re-planned, re-assigned, milestone reached,
    # set at risk, even the action's title.
    drains = plan_dates(
        world,
        drains,
        STARTS,
        STARTS + 700 * DAY,
        values={"lead_department": "City engineer"},
        reason="Contractor changed.",
    )
    services.milestone_reached(
        actor=editor, milestone=Milestone.objects.get(action=drains), on=TODAY
    )
    services.action_status_set(
        actor=editor, action=drains, status="at_risk", reason="Budget cut in half."
    )
    drains.candidate.title = "Renamed afterwards"
    drains.candidate.save()
    report.refresh_from_db()
    after_pdf = pdf_text(report_pdf(report))
    assert after_pdf == before_pdf
    assert "City engineer" not in after_pdf and "Renamed afterwards" not in after_pdf
    for name in ("Report", "Actions", "Milestones", "Changes", "Delays and risks"):
        assert sheet_rows(report_xlsx(report), name) == sheet_rows(before_xlsx, name)
    # A new report sees the plan as it is now, and the changes made since the first.
    fresh = report_issue(actor=coordinator, plan=plan, as_of=TODAY)
    now = fresh.snapshot["actions"][0]
    assert (now["state"], now["lead_department"]) == ("at_risk", "City engineer")
    assert now["reason"] == {"en": "Budget cut in half.", "fr": "Budget cut in half."}
    text = pdf_text(report_pdf(fresh))
    assert "Contractor changed." in text and "Budget cut in half." in text


def test_what_changed_since_the_previous_report(world: World, plan: ImplementationPlan) -> None:
    plan = started_earlier(plan)
    coordinator = world.users["coordinator_a"]
    water = plan_dates(world, action(plan, "WAT-01"), STARTS + 10 * DAY, STARTS + 500 * DAY)
    water = plan_dates(
        world, water, STARTS + 10 * DAY, STARTS + 550 * DAY, reason="Permits took longer."
    )
    earlier = report_issue(actor=coordinator, plan=plan, as_of=TODAY - 30 * DAY)
    # The first report lists every change since the plan started, the re-planning among them.
    assert any(c["reason"] == "Permits took longer." for c in earlier.snapshot["changes"])
    assert earlier.snapshot["previous"] is None
    plan_dates(
        world, water, STARTS + 10 * DAY, STARTS + 650 * DAY, reason="The rains flooded the site."
    )
    later = report_issue(actor=coordinator, plan=plan, as_of=TODAY)
    changes = later.snapshot["changes"]
    assert [(c["code"], c["kind"], c["field"], c["reason"]) for c in changes] == [
        ("WAT-01", "replanned", "planned_end", "The rains flooded the site.")
    ]
    assert (changes[0]["before"], changes[0]["after"]) == (
        (STARTS + 550 * DAY).isoformat(),
        (STARTS + 650 * DAY).isoformat(),
    )
    assert later.snapshot["previous"]["as_of"] == (TODAY - 30 * DAY).isoformat()
    text = pdf_text(report_pdf(later))
    assert "The rains flooded the site." in text and "Permits took longer." not in text
    assert "Re-planned" in text
    # The change's dates are date cells in the workbook, the day it was made too.
    rows = sheet_rows(report_xlsx(later), "Changes")
    assert rows[0][:6] == ["Date", "Code", "Change", "Field", "Before", "After"]
    (day, code, kind, field, before, after, why, by) = rows[1]
    assert (code, kind, field, why) == (
        "WAT-01",
        "Re-planned",
        "planned end",
        "The rains flooded the site.",
    )
    assert before.date() == STARTS + 550 * DAY and after.date() == STARTS + 650 * DAY
    assert day.date() == TODAY and by == "editor_a"


def test_french_files_have_french_words_and_dates_whoever_issued_them(
    world: World, plan: ImplementationPlan
) -> None:
    plan = started_earlier(plan)
    editor = world.users["editor_a"]
    as_of, due = TODAY - 3 * DAY, STARTS + 30 * DAY
    done = plan_dates(world, action(plan, "DRM-01"), STARTS, STARTS + 300 * DAY)
    # Set by someone working in French: the history keeps the status's French words.
    with translation.override("fr"):
        services.action_status_set(actor=editor, action=done, status="done")
        services.plan_publish(actor=world.users["coordinator_a"], plan=plan, public=False)
        services.plan_publish(actor=world.users["coordinator_a"], plan=plan, public=True)
        services.plan_publish(actor=world.users["coordinator_a"], plan=plan, public=False)
    assert PlanChange.objects.filter(kind="status").get().after == "Terminé"
    dropped = action(plan, "HLT-04")
    services.action_status_set(
        actor=editor, action=dropped, status="cancelled", reason="Le ministère la reprend."
    )
    late = plan_dates(world, action(plan, "WAT-01"), STARTS, STARTS + 700 * DAY)
    services.milestone_add(actor=editor, action=late, title="Pipes bought", due=due)
    # Issued by someone reading in English.
    report = report_issue(actor=world.users["coordinator_a"], plan=plan, as_of=as_of)
    states = {a["code"]: a["state"] for a in report.snapshot["actions"]}
    assert states == {"DRM-01": "done", "HLT-04": "cancelled", "WAT-01": "delayed"}
    reason = next(a for a in report.snapshot["actions"] if a["code"] == "WAT-01")["reason"]
    assert english_day(due) in reason["en"] and french_day(due) in reason["fr"]
    french, english = pdf_text(report_pdf(report, language="fr")), pdf_text(report_pdf(report))
    assert "Terminé" in french and "Annulé" in french and "Statut" in french
    assert "Terminé" not in english and "Done" in english
    assert french_day(due) in french and english_day(due) in english
    assert french_day(as_of) in french and english_day(as_of) in english
    assert english_day(as_of) not in french
    assert "Le ministère la reprend." in french and "Le ministère la reprend." in english
    # The report keeps codes, and each file writes them in its own language.
    kept = report.snapshot["changes"]
    assert [(c["code"], c["before"], c["after"]) for c in kept if c["kind"] == "status"] == [
        ("DRM-01", "on_track", "done"),
        ("HLT-04", "on_track", "cancelled"),
    ]
    assert [c["after"] for c in kept if c["kind"] == "published"] == ["public", "not_public"]
    changes = sheet_rows(report_xlsx(report), "Changes")
    assert ["Status", "status", "On track", "Done"] in [r[2:6] for r in changes]
    assert ["Publication", None, None, "not public"] in [r[2:6] for r in changes]
    rows = sheet_rows(report_xlsx(report, language="fr"), "Actions")
    assert {r[0]: r[9] for r in rows[1:]} == {
        "DRM-01": "Terminé",
        "HLT-04": "Annulé",
        "WAT-01": "En retard",
    }


def test_the_workbook_has_real_dates(world: World, plan: ImplementationPlan) -> None:
    plan = started_earlier(plan)
    drains = plan_dates(world, action(plan, "DRM-01"), STARTS + 5 * DAY, STARTS + 300 * DAY)
    services.milestone_add(
        actor=world.users["editor_a"], action=drains, title="Design", due=STARTS + 100 * DAY
    )
    framework_load_shipped(world.programme)
    shipped = Indicator.objects.exclude(name_fr="").exclude(name_fr=F("name_en")).first()
    assert shipped is not None
    for values in (
        {"name": "Drains cleared", "unit": "km"},
        {"indicator": shipped},
    ):
        services.indicator_add(
            actor=world.users["editor_a"],
            action=drains,
            values=values
            | {
                "baseline": Decimal("1.5"),
                "baseline_on": STARTS,
                "target": Decimal(12),
                "target_on": STARTS + 700 * DAY,
            },
        )
    report = report_issue(actor=world.users["coordinator_a"], plan=plan, as_of=TODAY - DAY)
    english = sheet_rows(report_xlsx(report), "Indicators")
    french = sheet_rows(report_xlsx(report, language="fr"), "Indicateurs")
    assert [r[1:5] for r in english[1:]] == [
        ["Drains cleared", "km", 1.5, datetime.datetime.combine(STARTS, datetime.time())],
        [shipped.name_en, shipped.unit_en, 1.5, datetime.datetime.combine(STARTS, datetime.time())],
    ]
    assert [r[1] for r in french[1:]] == ["Drains cleared", shipped.name_fr]
    assert [r[7] for r in french[1:]] == [12, 12]
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    assert book.sheetnames == [
        "Report",
        "Actions",
        "Delays and risks",
        "Milestones",
        "Indicators",
        "Changes",
    ]
    actions = book["Actions"]
    header = [c.value for c in actions[1]]
    row = next(r for r in actions.iter_rows(min_row=2) if r[0].value == "DRM-01")
    start = row[header.index("Planned start")]
    end = row[header.index("Planned end")]
    assert start.is_date and start.value.date() == STARTS + 5 * DAY
    assert end.is_date and end.value.date() == STARTS + 300 * DAY
    assert row[header.index("Status")].value == "Delayed"  # its milestone passed unreached
    milestone = book["Milestones"]["C2"]
    assert milestone.is_date and milestone.value.date() == STARTS + 100 * DAY
    summary = {r[0].value: r[1] for r in book["Report"].iter_rows() if r[0].value}
    assert summary["As of"].is_date and summary["As of"].value.date() == TODAY - DAY


def test_only_the_coordinator_issues_and_bad_days_are_refused(
    world: World, plan: ImplementationPlan
) -> None:
    plan = started_earlier(plan)
    for who in ("editor_a", "viewer_a", "manager", "editor_b"):
        with pytest.raises(PermissionDenied):
            report_issue(actor=world.users[who], plan=plan, as_of=TODAY)
    with pytest.raises(PermissionDenied):
        report_issue(actor=rajshahi_coordinator(world), plan=plan, as_of=TODAY)
    coordinator = world.users["coordinator_a"]
    cases = {
        TODAY + DAY: "has not come yet",
        STARTS - DAY: "The plan starts on",
        None: "Give the day",
    }
    for day, words in cases.items():
        with pytest.raises(ValidationError) as refused:
            report_issue(actor=coordinator, plan=plan, as_of=day)
        assert words in " ".join(refused.value.message_dict["as_of"])
    assert not ImplementationReport.objects.exists()
    report_issue(actor=coordinator, plan=plan, as_of=TODAY - 10 * DAY)
    for day, words in {
        TODAY - 10 * DAY: "was already issued",
        TODAY - 20 * DAY: "a new report is as of a later day",
    }.items():
        with pytest.raises(ValidationError) as refused:
            report_issue(actor=coordinator, plan=plan, as_of=day)
        assert words in " ".join(refused.value.message_dict["as_of"])
    assert ImplementationReport.objects.count() == 1
    assert AuditEvent.objects.filter(verb="plan.report.issue").count() == 1


def test_the_pages_issue_list_and_serve_reports(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    plan = started_earlier(plan)
    other = rajshahi_coordinator(world)
    late = plan_dates(world, action(plan, "DRM-01"), STARTS, STARTS + 600 * DAY)
    services.milestone_add(
        actor=world.users["editor_a"], action=late, title="Survey", due=STARTS + 9 * DAY
    )
    # The wrong people cannot issue: an editor is told no, another city's coordinator does
    # not even learn the workspace exists.
    client.force_login(world.users["editor_a"])
    assert client.post(BASE + "issue/", {"as_of": TODAY.isoformat()}).status_code == 403
    client.force_login(other)
    assert client.post(BASE + "issue/", {"as_of": TODAY.isoformat()}).status_code == 404
    assert not ImplementationReport.objects.exists()
    # The coordinator: a bad day re-draws the page with the error by its field.
    client.force_login(world.users["coordinator_a"])
    page = client.get(BASE)
    assert page.status_code == 200 and page.context["form"]["as_of"].value() == TODAY
    refused = client.post(BASE + "issue/", {"as_of": (TODAY + DAY).isoformat()})
    assert refused.status_code == 400 and "has not come yet" in refused.content.decode()
    assert client.post(BASE + "issue/", {"as_of": ""}).status_code == 400
    assert not ImplementationReport.objects.exists()
    done = client.post(BASE + "issue/", {"as_of": (TODAY - 5 * DAY).isoformat()})
    first = ImplementationReport.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"{BASE}#report-{first.pk}")
    again = client.post(BASE + "issue/", {"as_of": (TODAY - 5 * DAY).isoformat()})
    assert again.status_code == 400 and "was already issued" in again.content.decode()
    client.post(BASE + "issue/", {"as_of": TODAY.isoformat()})
    second = ImplementationReport.objects.exclude(pk=first.pk).get()
    # The city's viewer reads the list, newest first, without the form, and downloads.
    client.force_login(world.users["viewer_a"])
    listing = client.get(BASE)
    assert [(r.pk, n, done) for r, n, done in listing.context["reports"]] == [
        (second.pk, 1, 0),
        (first.pk, 1, 0),
    ]
    assert not listing.context["can_issue"] and "Issue the report" not in listing.content.decode()
    pdf = client.get(f"{BASE}{first.pk}.pdf?lang=fr")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].endswith(f'kigali-implementation-{first.as_of}-fr.pdf"')
    assert "Statut" in pdf_text(pdf.content)
    xlsx = client.get(f"{BASE}{first.pk}.xlsx")
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.content)).sheetnames[0]
    assert client.get(f"{BASE}{first.pk}.csv").status_code == 404
    assert client.get(f"{BASE}999999.pdf").status_code == 404
    # Another city's people: Kigali's workspace is hidden, and Kigali's report is not found
    # through their own city either.
    client.force_login(other)
    assert client.get(f"{BASE}{first.pk}.pdf").status_code == 404
    theirs = f"/cities/rajshahi/workspace/implementation/reports/{first.pk}.pdf"
    assert client.get(theirs).status_code == 404
    client.logout()
    assert client.get(f"{BASE}{first.pk}.pdf").status_code == 302  # to sign in


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_issues_one_report(
    world: World, plan: ImplementationPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = started_earlier(plan)
    coordinator = world.users["coordinator_a"]

    def press() -> ImplementationReport:
        return reports.report_issue(actor=coordinator, plan=plan, as_of=TODAY)

    one, two = race(monkeypatch, (reports, "audit"), press, press)
    one.unwrap()
    assert isinstance(two.error, ValidationError)
    assert "was already issued" in " ".join(two.error.messages)
    assert ImplementationReport.objects.count() == 1
