"""Reading and writing the spreadsheets cities live in: XLSX and CSV, checked cell by cell.

Contract:
- `read_table(data, filename, spec)` returns the rows of one sheet as dicts of typed values
  (each with `_row`, its row number in the file), or raises `TableError` listing every problem
  as "Sheet 'Actions', row 4, column 'phase': must be one of short, medium". Nothing is
  returned half-checked: the caller writes only when the whole file is clean.
- Files are refused when they are too large, empty, not what their name says (a text file
  renamed .xlsx), unreadable, or when a cell holds a formula (its value would be whatever the
  formula last computed, if anything): the message says to paste values instead. What a file
  may expand to is bounded too (`core.xlsx.LIMITS`: rows, columns, cells, characters per cell,
  uncompressed bytes and seconds), for XLSX and CSV alike.
- `write_xlsx` / `write_csv` produce files `read_table` reads back to the same values. Text
  that a spreadsheet would run as a formula (starting with =, +, - or @) is written with a
  leading apostrophe, which `read_table` removes again.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .errors import TableError
from .xlsx import LIMITS, unreadable, xlsx_rows

__all__ = [
    "BAND",
    "Column",
    "Heading",
    "Row",
    "SheetSpec",
    "TableError",
    "read_table",
    "write_csv",
    "write_xlsx",
]

#: The colour of a header band in every workbook the platform writes.
BAND = "DCE8EA"

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_ERRORS = 50
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | int | float | choice | list | lines | pairs
    required: bool = True
    choices: Sequence[str] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 4000
    help: str = ""
    # For a column that is not required: what a blank cell means. A file without the column
    # at all gives records without the key, so an update keeps the stored value.
    default: Any = None
    # How a written workbook shows it: its width in characters (else by kind), wrapped text.
    width: int | None = None
    wrap: bool = False


@dataclass(frozen=True)
class Heading:
    """A row of a written sheet that heads a section: its text in the header band."""

    text: str


#: A row to write: values by column name, values in column order, or a section's heading.
Row = Mapping[str, Any] | Sequence[Any] | Heading


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: Sequence[Column]
    key: str | None = None  # a column whose values must be unique
    notes: Sequence[str] = field(default_factory=tuple)
    header: bool = True  # a written sheet starts with the columns' names (a form sheet: not)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def escape_text(value: str) -> str:
    """Text as a spreadsheet cell holds it: without the control characters XLSX cannot store
    (text pasted from a word processor carries some), and never read as a formula."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def unescape_text(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:2] in FORMULA_START else value


# ---------------------------------------------------------------- cells to values


def _number(raw: Any, column: Column) -> int | float:
    if isinstance(raw, bool):
        raise ValueError("must be a number")
    if isinstance(raw, str):
        try:
            raw = float(raw.strip().replace(",", ""))
        except ValueError:
            raise ValueError("must be a number") from None
    if not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ValueError("must be a number")
    value: int | float = float(raw)
    if column.kind == "int":
        if float(raw) != int(raw):
            raise ValueError("must be a whole number")
        value = int(raw)
    if column.minimum is not None and value < column.minimum:
        raise ValueError(f"must be at least {column.minimum:g}")
    if column.maximum is not None and value > column.maximum:
        raise ValueError(f"must be at most {column.maximum:g}")
    return value


def _pairs(text: str, column: Column) -> dict[str, int]:
    pairs: dict[str, int] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        key, sep, value = part.partition(":")
        key = key.strip()
        if not sep or not value.strip().isdigit():
            raise ValueError(f"{part!r} should look like code:2")
        if column.choices and key not in column.choices:
            raise ValueError(f"{key!r} is not a known code")
        score = int(value)
        if column.maximum is not None and score > column.maximum:
            raise ValueError(f"{key}: must be at most {column.maximum:g}")
        pairs[key] = score
    return pairs


def _list(text: str, column: Column) -> list[str]:
    items = [t.strip() for t in text.split(";") if t.strip()]
    bad = [t for t in items if column.choices and t not in column.choices]
    if bad:
        raise ValueError(f"{bad[0]!r} is not one of {', '.join(column.choices)}")
    return items


def _lines(text: str, column: Column) -> list[str]:
    return [x.strip() for x in text.splitlines() if x.strip()]


