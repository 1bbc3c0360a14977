"""Money and shares as the results page writes them, in the reader's number format."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

from recap.tracking.templatetags.figures import figure

register = template.Library()


#: Money as the results page writes it: tracking's figures (whole amounts without decimals,
#: others with theirs, grouped the reader's way).
register.filter("money", figure)


@register.filter
def percent(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return number_format(Decimal(str(value)) * 100, decimal_pos=0, use_l10n=True) + " %"


@register.filter
def item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def measure_provenance(measure: Any) -> dict[str, Any] | None:
    """The vote a measure was chosen in: the latest decision that funded it, and the decision
    that superseded it without funding it again (None while the city's decision still funds
    it)."""
    choice = (
        measure.vote_choices.select_related("decision__vote__city", "decision__superseded_by")
        .order_by("-decision__decided_at", "-pk")
        .first()
    )
    if choice is None:
        return None
    return {"choice": choice, "dropped_by": choice.decision.superseded_by}
