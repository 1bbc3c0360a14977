"""The city's implementation reports (being written in this session: the reports slice)."""

from django.http import Http404, HttpRequest, HttpResponse


def report_list(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("Not yet")


def report_issue(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("Not yet")


def report_file(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    raise Http404("Not yet")
