from __future__ import annotations

from django.http import HttpRequest, HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def requested_format(request: HttpRequest) -> str:
    return "csv" if request.GET.get("format") == "csv" else "xlsx"


def spreadsheet_response(content: bytes, *, file_format: str, stem: str) -> HttpResponse:
    content_type = "text/csv; charset=utf-8" if file_format == "csv" else XLSX
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{file_format}"'
    return response
