from __future__ import annotations

import re
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def requested_format(request: HttpRequest) -> str:
    return "csv" if request.GET.get("format") == "csv" else "xlsx"


def requested_language(request: HttpRequest, languages: tuple[str, ...]) -> str:
    """The language a document is asked for (`?lang=fr`), else the reader's, else English."""
    asked = request.GET.get("lang", "")
    if asked in languages:
        return asked
    own = (getattr(request, "LANGUAGE_CODE", "en") or "en")[:2]
    return own if own in languages else "en"


def generated_response(content: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    """A file the platform made (a PDF, a workbook, an export) as a download: one place that
    writes `Content-Disposition` (the name cut to letters, digits, `-`, `_` and `.`, so no
    quote or line break of a title can reach the header) and says not to sniff the type."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-.")[:150] or "download"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def spreadsheet_response(content: bytes, *, file_format: str, stem: str) -> HttpResponse:
    content_type = "text/csv; charset=utf-8" if file_format == "csv" else XLSX
    return generated_response(content, filename=f"{stem}.{file_format}", content_type=content_type)


def stored_file_response(
    stored: Any, *, filename: str, content_type: str, as_attachment: bool = True
) -> FileResponse:
    """An uploaded document as the site serves it: a download unless said otherwise, typed as
    what its bytes are (never sniffed), cached privately; a 404 when it is gone from the
    storage rather than a crash."""
    try:
        stream = stored.open("rb")
    except OSError as exc:
        raise Http404("The document is no longer stored") from exc
    response = FileResponse(
        stream, as_attachment=as_attachment, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def document_response(document: Any, *, thumbnail: bool = False) -> FileResponse:
    """A stored document (`core.models.StoredDocument`) as the site serves it, from whichever
    storage holds it: a download under the name it was uploaded with, typed as what its bytes
    are; with `thumbnail`, its thumbnail as an inline PNG (a 404 when it has none)."""
    from .documents import content_type

    if thumbnail:
        if not getattr(document, "thumbnail", None):
            raise Http404("No thumbnail")
        return stored_file_response(
            document.thumbnail,
            as_attachment=False,
            filename="thumbnail.png",
            content_type="image/png",
        )
    if not document.file:
        raise Http404("No document")
    return stored_file_response(
        document.file, filename=document.filename, content_type=content_type(document.kind_of_file)
    )
