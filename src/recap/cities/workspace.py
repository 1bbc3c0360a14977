"""A city's workspace: its tab bar, on every page under `/cities/<slug>/workspace/`, and the
panels apps above this one add to its overview.

- Tabs (`WORKSPACE_TABS`) are one table, in the order a city works: each names the page by its
  URL name (a string: cities imports none of the apps whose pages they are) and the level a
  person needs in the city to open it, so that a tab is shown only to whoever it opens for.
  `base.html` draws the bar (`{% workspace_tabs %}`), so no page can forget it.
- Panels: apps above add panels to the overview here (in their AppConfig.ready), so that
  cities never imports them, as `accounts.dashboard` does for "My work". A panel is a template
  and a function of the person and the city giving its context, or None when the panel has
  nothing to show them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from recap.accounts.access import Level
from recap.accounts.types import Reader

from .policies import city_policy


@dataclass(frozen=True)
class WorkspaceTab:
    url_name: str
    label: str | Promise
    level: Level = Level.VIEW


#: The workspace's sections, in the order a city goes from its hazards to learning from peers.
WORKSPACE_TABS: tuple[WorkspaceTab, ...] = (
    WorkspaceTab("cities:workspace", _("Overview")),
    WorkspaceTab("hazards:register", _("Shocks and stresses")),
    WorkspaceTab("assessments:list", _("Assessments")),
    WorkspaceTab("candidates:list", _("Candidate actions")),
    WorkspaceTab("planning:list", _("Prioritisation")),
    WorkspaceTab("concepts:list", _("Project concepts")),
    WorkspaceTab("measures:list", _("Measures")),
    WorkspaceTab("votes:list", _("Resident votes")),
    WorkspaceTab("implementation:plan", _("Implementation")),
    WorkspaceTab("results:city", _("Results")),
    WorkspaceTab("lessons:city", _("Lessons")),
    WorkspaceTab("lessons:peers", _("Peer cities")),
    WorkspaceTab("lessons:exchanges", _("Exchanges")),
    WorkspaceTab("cities:team", _("Team")),
)


@dataclass(frozen=True)
class ShownTab:
    label: str
    url: str
    current: bool


def workspace_tabs(user: Reader, city: Any, path: str) -> list[ShownTab]:
    """The tabs `user` may open in `city`'s workspace, the one holding `path` marked current
    (the overview only on its own address; any other tab on every page beneath its own)."""
    shown = []
    for tab in WORKSPACE_TABS:
        if tab.level > Level.VIEW and not city_policy.allows(user, city, tab.level):
            continue
        url = reverse(tab.url_name, kwargs={"slug": city.slug})
        shown.append(ShownTab(label=str(tab.label), url=url, current=False))
    overview = reverse("cities:workspace", kwargs={"slug": city.slug})
    current = max(
        (t for t in shown if path == t.url or (t.url != overview and path.startswith(t.url))),
        key=lambda t: len(t.url),
        default=None,
    )
    return [ShownTab(t.label, t.url, t is current) for t in shown]


@dataclass(frozen=True)
class WorkspacePanel:
    template: str
    context: Callable[[Reader, Any], dict[str, Any] | None]
    order: int


_PANELS: list[WorkspacePanel] = []


def workspace_panel_register(
    template: str, context: Callable[[Reader, Any], dict[str, Any] | None], *, order: int
) -> None:
    """`order`: where the panel stands, lowest first (the way to a package: concepts 10, then
    what is done on the ground 20)."""
    if all(p.template != template for p in _PANELS):  # ready() may run more than once
        _PANELS.append(WorkspacePanel(template, context, order))
        _PANELS.sort(key=lambda p: p.order)


def workspace_panels(user: Reader, city: Any) -> list[tuple[str, dict[str, Any]]]:
    """The panels with something to show `user` in `city`'s workspace, as (template, context),
    in the order the apps registered them."""
    out = []
    for panel in _PANELS:
        context = panel.context(user, city)
        if context is not None:
            out.append((panel.template, {"city": city, **context}))
    return out


@dataclass(frozen=True)
class PublicPanel:
    template: str
    context: Callable[[Any], dict[str, Any] | None]


_PUBLIC: list[PublicPanel] = []


def public_panel_register(template: str, context: Callable[[Any], dict[str, Any] | None]) -> None:
    """A panel of the city's public page, filled by an app above this one (the city's public
    implementation plan): a template and a function of the city giving its context, or None."""
    if all(p.template != template for p in _PUBLIC):  # ready() may run more than once
        _PUBLIC.append(PublicPanel(template, context))


def public_panels(city: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for panel in _PUBLIC:
        context = panel.context(city)
        if context is not None:
            out.append((panel.template, {"city": city, **context}))
    return out
