"""Trainings, measures, evidence, reports, IATI and reminders: each computed figure checked
against a count made here, every refusal (wrong role, wrong city, bad file, bad row) shown to
write nothing, a frozen report shown not to move, the IATI file validated by the schema."""

from __future__ import annotations

import datetime
import io
import re
import statistics
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from recap.core.tabular import TableError
from recap.core.tests.test_documents import MINIMAL_PDF, image, xlsx
from recap.hazards.models import HazardType
from recap.testing import DATABASE_QUEUE, World
from recap.tracking.iati import activity_xml, schema_problems
from recap.tracking.measures import evidence_add, measure_save, measure_status
from recap.tracking.models import (
    Evidence,
    Indicator,
    IndicatorUpdate,
    Measure,
    Participant,
    ReminderSent,
    Training,
)
from recap.tracking.progress import late_places
from recap.tracking.reminders import digest_items, next_run, reminders_schedule, reminders_send
from recap.tracking.reports import report_issue, report_pdf, report_xlsx
from recap.tracking.services import (
    framework_load_shipped,
    update_decide,
    update_save,
    update_submit,
)
from recap.tracking.trainings import attendance_apply, attendance_plan, learning_gain

pytestmark = pytest.mark.django_db

D = datetime.date
HEADER = "name,consent,count,city,department,sex,age_band,score_before,score_after\n"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def training(world: World) -> Training:
    return Training.objects.create(programme=world.programme, title="Basics", held_on=D(2022, 3, 1))


def pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# ---------------------------------------------------------------- trainings


def test_attendance_import_and_learning_gain(world: World, training: Training) -> None:
    sheet = HEADER + (
        "Aline U,yes,1,Kigali,Planning,female,25_34,40,62\n"
        ",,1,kigali,Health,male,35_44,55,60\n"
        ",no,12,Rajshahi,,female,,,\n"
        "Karim,oui,1,rajshahi,Finance,male,45_54,70,69.5\n"
    )
    plan = attendance_plan(training, sheet.encode(), "attendance.csv")
    assert (plan.people, plan.named, plan.checked) == (15, 2, 3)
    assert attendance_apply(actor=world.users["manager"], training=training, plan=plan) == 15
    rows = list(training.attendance.order_by("pk"))
    assert [r.count for r in rows] == [1, 1, 12, 1]
    assert rows[0].city == world.city_a and rows[2].city == world.city_b
    assert set(training.cities.all()) == {world.city_a, world.city_b}
    gains = [62 - 40, 60 - 55, 69.5 - 70]  # counted here
    gain = learning_gain(rows)
    assert gain.n == 3
    assert gain.mean == pytest.approx(statistics.fmean(gains))
    assert gain.spread == pytest.approx(statistics.stdev(gains))
    # Importing again replaces, never adds.
    attendance_apply(actor=world.users["manager"], training=training, plan=plan)
    assert Participant.objects.filter(training=training).count() == 4


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("Aline,no,1,Kigali,,female,,,", "column 'name': a name only with the person's consent"),
        (",,3,Kigali,,female,,40,50", "column 'count': a name or scores are for one person"),
        (",,1,Atlantis,,female,,,", "column 'city': 'Atlantis' is not a city of the programme"),
        (",,1,Kigali,,woman,,,", "row 2, column 'sex': must be one of"),
        (",,1,Kigali,,female,,40,101", "column 'score_after': must be at most 100"),
        (",,0,Kigali,,female,,,", "column 'count': must be at least 1"),
        (",maybe,1,Kigali,,female,,,", "column 'consent': yes or no"),
        (",,1,Hidden Town,,female,,,", "is not a city of the programme"),
    ],
    ids=[
        "no-consent",
        "group-scores",
        "unknown-city",
        "bad-sex",
        "score",
        "zero",
        "consent",
        "hidden",
    ],
)
def test_a_bad_attendance_row_is_named_and_nothing_is_written(
    world: World, training: Training, row: str, words: str
) -> None:
    with pytest.raises(TableError) as exc:
        attendance_plan(training, (HEADER + row + "\n").encode(), "a.csv")
    assert any(words in e for e in exc.value.errors), exc.value.errors
    assert not Participant.objects.exists()


