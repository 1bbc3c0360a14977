"""`{{ value|figure }}`: a monitoring figure as the reader writes numbers, grouped, with at most
two decimals and none that say nothing (17.3, not 17.30; 8,400, not 8,400.00)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format

from recap.tracking.breakdowns import breakdown_named as named
from recap.tracking.models import AgeBand, Sex
from recap.tracking.status import status_label

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


@register.filter
def status_words(status: str) -> str:
    """An indicator's status in the reader's words (`tracking.status`)."""
    return status_label(status)


@register.filter
def breakdown_named(breakdown: Any) -> list[tuple[str, list[tuple[str, Any]]]]:
    """A stored breakdown in words: [(dimension, [(category, number)])]."""
    return named(breakdown)


@register.filter
def sex_words(code: str) -> str:
    return str(dict(Sex.choices).get(code, code))


@register.filter
def age_band_words(code: str) -> str:
    return str(dict(AgeBand.choices).get(code, code))


#: "Sheet 'Attendance', row 4, column 'sex': why" (as `core.tabular` and the checks name a cell).
CELL = re.compile(r"row (?P<row>\d+)(?:, column '(?P<column>[^']+)')?:\s*(?P<text>.*)", re.S)


@register.filter
def cell_problems(errors: list[str]) -> list[tuple[int | None, str, str]]:
    """An import's problems as (row, column, what is wrong), in the order of the rows; a
    problem with the whole file has no row."""
    out: list[tuple[int | None, str, str]] = []
    for error in errors:
        found = CELL.search(str(error))
        if found is None:
            out.append((None, "", str(error)))
        else:
            out.append((int(found["row"]), found["column"] or "", found["text"]))
    return sorted(out, key=lambda item: (item[0] is not None, item[0] or 0))
