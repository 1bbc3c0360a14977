"""The pipeline's pages: the public directory of facilities and funders, which a city can
narrow to the facilities open to its country (by the same country rule the matching reads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from recap.catalogue.models import Sector
from recap.cities.models import Country

from ..matching import FAIL, country_rule
from ..models import Facility, PreparationStage
from ..selectors import Unchecked, country_by_code, facility_list, facility_unchecked

#: The directory's rows and the fields each shows.
ROWS = {
    "applicants": ("applicants", "applicant_types"),
    "where": ("country_rule", "countries"),
    "support": ("support_types",),
    "stages": ("stages_supported", "minimum_stage"),
    "sectors": ("sectors",),
    "climate": ("climate_objectives",),
    "amounts": ("ticket_min_usd", "ticket_typical_usd", "ticket_max_usd"),
    "cofinancing": ("cofinancing",),
    "endorsements": ("endorsements",),
    "when": ("call_window",),
}


@dataclass(frozen=True)
class Provenance:
    """Where a row's facts come from and when they were last checked there: `checked` only if
    every field of the row was checked within a year (the oldest of those days), else None
    with how many of its fields were."""

    sources: list[tuple[str, str]]  # (address, host)
    checked: str | None
    done: int
    of: int

    @property
    def checked_on(self) -> date | None:
        """`checked` as a date, for the page to write it in the reader's language."""
        try:
            return date.fromisoformat(self.checked) if self.checked else None
        except ValueError:
            return None


def _provenance(facility: Facility, unchecked: list[Unchecked]) -> dict[str, Provenance]:
    due = {u.field for u in unchecked}
    raw = facility.sources if isinstance(facility.sources, dict) else {}
    out = {}
    for row, fields in ROWS.items():
        entries: list[dict[str, Any]] = [
            entry if isinstance(entry := raw.get(f), dict) else {} for f in fields
        ]
        addresses = list(dict.fromkeys(str(e["source"]) for e in entries if e.get("source")))
        current = [f for f in fields if f not in due]
        days = sorted(
            str(e.get("checked")) for f, e in zip(fields, entries, strict=True) if f in current
        )
        out[row] = Provenance(
            sources=[(a, urlsplit(a).netloc or a) for a in addresses],
            checked=days[0] if len(current) == len(fields) and days else None,
            done=len(current),
            of=len(fields),
        )
    return out


@dataclass(frozen=True)
class FacilityCard:
    """One facility as the directory shows it: its codes put into words, and the fields not
    checked against their source within a year."""

    facility: Facility
    applicant_types: list[str]
    sectors: list[str]
    climate: list[str]
    stages: list[str]
    minimum_stage: str
    support: list[str]
    unchecked: list[Unchecked]
    provenance: dict[str, Provenance]
    #: For a directory filtered by country: the rule's answer for it (PASS or UNKNOWN) and why.
    country_outcome: str = ""
    country_why: str = ""


def _words(codes: Any, choices: Any) -> list[str]:
    labels = dict(choices.choices)
    return [str(labels.get(code, code)) for code in codes] if isinstance(codes, list) else []


@require_GET
def facility_directory(request: HttpRequest) -> HttpResponse:
    """Every facility; with `?country=RW`, those whose country rule admits the country or
    cannot tell yet (said on the card), never those it rules out. A code that is not one
    of the directory's countries shows everything, and says so."""
    code = request.GET.get("country", "").strip()[:2]
    country = country_by_code(code)
    cards = []
    for f in facility_list():
        if country is None:
            cards.append(_card(f))
            continue
        outcome, why, _task = country_rule(country.iso2, country.name, f)
        if outcome != FAIL:
            cards.append(_card(f, outcome, why))
    return render(
        request,
        "pipeline/facilities.html",
        {
            "cards": cards,
            "countries": Country.objects.order_by("name"),
            "country": country,
            "unknown_country": bool(code) and country is None,
            "total": facility_list().count(),
        },
    )


def _card(f: Facility, outcome: str = "", why: str = "") -> FacilityCard:
    unchecked = facility_unchecked(f)
    return FacilityCard(
        facility=f,
        applicant_types=_words(f.applicant_types, Facility.ApplicantType),
        sectors=_words(f.sectors, Sector),
        climate=_words(f.climate_objectives, Facility.ClimateObjective),
        stages=_words(f.stages_supported, PreparationStage),
        minimum_stage=f.get_minimum_stage_display() if f.minimum_stage else "",
        support=_words(f.support_types, Facility.SupportType),
        unchecked=unchecked,
        provenance=_provenance(f, unchecked),
        country_outcome=outcome,
        country_why=why,
    )
