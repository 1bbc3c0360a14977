from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from recap.core.forms import WholeAmountField
from recap.engine.value import QUALITIES
from recap.hazards.models import CityHazard

from .models import RATINGS, CandidateAction, ReferenceClassCode, Sector

SCORE_CHOICES = [(i, str(i)) for i in range(4)]
CO_BENEFIT_LABELS = {
    "economy": _("Economy and jobs (0–3)"),
    "equity": _("Equity (0–3)"),
    "mitigation": _("Climate mitigation (0–3)"),
    "adaptation": _("Adaptation (0–3)"),
    "health": _("Health (0–3)"),
    "feasibility": _("Feasibility (0–3)"),
}


class CandidateForm(forms.ModelForm[CandidateAction]):
    """A candidate action; one effectiveness question per hazard in the city's register."""

    sectors = forms.MultipleChoiceField(
        label=_("Sectors"), choices=Sector.choices, widget=forms.CheckboxSelectMultiple
    )
    local_cost_usd = WholeAmountField(
        label=capfirst(CandidateAction._meta.get_field("local_cost_usd").verbose_name),
        min_value=0,
        max_value=2_147_483_647,
    )
    cost_low_usd = WholeAmountField(
        label=capfirst(CandidateAction._meta.get_field("cost_low_usd").verbose_name),
        help_text=CandidateAction._meta.get_field("cost_low_usd").help_text,
        required=False,
        min_value=0,
        max_value=2_147_483_647,
    )
    cost_high_usd = WholeAmountField(
        label=capfirst(CandidateAction._meta.get_field("cost_high_usd").verbose_name),
        help_text=CandidateAction._meta.get_field("cost_high_usd").help_text,
        required=False,
        min_value=0,
        max_value=2_147_483_647,
    )
    qualities = forms.MultipleChoiceField(
        label=_("Resilience qualities"),
        required=False,
        choices=[(q, q) for q in QUALITIES],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CandidateAction
        fields = [
            "code",
            "title",
            "description",
            "sectors",
            "phase",
            "local_cost_usd",
            "cost_low_usd",
            "cost_high_usd",
            "reference_class",
            "staff_fte",
            *RATINGS,
            "qualities",
            "lead_department",
            "partners",
            "feasibility_notes",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "feasibility_notes": forms.Textarea(attrs={"rows": 3}),
            **{name: forms.Select(choices=SCORE_CHOICES) for name in RATINGS},
        }

    def __init__(self, *args: Any, city: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in RATINGS:
            self.fields[name].label = CO_BENEFIT_LABELS[name]
        if self.instance.pk:
            del self.fields["code"]
        # An empty class means the catalogue action's (or none): say which.
        source = self.instance.source if self.instance.pk else None
        inherited = (
            _("As its catalogue action: %(name)s")
            % {"name": ReferenceClassCode(source.reference_class).label}
            if source is not None and source.reference_class
            else _("None: its cost is taken as certain")
        )
        klass = self.fields["reference_class"]
        assert isinstance(klass, forms.ChoiceField)
        klass.choices = [("", inherited), *ReferenceClassCode.choices]
        self.hazard_fields = []
        for entry in (
            CityHazard.objects.filter(city=city).select_related("hazard").order_by("hazard__name")
        ):
            name = f"hazard__{entry.hazard.code}"
            self.fields[name] = forms.TypedChoiceField(
                label=_("Effectiveness against “%(hazard)s” (0–3)") % {"hazard": entry.hazard.name},
                choices=SCORE_CHOICES,
                coerce=int,
                required=False,
                empty_value=0,  # type: ignore[arg-type]
                initial=self.instance.hazards.get(entry.hazard.code, 0) if self.instance.pk else 0,
            )
            self.hazard_fields.append(name)

    def clean(self) -> dict[str, Any]:
        """The range around the estimate: each side named where it is wrong."""
        data = super().clean() or {}
        cost, low, high = (data.get(k) for k in ("local_cost_usd", "cost_low_usd", "cost_high_usd"))
        if cost is not None and low is not None and low > cost:
            self.add_error(
                "cost_low_usd", _("The lowest likely cost cannot be above the estimate.")
            )
        if cost is not None and high is not None and high < cost:
            self.add_error(
                "cost_high_usd", _("The highest likely cost cannot be below the estimate.")
            )
        return data

    def hazards_value(self) -> dict[str, int]:
        """Effectiveness per hazard, keeping scores for hazards no longer in the register."""
        kept = dict(self.instance.hazards) if self.instance.pk else {}
        for name in self.hazard_fields:
            code = name.removeprefix("hazard__")
            score = self.cleaned_data[name]
            if score:
                kept[code] = score
            else:
                kept.pop(code, None)
        return kept
