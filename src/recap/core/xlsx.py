"""Reading an uploaded XLSX file without letting it cost more than it should.

An .xlsx file is a zip of XML: 300 KB can hold a row of ten million cells, a row numbered one
million that a reader pads with empty rows, a cell in column XFD, an entity bomb in a DTD, or
bytes that no longer inflate. The 5 MB upload limit counts none of that.

Contract: `xlsx_rows(data, filename, sheet)` returns the title of the sheet read (`sheet` if
the book has it, else the first), its rows as lists of cell values and where formulas are; or
raises `TableError` with one line that says what was refused and why. Before openpyxl builds
anything, every XML part is streamed once through defusedxml's SAX parser (no DTD entities, no
external references) and counted against `LIMITS`: what the parts inflate to, elements, rows,
columns, cells and characters per cell, and the time all this takes. A file that passes
cannot cost more than those limits; any reader error on it (a truncated part, a corrupt
deflate stream, a size the zip header lies about) is the same "not a readable XLSX file".
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl

from defusedxml import sax as safe_sax

from .errors import TableError


@dataclass(frozen=True)
class Limits:
    """What an uploaded spreadsheet may expand to. Generous for any table a city keeps (the
    shipped catalogue uses 25 columns; a 5,000-row file is about 2 MB); far below what would
    hurt a web worker."""

    uncompressed_bytes: int = 30 * 1024 * 1024
    parts: int = 500
    elements: int = 1_500_000
    rows: int = 20_000
    columns: int = 200
    cells: int = 300_000
    cell_chars: int = 32_767  # what an Excel cell holds
    seconds: float = 20.0


LIMITS = Limits()
CELL_REF = re.compile(r"^\$?([A-Za-z]{1,7})\$?(\d{1,9})$")


class Refused(Exception):  # noqa: N818 - a signal inside this module, never seen outside
    """Raised from inside the scan to stop it at once."""


def unreadable(filename: str) -> TableError:
    why = "not a readable XLSX file (open it in Excel or LibreOffice and save it again as .xlsx)"
    return TableError([f"{filename}: {why}"])


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.elements = 0

    def element(self) -> None:
        self.elements += 1
        if self.elements > self.limits.elements:
            raise Refused(f"has more than {self.limits.elements:,} XML elements")
        if self.elements % 4096 == 0:
            self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise Refused(f"took longer than {self.limits.seconds:g} s to read; split the file")


class _Counter(ContentHandler):
    """Counts the elements of any XML part."""

    def __init__(self, budget: _Budget) -> None:
        super().__init__()
        self.budget = budget

    def startElement(self, name: str, attrs: AttributesImpl) -> None:  # noqa: N802 - SAX's name
        self.budget.element()


class _Book(_Counter):
    """workbook.xml and its relationships: which part holds which sheet."""

    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.sheets: dict[str, str] = {}  # relationship id -> title
        self.targets: dict[str, str] = {}  # relationship id -> part

    def startElement(self, name: str, attrs: AttributesImpl) -> None:  # noqa: N802
        super().startElement(name, attrs)
        local = _local(name)
        if local == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            self.sheets[rid] = attrs.get("name", "")[:100]
        elif local == "Relationship":
            self.targets[attrs.get("Id", "")] = attrs.get("Target", "")


class _Sheet(_Counter):
    """A worksheet: rows, columns, cells and the characters in each cell."""

    def __init__(self, budget: _Budget, title: str) -> None:
        super().__init__(budget)
        self.title = title
        self.row = 0
        self.column = 0
        self.cells = 0
        self.chars = 0
        self.max_row = 0
        self.max_column = 0
        self.in_text = False

    def _refuse(self, why: str) -> Refused:
        return Refused(f"sheet '{self.title}', row {self.row}: {why}")

    def startElement(self, name: str, attrs: AttributesImpl) -> None:  # noqa: N802
        super().startElement(name, attrs)
        local = _local(name)
        limits = self.budget.limits
        if local == "row":
            r = attrs.get("r")
            self.row = int(r) if r and r.isdigit() else self.row + 1
            self.column = 0
            if self.row > limits.rows:
                raise self._refuse(f"more than {limits.rows:,} rows; split the file")
            self.max_row = max(self.max_row, self.row)
        elif local == "c":
            ref = CELL_REF.match(attrs.get("r", ""))
            self.column = column_number(ref[1]) if ref else self.column + 1
            if ref and int(ref[2]) != self.row:
                self.row = int(ref[2])
                if self.row > limits.rows:
                    raise self._refuse(f"more than {limits.rows:,} rows; split the file")
                self.max_row = max(self.max_row, self.row)
            if self.column > limits.columns:
                raise self._refuse(
                    f"a cell beyond column {limits.columns}; delete the columns right of the table"
                )
            self.cells += 1
            if self.cells > limits.cells:
                raise self._refuse(f"more than {limits.cells:,} cells; split the file")
            self.max_column = max(self.max_column, self.column)
            self.chars = 0
        elif local in ("v", "t", "f"):
            self.in_text = True

    def endElement(self, name: str) -> None:  # noqa: N802
        if _local(name) in ("v", "t", "f"):
            self.in_text = False

    def characters(self, content: str) -> None:
        if self.in_text:
            self.chars += len(content)
            if self.chars > self.budget.limits.cell_chars:
                raise self._refuse(
                    f"a cell with more than {self.budget.limits.cell_chars:,} characters"
                )


class _Strings(_Counter):
    """sharedStrings.xml: no string longer than a cell may hold."""

    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.chars = 0

    def startElement(self, name: str, attrs: AttributesImpl) -> None:  # noqa: N802
        super().startElement(name, attrs)
        if _local(name) == "si":
            self.chars = 0

    def characters(self, content: str) -> None:
        self.chars += len(content)
        if self.chars > self.budget.limits.cell_chars:
            raise Refused(f"holds a text of more than {self.budget.limits.cell_chars:,} characters")


@dataclass(frozen=True)
class _Scanned:
    titles: dict[str, str]  # part name -> sheet title
    extent: dict[str, tuple[int, int]]  # part name -> (last row, last column)


BOOK_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def _resolve(target: str) -> str:
    target = target.lstrip("/")
    return target if target.startswith("xl/") else "xl/" + target


def _scan(archive: zipfile.ZipFile, limits: Limits, budget: _Budget) -> _Scanned:
    infos = archive.infolist()
    if len(infos) > limits.parts:
        raise Refused(f"has more than {limits.parts} parts")
    declared = sum(i.file_size for i in infos)
    if declared > limits.uncompressed_bytes:
        raise Refused(
            f"expands to {declared / 1048576:,.0f} MB; at most "
            f"{limits.uncompressed_bytes // 1048576} MB is read"
        )
    names = archive.namelist()
    book = _Book(budget)
    for part in BOOK_PARTS:
        if part in names:
            _parse(archive, part, book)
    titles = {
        _resolve(target): book.sheets[rid]
        for rid, target in book.targets.items()
        if rid in book.sheets
    }
    extent: dict[str, tuple[int, int]] = {}
    for name in names:
        if name in BOOK_PARTS or not name.endswith((".xml", ".rels")):
            continue
        if name in titles or (name.startswith("xl/worksheets/") and name.count("/") == 2):
            sheet = _Sheet(budget, titles.get(name, name.rsplit("/", 1)[-1]))
            _parse(archive, name, sheet)
            extent[name] = (sheet.max_row, sheet.max_column)
        elif name == "xl/sharedStrings.xml":
            _parse(archive, name, _Strings(budget))
        else:
            _parse(archive, name, _Counter(budget))
    return _Scanned(titles, extent)


def _parse(archive: zipfile.ZipFile, part: str, handler: ContentHandler) -> None:
    with archive.open(part) as stream:
        # defusedxml: a DTD may be there, but no entity and no external reference in it.
        safe_sax.parse(stream, handler)
    if isinstance(handler, _Counter):
        handler.budget.check_time()


def xlsx_rows(
    data: bytes, filename: str, sheet_name: str, limits: Limits = LIMITS
) -> tuple[str, list[list[Any]], list[str]]:
    """The rows of sheet `sheet_name` (or the first sheet) and the places of any formulas."""
    from openpyxl import load_workbook

    budget = _Budget(limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            scanned = _scan(archive, limits, budget)
    except Refused as exc:
        raise TableError([f"{filename}: {exc}"]) from None
    except Exception:  # a broken zip or XML part, entities, an encrypted part: all the same
        raise unreadable(filename) from None
    rows: list[list[Any]] = []
    formulas: list[str] = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        title = sheet_name if sheet_name in book.sheetnames else book.sheetnames[0]
        sheet = book[title]
        # Bounded by what the scan found, not by the sheet's own (unchecked) dimension; a
        # sheet the scan did not see is not read at all.
        last_row, last_column = scanned.extent[sheet._worksheet_path]
        if last_row and last_column:
            for r, row in enumerate(
                sheet.iter_rows(max_row=last_row, max_col=last_column), start=1
            ):
                values = []
                for c, cell in enumerate(row):
                    if getattr(cell, "data_type", None) == "f":
                        formulas.append(f"Sheet '{title}', row {r}, column {c + 1}")
                    values.append(cell.value)
                rows.append(values)
                if r % 256 == 0:
                    budget.check_time()
        book.close()
    except Refused as exc:
        raise TableError([f"{filename}: {exc}"]) from None
    except Exception:
        raise unreadable(filename) from None
    return title, rows, formulas