def _convert(raw: Any, column: Column) -> Any:
    """A cell's value as the column's type; raises ValueError with the reason."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if column.required:
            raise ValueError("is required")
        if column.default is not None:
            return column.default
        return {"list": [], "lines": [], "pairs": {}}.get(column.kind)
    if column.kind in ("int", "float"):
        return _number(raw, column)
    text = unescape_text(raw.strip() if isinstance(raw, str) else str(raw).strip())
    if len(text) > column.max_length:
        raise ValueError(f"must be at most {column.max_length} characters")
    if column.kind == "choice" and text not in column.choices:
        raise ValueError(f"must be one of {', '.join(column.choices)}")
    converters: dict[str, Callable[[str, Column], Any]] = {
        "list": _list,
        "pairs": _pairs,
        "lines": _lines,
    }
    convert = converters.get(column.kind)
    return convert(text, column) if convert else text


# ---------------------------------------------------------------- reading


def _sniff(data: bytes, filename: str) -> str:
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        if not data.startswith(b"PK\x03\x04"):
            raise unreadable(filename)
        return "xlsx"
    if lower.endswith(".csv"):
        return "csv"
    raise TableError([f"{filename}: only .xlsx and .csv files can be imported"])


def _csv_rows(data: bytes, filename: str) -> tuple[str, list[list[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError([f"{filename}: a CSV file must be saved as UTF-8 text"]) from None
    if "\x00" in text:
        raise TableError([f"{filename}: this is not a text CSV file"])
    rows: list[list[Any]] = []
    cells = 0
    deadline = time.monotonic() + LIMITS.seconds
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if number > LIMITS.rows:
                raise TableError([f"{filename}: more than {LIMITS.rows:,} lines; split the file"])
            if len(row) > LIMITS.columns:
                why = f"more than {LIMITS.columns} columns; delete the columns right of the table"
                raise TableError([f"{filename}, line {number}: {why}"])
            cells += len(row)
            if cells > LIMITS.cells:
                raise TableError([f"{filename}: more than {LIMITS.cells:,} cells; split the file"])
            if number % 256 == 0 and time.monotonic() > deadline:
                raise TableError(
                    [f"{filename}: took longer than {LIMITS.seconds:g} s to read; split the file"]
                )
            rows.append(row)
    except csv.Error as exc:
        raise TableError([f"{filename}: not a readable CSV file ({exc})"]) from None
    return filename, rows


RowCheck = Callable[[dict[str, Any], str], list[str]]


def read_table(
    data: bytes, filename: str, spec: SheetSpec, *, check: RowCheck | None = None
) -> list[dict[str, Any]]:
    """`check(row, place)` adds problems that span cells (say, a cost range out of order); it
    runs on every row whose cells are each valid, so one pass reports everything."""
    if len(data) > MAX_BYTES:
        raise TableError([f"{filename}: the file is larger than {MAX_BYTES // (1024 * 1024)} MB"])
    if not data:
        raise TableError([f"{filename}: the file is empty"])
    kind = _sniff(data, filename)
    formulas: list[str] = []
    if kind == "xlsx":
        sheet, rows, formulas = xlsx_rows(data, filename, spec.name)
    else:
        sheet, rows = _csv_rows(data, filename)
    where = f"Sheet '{sheet}'" if kind == "xlsx" else f"File '{sheet}'"
    if formulas:
        raise TableError(
            [
                f"{f}: contains a formula; copy the cells and paste them as values"
                for f in formulas[:MAX_ERRORS]
            ]
        )
    rows = [r for r in rows if any(v is not None and str(v).strip() for v in r)]
    if not rows:
        raise TableError([f"{where}: the sheet is empty (expected a header row)"])
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    _check_header(header, spec, where)
    if len(rows) - 1 > MAX_ROWS:
        raise TableError([f"{where}: more than {MAX_ROWS} rows; split the file"])
    return _records(rows, header, spec, where, check)


def _check_header(header: list[str], spec: SheetSpec, where: str) -> None:
    names = [c.name for c in spec.columns]
    errors = []
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    if missing:
        errors.append(f"{where}, row 1: missing column(s) {', '.join(missing)}")
    unknown = [h for h in header if h and h not in names]
    if unknown:
        errors.append(
            f"{where}, row 1: unknown column(s) {', '.join(unknown)} (expected {', '.join(names)})"
        )
    dupes = {h for h in header if h and header.count(h) > 1}
    if dupes:
        errors.append(f"{where}, row 1: column(s) {', '.join(sorted(dupes))} appear twice")
    if errors:
        raise TableError(errors)


def _records(
    rows: list[list[Any]], header: list[str], spec: SheetSpec, where: str, check: RowCheck | None
) -> list[dict[str, Any]]:
    errors: list[str] = []
    index = {h: i for i, h in enumerate(header) if h}
    out: list[dict[str, Any]] = []
    seen: dict[Any, int] = {}
    for offset, raw in enumerate(rows[1:], start=2):
        record: dict[str, Any] = {"_row": offset}
        before = len(errors)
        for column in spec.columns:
            i = index.get(column.name)
            if i is None and not column.required and column.default is not None:
                continue  # a column the file predates: the record leaves it as it is
            cell = raw[i] if i is not None and i < len(raw) else None
            try:
                record[column.name] = _convert(cell, column)
            except ValueError as exc:
                errors.append(f"{where}, row {offset}, column '{column.name}': {exc}")
        if check is not None and len(errors) == before:
            errors.extend(check(record, f"{where}, row {offset}"))
        if spec.key and record.get(spec.key) is not None:
            key = record[spec.key]
            if key in seen:
                place = f"{where}, row {offset}, column '{spec.key}'"
                errors.append(f"{place}: duplicate {key!r} (also row {seen[key]})")
            seen.setdefault(key, offset)
        out.append(record)
        if len(errors) >= MAX_ERRORS:
            errors.append("… more problems not shown; fix these first")
            break
    if errors:
        raise TableError(errors)
    return out


# ---------------------------------------------------------------- writing


def _cell(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if isinstance(value, Promise):  # a lazy label
        value = str(value)
    if column.kind == "list":
        return escape_text("; ".join(value))
    if column.kind == "lines":
        return escape_text("\n".join(value))
    if column.kind == "pairs":
        return "; ".join(f"{k}:{v}" for k, v in value.items())
    if isinstance(value, str):
        return escape_text(value)
    return value


def _in_order(row: Mapping[str, Any] | Sequence[Any], columns: list[Column]) -> list[Any]:
    """A row's values in column order (a short list is padded with blanks)."""
    if isinstance(row, Mapping):
        return [row.get(c.name) for c in columns]
    return [*row, *[None] * (len(columns) - len(row))]


