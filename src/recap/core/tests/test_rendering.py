"""Documents written the one way (`core.rendering`, `core.tabular.write_xlsx`): a table and a
form sheet in one workbook, escaped, banded and sized as declared, in the reader's language."""

from __future__ import annotations

import io

import pytest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from recap.core.rendering import document_language, xlsx_document
from recap.core.tabular import BAND, Column, Heading, SheetSpec, write_xlsx


def test_the_language_asked_or_english() -> None:
    assert document_language("fr") == "fr"
    assert [document_language(x) for x in ("en", "de", "", None, "fr-CA")] == ["en"] * 5


def test_a_table_and_a_form_sheet_in_one_workbook() -> None:
    table = SheetSpec("Funding", [Column("Who"), Column("Amount", "float", width=12)])
    form = SheetSpec(
        "Record", [Column("Field", width=42), Column("Value", width=90, wrap=True)], header=False
    )
    data = write_xlsx(
        [
            (table, [["=HYPERLINK(x)", 5.0], {"Who": "Bank", "Amount": 2.5}, ["Short"]]),
            (
                form,
                [["Reference", "RW-1"], [], Heading("Summary"), [gettext_lazy("City"), "Kigali"]],
            ),
        ]
    )
    book = load_workbook(io.BytesIO(data))
    funding, record = book["Funding"], book["Record"]
    assert [[c.value for c in r] for r in funding.iter_rows()] == [
        ["Who", "Amount"],
        ["'=HYPERLINK(x)", 5],  # a formula typed as text stays text
        ["Bank", 2.5],
        ["Short", None],  # a short row is padded
    ]
    assert funding["A1"].font.bold and funding["A1"].fill.fgColor.rgb.endswith(BAND)
    assert funding.freeze_panes == "A2" and funding.column_dimensions["B"].width == 12
    rows = [[c.value for c in r] for r in record.iter_rows()]
    assert rows[0] == ["Reference", "RW-1"] and rows[3] == ["City", "Kigali"]
    assert record["A3"].value == "Summary" and record["A3"].fill.fgColor.rgb.endswith(BAND)
    assert record.freeze_panes is None and record["B4"].alignment.wrap_text
    assert record.column_dimensions["B"].width == 90


def test_a_row_longer_than_its_columns_is_a_bug_not_a_silent_cut() -> None:
    with pytest.raises(ValueError, match="zip"):
        write_xlsx([(SheetSpec("S", [Column("A")]), [["one", "two"]])])


def test_a_workbook_is_built_in_the_language_asked() -> None:
    def build() -> bytes:
        return write_xlsx([(SheetSpec(_("Funding sources"), [Column(_("Amount"))]), [])])

    french = load_workbook(io.BytesIO(xlsx_document(build, language="fr")))
    english = load_workbook(io.BytesIO(xlsx_document(build, language="xx")))
    assert french.sheetnames == ["Sources de financement"]
    assert english.sheetnames == ["Funding sources"]
