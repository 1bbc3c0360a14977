"""Donor reports and the IATI file: a report frozen when issued, the pipeline and measures as they
stood at the period's end, the IATI activity valid and free of control characters, figures read
as the reader writes them."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from openpyxl import load_workbook

from recap.testing import World
from recap.tracking.iati import activity_xml, schema_problems
from recap.tracking.measures import measure_save, measure_status
from recap.tracking.models import (
    Indicator,
    Participant,
    Training,
)
from recap.tracking.reports import report_issue, report_pdf, report_xlsx
from recap.tracking.services import (
    framework_load_shipped,
    update_decide,
    update_save,
    update_submit,
)

from .conftest import pdf_text

pytestmark = pytest.mark.django_db

D = datetime.date


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
