"""What an uploaded spreadsheet may expand to, and the one refusal for every broken file.

Each hostile file here is small; before these limits each cost seconds to minutes and hundreds
of MB to GBs of memory (`python -m benchmarks.uploads --baseline REV` shows it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from recap.core.tabular import Column, SheetSpec, TableError, read_table
from recap.core.tests import hostile
from recap.core.xlsx import LIMITS, Limits, xlsx_rows

SPEC = SheetSpec(name="Actions", columns=[Column("code")])
UNREADABLE = "x.xlsx: not a readable XLSX file (open it in Excel or LibreOffice"

CASES: list[tuple[str, Callable[[], bytes], str]] = [
    ("inflates past the cap", lambda: hostile.wide_row(3_000_000), "x.xlsx: expands to 43 MB"),
    (
        "a row of 201 cells",
        lambda: hostile.wide_row(201),
        "x.xlsx: sheet 'Actions', row 1: a cell beyond column 200",
    ),
    (
        "a value in column XFD",
        hostile.far_cell,
        "x.xlsx: sheet 'Actions', row 1: a cell beyond column 200",
    ),
    (
        "a row numbered 1,048,576",
        hostile.far_row,
        "x.xlsx: sheet 'Actions', row 1048576: more than 20,000 rows",
    ),
    (
        "300,200 cells",
        lambda: hostile.many_cells(1501, 200),
        "x.xlsx: sheet 'Actions', row 1501: more than 300,000 cells",
    ),
    (
        "a cell of 32,768 characters",
        lambda: hostile.long_cell(32_768),
        "x.xlsx: sheet 'Actions', row 1: a cell with more than 32,767 characters",
    ),
    ("entities in a DTD", hostile.entities, UNREADABLE),
    ("a truncated workbook.xml", hostile.truncated_workbook, UNREADABLE),
    ("a truncated sheet", hostile.truncated_sheet, UNREADABLE),
    ("a corrupted deflate stream", hostile.corrupt_deflate, UNREADABLE),
    ("a size the zip header lies about", hostile.lying_size, UNREADABLE),
]


@pytest.mark.parametrize(("label", "build", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_hostile_file_is_refused_with_one_clear_line(
    label: str, build: Callable[[], bytes], message: str
) -> None:
    with pytest.raises(TableError) as exc:
        read_table(build(), "x.xlsx", SPEC)
    assert len(exc.value.errors) == 1
    assert exc.value.errors[0].startswith(message), exc.value.errors


def test_just_inside_the_limits_is_read() -> None:
    """The limits are where they say: 200 columns and a 32,767-character cell are fine."""
    title, rows, _ = xlsx_rows(hostile.wide_row(200), "x.xlsx", "Actions")
    assert title == "Actions" and len(rows) == 1 and len(rows[0]) == 200
    _title, rows, _ = xlsx_rows(hostile.long_cell(32_767), "x.xlsx", "Actions")
    assert rows == [["x" * 32_767]]


def test_a_sheet_that_lies_about_its_size_is_read_as_it_is() -> None:
    """Its dimension says A1:XFD1048576; only the two cells there are are read."""
    rows = read_table(hostile.lying_dimension(), "x.xlsx", SPEC)
    assert rows == [{"_row": 2, "code": "X-01"}]


def test_reading_stops_at_the_time_limit() -> None:
    with pytest.raises(TableError, match=r"took longer than 0 s to read; split the file"):
        xlsx_rows(hostile.many_cells(10, 10), "x.xlsx", "Actions", Limits(seconds=0))


def test_the_limits_hold_for_csv_too() -> None:
    wide = ("code" + ",x" * LIMITS.columns + "\n").encode()
    with pytest.raises(TableError, match=r"x.csv, line 1: more than 200 columns"):
        read_table(wide, "x.csv", SPEC)
    tall = b"code\n" + b"X\n" * LIMITS.rows
    with pytest.raises(TableError, match=r"x.csv: more than 20,000 lines"):
        read_table(tall, "x.csv", SPEC)
    cells = b"code" + b",\n" * 0 + (b"," * 199 + b"\n") * 1600
    with pytest.raises(TableError, match=r"x.csv: more than 300,000 cells"):
        read_table(cells, "x.csv", SPEC)
    huge_field = b'code\n"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(TableError, match=r"x.csv: not a readable CSV file"):
        read_table(huge_field, "x.csv", SPEC)
