from __future__ import annotations

from django.http import HttpRequest, HttpResponse

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


def spreadsheet_response(content: bytes, *, file_format: str, stem: str) -> HttpResponse:
    content_type = "text/csv; charset=utf-8" if file_format == "csv" else XLSX
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{file_format}"'
    return response
