"""The plan's forms: fields and their labels only; every rule is the service's (`services`),
whose refusals land beside the field they name (`core.forms.add_service_errors`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recap.tracking.models import Indicator

from .models import TEXT_MAX, PlanAction

REASON_HELP = _("Kept in the plan's history. Needed to move a date already planned.")


class PlanForm(forms.ModelForm[PlanAction]):
    reason = forms.CharField(
        label=_("Why (for a change)"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea({"rows": 2}),
        help_text=REASON_HELP,
    )

    class Meta:
        model = PlanAction
        fields = [
            "lead_department",
            "contact_name",
            "contact_email",
            "partners",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PlanAction.SetStatus.choices)
    reason = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Needed for delayed, at risk and cancelled."),
    )


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due = forms.DateField(label=_("Due"))


class MoveForm(forms.Form):
    due = forms.DateField(label=_("New date"))
    reason = forms.CharField(label=_("Why it moves"), max_length=TEXT_MAX)


class ReachedForm(forms.Form):
    on = forms.DateField(label=_("Reached on"))


class ProgressForm(forms.Form):
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    on = forms.DateField(label=_("As of"))
    note = forms.CharField(
        label=_("What happened"), max_length=TEXT_MAX, widget=forms.Textarea({"rows": 3})
    )
    setback_reason = forms.CharField(
        label=_("Why it goes back"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Needed when the progress is below the approved one."),
    )
    evidence = forms.FileField(
        label=_("Evidence"), required=False, help_text=_("A PDF, or a PNG, JPEG or WebP photo.")
    )


class DecideForm(forms.Form):
    reason = forms.CharField(label=_("Why it is returned"), required=False, max_length=TEXT_MAX)


class IndicatorForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("Indicator of the results framework"),
        queryset=Indicator.objects.none(),
        required=False,
    )
    name = forms.CharField(label=_("Or the city's own indicator"), max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=60, required=False)
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=14, decimal_places=2)
    baseline_on = forms.DateField(label=_("Baseline as of"))
    target = forms.DecimalField(label=_("Target"), max_digits=14, decimal_places=2)
    target_on = forms.DateField(label=_("Target by"))

    def __init__(self, *args: object, programme_ids: list[int] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["indicator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Indicator.objects.filter(
            outcome__programme_id__in=programme_ids or []
        ).order_by("code")


class PublishForm(forms.Form):
    public = forms.BooleanField(
        label=_("Publish the plan on the city's public page"), required=False
    )


class WindowsForm(forms.Form):
    short_term_ends = forms.DateField(label=_("Short-term actions end by"))
    medium_term_ends = forms.DateField(label=_("Medium-term actions end by"))
    reason = forms.CharField(label=_("Why"), max_length=TEXT_MAX)
