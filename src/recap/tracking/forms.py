"""The forms of monitoring: the one flat form a value is reported in (the period, the value,
its breakdowns as one line per category, "sex female: 12", a comment and evidence); a training
and its attendance sheet; a measure, its dated status and its evidence; a report's period."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recap.cities.models import City, Programme
from recap.core.forms import WholeAmountField
from recap.hazards.models import HazardType

from .measures import BENEFICIARY_DIMENSIONS
from .models import Indicator, Measure, Training
from .services import COMMENT_MAX, DIMENSIONS

BREAKDOWN_LINES_MAX = 40


def breakdown_lines(text: str, dimensions: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """A breakdown typed one line per category, "sex female: 12", as {dimension: {category:
    number}}; a line that does not read so is named."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > BREAKDOWN_LINES_MAX:
        raise forms.ValidationError(_("At most %(n)s lines.") % {"n": BREAKDOWN_LINES_MAX})
    out: dict[str, dict[str, float]] = {}
    for number, line in enumerate(lines, start=1):
        head, sep, amount = line.rpartition(":")
        parts = head.split(None, 1)
        if not sep or len(parts) != 2 or parts[0] not in dimensions:
            raise forms.ValidationError(
                _('Line %(n)s: write "dimension category: number" (dimensions: %(d)s).')
                % {"n": number, "d": ", ".join(dimensions)}
            )
        try:
            value = float(amount.strip().replace(",", ""))
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise forms.ValidationError(
                _("Line %(n)s: %(a)s is not a number.") % {"n": number, "a": amount.strip()[:20]}
            )
        out.setdefault(parts[0], {})[parts[1].strip()[:60]] = value
    return out


class UpdateForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput({"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), widget=forms.DateInput({"type": "date"}))
    value = forms.DecimalField(label=_("Value"), min_value=0, max_digits=14, decimal_places=2)
    breakdown = forms.CharField(
        label=_("Breakdown"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            'One line per category, "dimension category: number", e.g. "sex female: 12". '
            "Each dimension must add up to the value."
        ),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args: Any, indicators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["indicator"]
        field.queryset = indicators

    def clean_breakdown(self) -> dict[str, dict[str, float]]:
        return breakdown_lines(self.cleaned_data.get("breakdown") or "", tuple(DIMENSIONS))


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("Approve")), ("0", _("Return"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(required=False, max_length=COMMENT_MAX)


class EvidenceForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the file's name."),
    )
    file = forms.FileField(
        label=_("Photo or PDF"),
        help_text=_("A PNG, JPEG or WebP photo, or a PDF; up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.webp"}),
    )


class UpdateWithEvidenceForm(UpdateForm):
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("A PNG, JPEG or WebP photo, or a PDF; up to 5 MB. Add more on the value."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.webp"}),
    )


class TrainingForm(forms.ModelForm[Training]):
    cities = forms.ModelMultipleChoiceField(
        label=_("Cities"),
        queryset=City.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Training
        fields = ["title", "held_on", "mode", "trainers", "topics", "cities"]
        widgets = {
            "held_on": forms.DateInput({"type": "date"}),
            "topics": forms.Textarea({"rows": 2}),
        }

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["cities"]
        field.queryset = programme.cities.order_by("name")


class FrameworkUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Framework file (.json)"),
        help_text=_("The file as downloaded here, changed: up to 512 KB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )


class AttendanceUploadForm(forms.Form):
    file = forms.FileField(label=_("Attendance sheet (.xlsx or .csv)"))


class MeasureForm(forms.ModelForm[Measure]):
    cost = WholeAmountField(label=_("Cost (US$)"), required=False, min_value=0)
    co_finance = WholeAmountField(label=_("Co-finance (US$)"), required=False, min_value=0)
    beneficiaries = WholeAmountField(label=_("People reached"), required=False, min_value=0)
    breakdown = forms.CharField(
        label=_("People reached by sex and age band"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            'One line per category, "sex female: 120" or "age_band under_25: 40"; each '
            "dimension adds up to the people reached."
        ),
    )
    on = forms.DateField(
        label=_("Planned since"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
        help_text=_("When the measure was agreed; today if left empty. Later steps follow it."),
    )
    hazards = forms.ModelMultipleChoiceField(
        label=_("Hazards addressed"),
        queryset=HazardType.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Measure
        fields = [
            "title",
            "description",
            "hazards",
            "action",
            "cost",
            "co_finance",
            "co_financers",
            "beneficiaries",
        ]
        widgets = {"description": forms.Textarea({"rows": 3})}

    def __init__(self, *args: Any, city: City, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["action"]
        field.queryset = city.candidates.order_by("code")
        field.required = False
        hazards: Any = self.fields["hazards"]
        if self.instance.pk:
            del self.fields["on"]  # the first step is dated once, when the measure is added
            # A hazard since retired stays offered where the measure names it.
            hazards.queryset = HazardType.objects.filter(
                Q(is_active=True) | Q(pk__in=self.instance.hazards.values("pk"))
            )
        if self.instance.pk and not self.is_bound:
            self.initial["breakdown"] = "\n".join(
                f"{dimension} {category}: {n}"
                for dimension, parts in self.instance.beneficiaries_breakdown.items()
                for category, n in parts.items()
            )

    def clean_breakdown(self) -> dict[str, dict[str, int]]:
        parsed = breakdown_lines(self.cleaned_data.get("breakdown") or "", BENEFICIARY_DIMENSIONS)
        out: dict[str, dict[str, int]] = {}
        for dimension, parts in parsed.items():
            for category, number in parts.items():
                if number != int(number):
                    raise forms.ValidationError(
                        _("%(c)s: a whole number of people.") % {"c": category}
                    )
                out.setdefault(dimension, {})[category] = int(number)
        return out


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Measure.Status.choices)
    on = forms.DateField(label=_("On"), widget=forms.DateInput({"type": "date"}))
    note = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )


class ReportForm(forms.Form):
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput({"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), widget=forms.DateInput({"type": "date"}))
