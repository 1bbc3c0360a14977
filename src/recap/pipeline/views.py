"""The pipeline's pages: the public directory of facilities and funders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from recap.catalogue.models import Sector

from .models import Facility, PreparationStage
from .selectors import Unchecked, facility_list, facility_unchecked


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


def _words(codes: Any, choices: Any) -> list[str]:
    labels = dict(choices.choices)
    return [str(labels.get(code, code)) for code in codes] if isinstance(codes, list) else []


@require_GET
def facility_directory(request: HttpRequest) -> HttpResponse:
    cards = [
        FacilityCard(
            facility=f,
            applicant_types=_words(f.applicant_types, Facility.ApplicantType),
            sectors=_words(f.sectors, Sector),
            climate=_words(f.climate_objectives, Facility.ClimateObjective),
            stages=_words(f.stages_supported, PreparationStage),
            minimum_stage=f.get_minimum_stage_display() if f.minimum_stage else "",
            support=_words(f.support_types, Facility.SupportType),
            unchecked=facility_unchecked(f),
        )
        for f in facility_list()
    ]
    return render(request, "pipeline/facilities.html", {"cards": cards})
