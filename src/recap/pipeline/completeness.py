"""How complete a concept's record is for one facility: the fields every facility's form asks
(the harmonised form's core), and those this facility's own rules add (an endorsement it
requires, the figure its climate objective is measured by, the preparation costs a
preparation facility is asked for). Each empty one is named, with the field it is filled in.
The council's approval reads as the submission gate reads it: "not yet sought" is not given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Facility, ProjectConcept
from .money import concept_money
from .record import concept_hazards, concept_sectors
from .texts import upper_first

#: The fields every facility's form asks, by the record's own names.
CORE = (
    "title",
    "location",
    "applicant",
    "applicant_type",
    "contact_email",
    "summary",
    "problem",
    "objectives",
    "sector",
    "climate_objectives",
    "hazards",
    "beneficiaries",
    "vulnerable_groups",
    "plan_fit",
    "preparation_stage",
    "council_approval",
    "total_cost",
    "funding_sources",
)


@dataclass(frozen=True)
class Completeness:
    facility: Facility
    required: list[str]
    missing: list[str]  # in words
    missing_fields: tuple[tuple[str, str], ...] = ()  # (field, words): a link to each

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return round(100 * (len(self.required) - len(self.missing)) / len(self.required))


def _label(name: str) -> str:
    special = {
        "funding_sources": _("Funding sources"),
        "preparation_costs": _("Preparation costs"),
        "total_cost": _("Total cost"),
        "council_approval": _("Council approval (not yet sought)"),
    }
    if name in special:
        return str(special[name])
    field = ProjectConcept._meta.get_field(name)
    return upper_first(str(getattr(field, "verbose_name", name)))


#: Fields whose "filled" is read from more than the record's own column.
DERIVED: dict[str, Callable[[ProjectConcept], bool]] = {
    "sector": lambda c: bool(concept_sectors(c)),
    "hazards": lambda c: bool(concept_hazards(c)),
    "total_cost": lambda c: bool(concept_money(c).total),
    "funding_sources": lambda c: bool(c.funding_sources.all()),
    "preparation_costs": lambda c: bool(c.preparation_costs.all()),
    "council_approval": lambda c: c.council_approval != ProjectConcept.Council.NONE,
}


def _filled(concept: ProjectConcept, name: str) -> bool:
    if name in DERIVED:
        return DERIVED[name](concept)
    return getattr(concept, name) not in (None, "", [], {})


def facility_fields(facility: Facility) -> list[str]:
    """The core fields, then what this facility's published rules add."""
    fields = list(CORE)
    if facility.endorsements:
        fields.append("national_endorsement")
    if Facility.ClimateObjective.MITIGATION in facility.climate_objectives:
        fields.append("tco2e_per_year")
    if Facility.ClimateObjective.ADAPTATION in facility.climate_objectives:
        fields.append("people_resilient")
    if set(facility.support_types) & {Facility.SupportType.TA_IN_KIND, Facility.SupportType.GRANT}:
        fields.append("preparation_costs")
    if facility.cofinancing:
        fields.append("om_cost_per_year")
    return fields


def completeness(concept: ProjectConcept, facility: Facility) -> Completeness:
    required = facility_fields(facility)
    empty = tuple((name, _label(name)) for name in required if not _filled(concept, name))
    return Completeness(facility, required, [label for _name, label in empty], empty)
