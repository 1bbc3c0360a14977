"""What awaits a person, for "My work": apps above this one add panels here (in their
AppConfig.ready), so that accounts never imports them. A panel is a template and a function
of the person giving its context, or None when there is nothing to show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .types import Reader


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[[Reader], dict[str, Any] | None]


_PANELS: list[Panel] = []


def panel_register(template: str, context: Callable[[Reader], dict[str, Any] | None]) -> None:
    if all(p.template != template for p in _PANELS):  # ready() may run more than once
        _PANELS.append(Panel(template, context))


def panels_for(user: Reader) -> list[tuple[str, dict[str, Any]]]:
    """The panels with something to show `user`, each as (template, context)."""
    out = []
    for panel in _PANELS:
        context = panel.context(user)
        if context is not None:
            out.append((panel.template, context))
    return out
