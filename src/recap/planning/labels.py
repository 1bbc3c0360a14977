"""Names, in the reader's language, for the codes a run stores: criteria, resources, sectors.
Forms, selectors, wording, reports and templates all take them from here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from recap.catalogue.models import Sector

CRITERION_LABELS = {
    "resilience": _("Resilience value"),
    "economy": _("Economy and jobs"),
    "equity": _("Equity"),
    "climate": _("Climate"),
    "health": _("Health preparedness"),
    "feasibility": _("Feasibility"),
}

RESOURCE_LABELS = {
    "capex_short": _("Short-term budget (US$)"),
    "capex_medium": _("Medium-term budget (US$)"),
    "staff_fte": _("Staff capacity (FTE)"),
}


def criterion_label(code: str) -> str:
    return str(CRITERION_LABELS.get(code, code))


def resource_label(code: str) -> str:
    return str(RESOURCE_LABELS.get(code, code))


def sector_label(code: str) -> str:
    try:
        return str(Sector(code).label)
    except ValueError:
        return code
