from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recap.accounts.access import Level
from recap.accounts.services import membership_add, membership_remove
from recap.accounts.types import SignedInRequest

from . import selectors
from .forms import CityProfileForm, MemberAddForm
from .policies import city_policy
from .services import city_profile_update
from .workspace import public_panels, workspace_panels


@require_GET
def city_list(request: HttpRequest) -> HttpResponse:
    cities = selectors.city_public_list(user=request.user)
    return render(request, "cities/city_list.html", {"cities": cities})


@require_GET
def city_profile(request: HttpRequest, slug: str) -> HttpResponse:
    city = selectors.city_public_get(user=request.user, slug=slug)
    return render(
        request,
        "cities/city_profile.html",
        {
            "city": city,
            "can_view_private": city_policy.allows(request.user, city, Level.VIEW),
            "panels": public_panels(city),
        },
    )


@login_required
@require_GET
def workspace(request: SignedInRequest, slug: str) -> HttpResponse:
    city = selectors.city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    return render(
        request,
        "cities/workspace.html",
        {
            "city": city,
            "team": selectors.city_team(user=request.user, city=city),
            "panels": workspace_panels(request.user, city),
            "can_edit": city_policy.allows(request.user, city, Level.EDIT),
            "can_coordinate": city_policy.allows(request.user, city, Level.COORDINATE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: SignedInRequest, slug: str) -> HttpResponse:
    city = selectors.city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    form = CityProfileForm(request.POST or None, instance=city)
    if request.method == "POST" and form.is_valid():
        city_profile_update(actor=request.user, city=city, **form.cleaned_data)
        messages.success(request, _("The city profile was saved."))
        return redirect("cities:workspace", slug=city.slug)
    return render(request, "cities/profile_edit.html", {"city": city, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def team(request: SignedInRequest, slug: str) -> HttpResponse:
    city = selectors.city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    can_coordinate = city_policy.allows(request.user, city, Level.COORDINATE)
    form = MemberAddForm(request.POST or None) if can_coordinate else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                membership_add(
                    actor=request.user,
                    city=city,
                    user=form.cleaned_data["username"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The person was added to the team."))
                return redirect("cities:team", slug=city.slug)
    return render(
        request,
        "cities/team.html",
        {
            "city": city,
            "team": selectors.city_team(user=request.user, city=city),
            "form": form,
            "can_coordinate": can_coordinate,
        },
    )


@login_required
@require_POST
def member_remove(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = selectors.city_get_for_user(user=request.user, slug=slug, level=Level.COORDINATE)
    membership = selectors.membership_get_for_user(user=request.user, city=city, pk=pk)
    try:
        membership_remove(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The person was removed from the team."))
    return redirect("cities:team", slug=city.slug)