def write_xlsx(sheets: Iterable[tuple[SheetSpec, Iterable[Row]]]) -> bytes:
    """Every workbook the platform writes, one sheet per spec: the columns' names in the header
    band (unless the spec is a form without one), each cell escaped as `escape_text` says,
    widths and wrapping from the columns. A row is a dict by column name, a list in column
    order, or a `Heading`; an empty list leaves a blank row."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor=BAND)
    wrap = Alignment(wrap_text=True, vertical="top")
    for spec, rows in sheets:
        sheet = book.create_sheet(str(spec.name)[:31])
        columns = list(spec.columns)
        if spec.header:
            sheet.append([str(c.name) for c in columns])
            for cell in sheet[1]:
                cell.font, cell.fill = bold, fill
            sheet.freeze_panes = "A2"
        for row in rows:
            if isinstance(row, Heading):
                sheet.append([escape_text(str(row.text))])
                first = sheet.cell(sheet.max_row, 1)
                first.font, first.fill = bold, fill
                continue
            sheet.append(
                [_cell(v, c) for v, c in zip(_in_order(row, columns), columns, strict=True)]
            )
        for i, column in enumerate(columns, start=1):
            letter = get_column_letter(i)
            sheet.column_dimensions[letter].width = column.width or (
                14 if column.kind in ("int", "float", "choice") else 28
            )
            if column.wrap:
                for (cell,) in sheet.iter_rows(min_col=i, max_col=i):
                    cell.alignment = wrap
        # Keep every string a string: openpyxl would treat "=..." as a formula.
        for row_cells in sheet.iter_rows(min_row=2 if spec.header else 1):
            for cell in row_cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(spec: SheetSpec, rows: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in spec.columns])
    for row in rows:
        writer.writerow(
            ["" if (v := _cell(row.get(c.name), c)) is None else v for c in spec.columns]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
