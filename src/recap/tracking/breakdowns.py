"""Breakdowns of a reported value or of a measure's people reached: the dimensions, their
categories with the words people read (in their language), and a stored breakdown told in
those words.

A breakdown is stored as {dimension: {category code: number}}, e.g. {"sex": {"female": 12,
"male": 9}}; codes never reach a page. Sex and age band have fixed categories; a city or a
country breakdown has the programme's cities (by slug) and countries (by ISO code); a
department breakdown names its own departments (free text, through the API only).

Contract:
- `dimension_label(dimension)`, `categories(dimension, programme)`: the words and the choices.
- `breakdown_named(breakdown)`: [(dimension words, [(category words, number)])], for pages,
  the dashboard and reports; a code no longer known is shown as it is.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from recap.cities.models import City, Country, Programme

from .models import AgeBand, Sex

#: Dimensions a value may be broken down by.
DIMENSION_CODES = ("country", "city", "sex", "age_band", "department")
#: Dimensions whose categories are known beforehand: a form offers one number per category.
FIXED = ("sex", "age_band", "city", "country")


def dimension_label(dimension: str) -> str:
    labels = {
        "country": _("Country"),
        "city": _("City"),
        "sex": _("Sex"),
        "age_band": _("Age band"),
        "department": _("Department"),
    }
    return labels.get(dimension, dimension)


def categories(dimension: str, programme: Programme | None = None) -> list[tuple[str, str]]:
    """The (code, words) a dimension's breakdown is given in; [] for free categories."""
    if dimension == "sex":
        return [(str(code), str(label)) for code, label in Sex.choices]
    if dimension == "age_band":
        return [(str(code), str(label)) for code, label in AgeBand.choices]
    if dimension == "city" and programme is not None:
        return list(programme.cities.order_by("name").values_list("slug", "name"))
    if dimension == "country" and programme is not None:
        countries = Country.objects.filter(city__in=programme.cities.all()).distinct()
        return [(c.iso2, c.name) for c in countries.order_by("name")]
    return []


def _words(dimension: str, codes: list[str]) -> dict[str, str]:
    if dimension == "sex":
        return {str(c): str(label) for c, label in Sex.choices}
    if dimension == "age_band":
        return {str(c): str(label) for c, label in AgeBand.choices}
    if dimension == "city":
        cities = City.objects.filter(slug__in=codes)
        return {str(slug): str(name) for slug, name in cities.values_list("slug", "name")}
    if dimension == "country":
        return {c.iso2: c.name for c in Country.objects.filter(iso2__in=codes)}
    return {}


def breakdown_named(breakdown: Any) -> list[tuple[str, list[tuple[str, Any]]]]:
    """A stored breakdown in words, its categories in their own order (sex and age band as
    their lists give them)."""
    if not isinstance(breakdown, dict):
        return []
    out: list[tuple[str, list[tuple[str, Any]]]] = []
    for dimension, parts in breakdown.items():
        if not isinstance(parts, dict):
            continue
        words = _words(dimension, [str(code) for code in parts])
        order = {code: i for i, code in enumerate(words)}
        ranked = sorted(parts.items(), key=lambda item: order.get(item[0], len(order)))
        out.append(
            (
                dimension_label(dimension),
                [(words.get(str(code), str(code)), n) for code, n in ranked],
            )
        )
    return out
