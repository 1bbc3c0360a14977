"""The results pages: the programme's dashboard (every indicator against its target with its
trend, trainings and learning gains, the pipeline, the measures, what is late and what waits
for approval, for a country, a city or a period); a city's reported values, with the one flat
form to report another (with evidence) and submit it, or to correct a draft or returned one in
place and submit it again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.core.forms import add_service_errors, checked, told
from recap.core.rates import WRITE_RATE
from recap.core.uploads import upload_too_large
from recap.pipeline.selectors import programme_read_by

from .. import selectors
from ..forms import DecisionForm, UpdateWithEvidenceForm
from ..measures import evidence_add
from ..models import IndicatorUpdate
from ..overview import filter_cities, filters_from, overview, programme_countries
from ..policies import is_programme_manager, reported_by
from ..services import update_decide, update_save, update_submit


@login_required
@require_GET
def dashboard(request: SignedInRequest) -> HttpResponse:
    programme = programme_read_by(request.user)
    filters, problems = filters_from(programme, request.GET)
    seen = overview(user=request.user, programme=programme, filters=filters)
    return render(
        request,
        "tracking/dashboard.html",
        {
            "programme": programme,
            "o": seen,
            "problems": problems,
            "countries": programme_countries(programme),
            "city_groups": filter_cities(programme, filters),
            "can_decide": (can_decide := is_programme_manager(request.user, programme)),
            # Four eyes: the values this person reported wait for another manager.
            "reported": reported_by(request.user, seen.waiting) if can_decide else set(),
            "reports": programme.donor_reports.select_related("issued_by")[:5],
        },
        status=400 if problems else 200,
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def decide(request: SignedInRequest, pk: int) -> HttpResponse:
    update = selectors.update_get(pk=pk)
    with told(request, done=_("Decided.")):
        data = checked(DecisionForm(request.POST), _("Choose to approve or return it."))
        update_decide(
            actor=request.user, update=update, approve=data["approve"], reason=data["reason"]
        )
    return redirect("results:dashboard")


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def city_results(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    return _city_page(request, city, None)


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def city_correct(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    """A draft or returned value corrected in place (and submitted again, if asked): one value
    a period, never a second one beside it."""
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    update = selectors.update_get(pk=pk, city=city)
    if not update.editable:
        messages.error(request, _("A submitted or approved value can no longer be changed."))
        return redirect("results:city", slug=city.slug)
    return _city_page(request, city, update)


def _initial(update: IndicatorUpdate) -> dict[str, object]:
    return {
        "indicator": update.indicator,
        "period_start": update.period_start,
        "period_end": update.period_end,
        "value": format(update.value.normalize(), "f"),  # 9000, not 9000.00
        "comment": update.comment,
        **{f"breakdown_{dim}": parts for dim, parts in (update.breakdown or {}).items()},
    }


def _city_page(
    request: SignedInRequest, city: City, correcting: IndicatorUpdate | None
) -> HttpResponse:
    indicators = selectors.city_reported_indicators(city=city)
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    files = request.FILES if request.method == "POST" else None  # the size handler reads here
    form = UpdateWithEvidenceForm(
        request.POST or None,
        files,
        indicators=indicators,
        initial=_initial(correcting) if correcting is not None else None,
    )
    if correcting is not None:
        form.fields["indicator"].disabled = True  # a correction keeps its indicator
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the city's editors report its values."))
        if upload_too_large(request):
            form.add_error("evidence", _("The file is larger than 5 MB."))
        elif form.is_valid():
            try:
                _report(request, city, form.cleaned_data, correcting)
            except ValidationError as exc:
                add_service_errors(form, exc, rename={"file": "evidence"})
            else:
                messages.success(
                    request,
                    _("Corrected and submitted to the programme.")
                    if correcting is not None and "submit" in request.POST
                    else _("Submitted to the programme.")
                    if "submit" in request.POST
                    else _("Saved."),
                )
                return redirect("results:city", slug=city.slug)
    return render(
        request,
        "tracking/city.html",
        {
            "city": city,
            "form": form,
            "updates": selectors.city_updates(city=city),
            "can_edit": can_edit,
            "correcting": correcting,
        },
        status=400 if request.method == "POST" else 200,
    )


def _report(
    request: SignedInRequest,
    city: City,
    data: dict[str, Any],
    correcting: IndicatorUpdate | None,
) -> IndicatorUpdate:
    """The value, its evidence, its submission: all or none."""
    with transaction.atomic():
        update = update_save(
            actor=request.user,
            indicator=data["indicator"],
            city=city,
            period_start=data["period_start"],
            period_end=data["period_end"],
            value=data["value"],
            breakdown=data["breakdown"],
            comment=data["comment"],
            update=correcting,
        )
        if upload := data.get("evidence"):
            evidence_add(
                actor=request.user,
                update=update,
                title="",
                data=upload.read(settings.RECAP_UPLOAD_MAX_BYTES),
                filename=upload.name or "",
            )
        if "submit" in request.POST:
            update_submit(actor=request.user, update=update)
    return update


@login_required
@require_POST
def city_submit(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    update = selectors.update_get(pk=pk, city=city)
    try:
        update_submit(actor=request.user, update=update)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Submitted to the programme."))
    return redirect("results:city", slug=city.slug)
