from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recap.core.forms import SpreadsheetUploadForm
from recap.hazards.models import HazardType

from .models import Phase, Sector

COST_CHOICES = [
    ("", _("Any cost")),
    ("small", _("Up to US$100,000")),
    ("medium", _("US$100,000 – 1 million")),
    ("large", _("Over US$1 million")),
]


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices]
    )
    hazard = forms.ChoiceField(label=_("Hazard"), required=False)
    phase = forms.ChoiceField(
        label=_("Phase"), required=False, choices=[("", _("Any phase")), *Phase.choices]
    )
    cost = forms.ChoiceField(label=_("Cost"), required=False, choices=COST_CHOICES)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        hazards = HazardType.objects.filter(is_active=True).order_by("name")
        field = self.fields["hazard"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any hazard")), *((h.code, h.name) for h in hazards)]


# The upload form is core's: every spreadsheet import asks for the same one file.
CatalogueUploadForm = SpreadsheetUploadForm
