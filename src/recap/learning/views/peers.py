"""Peers, exchanges and search: a city's matched peers with their reasons (the programme pins
and hides), its exchanges with peer cities and the threads, and the search over knowledge."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.selectors import city_get_for_user
from recap.core.downloads import document_response
from recap.core.forms import add_service_errors, checked, told
from recap.core.rates import WRITE_RATE
from recap.core.uploads import upload_too_large

from .. import search as knowledge
from .. import selectors
from ..exchanges import city_exchanges, exchange_get, exchange_home
from ..forms import ExchangeForm, OverrideForm, ReplyForm, SearchForm
from ..models import PeerList
from ..peers import matches
from ..policies import editing_city_ids, lesson_queryset, may_set_matches, writing_city
from ..services import exchange_close, exchange_reply, exchange_start, match_override


@login_required
@require_GET
def peers(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    can_set = may_set_matches(request.user, city)
    found = matches(city, include_hidden=can_set)
    return render(
        request,
        "learning/peers.html",
        {
            "city": city,
            "lists": [
                (PeerList.SIMILAR, PeerList.SIMILAR.label, found[PeerList.SIMILAR]),
                (PeerList.HELP, PeerList.HELP.label, found[PeerList.HELP]),
            ],
            "can_set": can_set,
            "can_edit": city.pk in editing_city_ids(request.user),
        },
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def peer_override(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    with told(request, done=_("Saved.")):
        data = checked(
            OverrideForm(request.POST), _("Choose pin, hide or clear for one of the two lists.")
        )
        match_override(
            actor=request.user,
            city=city,
            peer=data["peer"],
            kind=data["kind"],
            action=data["action"],
            note=data["note"],
        )
    return redirect("lessons:peers", slug=city.slug)


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def city_exchanges_view(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    can_edit = city.pk in editing_city_ids(request.user)
    initial = {}
    if to := selectors.public_city_by_slug(request.GET.get("to") or ""):
        initial["to_city"] = to
    # Bound on every POST, even one whose fields were cut short by an oversized file.
    posted = request.method == "POST"
    form = ExchangeForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        city=city,
        initial=initial,
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the city's editors write for it."))
        if upload_too_large(request):
            form.add_error("attachment", _("The file is larger than 5 MB."))
        elif form.is_valid():
            try:
                exchange = exchange_start(
                    actor=request.user,
                    from_city=city,
                    to_city=form.cleaned_data["to_city"],
                    kind=form.cleaned_data["kind"],
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    lesson=form.cleaned_data["lesson"],
                    attachment=_attachment(form),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Sent. The other city's editors are told by e-mail."))
                return redirect(exchange)
    return render(
        request,
        "learning/exchanges.html",
        {
            "city": city,
            "exchanges": city_exchanges(request.user, city),
            "form": form,
            "can_edit": can_edit,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def exchange_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    exchange = exchange_get(request.user, pk)
    writer = writing_city(request.user, exchange)
    posted = request.method == "POST"
    form = ReplyForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST":
        if writer is None:
            raise PermissionDenied(_("Only the two cities' editors write in an exchange."))
        try:
            if "close" in request.POST:
                exchange_close(actor=request.user, exchange=exchange)
                messages.success(request, _("The exchange is closed."))
                return redirect(exchange)
            if upload_too_large(request):
                form.add_error("attachment", _("The file is larger than 5 MB."))
            elif form.is_valid():
                exchange_reply(
                    actor=request.user,
                    exchange=exchange,
                    body=form.cleaned_data["body"],
                    attachment=_attachment(form),
                )
                messages.success(request, _("Reply sent."))
                return redirect(exchange)
        except ValidationError as exc:
            add_service_errors(form, exc)
    # The lesson it is about, named only while the reader may read it (a withdrawn lesson is
    # a draft again: its city's alone).
    lesson = (
        lesson_queryset(request.user).filter(pk=exchange.lesson_id).first()
        if exchange.lesson_id
        else None
    )
    return render(
        request,
        "learning/exchange.html",
        {
            "exchange": exchange,
            "home": exchange_home(request.user, exchange),
            "lesson": lesson,
            "thread": exchange.messages.select_related("author", "city"),
            "writer": writer,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


def _attachment(form: ExchangeForm | ReplyForm) -> tuple[bytes, str] | None:
    upload = form.cleaned_data.get("attachment")
    if not upload:
        return None
    return upload.read(settings.RECAP_UPLOAD_MAX_BYTES), upload.name or ""


@login_required
@require_GET
def exchange_file(request: SignedInRequest, pk: int, message: int) -> FileResponse:
    """A document shared in an exchange, to whoever reads the exchange: a download (never
    shown inline), served as what its bytes are."""
    exchange = exchange_get(request.user, pk)
    shared = exchange.messages.filter(pk=message).exclude(file="").first()
    if shared is None:
        raise Http404("No such document")
    return document_response(shared)


@require_GET
@ratelimit(key="ip", rate="300/h", block=True)  # type: ignore[untyped-decorator]
def search_view(request: HttpRequest) -> HttpResponse:
    kinds, countries = knowledge.search_facets(request.user)
    form = SearchForm(request.GET or None, kinds=kinds, countries=countries)
    hits: list[knowledge.Hit] = []
    asked = False
    if form.is_valid():
        data = form.cleaned_data
        asked = bool(
            data["q"] or data["hazard"] or data["sector"] or data["country"] or data["kind"]
        )
        hits = knowledge.search(
            request.user,
            data["q"],
            hazard=data["hazard"].code if data["hazard"] else "",
            sector=data["sector"],
            country=data["country"].pk if data["country"] else None,
            kinds=[data["kind"]] if data["kind"] else [],
        )
    query = form.cleaned_data["q"] if form.is_valid() else ""
    # Each hit's title and summary with the words found marked (escaped first: `highlight`).
    shown = [
        (
            hit,
            knowledge.highlight(hit.title, query),
            knowledge.highlight(Truncator(hit.summary).chars(240), query),
        )
        for hit in hits
    ]
    return render(
        request,
        "learning/search.html",
        {"form": form, "hits": shown, "asked": asked},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
