"""The programme's pipeline board (a funnel by stage and country, each country against the
target, how long concepts wait, and the concepts by stage with the moves the reader may make),
and the funders' pages: the concepts shared with their facilities, best fit first, and one
shared concept with its thread."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import funder_organisation_ids
from recap.accounts.types import SignedInRequest
from recap.core.downloads import document_response
from recap.core.rates import WRITE_RATE
from recap.core.rendering import document_download

from .. import concepts as svc
from .. import selectors
from ..concept_page import offered_moves
from ..forms import MessageForm
from ..matching import ConceptFacts, match
from ..models import CLOSED, FunderMessage, ProjectConcept
from ..money import concept_money
from ..outputs import concept_pdf
from ..policies import funder_facility_ids, programme_reader, project_concept_policy
from ..selectors import BOARD_STAGES


@login_required
@require_GET
def board(request: SignedInRequest) -> HttpResponse:
    if not programme_reader(request.user):
        raise PermissionDenied(_("The pipeline board is the programme's."))
    country = selectors.country_by_code(request.GET.get("country", ""))
    funnel = selectors.pipeline_funnel(user=request.user, country=country)
    pages = {stage: _page_number(request.GET.get(f"page_{stage}")) for stage in BOARD_STAGES}
    columns = [
        (
            column,
            [(c, offered_moves(request.user, c)) for c in column.concepts],
            _page_link(request, column.stage, column.number - 1) if column.has_previous else "",
            _page_link(request, column.stage, column.number + 1) if column.has_next else "",
        )
        for column in selectors.board_columns(
            user=request.user, country=country, funnel=funnel, pages=pages
        )
    ]
    return render(
        request,
        "pipeline/board.html",
        {
            "funnel": funnel,
            "columns": columns,
            "country": country,
            "countries": selectors.countries_with_concepts(),
            "unseen": funnel.candidates_unseen.value,
        },
    )


def _page_number(raw: str | None) -> int:
    """A column's page from the address: a number from 1; anything else is the first page."""
    return int(raw) if raw and raw.isdigit() and int(raw) > 0 else 1


def _page_link(request: HttpRequest, stage: str, number: int) -> str:
    """The board's address with one column on another page, the filters and the other
    columns' pages kept."""
    query = request.GET.copy()
    query[f"page_{stage}"] = str(number)
    return f"?{query.urlencode()}"


def _shared_with_funder(request: HttpRequest, pk: int) -> tuple[ProjectConcept, set[int]]:
    """A concept the policy shows this funder and that is shared with one of its facilities
    (a 404 otherwise), with the funder's facilities; anyone but a funder is refused."""
    if not funder_organisation_ids(request.user):
        raise PermissionDenied(_("These pages are for the funders concepts are shared with."))
    facility_ids = funder_facility_ids(request.user)
    concept = get_object_or_404(
        project_concept_policy.queryset(request.user)
        .filter(shares__facility_id__in=facility_ids)
        .select_related("city__country")
        .distinct(),
        pk=pk,
    )
    return concept, facility_ids


@login_required
@require_GET
def shared_list(request: SignedInRequest) -> HttpResponse:
    if not funder_organisation_ids(request.user):
        raise PermissionDenied(_("These pages are for the funders concepts are shared with."))
    rows = selectors.shared_with_funder(user=request.user)
    page = Paginator(rows, selectors.SHARED_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "pipeline/shared_list.html",
        {"rows": selectors.shared_page(page.object_list), "page": page, "total": len(rows)},
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def shared_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    concept, facility_ids = _shared_with_funder(request, pk)
    facilities = selectors.facilities_sharing(concept=concept, facility_ids=facility_ids)
    if not facilities:
        raise Http404("Not shared with you")
    facility = facilities[0]
    interest = (
        concept.funder_messages.filter(facility=facility, kind=FunderMessage.Kind.INTEREST)
        .order_by("at")
        .first()
    )
    form = MessageForm(request.POST or None, interested=interest is not None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.funder_message(
                actor=request.user,
                concept=concept,
                facility=facility,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Sent to %(city)s.") % {"city": concept.city.name})
            return redirect("board:shared_detail", pk=concept.pk)
    return render(
        request,
        "pipeline/shared_detail.html",
        {
            "c": concept,
            "facility": facility,
            "money": concept_money(concept),
            "match": match(ConceptFacts.of(concept), facility),
            "thread": selectors.funder_threads(concept, facility_ids=facility_ids).get(
                facility, []
            ),
            "form": form,
            "can_write": concept.stage not in CLOSED,
            "attachments": concept.attachments.all(),
            "interest": interest,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def shared_pdf(request: SignedInRequest, pk: int) -> HttpResponse:
    """The concept note of a concept shared with the funder's facility, as the city reads it."""
    concept, _facility_ids = _shared_with_funder(request, pk)
    return document_download(
        request,
        lambda language: concept_pdf(concept, language=language),
        stem=f"{concept.reference}-concept-note",
        kind="pdf",
    )


@login_required
@require_GET
def shared_document(request: SignedInRequest, pk: int, doc: int) -> HttpResponseBase:
    """A document of a concept shared with the funder's facility."""
    concept, _facility_ids = _shared_with_funder(request, pk)
    return document_response(get_object_or_404(concept.attachments, pk=doc))
