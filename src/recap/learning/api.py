"""Peer learning over the API, under the pages' own policies: the lessons a caller may read
(published ones by anyone), one lesson, a city's peers and its exchanges (its members and its
programme's people), and the one search over lessons, actions, measures and concepts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from recap.accounts.api_auth import PUBLIC, SIGNED_IN
from recap.accounts.types import SignedInRequest
from recap.cities.api_auth import private_city
from recap.core.api_errors import errors

from .models import Lesson, PeerList
from .peers import matches
from .policies import exchange_policy, lesson_policy, may_set_matches
from .search import Kind, search

router = Router(tags=["learning"])
city_router = Router(tags=["learning"])

#: The most rows a list answers with.
LIMIT = 200


class LessonOut(Schema):
    id: int
    city: str
    kind: str
    status: str
    title: str
    summary: str
    hazards: list[str]
    url: str


class LessonDetailOut(LessonOut):
    context: str
    what_was_done: str
    results: str
    differently: str
    partners: str


def _lesson(lesson: Lesson, *, whole: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": lesson.pk,
        "city": lesson.city.name,
        "kind": lesson.kind,
        "status": lesson.status,
        "title": lesson.title,
        "summary": lesson.summary,
        "hazards": sorted(h.code for h in lesson.hazards.all()),
        "url": lesson.get_absolute_url(),
    }
    if whole:
        out |= {
            name: getattr(lesson, name)
            for name in ("context", "what_was_done", "results", "differently", "partners")
        }
    return out


@router.get(
    "/lessons",
    response={200: list[LessonOut], **errors(401)},
    auth=PUBLIC,
    summary="The lessons and case studies you may read (published ones: anyone)",
)
def lesson_list(request: HttpRequest) -> list[dict[str, Any]]:
    lessons = (
        lesson_policy.queryset(request.user)
        .select_related("city")
        .prefetch_related("hazards")
        .order_by("-updated_at", "pk")[:LIMIT]
    )
    return [_lesson(lesson) for lesson in lessons]


@router.get(
    "/lessons/{int:lesson_id}",
    response={200: LessonDetailOut, **errors(401, 404)},
    auth=PUBLIC,
    summary="One lesson, whole (a draft: a 404 to whoever may not read it)",
)
def lesson_detail(request: HttpRequest, lesson_id: int) -> dict[str, Any]:
    lesson = (
        lesson_policy.queryset(request.user)
        .select_related("city")
        .prefetch_related("hazards")
        .filter(pk=lesson_id)
        .first()
    )
    if lesson is None:
        raise Http404("No such lesson")
    return _lesson(lesson, whole=True)


class SearchIn(Schema):
    q: str = Field("", max_length=200)
    kind: str = Field("", max_length=20, description="lesson, action, measure or concept")


class HitOut(Schema):
    kind: str
    title: str
    summary: str
    city: str
    url: str


@router.get(
    "/search",
    response={200: list[HitOut], **errors(401, 422)},
    auth=PUBLIC,
    summary="Search lessons, catalogue actions, and the measures and concepts you may read",
)
def knowledge_search(request: HttpRequest, filters: Query[SearchIn]) -> list[dict[str, Any]]:
    if filters.kind and filters.kind not in Kind.values:
        raise ValidationError({"kind": f"one of {', '.join(Kind.values)}"})
    hits = search(request.user, filters.q, kinds=[filters.kind] if filters.kind else ())
    return [
        {"kind": h.kind, "title": h.title, "summary": h.summary, "city": h.city, "url": h.url}
        for h in hits
    ]


class ExchangeOut(Schema):
    id: int
    kind: str
    subject: str
    from_city: str
    to_city: str
    closed: bool
    awaiting: str | None = Field(description="The city whose turn it is to answer.")
    url: str


@city_router.get(
    "/{int:city_id}/exchanges",
    response={200: list[ExchangeOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="A city's exchanges with its peers (the city's members and its programme's people)",
)
def city_exchanges(request: SignedInRequest, city_id: int) -> list[dict[str, Any]]:
    city = private_city(request, city_id)
    rows = (
        exchange_policy.queryset(request.user)
        .filter(Q(from_city=city) | Q(to_city=city))
        .select_related("from_city", "to_city", "awaiting")
        .order_by("-pk")[:LIMIT]
    )
    return [
        {
            "id": e.pk,
            "kind": e.kind,
            "subject": e.subject,
            "from_city": e.from_city.name,
            "to_city": e.to_city.name,
            "closed": e.is_closed,
            "awaiting": e.awaiting.name if e.awaiting else None,
            "url": e.get_absolute_url(),
        }
        for e in rows
    ]


class FactorOut(Schema):
    label: str
    detail: str = Field(description="Why, in words (the hazards both face, the bands, ...).")
    points: float
    out_of: float


class PeerOut(Schema):
    kind: str = Field(description="The list: similar (similar to me) or help (can help me).")
    city_id: int
    city: str
    country: str
    score: float = Field(description="Points out of 100: the sum of the factors' points.")
    pinned: bool = Field(description="Pinned by the programme: first, whatever its score.")
    hidden: bool = Field(
        description="Hidden from the city by the programme (listed to its manager only)."
    )
    note: str = Field(description="The programme's note on its pin or hide.")
    factors: list[FactorOut]
    url: str


@city_router.get(
    "/{int:city_id}/peers",
    response={200: list[PeerOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="A city's peer cities, each list as its page ranks it, with every factor's points "
    "(the city's members and its programme's manager)",
)
def city_peers(request: SignedInRequest, city_id: int) -> list[dict[str, Any]]:
    city = private_city(request, city_id)
    # As the page: the programme's manager also sees the matches hidden from the city, marked.
    found = matches(city, include_hidden=may_set_matches(request.user, city))
    return [
        {
            "kind": str(kind),
            "city_id": m.peer.pk,
            "city": m.peer.name,
            "country": m.peer.country.name,
            "score": m.score,
            "pinned": m.pinned,
            "hidden": m.hidden,
            "note": m.note,
            "factors": [
                {"label": f.label, "detail": f.detail, "points": f.points, "out_of": f.out_of}
                for f in m.factors
            ],
            "url": m.peer.get_absolute_url(),
        }
        for kind in (PeerList.SIMILAR, PeerList.HELP)
        for m in found[kind]
    ]
