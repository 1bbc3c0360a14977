"""`{% workspace_tabs %}`: the city workspace's tab bar, drawn by `base.html` on every page
under `/cities/<slug>/workspace/` for whoever may open that workspace (nothing elsewhere)."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse

from recap.accounts.access import Level
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.cities.workspace import workspace_tabs as tabs_for

register = template.Library()


@register.simple_tag(takes_context=True)
def workspace_tabs(context: template.Context) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    slug = (match.kwargs.get("slug") if match else None) or ""
    if not slug or request is None or not request.user.is_authenticated:
        return ""
    if not request.path.startswith(reverse("cities:workspace", kwargs={"slug": slug})):
        return ""
    city: Any = context.get("city")
    if getattr(city, "slug", None) != slug:
        try:
            city = city_get_for_user(user=request.user, slug=slug)
        except Http404:  # an error page for a city the person may not see: no bar
            return ""
    elif not city_policy.allows(request.user, city, Level.VIEW):
        # A page of the workspace read by someone outside the city's team (a reviewer on a
        # concept, say): the workspace itself is not theirs, so neither is its bar.
        return ""
    return render_to_string(
        "cities/_workspace_tabs.html",
        {"city": city, "tabs": tabs_for(request.user, city, request.path)},
    )
