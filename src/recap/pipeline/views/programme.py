"""The programme's pipeline board (a funnel by stage and country, each country against the
target, how long concepts wait, and the concepts by stage with the moves the reader may make),
and the funders' pages: the concepts shared with their facilities, best fit first, and one
shared concept with its thread."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
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

from .. import concepts as svc
from .. import selectors
from ..concept_page import offered_moves
from ..forms import MessageForm
from ..matching import ConceptFacts, match
from ..models import CLOSED, ProjectConcept, Stage
from ..money import concept_money
from ..policies import funder_facility_ids, programme_reader, project_concept_policy


@login_required
@require_GET
def board(request: SignedInRequest) -> HttpResponse:
    if not programme_reader(request.user):
        raise PermissionDenied(_("The pipeline board is the programme's."))
    country = selectors.country_by_code(request.GET.get("country", ""))
    funnel = selectors.pipeline_funnel(user=request.user, country=country)
    columns = [
        (stage, Stage(stage).label, [(c, offered_moves(request.user, c)) for c in concepts])
        for stage, concepts in funnel.board.items()
    ]
    return render(
        request,
        "pipeline/board.html",
        {
            "funnel": funnel,
            "columns": columns,
            "country": country,
            "countries": selectors.countries_with_concepts(),
        },
    )


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
    return render(request, "pipeline/shared_list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def shared_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    concept, facility_ids = _shared_with_funder(request, pk)
    facilities = selectors.facilities_sharing(concept=concept, facility_ids=facility_ids)
    if not facilities:
        raise Http404("Not shared with you")
    facility = facilities[0]
    form = MessageForm(request.POST or None)
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
            "interested": concept.funder_messages.filter(
                facility=facility, kind="interest"
            ).exists(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def shared_document(request: SignedInRequest, pk: int, doc: int) -> HttpResponseBase:
    """A document of a concept shared with the funder's facility."""
    concept, _facility_ids = _shared_with_funder(request, pk)
    return document_response(get_object_or_404(concept.attachments, pk=doc))