def test_attendance_upload_page_refuses_bad_files_and_only_the_manager_imports(
    client: Client, world: World, training: Training
) -> None:
    url = f"/programme/trainings/{training.pk}/attendance/"
    client.force_login(world.users["manager"])
    for name, data, words in [
        ("a.csv", b"", "empty"),
        ("a.xlsx", b"not a workbook", "a.xlsx"),
        ("a.csv", b"who,what\nx,y\n", "unknown column(s) who, what"),
        ("a.xlsx", xlsx(), "row 1: unknown column(s) council"),
    ]:
        response = client.post(url, {"file": SimpleUploadedFile(name, data)})
        assert response.status_code == 400, name
        assert words in response.content.decode(), (name, response.content.decode()[-600:])
    assert not Participant.objects.exists()
    good = SimpleUploadedFile("a.csv", (HEADER + ",,5,Kigali,,female,,,\n").encode())
    preview = client.post(url, {"file": good})
    assert preview.status_code == 200 and not Participant.objects.exists()  # a preview only
    confirm = preview.context["pending"].pk
    assert client.post(url, {"confirm": confirm}).status_code == 302
    assert client.post(url, {"confirm": confirm}).status_code == 302  # a second click: nothing
    assert Participant.objects.get().count == 5
    client.force_login(world.users["reviewer"])
    assert client.get(url).status_code == 403
    client.force_login(world.users["editor_a"])
    assert client.get(url).status_code == 403


def test_attendance_sheet_downloads_and_reads_back(
    client: Client, world: World, training: Training
) -> None:
    Participant.objects.create(
        training=training, name="=cmd()", consent=True, city=world.city_a, score_before=40
    )
    client.force_login(world.users["reviewer"])
    response = client.get(f"/programme/trainings/{training.pk}/attendance/sheet/")
    assert response.status_code == 200
    plan = attendance_plan(training, response.content, "back.xlsx")
    assert plan.rows[0]["name"] == "=cmd()" and plan.rows[0]["score_before"] == "40.0"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "'=cmd()"  # never run as a formula


# ---------------------------------------------------------------- measures


def test_measure_save_history_and_refusals(world: World) -> None:
    flood = HazardType.objects.create(
        code="flood", name="Flood", family="hydrological", kind="shock"
    )
    editor = world.users["editor_a"]
    data: dict[str, Any] = {
        "title": "Lights",
        "hazards": [flood],
        "cost": 1000,
        "co_finance": 200,
        "beneficiaries": 30,
        "beneficiaries_breakdown": {"sex": {"female": 16, "male": 14}},
        "on": D(2023, 1, 2),
    }
    measure = measure_save(actor=editor, city=world.city_a, data=data)
    assert list(measure.hazards.all()) == [flood]
    assert [(h.status, h.on) for h in measure.history.all()] == [("planned", D(2023, 1, 2))]
    measure_status(actor=editor, measure=measure, status="implemented", on=D(2023, 5, 1))
    measure.refresh_from_db()
    assert (measure.status, measure.implemented_on) == ("implemented", D(2023, 5, 1))
    with pytest.raises(ValidationError, match="not before it"):
        measure_status(actor=editor, measure=measure, status="in_progress", on=D(2023, 4, 1))
    with pytest.raises(ValidationError, match="Not in the future"):
        measure_status(
            actor=editor,
            measure=measure,
            status="in_progress",
            on=D.today() + datetime.timedelta(1),
        )
    for change, words in [
        ({"beneficiaries_breakdown": {"sex": {"female": 10, "male": 10}}}, "adds up to 20"),
        ({"beneficiaries_breakdown": {"shoe": {"x": 30}}}, "by sex or age band only"),
        ({"co_finance": 5000}, "cannot exceed the cost"),
    ]:
        with pytest.raises(ValidationError, match=words):
            measure_save(actor=editor, city=world.city_a, data=data | change)
    other = world.city_b.candidates.create(
        code="B1", title="B", sectors=["health"], local_cost_usd=10, staff_fte=1, phase="short"
    )
    with pytest.raises(ValidationError, match="city's own candidate"):
        measure_save(actor=editor, city=world.city_a, data=data | {"action": other})
    for who in ("viewer_a", "editor_b", "manager", "reviewer", "funder"):
        with pytest.raises(PermissionDenied):
            measure_save(actor=world.users[who], city=world.city_a, data=data)
        with pytest.raises(PermissionDenied):
            measure_status(actor=world.users[who], measure=measure, status="planned", on=D.today())
    assert Measure.objects.count() == 1


