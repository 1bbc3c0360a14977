from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory
from django.urls import reverse

from recap.accounts.models import AuditEvent
from recap.feedback.admin import ProblemReportAdmin
from recap.feedback.models import ProblemReport
from recap.testing import World

pytestmark = pytest.mark.django_db
URL = "/report-a-problem/"


def post(client: Client, **data: str):  # type: ignore[no-untyped-def]
    return client.post(URL, {"message": "The map does not load.", "page": "/cities/"} | data)


def test_a_report_is_stored_with_its_page_and_language(client: Client) -> None:
    response = post(client, email="amina@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/cities/"
    report = ProblemReport.objects.get()
    assert report.message == "The map does not load."
    assert report.email == "amina@example.org"
    assert report.page == "/cities/"
    assert report.language == "en"
    assert report.status == ProblemReport.Status.NEW
    assert report.reporter is None


def test_signed_in_reporter_is_remembered(client: Client, world: World) -> None:
    client.force_login(world.users["editor_a"])
    post(client)
    assert ProblemReport.objects.get().reporter == world.users["editor_a"]


def test_the_form_knows_the_page_it_came_from(client: Client) -> None:
    response = client.get(URL + "?from=/offices/%3Fq%3Dasia")
    assert response.status_code == 200
    assert b'value="/offices/?q=asia"' in response.content


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"message": ""}, "message", "Please describe the problem."),
        ({"message": "   \n  "}, "message", "Please describe the problem."),
        ({"message": "x" * 2001}, "message", "under 2000 characters (it has 2001)"),
        ({"message": "<script>alert(1)</script>"}, "message", "HTML tags are not accepted"),
        (
            {"message": 'Look <a href="http://spam.example">here</a>'},
            "message",
            "HTML tags are not accepted",
        ),
        ({"email": "not-an-address"}, "email", "Enter an e-mail address"),
        ({"website": "http://bot.example"}, "website", "Leave this field empty"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_stored(
    client: Client, data: dict[str, str], field: str, message: str
) -> None:
    response = post(client, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert ProblemReport.objects.count() == 0


def test_a_less_than_sign_in_plain_text_is_fine(client: Client) -> None:
    post(client, message="Totals < 5 look wrong & the bar is empty")
    assert ProblemReport.objects.get().message == "Totals < 5 look wrong & the bar is empty"


def test_foreign_page_addresses_are_not_kept_nor_followed(client: Client) -> None:
    response = post(client, page="https://evil.example/phish")
    assert response["Location"] == URL
    assert ProblemReport.objects.get().page == ""
    response = post(client, page="//evil.example/x")
    assert response["Location"] == URL


def test_missing_csrf_token_is_refused(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = post(client)
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert ProblemReport.objects.count() == 0


def test_flooding_is_rate_limited(client: Client) -> None:
    for i in range(5):
        assert post(client, message=f"Report {i}").status_code == 302
    response = post(client, message="One too many")
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert ProblemReport.objects.count() == 5
    # Reading the form is never limited.
    assert client.get(URL).status_code == 200


def test_admins_triage_reports_and_it_is_audited(world: World) -> None:
    reports = [ProblemReport.objects.create(message=f"r{i}") for i in range(3)]
    request = RequestFactory().post("/admin/")
    request.user = world.users["admin"]
    request._messages = type("M", (), {"add": lambda *a, **k: None})()  # type: ignore[attr-defined]
    admin = ProblemReportAdmin(ProblemReport, site)
    admin.mark_in_progress(
        request, ProblemReport.objects.filter(pk__in=[reports[0].pk, reports[1].pk])
    )
    admin.mark_resolved(request, ProblemReport.objects.filter(pk=reports[1].pk))
    statuses = dict(ProblemReport.objects.values_list("message", "status"))
    assert statuses == {"r0": "in_progress", "r1": "resolved", "r2": "new"}
    assert AuditEvent.objects.filter(verb="problem_report.status").count() == 3


def test_admin_lists_and_filters_reports(client: Client, world: World) -> None:
    ProblemReport.objects.create(message="Broken chart", status="new")
    ProblemReport.objects.create(message="Typo on page", status="resolved")
    client.force_login(world.users["admin"])
    url = reverse("admin:feedback_problemreport_changelist")
    body = client.get(url + "?status__exact=new").content.decode()
    assert "Broken chart" in body
    assert "Typo on page" not in body
    client.force_login(world.users["editor_a"])
    assert client.get(url).status_code == 302


def test_triage_from_the_change_form_is_audited(client: Client, world: World) -> None:
    report = ProblemReport.objects.create(message="Chart empty")
    client.force_login(world.users["admin"])
    url = reverse("admin:feedback_problemreport_change", args=[report.pk])
    response = client.post(url, {"status": "resolved", "triage_note": "Fixed in the chart data."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.triage_note) == ("resolved", "Fixed in the chart data.")
    event = AuditEvent.objects.get(verb="problem_report.status")
    assert event.detail == {"from": "new", "to": "resolved"}
    assert event.actor == world.users["admin"]
