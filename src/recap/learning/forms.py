from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recap.catalogue.models import CatalogueAction
from recap.cities.models import City
from recap.core.forms import WholeAmountField
from recap.hazards.models import HazardType

from .models import Lesson


class LessonForm(forms.ModelForm[Lesson]):
    cost_usd = WholeAmountField(label=_("Cost (US$)"), required=False, min_value=0)
    hazards = forms.ModelMultipleChoiceField(
        label=_("Hazards"),
        queryset=HazardType.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    actions = forms.ModelMultipleChoiceField(
        label=_("Catalogue actions"),
        queryset=CatalogueAction.objects.order_by("code"),
        required=False,
    )

    class Meta:
        model = Lesson
        fields = [
            "kind",
            "title",
            "summary",
            "context",
            "what_was_done",
            "results",
            "differently",
            "cost_usd",
            "partners",
            "hazards",
            "actions",
            "measures",
            "concepts",
        ]
        widgets = {
            "summary": forms.Textarea({"rows": 2}),
            "context": forms.Textarea({"rows": 4}),
            "what_was_done": forms.Textarea({"rows": 4}),
            "results": forms.Textarea({"rows": 4}),
            "differently": forms.Textarea({"rows": 3}),
        }

    def __init__(self, *args: Any, city: City, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        measures: Any = self.fields["measures"]
        measures.queryset = city.measures.order_by("title")
        measures.required = False
        concepts: Any = self.fields["concepts"]
        concepts.queryset = city.concepts.order_by("reference")
        concepts.required = False


class DecisionForm(forms.Form):
    publish = forms.TypedChoiceField(
        choices=[("1", _("Publish")), ("0", _("Return"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(required=False, max_length=2000)
