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
