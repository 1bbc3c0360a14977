"""Catalogue spreadsheets: round trips, and every way a file can be refused with nothing written."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from recap.catalogue.models import CatalogueAction
from recap.catalogue.services import (
    catalogue_export,
    catalogue_import_apply,
    catalogue_import_plan,
    catalogue_load_shipped,
)
from recap.catalogue.spreadsheet import action_to_row, catalogue_sheet
from recap.core.tabular import SheetSpec, TableError, write_xlsx
from recap.hazards.models import HazardType
from recap.hazards.services import hazard_taxonomy_load
from recap.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db: None) -> None:
    hazard_taxonomy_load()
    catalogue_load_shipped()


def rows() -> list[dict[str, Any]]:
    return [action_to_row(a) for a in CatalogueAction.objects.order_by("code")]


def test_shipped_catalogue_covers_every_sector(catalogue: None) -> None:
    assert CatalogueAction.objects.count() >= 60
    sectors = {s for a in CatalogueAction.objects.all() for s in a.sectors}
    assert len(sectors) == 11
    assert set(CatalogueAction.objects.values_list("phase", flat=True)) == {"short", "medium"}


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_export_then_import_is_identical(catalogue: None, file_format: str) -> None:
    before = rows()
    data = catalogue_export(file_format=file_format)
    CatalogueAction.objects.all().delete()
    plan = catalogue_import_plan(data=data, filename=f"c.{file_format}")
    assert len(plan.created) == len(before)
    catalogue_import_apply(plan=plan)
    assert rows() == before
    again = catalogue_import_plan(
        data=catalogue_export(file_format=file_format), filename=f"c.{file_format}"
    )
    assert (again.created, again.updated, len(again.unchanged)) == ([], [], len(before))


def test_text_that_looks_like_a_formula_is_escaped_and_comes_back(catalogue: None) -> None:
    CatalogueAction.objects.filter(code="WAT-01").update(
        summary='=HYPERLINK("http://x")', title="+1 kiosk"
    )
    data = catalogue_export()
    sheet = load_workbook(io.BytesIO(data))["Actions"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "WAT-01")
    assert row[header.index("summary")].value == '\'=HYPERLINK("http://x")'
    assert row[header.index("summary")].data_type == "s"
    csv_text = catalogue_export(file_format="csv").decode("utf-8")
    assert "'=HYPERLINK" in csv_text and "'+1 kiosk" in csv_text
    plan = catalogue_import_plan(data=data, filename="c.xlsx")
    wat = next(r for r in plan.rows if r["code"] == "WAT-01")
    assert wat["summary"] == '=HYPERLINK("http://x")'
    assert wat["title"] == "+1 kiosk"


def workbook(header: list[str], *data_rows: list[Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Actions"
    sheet.append(header)
    for r in data_rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_row_values(code: str = "NEW-01") -> list[Any]:
    return [
        code,
        "A title",
        "A summary",
        "A description.",
        "health; digital",
        "epidemic:3",
        "robust",
        1,
        2,
        0,
        1,
        3,
        1000,
        5000,
        0.5,
        6,
        "short",
        "Land agreed",
        "Clinics reached (%)",
    ]


HEADER = [
    "code",
    "title",
    "summary",
    "description",
    "sectors",
    "hazards",
    "qualities",
    "economy",
    "equity",
    "mitigation",
    "adaptation",
    "health",
    "cost_min_usd",
    "cost_max_usd",
    "staff_fte",
    "months_to_implement",
    "phase",
    "prerequisites",
    "kpis",
]


def with_cell(column: str, value: Any) -> bytes:
    values = good_row_values()
    values[HEADER.index(column)] = value
    return workbook(HEADER, values)


BAD_FILES = [
    (
        "wrong header",
        workbook(["code", "name"], ["X", "Y"]),
        "Sheet 'Actions', row 1: missing column(s) title",
    ),
    (
        "unknown column",
        workbook([*HEADER, "colour"], good_row_values()),
        "unknown column(s) colour",
    ),
    (
        "wrong type",
        with_cell("economy", "high"),
        "Sheet 'Actions', row 2, column 'economy': must be a number",
    ),
    ("out of range", with_cell("equity", 7), "row 2, column 'equity': must be at most 3"),
    (
        "unknown hazard",
        with_cell("hazards", "meteor:3"),
        "row 2, column 'hazards': 'meteor' is not a known code",
    ),
    (
        "bad phase",
        with_cell("phase", "soon"),
        "row 2, column 'phase': must be one of short, medium",
    ),
    (
        "unknown sector",
        with_cell("sectors", "space"),
        "row 2, column 'sectors': 'space' is not one of",
    ),
    ("missing title", with_cell("title", None), "row 2, column 'title': is required"),
    (
        "cost order",
        with_cell("cost_max_usd", 10),
        "row 2, column 'cost_max_usd': must not be below cost_min_usd",
    ),
    (
        "duplicate id",
        workbook(HEADER, good_row_values("DUP-01"), good_row_values("DUP-01")),
        "row 3, column 'code': duplicate 'DUP-01' (also row 2)",
    ),
    (
        "formula",
        with_cell("cost_min_usd", "=1+1"),
        "Sheet 'Actions', row 2, column 13: contains a formula",
    ),
    ("empty file", b"", "c.xlsx: the file is empty"),
    ("text renamed .xlsx", b"code,title\nX,Y\n", "c.xlsx: not a readable XLSX file"),
    ("broken zip", b"PK\x03\x04garbage", "c.xlsx: not a readable XLSX file"),
    (
        "oversized",
        b"PK\x03\x04" + b"0" * (5 * 1024 * 1024 + 1),
        "c.xlsx: the file is larger than 5 MB",
    ),
    ("only a header", workbook(HEADER), None),
]


@pytest.mark.parametrize(("label", "data", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_every_bad_file_is_refused_with_its_place_named(
    catalogue: None, label: str, data: bytes, message: str | None
) -> None:
    before = rows()
    if message is None:  # a header and no rows is a valid, empty import
        plan = catalogue_import_plan(data=data, filename="c.xlsx")
        assert plan.rows == []
        return
    with pytest.raises(TableError) as exc:
        catalogue_import_plan(data=data, filename="c.xlsx")
    assert any(message in e for e in exc.value.errors), exc.value.errors
    assert rows() == before


def test_a_file_with_one_bad_row_writes_nothing(catalogue: None) -> None:
    good, bad = good_row_values("NEW-01"), good_row_values("NEW-02")
    bad[HEADER.index("phase")] = "never"
    with pytest.raises(TableError):
        catalogue_import_plan(data=workbook(HEADER, good, bad), filename="c.xlsx")
    assert not CatalogueAction.objects.filter(code="NEW-01").exists()


def test_csv_that_is_not_utf8(catalogue: None) -> None:
    with pytest.raises(TableError, match="must be saved as UTF-8"):
        catalogue_import_plan(data="code,title\nX,Caf\xe9\n".encode("latin-1"), filename="c.csv")


RECAP = str(Path(sys.executable).parent / "recap")


def test_command_line_round_trip_and_rejection(tmp_path: Path, catalogue: None) -> None:
    # The command runs in its own process on its own database file.
    env = {"RECAP_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    assert (
        subprocess.run([RECAP, "demo"], env=env, capture_output=True, check=False).returncode == 0
    )
    target = tmp_path / "catalogue.xlsx"
    out = subprocess.run(
        [RECAP, "catalogue", "export", str(target)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    result = subprocess.run(
        [RECAP, "catalogue", "import", str(target)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "0 new, 0 changed" in result.stdout
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(with_cell("economy", "high"))
    result = subprocess.run(
        [RECAP, "catalogue", "import", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "row 2, column 'economy': must be a number" in result.stderr
    assert "rejected, nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    missing = subprocess.run(
        [RECAP, "catalogue", "import", str(tmp_path / "nope.xlsx")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2
    # Broken and hostile workbooks: exit 2, one line saying why, no traceback.
    from recap.core.tests import hostile

    for build, why in [
        (hostile.truncated_sheet, "not a readable XLSX file"),
        (hostile.corrupt_deflate, "not a readable XLSX file"),
        (hostile.entities, "not a readable XLSX file"),
        (lambda: hostile.wide_row(3_000_000), "expands to 43 MB"),
    ]:
        broken = tmp_path / "broken.xlsx"
        broken.write_bytes(build())
        result = subprocess.run(
            [RECAP, "catalogue", "import", str(broken)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"broken.xlsx: {why}"), result.stderr
        assert "Traceback" not in result.stderr


def test_web_upload_previews_then_saves(client: Client, world: World, catalogue: None) -> None:
    client.force_login(world.users["admin"])
    upload = io.BytesIO(workbook(HEADER, good_row_values("NEW-07")))
    upload.name = "new.xlsx"
    response = client.post("/catalogue/upload/", {"file": upload})
    assert response.status_code == 200
    assert "1 to add, 0 to change." in response.content.decode()
    assert not CatalogueAction.objects.filter(code="NEW-07").exists()
    token = str(response.context["pending"].pk)
    response = client.post("/catalogue/upload/", {"confirm": token})
    assert response.status_code == 302
    assert CatalogueAction.objects.get(code="NEW-07").sectors == ["health", "digital"]
    # A tampered preview is refused.
    response = client.post("/catalogue/upload/", {"confirm": token + "x"}, follow=True)
    assert "already saved or has expired" in response.content.decode()


def test_web_upload_shows_every_error_and_saves_nothing(
    client: Client, world: World, catalogue: None
) -> None:
    client.force_login(world.users["admin"])
    upload = io.BytesIO(with_cell("phase", "soon"))
    upload.name = "bad.xlsx"
    response = client.post("/catalogue/upload/", {"file": upload})
    assert response.status_code == 400
    assert (
        "row 2, column &#x27;phase&#x27;: must be one of short, medium" in response.content.decode()
    )


def test_search_and_filters(client: Client, catalogue: None) -> None:
    body = client.get("/catalogue/?sector=water_sanitation&phase=short").content.decode()
    assert "WAT-01" in body
    assert "ENE-" not in body
    kiosks = client.get("/catalogue/?q=kiosk").content.decode()
    assert "WAT-01" in kiosks
    assert "No action matches" in client.get("/catalogue/?q=zzzznothing").content.decode()
    small = client.get("/catalogue/?cost=small").context["actions"]
    assert all(a.cost_max_usd <= 100_000 for a in small)
    by_hazard = client.get("/catalogue/?hazard=epidemic").context["actions"]
    assert by_hazard and all("epidemic" in a.hazards for a in by_hazard)


def test_api_catalogue(client: Client, catalogue: None) -> None:
    data = client.get("/api/v1/catalogue?sector=water_sanitation&phase=short&limit=100").json()
    assert data["count"] >= 3
    assert all("water_sanitation" in a["sectors"] and a["phase"] == "short" for a in data["items"])
    one = client.get("/api/v1/catalogue/WAT-01").json()
    assert set(one["co_benefits"]) == {"economy", "equity", "mitigation", "adaptation", "health"}
    assert client.get("/api/v1/catalogue/NOPE-1").status_code == 404


def test_feasibility_is_optional_in_older_files_and_checked_when_given(catalogue: None) -> None:
    # A file made before feasibility was rated: no such column. A new action is rated 2...
    plan = catalogue_import_plan(data=workbook(HEADER, good_row_values()), filename="old.xlsx")
    assert "feasibility" not in plan.rows[0]
    catalogue_import_apply(plan=plan)
    assert CatalogueAction.objects.get(code="NEW-01").feasibility == 2
    # ... and an update from such a file keeps every stored rating (none is reset to 2).
    ratings = dict(CatalogueAction.objects.values_list("code", "feasibility"))
    assert set(ratings.values()) == {0, 1, 2, 3}
    old = [{k: v for k, v in r.items() if k != "feasibility"} for r in rows()]
    spec = catalogue_sheet(list(HazardType.objects.values_list("code", flat=True)))
    older = SheetSpec(spec.name, [c for c in spec.columns if c.name != "feasibility"])
    plan = catalogue_import_plan(data=write_xlsx([(older, old)]), filename="old.xlsx")
    assert plan.updated == [] and len(plan.unchanged) == len(ratings)  # nothing new said
    catalogue_import_apply(plan=plan)
    assert dict(CatalogueAction.objects.values_list("code", "feasibility")) == ratings
    CatalogueAction.objects.filter(code="NEW-01").delete()
    # Given, it is checked like every other rating, and the cell is named.
    header = [*HEADER, "feasibility"]
    plan = catalogue_import_plan(
        data=workbook(header, [*good_row_values(), 3]), filename="new.xlsx"
    )
    assert plan.rows[0]["feasibility"] == 3
    with pytest.raises(TableError) as exc:
        catalogue_import_plan(data=workbook(header, [*good_row_values(), 5]), filename="bad.xlsx")
    assert any("row 2, column 'feasibility'" in e for e in exc.value.errors)
    assert not CatalogueAction.objects.filter(code="NEW-01").exists()


def test_the_reference_class_goes_out_and_comes_back_and_a_bad_one_is_named(
    catalogue: None,
) -> None:
    """The catalogue sheet carries each action's cost reference class: changed in the file, it
    changes on import; a class that does not exist is refused by row and column."""
    import openpyxl

    def edited(value: str) -> tuple[bytes, int]:
        """The exported catalogue with HLT-04's class set to `value`, and HLT-04's row."""
        book = openpyxl.load_workbook(io.BytesIO(catalogue_export()))
        sheet = book["Actions"]
        header = [c.value for c in sheet[1]]
        column = header.index("reference_class") + 1
        code_column = header.index("code") + 1
        (where,) = [
            row
            for row in range(2, sheet.max_row + 1)
            if sheet.cell(row, code_column).value == "HLT-04"
        ]
        sheet.cell(where, column).value = value
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), where

    assert CatalogueAction.objects.get(code="HLT-04").reference_class == "building"
    plan = catalogue_import_plan(data=edited("civil_works")[0], filename="c.xlsx")
    assert plan.updated == ["HLT-04"]
    catalogue_import_apply(plan=plan)
    assert CatalogueAction.objects.get(code="HLT-04").reference_class == "civil_works"
    before = rows()
    data, row = edited("castle")
    with pytest.raises(TableError) as exc:
        catalogue_import_plan(data=data, filename="c.xlsx")
    assert any(
        f"row {row}, column 'reference_class': must be one of" in e for e in exc.value.errors
    ), exc.value.errors
    assert rows() == before
