"""Spreadsheets built to hurt a reader: small files that inflate, and broken ones.

Made in memory with zipfile, so tests and `benchmarks/uploads.py` can throw exactly these at
every upload. Each builder returns the bytes of an .xlsx file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Actions" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def _book(sheet: Iterator[bytes] | bytes, *, workbook: str = WORKBOOK) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for chunk in [sheet] if isinstance(sheet, bytes) else sheet:
                f.write(chunk)
    return out.getvalue()


def wide_row(cells: int) -> bytes:
    """One row of `cells` numeric cells: a few hundred KB that expand to many MB of XML."""

    def chunks() -> Iterator[bytes]:
        yield SHEET_HEAD.encode() + b'<row r="1">'
        block = b"<c><v>1</v></c>" * 10_000
        for _ in range(cells // 10_000):
            yield block
        yield b"<c><v>1</v></c>" * (cells % 10_000)
        yield b"</row>" + SHEET_TAIL.encode()

    return _book(chunks())


def long_cell(chars: int) -> bytes:
    """One cell holding `chars` characters of inline text."""
    body = SHEET_HEAD + '<row r="1"><c t="inlineStr"><is><t>'
    return _book(body.encode() + b"x" * chars + b"</t></is></c></row>" + SHEET_TAIL.encode())


def far_cell(column: str = "XFD") -> bytes:
    """A header and one value in the last column Excel has."""
    sheet = (
        f'{SHEET_HEAD}<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c>'
        f'<c r="{column}1"><v>1</v></c></row>{SHEET_TAIL}'
    )
    return _book(sheet.encode())


def far_row(row: int = 1_048_576) -> bytes:
    """A header and one value in a row far below it (a reader pads the rows between)."""
    sheet = (
        f'{SHEET_HEAD}<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
        f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>X-01</t></is></c></row>{SHEET_TAIL}'
    )
    return _book(sheet.encode())


def many_cells(rows: int, columns: int) -> bytes:
    """`rows` full rows of `columns` small numbers."""

    def chunks() -> Iterator[bytes]:
        yield SHEET_HEAD.encode()
        line = b"<row>" + b"<c><v>1</v></c>" * columns + b"</row>"
        for _ in range(rows):
            yield line
        yield SHEET_TAIL.encode()

    return _book(chunks())


def lying_dimension() -> bytes:
    """A two-cell table whose sheet claims to span A1:XFD1048576."""
    head = SHEET_HEAD.replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>')
    sheet = (
        f'{head}<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>X-01</t></is></c></row>{SHEET_TAIL}'
    )
    return _book(sheet.encode())


def entities() -> bytes:
    """A sheet whose DTD defines nested entities (the 'billion laughs')."""
    dtd = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    sheet = (
        dtd + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c t="inlineStr"><is><t>&lol3;</t></is></c></row>' + SHEET_TAIL
    )
    return _book(sheet.encode())


def _sheet() -> bytes:
    return (
        f'{SHEET_HEAD}<row r="1"><c t="inlineStr"><is><t>code</t></is></c></row>{SHEET_TAIL}'
    ).encode()


def truncated_workbook() -> bytes:
    return _book(_sheet(), workbook=WORKBOOK[: len(WORKBOOK) // 2])


def truncated_sheet() -> bytes:
    sheet = _sheet()
    return _book(sheet[: len(sheet) // 2])


def corrupt_deflate() -> bytes:
    """A well-formed book whose sheet's compressed bytes are damaged in the middle."""
    data = bytearray(wide_row(20_000))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    # The member's data starts after its local header (30 bytes, name, extra field).
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start + 40, start + 60):
        data[k] ^= 0xFF
    return bytes(data)


def lying_size() -> bytes:
    """A member whose header claims a small size while its data inflates to 50 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", SHEET_HEAD + " " * 50_000_000 + SHEET_TAIL)
    data = bytearray(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    small = (1000).to_bytes(4, "little")
    data[info.header_offset + 22 : info.header_offset + 26] = small  # local header
    central = data.rfind(b"PK\x01\x02")
    while central != -1:
        name_len = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            data[central + 24 : central + 28] = small
            break
        central = data.rfind(b"PK\x01\x02", 0, central)
    return bytes(data)
