"""The results pages: the programme's view of every indicator against its target, with what is
late and the values waiting for approval; a city's reported values, with the one flat form to
report another and submit it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.cities.models import Programme
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user, programme_current

from .forms import DecisionForm, UpdateForm
from .models import Indicator, IndicatorUpdate
from .progress import indicator_progress
from .results import is_programme_manager, update_decide, update_save, update_submit

WRITE_RATE = "120/h"


def _programme_for(user: Any) -> Programme:
    """The programme `user` manages or reviews (the first, for a platform admin)."""
    from recap.pipeline.policies import programme_reader

    if not programme_reader(user):
        raise PermissionDenied(_("The results dashboard is the programme's."))
    programme = (
        Programme.objects.filter(memberships__user=user).order_by("pk").first()
        or programme_current()
    )
    if programme is None:
        raise PermissionDenied(_("There is no programme yet."))
    return programme


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    programme = _programme_for(request.user)
    indicators = (
        Indicator.objects.filter(outcome__programme=programme)
        .select_related("outcome__programme")
        .prefetch_related("targets")
    )
    rows = [indicator_progress(i) for i in indicators]
    waiting = IndicatorUpdate.objects.filter(
        indicator__outcome__programme=programme, status=IndicatorUpdate.Status.SUBMITTED
    ).select_related("indicator", "city", "created_by")
    return render(
        request,
        "tracking/dashboard.html",
        {
            "programme": programme,
            "rows": rows,
            "waiting": waiting,
            "can_decide": is_programme_manager(request.user, programme),
        },
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(IndicatorUpdate.objects.select_related("indicator__outcome"), pk=pk)
    form = DecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose to approve or return it."))
        update_decide(
            actor=request.user,
            update=update,
            approve=form.cleaned_data["approve"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Decided."))
    return redirect("results:dashboard")


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def city_results(request: HttpRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    indicators = Indicator.objects.filter(
        outcome__programme__cities=city,
        kind=Indicator.Kind.REPORTED,
        level=Indicator.Level.CITY,
    ).distinct()
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    form = UpdateForm(request.POST or None, indicators=indicators)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the city's editors report its values."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                update = update_save(
                    actor=request.user,
                    indicator=data["indicator"],
                    city=city,
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    value=data["value"],
                    breakdown=data["breakdown"],
                    comment=data["comment"],
                )
                if "submit" in request.POST:
                    update_submit(actor=request.user, update=update)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        for error in errors:
                            form.add_error(field if field in form.fields else None, error)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("results:city", slug=city.slug)
    updates = IndicatorUpdate.objects.filter(city=city).select_related("indicator")
    return render(
        request,
        "tracking/city.html",
        {"city": city, "form": form, "updates": updates, "can_edit": can_edit},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def city_submit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    update = get_object_or_404(
        IndicatorUpdate.objects.select_related("indicator"), pk=pk, city=city
    )
    try:
        update_submit(actor=request.user, update=update)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Submitted to the programme."))
    return redirect("results:city", slug=city.slug)
