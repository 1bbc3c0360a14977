"""Template filters for the labels in `recap.planning.labels`."""

from __future__ import annotations

from django import template

from ..labels import criterion_label, sector_label

register = template.Library()
register.filter("criterion_label", criterion_label)
register.filter("sector_label", sector_label)


@register.filter
def share_of(shares: dict[str, float] | None, code: str) -> float | None:
    """An action's share in a mapping by code (robustness, first ranks), None if it has none."""
    return (shares or {}).get(code)
