"""Documents are what their bytes say: real files of each kind accepted, and files that are
not what they claim, broken or built to blow up refused with a sentence."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from PIL import Image

from recap.core.documents import DocumentRefused, document_kind

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def xlsx() -> bytes:
    book = Workbook()
    book.active.append(["council", "2026-09-18"])  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx() -> bytes:
    """The smallest Word document: its content types and its body (what Word writes first)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Decision</w:t></w:r></w:p></w:body></w:document>",
        )
    return out.getvalue()


def image(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "name", "kind"),
    [
        (lambda: MINIMAL_PDF, "decision.pdf", "pdf"),
        (xlsx, "costs.xlsx", "xlsx"),
        (docx, "letter.docx", "docx"),
        (lambda: image("PNG"), "map.png", "png"),
        (lambda: image("JPEG"), "site.JPG", "jpeg"),
        (lambda: image("WEBP"), "site.webp", "webp"),
    ],
)
def test_real_documents_are_accepted(make: object, name: str, kind: str) -> None:
    assert document_kind(make(), name) == kind  # type: ignore[operator]


REFUSED = {
    # id: (bytes, name, words in the refusal); made when the test runs, so that each worker
    # of a parallel run collects the same tests (a workbook holds the time it was made).
    "empty": (lambda: b"", "empty.pdf", "empty"),
    "png-named-pdf": (lambda: image("PNG"), "decision.pdf", "named decision.pdf but is a PNG"),
    "pdf-named-docx": (lambda: MINIMAL_PDF, "decision.docx", "is a PDF file"),
    "xlsx-named-docx": (xlsx, "letter.docx", "is a XLSX file"),
    "windows-program": (lambda: b"MZ\x90\x00" + b"\x00" * 200, "tool.pdf", "Only PDF, Excel"),
    "html": (lambda: b"<html><script>alert(1)</script></html>", "page.pdf", "Only PDF, Excel"),
    "pdf-cut-short": (lambda: MINIMAL_PDF[:60], "cut.pdf", "cut short"),
    "broken-png": (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20, "broken.png", "damaged"),
    "broken-zip": (lambda: b"PK\x03\x04" + b"\x00" * 100, "broken.docx", "damaged"),
    "gif": (lambda: image("GIF"), "anim.gif", "Only PDF, Excel"),
    "bmp-named-png": (lambda: image("BMP"), "old.png", "Only PDF"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_is_not_what_it_claims_is_refused(case: str) -> None:
    make, name, words = REFUSED[case]
    with pytest.raises(DocumentRefused, match=words):
        document_kind(make(), name)


def test_a_zip_that_is_not_an_office_file_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("payload.exe", b"MZ")
    with pytest.raises(DocumentRefused, match="not a Word document or an Excel workbook"):
        document_kind(out.getvalue(), "letter.docx")


def test_a_small_image_that_decodes_to_gigabytes_is_refused() -> None:
    bomb = image("PNG", size=(10_000, 6_000), mode="1")  # 60 million pixels, a few kB
    assert len(bomb) < 200_000
    with pytest.raises(DocumentRefused, match="too large"):
        document_kind(bomb, "map.png")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
        ("report.PDF", "report.PDF"),
        ("C:\\Users\\me\\Desktop\\plan.pdf", "plan.pdf"),
        ("../../etc/plan.pdf", "plan.pdf"),
        (".pdf", "document.pdf"),
        ("", "document.pdf"),
        ("noending", "noending.pdf"),
    ],
)
def test_a_kept_name_keeps_its_ending_within_its_column(given: str, kept: str) -> None:
    from recap.core.documents import kept_filename

    assert kept_filename(given, "pdf") == kept
    assert len(kept_filename(given, "pdf")) <= 200
