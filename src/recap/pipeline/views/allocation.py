"""The programme's portfolio pages: the pot and its rules, the best allocation with its reasons
(computed, not saved, until the manager saves it with a rationale), and the saved decisions,
each a version never edited. The programme's manager decides; its reviewers read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import manages_programme
from recap.accounts.types import SignedInRequest
from recap.core.forms import add_service_errors
from recap.core.rates import WRITE_RATE
from recap.core.rendering import document_download

from ..allocation import (
    ELIGIBLE,
    Terms,
    allocation_decide,
    allocation_solve,
    claims_json,
    compare,
    latest,
    left_out_json,
    left_out_text,
    parse_rates,
    readout,
)
from ..forms import AllocationForm
from ..models import Allocation, ProjectConcept
from ..outputs import allocation_context, allocation_pdf
from ..selectors import programme_read_by


def _references(programme: Any) -> list[tuple[str, str]]:
    rows = (
        ProjectConcept.objects.filter(city__programmes=programme, stage__in=ELIGIBLE)
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
            "reviews": data["weight_reviews"],
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
    can_decide = manages_programme(request.user, programme.pk)
    last = latest(programme)
    form = AllocationForm(
        request.POST or None, initial=_initial(last), references=_references(programme)
    )
    answer = None
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied(_("Only the programme's manager decides its portfolio."))
        if form.is_valid():
            try:
                terms = _terms(form.cleaned_data)
                if request.POST.get("action") == "decide":
                    allocation = allocation_decide(
                        actor=request.user,
                        programme=programme,
                        terms=terms,
                        rationale=form.cleaned_data["rationale"],
                    )
                    messages.success(
                        request,
                        _("Decision saved as version %(n)s; the cities it supports are told.")
                        % {"n": allocation.number},
                    )
                    return redirect(allocation)
                solution = allocation_solve(programme, terms)
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
            "programme": programme,
            "form": form,
            "can_decide": can_decide,
            "answer": answer,
            "currency": form.cleaned_data.get("currency", "") if answer else "",
            "decisions": programme.allocations.select_related("decided_by"),
            "last": last,
        },
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


@login_required
@require_GET
def allocation(request: SignedInRequest, number: int) -> HttpResponse:
    programme = programme_read_by(request.user)
    decision = get_object_or_404(
        Allocation.objects.select_related("decided_by"), programme=programme, number=number
    )
    newer = programme.allocations.filter(number__gt=number).order_by("-number").first()
    return render(
        request,
        "pipeline/allocation.html",
        {"programme": programme, "newer": newer, **allocation_context(decision)},
    )


@login_required
@require_GET
def allocation_pdf_view(request: SignedInRequest, number: int) -> HttpResponse:
    programme = programme_read_by(request.user)
    decision = get_object_or_404(
        Allocation.objects.select_related("decided_by", "programme"),
        programme=programme,
        number=number,
    )
    return document_download(
        request,
        lambda language: allocation_pdf(decision, language=language),
        stem=f"{programme.slug}-portfolio-decision-{decision.number}",
        kind="pdf",
    )
