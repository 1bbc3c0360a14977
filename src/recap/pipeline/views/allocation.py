"""The portfolio pages: the pot and its rules, the best allocation with its reasons (computed,
not saved, until the decider saves it with a rationale), and the saved decisions, each a version
never edited. The programme's pot: its manager decides, its reviewers read. A facility's pot,
among the concepts shared with it: its funders decide and read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from recap.accounts.types import SignedInRequest
from recap.cities.models import Programme
from recap.core.forms import add_service_errors
from recap.core.rates import WRITE_RATE
from recap.core.rendering import document_download

from ..allocation import (
    ELIGIBLE,
    Owner,
    Terms,
    allocation_decide,
    allocation_solve,
    claims_json,
    compare,
    concepts_of,
    facility_pot_get,
    latest,
    left_out_json,
    left_out_text,
    may_decide,
    parse_rates,
    readout,
    require_manager,
)
from ..forms import AllocationForm
from ..models import Allocation, Facility
from ..outputs import allocation_context, allocation_pdf
from ..policies import funder_facility_ids
from ..selectors import programme_read_by


def _references(owner: Owner) -> list[tuple[str, str]]:
    rows = (
        concepts_of(owner)
        .filter(stage__in=ELIGIBLE)
        .distinct()
        .order_by("reference")
        .values_list("reference", "title")
    )
    return [(ref, f"{ref} — {title}") for ref, title in rows]


def _initial(last: Allocation | None) -> dict[str, Any]:
    """The last decision's terms, so that a new version starts from them."""
    if last is None:
        return {}
    c = last.choices
    weights = c.get("weights", {})
    return {
        "name": c.get("name", ""),
        "currency": c.get("currency", "USD"),
        "pot": c.get("pot"),
        "basis": c.get("basis"),
        "partial_down_to": c.get("partial_down_to", 100),
        "min_per_country": c.get("min_per_country", 0),
        "max_per_city": c.get("max_per_city"),
        "floor_share": c.get("floor_share", 0),
        "weight_package": weights.get("package", 50),
        "weight_reviews": weights.get("reviews", 30),
        "weight_fit": weights.get("fit", 20),
        "rates": "\n".join(f"{r['currency']} {r['value']} {r['on']}" for r in c.get("rates", [])),
        "must_include": c.get("must_include", []),
        "must_exclude": c.get("must_exclude", []),
    }


def _terms(data: dict[str, Any]) -> Terms:
    return Terms(
        name=data["name"].strip(),
        currency=data["currency"],
        pot=data["pot"],
        basis=data["basis"],
        partial_down_to=data["partial_down_to"],
        min_per_country=data["min_per_country"],
        max_per_city=data["max_per_city"],
        floor_share=data["floor_share"],
        weights={
            "package": data["weight_package"],
            "reviews": data.get("weight_reviews") or 0,
            "fit": data["weight_fit"],
        },
        rates=parse_rates(data["rates"] or "", data["currency"]),
        must_include=tuple(data["must_include"]),
        must_exclude=tuple(data["must_exclude"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def allocations(request: SignedInRequest) -> HttpResponse:
    programme = programme_read_by(request.user)
    return _pot_page(request, programme)


@login_required
@require_GET
def facility_home(request: SignedInRequest) -> HttpResponse:
    """A funder's way in: the pot of their (first) facility."""
    ids = funder_facility_ids(request.user)
    facility = Facility.objects.filter(pk__in=ids).order_by("name").first()
    if facility is None:
        raise PermissionDenied(_("These pages are a facility's."))
    return redirect("board:facility_allocations", code=facility.code)


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def facility_allocations(request: SignedInRequest, code: str) -> HttpResponse:
    return _pot_page(request, facility_pot_get(request.user, code))


def _pot_page(request: SignedInRequest, owner: Owner) -> HttpResponse:
    can_decide = may_decide(request.user, owner)
    last = latest(owner)
    form = AllocationForm(
        request.POST or None,
        initial=_initial(last),
        references=_references(owner),
        reviews=not isinstance(owner, Facility),
    )
    answer = None
    if request.method == "POST":
        require_manager(request.user, owner)  # a reader may not compute or save
        if form.is_valid():
            try:
                terms = _terms(form.cleaned_data)
                if request.POST.get("action") == "decide":
                    allocation = allocation_decide(
                        actor=request.user,
                        programme=owner if isinstance(owner, Programme) else None,
                        facility=owner if isinstance(owner, Facility) else None,
                        terms=terms,
                        rationale=form.cleaned_data["rationale"],
                    )
                    messages.success(
                        request,
                        _("Decision saved as version %(n)s; the cities it supports are told.")
                        % {"n": allocation.number},
                    )
                    return redirect(allocation)
                solution = allocation_solve(owner, terms)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                answer = {
                    "status": solution.result["status"],
                    "result": solution.result,
                    "left_out": left_out_text(left_out_json(solution.left_out)),
                    "changes": compare(last, solution.result.get("awards", {})),
                    **readout(
                        solution.spec,
                        claims_json(solution.rows),
                        solution.result,
                        terms.currency,
                    ),
                }
    return render(
        request,
        "pipeline/allocations.html",
        {
            **_owner_context(owner),
            "form": form,
            "can_decide": can_decide,
            "answer": answer,
            "currency": form.cleaned_data.get("currency", "") if answer else "",
            "decisions": owner.allocations.select_related("decided_by", "facility"),
            "last": last,
        },
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


@login_required
@require_GET
def allocation(request: SignedInRequest, number: int) -> HttpResponse:
    return _decision_page(request, programme_read_by(request.user), number)


@login_required
@require_GET
def facility_allocation(request: SignedInRequest, code: str, number: int) -> HttpResponse:
    return _decision_page(request, facility_pot_get(request.user, code), number)


@login_required
@require_GET
def allocation_pdf_view(request: SignedInRequest, number: int) -> HttpResponse:
    return _decision_pdf(request, programme_read_by(request.user), number)


@login_required
@require_GET
def facility_allocation_pdf(request: SignedInRequest, code: str, number: int) -> HttpResponse:
    return _decision_pdf(request, facility_pot_get(request.user, code), number)


def _owner_context(owner: Owner) -> dict[str, Any]:
    if isinstance(owner, Facility):
        return {
            "facility": owner,
            "list_url": reverse("board:facility_allocations", kwargs={"code": owner.code}),
        }
    return {"programme": owner, "list_url": reverse("board:allocations")}


def _decision(owner: Owner, number: int) -> Allocation:
    return get_object_or_404(
        owner.allocations.select_related("decided_by", "programme", "facility"), number=number
    )


def _decision_page(request: SignedInRequest, owner: Owner, number: int) -> HttpResponse:
    decision = _decision(owner, number)
    newer = owner.allocations.filter(number__gt=number).order_by("-number").first()
    return render(
        request,
        "pipeline/allocation.html",
        {**_owner_context(owner), "newer": newer, **allocation_context(decision)},
    )


def _decision_pdf(request: SignedInRequest, owner: Owner, number: int) -> HttpResponse:
    decision = _decision(owner, number)
    stem = owner.code if isinstance(owner, Facility) else owner.slug
    return document_download(
        request,
        lambda language: allocation_pdf(decision, language=language),
        stem=f"{stem}-portfolio-decision-{decision.number}",
        kind="pdf",
    )
