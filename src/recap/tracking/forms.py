"""The forms of monitoring: the one flat form a value is reported in, or corrected in (the
period, the value, one number per category of its breakdowns, a comment and evidence); a
training and its attendance sheet; a measure, its dated status and its evidence; a report's
period."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recap.cities.models import City, Programme
from recap.core.forms import WholeAmountField
from recap.hazards.models import HazardType

from .breakdown_fields import BreakdownField
from .breakdowns import FIXED, categories, dimension_label
from .models import AgeBand, Indicator, Measure, Sex, Training
from .services import COMMENT_MAX
from .templatetags.figures import figure


def _indicator_names(indicators: list[Indicator]) -> str:
    return ", ".join(str(i.name) for i in indicators)


class UpdateForm(forms.Form):
    """A value for a period, with one number per category of each breakdown the city's
    indicators have (a fieldset per dimension, saying which indicators it is for)."""

    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    period_start = forms.DateField(label=_("Period from"))
    period_end = forms.DateField(label=_("Period to"))
    value = forms.DecimalField(label=_("Value"), min_value=0, max_digits=14, decimal_places=2)
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
        listed = list(indicators.select_related("outcome__programme"))
        programme = listed[0].outcome.programme if listed else None
        for dimension in FIXED:
            using = [i for i in listed if dimension in (i.breakdowns or [])]
            choices = categories(dimension, programme)
            if not using or not choices:
                continue
            self.fields[f"breakdown_{dimension}"] = BreakdownField(
                choices=choices,
                label=_("By %(d)s") % {"d": dimension_label(dimension).lower()},
                help_text=_(
                    "For %(names)s. Leave it empty if you have no breakdown; filled in, the "
                    "numbers add up to the value."
                )
                % {"names": _indicator_names(using)},
            )
        # The breakdowns right under the value; then what is said about it and what backs it.
        first = ["indicator", "period_start", "period_end", "value"]
        self.order_fields([*first, *self.breakdown_fields(), "comment", "evidence"])

    def breakdown_fields(self) -> list[str]:
        return [name for name in self.fields if name.startswith("breakdown_")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        indicator, value = data.get("indicator"), data.get("value")
        breakdown: dict[str, dict[str, float]] = {}
        for name in self.breakdown_fields():
            parts = data.get(name)
            if not parts:
                continue
            dimension = name.removeprefix("breakdown_")
            if indicator is not None and dimension not in (indicator.breakdowns or []):
                self.add_error(
                    name,
                    _("%(i)s is not broken down by %(d)s: leave these empty.")
                    % {"i": indicator.name, "d": dimension_label(dimension).lower()},
                )
                continue
            total = sum(Decimal(str(n)) for n in parts.values())
            if value is not None and total != value:
                self.add_error(
                    name,
                    _("These add up to %(s)s, not the value %(v)s.")
                    % {"s": figure(total), "v": figure(value)},
                )
                continue
            breakdown[dimension] = parts
        data["breakdown"] = breakdown
        return data


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
        label=_("Evidence"),
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
    by_sex = BreakdownField(
        choices=[(str(c), cast(str, label)) for c, label in Sex.choices],  # lazy: read when shown
        whole=True,
        label=_("People reached by sex"),
        help_text=_(
            "Leave it empty if you do not know; filled in, it adds up to the people reached."
        ),
    )
    by_age_band = BreakdownField(
        choices=[(str(c), cast(str, label)) for c, label in AgeBand.choices],
        whole=True,
        label=_("People reached by age band"),
        help_text=_(
            "Leave it empty if you do not know; filled in, it adds up to the people reached."
        ),
    )
    on = forms.DateField(
        label=_("Planned since"),
        help_text=_("The day the measure was agreed. Every later step is dated on or after it."),
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
            # A hazard since retired stays offered where the measure names it.
            hazards.queryset = HazardType.objects.filter(
                Q(is_active=True) | Q(pk__in=self.instance.hazards.values("pk"))
            )
        if self.instance.pk and not self.is_bound:
            stored = self.instance.beneficiaries_breakdown or {}
            self.initial["by_sex"] = stored.get("sex") or {}
            self.initial["by_age_band"] = stored.get("age_band") or {}
            first = self.instance.history.order_by("on", "pk").first()
            if first is not None:
                self.initial["on"] = first.on

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reached = data.get("beneficiaries") or 0
        breakdown: dict[str, dict[str, int]] = {}
        for name, dimension in (("by_sex", "sex"), ("by_age_band", "age_band")):
            parts = data.get(name)
            if not parts:
                continue
            if sum(parts.values()) != reached:
                self.add_error(
                    name,
                    _("These add up to %(s)s, not the %(t)s people reached.")
                    % {"s": figure(sum(parts.values())), "t": figure(reached)},
                )
                continue
            breakdown[dimension] = parts
        data["breakdown"] = breakdown
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Measure.Status.choices)
    on = forms.DateField(label=_("On"))
    note = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )


class ReportForm(forms.Form):
    period_start = forms.DateField(label=_("Period from"))
    period_end = forms.DateField(label=_("Period to"))
