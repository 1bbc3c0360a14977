"""The one flat form a value is reported in: the period, the value, its breakdowns (one line
per category, "female: 12"), and a comment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Indicator
from .results import COMMENT_MAX, DIMENSIONS

BREAKDOWN_LINES_MAX = 40


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
        text = self.cleaned_data.get("breakdown") or ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) > BREAKDOWN_LINES_MAX:
            raise forms.ValidationError(_("At most %(n)s lines.") % {"n": BREAKDOWN_LINES_MAX})
        out: dict[str, dict[str, float]] = {}
        for number, line in enumerate(lines, start=1):
            head, sep, amount = line.rpartition(":")
            parts = head.split(None, 1)
            if not sep or len(parts) != 2 or parts[0] not in DIMENSIONS:
                raise forms.ValidationError(
                    _('Line %(n)s: write "dimension category: number" (dimensions: %(d)s).')
                    % {"n": number, "d": ", ".join(DIMENSIONS)}
                )
            try:
                value = float(amount.strip().replace(",", ""))
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(n)s: %(a)s is not a number.")
                    % {"n": number, "a": amount.strip()[:20]}
                ) from None
            out.setdefault(parts[0], {})[parts[1].strip()[:60]] = value
        return out


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("Approve")), ("0", _("Return"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(required=False, max_length=COMMENT_MAX)
