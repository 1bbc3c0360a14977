"""What a city's workspace shows beside its own overview: apps above this one add panels here
(in their AppConfig.ready), so that cities never imports them, as `accounts.dashboard` does for
"My work". A panel is a template and a function of the person and the city giving its context,
or None when the panel has nothing to show them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from recap.accounts.types import Reader


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
