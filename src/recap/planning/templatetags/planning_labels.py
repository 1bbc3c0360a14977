"""Labels for the codes a run stores (sectors, criteria), in the reader's language."""

from __future__ import annotations

from django import template

from recap.catalogue.models import Sector

from ..forms import CRITERION_LABELS

register = template.Library()


@register.filter
def sector_label(code: str) -> str:
    try:
        return str(Sector(code).label)
    except ValueError:
        return code


@register.filter
def criterion_label(code: str) -> str:
    return str(CRITERION_LABELS.get(code, code))
