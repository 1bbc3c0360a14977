"""`{{ value|figure }}`: a monitoring figure as the reader writes numbers, grouped, with at most
two decimals and none that say nothing (17.3, not 17.30; 8,400, not 8,400.00)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def figure(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    places = 0 if number == number.to_integral() else len(str(number.normalize()).split(".")[1])
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)
