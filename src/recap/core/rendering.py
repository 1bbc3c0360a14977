"""The one way a document the platform writes (a package report, a concept note, a report to
the donor) is rendered as PDF or XLSX in the language its reader asked for: English or French,
English for anything else. The words of the templates and sheets, the labels of choices and the
translated fields all follow it, and the page says which language it is in (`LANGUAGE_CODE`).

Contract: `document_language(asked)` → "en" or "fr"; `pdf_document(template, context,
language=..., images=...)` → PDF bytes (through `core.pdf.render_pdf`); `xlsx_document(build,
language=...)` → the bytes `build()` returns with the language active (a workbook built with
`core.tabular.write_xlsx`); `document_download(request, render, stem=..., kind=...)` → the
document in the language the request asks for (`?lang=fr`, else the reader's), as a download
named `<stem>-<language>.<kind>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from .downloads import XLSX, generated_response, requested_language
from .pdf import render_pdf

#: The languages documents are written in.
LANGUAGES = ("en", "fr")


def document_language(asked: str | None) -> str:
    return asked if asked in LANGUAGES else "en"


def pdf_document(
    template: str,
    context: Mapping[str, Any],
    *,
    language: str | None,
    images: Mapping[str, bytes] | None = None,
) -> bytes:
    code = document_language(language)
    with translation.override(code):
        html = render_to_string(template, {**context, "LANGUAGE_CODE": code})
    return render_pdf(html, images=images)


def xlsx_document(build: Callable[[], bytes], *, language: str | None) -> bytes:
    with translation.override(document_language(language)):
        return build()


def document_download(
    request: HttpRequest,
    render: Callable[[str], bytes],
    *,
    stem: str,
    kind: Literal["pdf", "xlsx"],
) -> HttpResponse:
    """`render(language)` as a download, in the language the request asks for."""
    language = requested_language(request, LANGUAGES)
    return generated_response(
        render(language),
        filename=f"{stem}-{language}.{kind}",
        content_type="application/pdf" if kind == "pdf" else XLSX,
    )
