"""Trainings: attendance imported and its learning gain counted here; a bad row, a bad file or the
wrong role writes nothing; a training's edit keeps its countries."""

from __future__ import annotations

import datetime
import io
import statistics

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from recap.core.tabular import TableError
from recap.core.tests.test_documents import xlsx
from recap.testing import World
from recap.tracking.models import (
    Participant,
    Training,
)
from recap.tracking.trainings import attendance_apply, attendance_plan, learning_gain

from .conftest import HEADER

pytestmark = pytest.mark.django_db

D = datetime.date


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
        (",,1,Kigali,,woman,,,", "row 2, column 'sex': 'woman' is not one of Female, Male"),
        (",,1,Kigali,,female,teen,,", "row 2, column 'age_band': 'teen' is not one of Under 25"),
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
        "bad-age",
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
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Attendance"]
    assert sheet["A2"].value == "'=cmd()"  # never run as a formula
    assert sheet["B2"].value == "yes" and sheet["F2"].value == "Not said"  # words, not codes


def test_the_attendance_sheet_explains_itself_and_offers_drop_downs(
    client: Client, world: World, training: Training
) -> None:
    """The template teaches its answers: an Instructions sheet (every column, every answer in
    English and French with its code) and drop-down lists on the columns with set answers."""
    client.force_login(world.users["manager"])
    response = client.get(f"/programme/trainings/{training.pk}/attendance/sheet/")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["Instructions", "Attendance"]
    assert book["Lists"].sheet_state == "hidden"
    guide = " ".join(
        str(c.value) for row in book["Instructions"].iter_rows() for c in row if c.value
    )
    for words in ("Female / Femme (female)", "Under 25 / Moins de 25 ans (under_25)", "Kigali"):
        assert words in guide, guide
    rules = {str(rule.sqref): rule for rule in book["Attendance"].data_validations.dataValidation}
    assert rules["F2:F2000"].type == "list" and rules["F2:F2000"].formula1.startswith("Lists!")
    assert rules["G2:G2000"].type == "list" and rules["B2:B2000"].type == "list"
    assert rules["D2:D2000"].type == "list"  # the programme's cities
    assert rules["C2:C2000"].type == "whole" and rules["H2:I2000"].type == "decimal"
    lists = [c.value for c in book["Lists"]["C"] if c.value]
    assert lists == ["Female", "Male", "Another identity", "Not said"]


def test_attendance_reads_words_in_either_language_and_previews_each_row(
    client: Client, world: World, training: Training
) -> None:
    sheet = HEADER + (
        "Aline U,oui,1,Kigali,Planning,Femme,Moins de 25 ans,40,62\n"
        ",,3,rajshahi,,Male,55 and over,,\n"
        ",no,2,,,not_said,25_34,,\n"
    )
    plan = attendance_plan(training, sheet.encode(), "a.csv")
    assert [(r["sex"], r["age_band"]) for r in plan.rows] == [
        ("female", "under_25"),
        ("male", "55_plus"),
        ("not_said", "25_34"),
    ]
    client.force_login(world.users["manager"])
    url = f"/programme/trainings/{training.pk}/attendance/"
    preview = client.post(url, {"file": SimpleUploadedFile("a.csv", sheet.encode())})
    page = preview.content.decode()
    assert preview.status_code == 200 and not Participant.objects.exists()
    # Every row as it will be saved, in words.
    for words in ("Aline U", "Kigali", "Rajshahi", "Female", "Under 25", "55 and over", "62"):
        assert words in page, words
    assert "under_25" not in page


def test_a_rejected_attendance_file_names_each_cell_and_writes_nothing(
    client: Client, world: World, training: Training
) -> None:
    Participant.objects.create(training=training, count=4)
    client.force_login(world.users["manager"])
    url = f"/programme/trainings/{training.pk}/attendance/"
    sheet = HEADER + ",,1,Kigali,,female,,,\n,,1,Atlantis,,woman,,,\n"
    response = client.post(url, {"file": SimpleUploadedFile("a.csv", sheet.encode())})
    page = response.content.decode()
    assert response.status_code == 400 and "Problems, row by row" in page
    assert "Row 3" in page and ">city<" in page and ">sex<" in page
    assert "Atlantis" in page and "woman" in page
    assert list(Participant.objects.values_list("count", flat=True)) == [4]  # as it was


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
