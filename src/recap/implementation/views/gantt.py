"""The plan's Gantt view (being written in this session: the Gantt slice)."""

from django.http import Http404, HttpRequest, HttpResponse


def gantt_page(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("Not yet")
