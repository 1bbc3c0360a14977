"""Breakdowns in words everywhere they are read: the dashboard (the approved values' breakdowns
added up), the donor report (drawn in the reader's language from the codes it froze), never
as codes."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from recap.testing import World
from recap.tracking.breakdowns import breakdown_named
from recap.tracking.models import Indicator
from recap.tracking.progress import approved_breakdown
from recap.tracking.reports import report_issue, report_pdf, report_xlsx
from recap.tracking.services import update_decide, update_save, update_submit

from .conftest import pdf_text

pytestmark = pytest.mark.django_db
D = datetime.date


def _approved(world: World, reached: Indicator, start: datetime.date, sex: dict[str, int]) -> None:
    editor = world.users["editor_a"]
    update = update_save(
        actor=editor,
        indicator=reached,
        city=world.city_a,
        period_start=start,
        period_end=start + datetime.timedelta(days=89),
        value=Decimal(sum(sex.values())),
        breakdown={"sex": sex},
    )
    update_submit(actor=editor, update=update)
    update_decide(actor=world.users["manager"], update=update, approve=True)


def test_breakdowns_read_in_words_in_their_own_order(world: World) -> None:
    named = breakdown_named({"sex": {"male": 5, "female": 7}, "city": {"kigali": 12}})
    assert named == [("Sex", [("Female", 7), ("Male", 5)]), ("City", [("Kigali", 12)])]
    assert breakdown_named({"sex": {"gone": 1}}) == [("Sex", [("gone", 1)])]  # kept as it is


def test_the_dashboard_and_the_report_add_them_up_in_words(
    client: Client, world: World, framework: dict[str, Indicator], media: object
) -> None:
    reached = framework["reached"]
    _approved(world, reached, D(2023, 1, 1), {"female": 700, "male": 500})
    _approved(world, reached, D(2023, 4, 1), {"female": 300, "male": 100})
    assert approved_breakdown(reached, D(2024, 1, 1)) == {"sex": {"female": 1000, "male": 600}}
    client.force_login(world.users["manager"])
    page = client.get("/programme/results/").content.decode()
    assert "Sex: Female 1,000, Male 600" in page
    report = report_issue(
        actor=world.users["manager"],
        programme=world.programme,
        start=world.programme.start_date,
        end=world.programme.end_date,
    )
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    cells = [c.value for row in book["Indicators"].iter_rows() for c in row]
    assert "Sex: Female 1,000, Male 600" in cells
    french = load_workbook(io.BytesIO(report_xlsx(report, language="fr")))
    cells = [str(c.value) for row in french.worksheets[1].iter_rows() for c in row]
    assert any("Femme" in c and "female" not in c for c in cells), cells
    text = pdf_text(report_pdf(report))
    assert "Female 1,000" in text.replace("\n", " ") and "female" not in text
