from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CityHazard, HazardType


class CityHazardForm(forms.ModelForm[CityHazard]):
    class Meta:
        model = CityHazard
        fields = [
            "hazard",
            "likelihood",
            "impact",
            "trend",
            "affected_groups",
            "affected_areas",
            "evidence",
        ]
        widgets = {
            "likelihood": forms.Select(choices=[(i, i) for i in range(1, 6)]),
            "impact": forms.Select(choices=[(i, i) for i in range(1, 6)]),
            "affected_groups": forms.Textarea(attrs={"rows": 2}),
            "affected_areas": forms.Textarea(attrs={"rows": 2}),
            "evidence": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, available: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["hazard"]
        else:
            field = self.fields["hazard"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = available if available is not None else HazardType.objects.none()
            self.fields["hazard"].label = _("Shock or stress")


class RegisterUploadForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"))