def test_measure_pages(client: Client, world: World) -> None:
    client.force_login(world.users["editor_a"])
    response = client.post(
        "/cities/kigali/workspace/measures/",
        {"title": "Kiosks", "beneficiaries": "20", "breakdown": "sex female: 12\nsex male: 8"},
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert measure.beneficiaries_breakdown == {"sex": {"female": 12, "male": 8}}
    bad = client.post(
        "/cities/kigali/workspace/measures/",
        {"title": "Other", "beneficiaries": "20", "breakdown": "sex female: 3"},
    )
    assert (
        bad.status_code == 400 and "adds up to 3, not the 20 people reached" in bad.content.decode()
    )
    page = client.get(f"/cities/kigali/workspace/measures/{measure.pk}/").content.decode()
    assert "Kiosks" in page and "female 12" in page
    client.force_login(world.users["editor_b"])
    assert client.get(f"/cities/kigali/workspace/measures/{measure.pk}/").status_code == 404
    assert client.get(f"/cities/rajshahi/workspace/measures/{measure.pk}/").status_code == 404


# ---------------------------------------------------------------- evidence


def test_evidence_is_checked_from_its_bytes_and_gets_a_thumbnail(
    client: Client, world: World, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    measure = Measure.objects.create(city=world.city_a, title="Lights")
    editor = world.users["editor_a"]
    photo = evidence_add(
        actor=editor, measure=measure, title="", data=image("JPEG", (1600, 900)), filename="a.jpg"
    )
    assert photo.title == "a" and photo.kind_of_file == "jpeg" and photo.thumbnail
    from PIL import Image

    with Image.open(photo.thumbnail.open("rb")) as thumb:
        assert thumb.size == (480, 270) and thumb.format == "PNG"
    pdf = evidence_add(
        actor=editor, measure=measure, title="Invoice", data=MINIMAL_PDF, filename="i.pdf"
    )
    assert not pdf.thumbnail
    for data, name, words in [
        (image("PNG"), "photo.pdf", "is named photo.pdf but is a PNG"),
        (b"hello", "notes.png", "Only PDF"),
        (xlsx(), "sheet.xlsx", "Only these kinds of file: PDF, PNG, JPEG, WEBP"),
        (MINIMAL_PDF[:-7], "cut.pdf", "cut short"),
        (image("PNG", (9000, 9000), "1"), "huge.png", "too large"),
        (b"%PDF-" + b"x" * (5 * 1024 * 1024) + b"%%EOF", "big.pdf", "larger than"),
        (b"", "empty.pdf", "empty"),
    ]:
        with pytest.raises(ValidationError, match=words):
            evidence_add(actor=editor, measure=measure, title="x", data=data, filename=name)
    assert Evidence.objects.count() == 2
    with pytest.raises(PermissionDenied):
        evidence_add(
            actor=world.users["viewer_a"],
            measure=measure,
            title="x",
            data=MINIMAL_PDF,
            filename="x.pdf",
        )

    # Served as what it is, never inline; the thumbnail inline; a stranger gets a 404.
    client.force_login(world.users["viewer_a"])
    response = client.get(f"/evidence/{photo.pk}/")
    assert (
        response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    )
    assert response["Content-Disposition"].startswith("attachment")
    thumb_response = client.get(f"/evidence/{photo.pk}/?thumbnail=1")
    assert thumb_response["Content-Type"] == "image/png"
    assert client.get(f"/evidence/{pdf.pk}/?thumbnail=1").status_code == 404
    client.force_login(world.users["editor_b"])
    assert client.get(f"/evidence/{photo.pk}/").status_code == 404
    client.force_login(world.users["editor_a"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/evidence/{photo.pk}/remove/").status_code == 302
    assert not Evidence.objects.filter(pk=photo.pk).exists()
    assert len([p for p in media.rglob("*") if p.is_file()]) == 1  # the PDF alone is left


def test_a_value_is_reported_with_evidence_and_a_bad_file_keeps_nothing(
    client: Client, world: World, media: Path
) -> None:
    framework_load_shipped(world.programme)
    reached = Indicator.objects.get(code="reached")
    client.force_login(world.users["editor_a"])
    form = {
        "indicator": reached.pk,
        "period_start": "2024-01-01",
        "period_end": "2024-03-31",
        "value": "100",
        "submit": "1",
    }
    bad = client.post(
        "/cities/kigali/workspace/results/",
        form | {"evidence": SimpleUploadedFile("drill.jpg", b"not an image")},
    )
    assert bad.status_code == 400 and "Only PDF" in bad.content.decode()
    assert not IndicatorUpdate.objects.exists() and not Evidence.objects.exists()
    good = client.post(
        "/cities/kigali/workspace/results/",
        form | {"evidence": SimpleUploadedFile("drill.jpg", image("JPEG"))},
    )
    assert good.status_code == 302
    update = IndicatorUpdate.objects.get()
    assert update.status == "submitted" and update.evidence.get().kind_of_file == "jpeg"
    # Once submitted, its evidence is fixed.
    with pytest.raises(ValidationError, match="no longer be changed"):
        evidence_add(
            actor=world.users["editor_a"],
            update=update,
            title="",
            data=MINIMAL_PDF,
            filename="x.pdf",
        )
    # The programme's manager sees it with the value waiting for approval.
    client.force_login(world.users["manager"])
    assert "drill" in client.get("/programme/results/").content.decode()


# ---------------------------------------------------------------- reports, IATI


def test_a_report_is_frozen_when_issued(world: World) -> None:
    framework_load_shipped(world.programme)
    manager = world.users["manager"]
    training = Training.objects.create(
        programme=world.programme, title="First", held_on=D(2022, 3, 1)
    )
    Participant.objects.create(training=training, count=10)
    report = report_issue(
        actor=manager, programme=world.programme, start=D(2021, 9, 1), end=D(2024, 6, 30)
    )
    before_pdf, before_xlsx = pdf_text(report_pdf(report)), report_xlsx(report)
    trained = next(i for i in report.snapshot["indicators"] if i["code"] == "trained")
    assert trained["value"] == "10"
    # Later edits: another training, more people, a new approved value.
    later = Training.objects.create(
        programme=world.programme, title="Second", held_on=D(2023, 3, 1)
    )
    Participant.objects.create(training=later, count=25)
    reached = Indicator.objects.get(code="reached")
    update = update_save(
        actor=world.users["editor_a"],
        indicator=reached,
        city=world.city_a,
        period_start=D(2023, 1, 1),
        period_end=D(2023, 3, 31),
        value=Decimal(500),
    )
    update_submit(actor=world.users["editor_a"], update=update)
    update_decide(actor=manager, update=update, approve=True)
    report.refresh_from_db()
    assert pdf_text(report_pdf(report)) == before_pdf
    old = load_workbook(io.BytesIO(before_xlsx))
    new = load_workbook(io.BytesIO(report_xlsx(report)))
    assert [[c.value for c in r] for r in old["Indicators"].iter_rows()] == [
        [c.value for c in r] for r in new["Indicators"].iter_rows()
    ]
    assert "Second" not in before_pdf and "First" in before_pdf
    # A new report sees the change.
    fresh = report_issue(
        actor=manager, programme=world.programme, start=D(2021, 9, 1), end=D(2024, 6, 30)
    )
    assert next(i for i in fresh.snapshot["indicators"] if i["code"] == "trained")["value"] == "35"
    french = pdf_text(report_pdf(report, language="fr"))
    assert "Rapport au bailleur" in french and "Indicateurs" in french
    with pytest.raises(PermissionDenied):
        report_issue(
            actor=world.users["reviewer"],
            programme=world.programme,
            start=D(2022, 1, 1),
            end=D(2022, 2, 1),
        )
    with pytest.raises(ValidationError, match="has not ended"):
        report_issue(
            actor=manager,
            programme=world.programme,
            start=D(2022, 1, 1),
            end=D.today() + datetime.timedelta(1),
        )
    with pytest.raises(ValidationError, match="ends before it starts"):
        report_issue(
            actor=manager, programme=world.programme, start=D(2022, 2, 1), end=D(2022, 1, 1)
        )


def test_the_iati_activity_validates_against_the_schema(world: World, client: Client) -> None:
    framework_load_shipped(world.programme)
    xml = activity_xml(world.programme, D(2024, 6, 30))
    assert schema_problems(xml) == []
    text = xml.decode()
    assert '<iati-activities version="2.03"' in text
    assert text.count("<result ") == 4 and text.count("<indicator ") == 10
    assert '<recipient-country code="RW" percentage="50"' in text
    # The check can fail: without the activity's identifier the schema refuses it.
    broken = xml.replace(b"<iati-identifier>", b"<iati-identifer>").replace(
        b"</iati-identifier>", b"</iati-identifer>"
    )
    assert schema_problems(broken)
    client.force_login(world.users["reviewer"])
    response = client.get("/programme/results/iati.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    assert schema_problems(response.content) == []


# ---------------------------------------------------------------- reminders


def test_the_reminder_digest_tells_the_right_people_once_a_week(world: World) -> None:
    framework_load_shipped(world.programme)
    as_of = D(2024, 5, 1)
    reached = Indicator.objects.get(code="reached")
    # Kigali reported recently; Rajshahi never did, so it is late.
    update = update_save(
        actor=world.users["editor_a"],
        indicator=reached,
        city=world.city_a,
        period_start=D(2024, 1, 1),
        period_end=D(2024, 3, 31),
        value=Decimal(10),
    )
    update_submit(actor=world.users["editor_a"], update=update)
    lines_b = digest_items(world.users["editor_b"], as_of)
    assert any("Rajshahi has not reported “People reached" in line for line in lines_b)
    lines_a = digest_items(world.users["editor_a"], as_of)
    assert not any("People reached" in line for line in lines_a)
    assert any(
        "1 reported value(s) wait for your approval" in line
        for line in digest_items(world.users["manager"], as_of)
    )
    assert digest_items(world.users["viewer_a"], as_of) == []  # a viewer is responsible for nothing
    sent = reminders_send(as_of)
    recipients = {m.to[0] for m in mail.outbox}
    assert (
        world.users["editor_b"].email in recipients and world.users["manager"].email in recipients
    )
    assert (
        world.users["viewer_a"].email not in recipients
        and world.users["funder"].email not in recipients
    )
    assert sent == len(mail.outbox) == ReminderSent.objects.count()
    assert reminders_send(as_of + datetime.timedelta(days=2)) == 0  # same week: nothing more
    assert reminders_send(as_of + datetime.timedelta(days=7)) > 0  # next week: again
    monday = next_run(datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC))
    assert monday.weekday() == 0 and monday.hour == 6 and monday.date() == D(2024, 5, 6)


# ---------------------------------------------------------------- dashboard


def test_dashboard_filters(client: Client, world: World) -> None:
    framework_load_shipped(world.programme)
    for city, people in ((world.city_a, 7), (world.city_b, 4)):
        t = Training.objects.create(
            programme=world.programme, title=f"T {city}", held_on=D(2022, 3, 1)
        )
        t.cities.add(city)
        Participant.objects.create(training=t, count=people, city=city)
    client.force_login(world.users["manager"])
    whole = client.get("/programme/results/")
    assert whole.status_code == 200
    rows = {r.progress.indicator.code: r.progress for r in whole.context["o"].rows}
    assert rows["trained"].value == 11 and rows["trained"].trend
    one = client.get("/programme/results/?city=rajshahi&from=2022-01-01")
    rows = {r.progress.indicator.code: r.progress for r in one.context["o"].rows}
    assert rows["trained"].value == 4 and rows["trained"].period_value == 4
    assert [t.people for t in one.context["o"].trainings] == [4]
    for query, words in [
        ("?country=ZZ", "ZZ is not a country of the programme"),
        ("?city=hidden", "hidden is not a city of the programme"),
        ("?from=2024-13-01", "is not a date"),
        ("?from=2024-02-01&to=2024-01-01", "ends before it starts"),
    ]:
        response = client.get("/programme/results/" + query)
        assert response.status_code == 400 and words in response.content.decode(), query


# ---------------------------------------------------------------- API


def test_a_value_over_the_api(client: Client, world: World) -> None:
    from recap.accounts.services import api_token_create

    framework_load_shipped(world.programme)
    _token, key = api_token_create(user=world.users["editor_a"], name="t")
    url = f"/api/v1/cities/{world.city_a.pk}/values"
    headers = {"Authorization": f"Bearer {key}"}
    body = {
        "indicator": "reached",
        "period_start": "2024-01-01",
        "period_end": "2024-03-31",
        "value": 10,
        "breakdown": {"sex": {"female": 6, "male": 3}},
    }
    bad = client.post(url, body, content_type="application/json", headers=headers)
    assert bad.status_code == 422 and "adds up to 9, not 10" in bad.content.decode()
    assert not IndicatorUpdate.objects.exists()
    unknown = client.post(
        url, body | {"indicator": "nope"}, content_type="application/json", headers=headers
    )
    assert unknown.status_code == 404
    good = client.post(
        url,
        body | {"breakdown": {"sex": {"female": 6, "male": 4}}, "submit": True},
        content_type="application/json",
        headers=headers,
    )
    assert good.status_code == 201 and good.json()["status"] == "submitted"
    listed = client.get(url, headers=headers).json()
    assert [(v["indicator"], float(v["value"]), v["status"]) for v in listed] == [
        ("reached", 10.0, "submitted")
    ]


@override_settings(TASKS=DATABASE_QUEUE)
def test_the_digest_is_queued_once_for_next_monday() -> None:
    from django_tasks_db.models import DBTaskResult

    assert reminders_schedule() is True
    assert reminders_schedule() is False  # one is waiting already
    [queued] = DBTaskResult.objects.all()
    assert queued.status == "READY" and queued.task_path.endswith("reminder_digest")
    assert queued.run_after.weekday() == 0 and queued.run_after > timezone.now()


def test_an_immediate_queue_schedules_nothing() -> None:
    assert reminders_schedule() is False  # the tests' queue runs work at once: no Monday


# ---------------------------------------------------------------- what a review found, kept fixed


def test_evidence_stays_within_its_programme(client: Client, world: World, media: Path) -> None:
    from recap.accounts.models import Membership, Role
    from recap.cities.models import Programme
    from recap.testing import make_user

    other = Programme.objects.create(
        name="Other", short_name="O", slug="other", start_date=D(2022, 1, 1), end_date=D(2025, 1, 1)
    )
    outsider = make_user("other_manager")
    Membership.objects.create(user=outsider, role=Role.PROGRAMME_MANAGER, programme=other)
    measure = Measure.objects.create(city=world.city_a, title="Lights")
    photo = evidence_add(
        actor=world.users["editor_a"],
        measure=measure,
        title="",
        data=image("PNG"),
        filename="a.png",
    )
    client.force_login(outsider)
    assert client.get(f"/evidence/{photo.pk}/").status_code == 404
    client.force_login(world.users["reviewer"])  # this programme's reviewer
    assert client.get(f"/evidence/{photo.pk}/").status_code == 200


def test_editing_a_measure_keeps_what_the_form_does_not_change(
    client: Client, world: World
) -> None:
    client.force_login(world.users["editor_a"])
    created = client.post(
        "/cities/kigali/workspace/measures/",
        {"title": "Kiosks", "beneficiaries": "120", "on": "2023-02-01", "cost": "5000"},
    )
    assert created.status_code == 302
    measure = Measure.objects.get()
    assert measure.history.get().on == D(2023, 2, 1)  # its real first date, not today
    url = f"/cities/kigali/workspace/measures/{measure.pk}/"
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "hazards"}
    data |= {"title": "Water kiosks", "co_finance": ""}  # co-finance cleared, a cost set
    assert client.post(url, data).status_code == 302
    measure.refresh_from_db()
    assert (measure.title, measure.beneficiaries, measure.co_finance) == ("Water kiosks", 120, 0)
    bad = client.post(url, data | {"breakdown": "sex female: ²"})
    assert bad.status_code == 400 and "is not a number" in bad.content.decode()


def test_editing_a_training_keeps_its_countries(client: Client, world: World) -> None:
    training = Training.objects.create(programme=world.programme, title="T", held_on=D(2022, 3, 1))
    training.countries.add(world.city_a.country)
    client.force_login(world.users["manager"])
    response = client.post(
        f"/programme/trainings/{training.pk}/",
        {"title": "T again", "held_on": "2022-03-01", "mode": "virtual"},
    )
    assert response.status_code == 302
    assert list(training.countries.all()) == [world.city_a.country]


def test_a_damaged_image_is_refused_and_leaves_no_file(
    world: World, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import ImageFile

    # As in the web process once WeasyPrint is imported: Pillow told to accept cut images.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    measure = Measure.objects.create(city=world.city_a, title="Lights")
    whole = image("JPEG", (400, 300))
    with pytest.raises(ValidationError, match="cut short"):
        evidence_add(
            actor=world.users["editor_a"],
            measure=measure,
            title="",
            data=whole[: len(whole) // 2],
            filename="a.jpg",
        )
    assert not Evidence.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


class _FailingFor:
    """An e-mail backend whose server refuses one address (a real outage, in small)."""

    refused = "editor_b@example.org"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend()

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        import smtplib

        if any(self.refused in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"no")})
        return self.inner.send_messages(messages)


def test_a_failed_digest_is_tried_again_and_does_not_stop_the_others(
    world: World, settings: Any
) -> None:
    framework_load_shipped(world.programme)
    world.users["editor_b"].email = _FailingFor.refused
    world.users["editor_b"].save()
    settings.EMAIL_BACKEND = f"{__name__}._FailingFor"
    as_of = D(2024, 5, 1)
    sent = reminders_send(as_of)
    assert sent >= 1 and world.users["editor_b"].email not in {m.to[0] for m in mail.outbox}
    assert not ReminderSent.objects.filter(user=world.users["editor_b"]).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders_send(as_of) == 1  # tried again: only the one that failed


def test_lateness_and_returned_values_in_the_digest(world: World) -> None:
    framework_load_shipped(world.programme)
    reached = Indicator.objects.get(code="reached")  # every 90 days, from 2021-09-01
    assert late_places(reached, D(2021, 10, 1)) == []  # too soon for anyone to be late
    assert len(late_places(reached, D(2021, 12, 15))) == 2
    editor = world.users["editor_b"]
    returned = update_save(
        actor=editor,
        indicator=reached,
        city=world.city_b,
        period_start=D(2024, 1, 1),
        period_end=D(2024, 3, 31),
        value=Decimal(5),
    )
    update_submit(actor=editor, update=returned)
    update_decide(actor=world.users["manager"], update=returned, approve=False, reason="Recount")
    assert any("Returned for Rajshahi" in line for line in digest_items(editor, D(2024, 5, 1)))
    again = update_save(
        actor=editor,
        indicator=reached,
        city=world.city_b,
        period_start=D(2024, 1, 1),
        period_end=D(2024, 3, 31),
        value=Decimal(4),
    )
    update_submit(actor=editor, update=again)
    assert not any("Returned" in line for line in digest_items(editor, D(2024, 5, 1)))
    # A later period reported does not hide that a past date was late.
    assert {p.city for p in late_places(reached, D(2023, 12, 31))} == {world.city_a, world.city_b}


def test_measures_and_the_pipeline_as_they_stood_at_the_end_of_the_period(
    client: Client, world: World
) -> None:
    framework_load_shipped(world.programme)
    editor = world.users["editor_a"]
    measure = measure_save(
        actor=editor, city=world.city_a, data={"title": "L", "on": D(2022, 1, 5)}
    )
    measure_status(actor=editor, measure=measure, status="implemented", on=D(2023, 6, 1))
    client.force_login(world.users["manager"])
    then = client.get("/programme/results/?to=2022-12-31").context["o"]
    assert dict(then.measures)["Planned"] == 1 and dict(then.measures)["Implemented"] == 0
    before = client.get("/programme/results/?to=2021-12-31").context["o"]
    assert sum(n for _label, n in before.measures) == 0  # not agreed yet
    now = client.get("/programme/results/").context["o"]
    assert dict(now.measures)["Implemented"] == 1
    report = report_issue(
        actor=world.users["manager"],
        programme=world.programme,
        start=D(2021, 9, 1),
        end=D(2022, 12, 31),
    )
    assert [
        (m["title"], m["status"], m["implemented_on"]) for m in report.snapshot["measures"]
    ] == [("L", "planned", None)]


def test_iati_text_drops_control_characters(world: World) -> None:
    world.programme.summary = "Pasted\x0b from a word processor\x01"
    world.programme.save()
    xml = activity_xml(world.programme, D(2024, 6, 30))
    assert schema_problems(xml) == [] and b"Pasted from a word processor" in xml


@pytest.mark.parametrize(
    ("value", "english", "french"),
    [
        (Decimal("17.30"), "17.3", "17,3"),
        (Decimal("8400.00"), "8,400", "8\u202f400"),
        (Decimal("0.125"), "0.13", "0,13"),
        (None, "—", "—"),
    ],
    ids=["one-decimal", "grouped", "two-decimals", "none"],
)
def test_figures_read_as_the_reader_writes_them(
    value: Decimal | None, english: str, french: str
) -> None:
    from django.utils import translation

    from recap.tracking.templatetags.figures import figure

    with translation.override("en"):
        assert figure(value) == english
    with translation.override("fr"):
        assert figure(value).replace("\xa0", "\u202f") == french


# ---------------------------------------------------------------- the framework, by its manager


def test_the_manager_downloads_changes_and_uploads_the_framework(
    client: Client, world: World
) -> None:
    import json

    framework_load_shipped(world.programme)
    client.force_login(world.users["manager"])
    download = client.get("/programme/results/framework/?format=json")
    assert download["Content-Type"].startswith("application/json")
    data = json.loads(download.content)
    data["outcomes"][0]["indicators"][0]["name"] = "Sessions held"
    data["outcomes"][0]["indicators"][0]["targets"] = [["2023-06-30", 3], ["2024-06-30", 6]]
    upload = SimpleUploadedFile("f.json", json.dumps(data).encode())
    assert client.post("/programme/results/framework/", {"file": upload}).status_code == 302
    first = Indicator.objects.get(code="trainings")
    assert first.name == "Sessions held" and first.targets.count() == 2
    assert Indicator.objects.count() == 10
    page = client.get("/programme/results/framework/").content.decode()
    assert "Sessions held" in page and re.search(r"3 <span class=\"muted\">by 2023-06-30", page)

    reached = Indicator.objects.get(code="reached")
    update = update_save(
        actor=world.users["editor_a"],
        indicator=reached,
        city=world.city_a,
        period_start=D(2023, 1, 1),
        period_end=D(2023, 3, 31),
        value=Decimal(5),
    )
    assert update.pk
    without_reached = json.loads(json.dumps(data))
    for outcome in without_reached["outcomes"]:
        outcome["indicators"] = [i for i in outcome["indicators"] if i["code"] != "reached"]
    bad_days = json.loads(json.dumps(data))
    bad_days["outcomes"][0]["indicators"][0]["interval_days"] = "often"
    twice = json.loads(json.dumps(data))
    twice["outcomes"][0]["indicators"][0]["targets"] = [["2024-06-30", 3], ["2024-06-30", 6]]
    for content, words in [
        (b'{"outcomes": [', "not JSON: line 1"),
        (b"\xff\xfe\x00", "not text"),
        (b"[]", "non-empty list 'outcomes'"),
        (json.dumps(without_reached).encode(), "has reported values: keep it in the file"),
        (json.dumps(bad_days).encode(), "interval_days is a whole number of days"),
        (json.dumps(twice).encode(), "two targets for 2024-06-30"),
        (b" " * (600 * 1024), "larger than 512 KB"),
    ]:
        response = client.post(
            "/programme/results/framework/", {"file": SimpleUploadedFile("f.json", content)}
        )
        assert response.status_code == 400, words
        assert escape(words) in response.content.decode(), words
    assert Indicator.objects.get(code="trainings").name == "Sessions held"  # nothing changed
    assert Indicator.objects.count() == 10
    client.force_login(world.users["reviewer"])
    assert client.get("/programme/results/framework/").status_code == 200
    refused = client.post(
        "/programme/results/framework/",
        {"file": SimpleUploadedFile("f.json", json.dumps(data).encode())},
    )
    assert refused.status_code == 403


def test_my_work_lists_what_each_person_should_report_or_decide(
    client: Client, world: World
) -> None:
    framework_load_shipped(world.programme)
    client.force_login(world.users["editor_b"])
    page = client.get("/me/").content.decode()
    assert "Results to report or decide" in page
    assert 'href="/cities/rajshahi/workspace/results/"' in page
    assert "Rajshahi has not reported" in page and "Kigali has not reported" not in page
    client.force_login(world.users["viewer_a"])  # responsible for nothing
    assert "Results to report or decide" not in client.get("/me/").content.decode()
    update = update_save(
        actor=world.users["editor_a"],
        indicator=Indicator.objects.get(code="reached"),
        city=world.city_a,
        period_start=D(2024, 1, 1),
        period_end=D(2024, 3, 31),
        value=Decimal(3),
    )
    update_submit(actor=world.users["editor_a"], update=update)
    client.force_login(world.users["manager"])
    page = client.get("/me/").content.decode()
    assert "1 reported value(s) wait for your approval." in page
