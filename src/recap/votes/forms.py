"""The forms of resident votes: a new vote, a project on its ballot, a `.pb` file to import,
voting codes to make, a resident's code and ballot, minimums per district, and a decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from recap.catalogue.models import CandidateAction
from recap.cities.models import City

from .imports import MAX_BYTES
from .models import MONEY_DIGITS, VoteProject
from .services import CODES_PER_BATCH, RATIONALE_MAX


class VoteForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What residents are asked"),
        required=False,
        max_length=4000,
        widget=forms.Textarea({"rows": 3}),
    )
    budget = forms.DecimalField(
        label=_("Budget"), max_digits=MONEY_DIGITS, decimal_places=2, min_value=0
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        min_length=3,
        help_text=_("Three letters: MRU, USD, EUR…"),
    )


class ProjectForm(forms.Form):
    action = forms.ModelChoiceField(
        label=_("From a candidate action"),
        queryset=CandidateAction.objects.none(),
        required=False,
        help_text=_("Its title and description fill what you leave empty."),
    )
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea({"rows": 2})
    )
    cost = forms.DecimalField(
        label=_("Cost, in the vote's currency"),
        required=False,
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        min_value=0,
    )
    district = forms.CharField(label=_("District"), max_length=120, required=False)

    def __init__(self, *args: Any, city: City, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["action"]
        field.queryset = city.candidates.order_by("code")
        field.label_from_instance = lambda a: f"{a.code} {a.title}"


def _file_help() -> str:
    return gettext("In the pabulib format, UTF-8, up to %(n)d MB.") % {
        "n": MAX_BYTES // (1024 * 1024)
    }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Votes file (.pb)"),
        help_text=lazy(_file_help, str)(),  # in the reader's language, not the server's
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Left empty, the file's own description."),
    )
    currency = forms.CharField(
        label=_("Currency of the budget"),
        max_length=3,
        min_length=3,
        help_text=_("Three letters: PLN, EUR, MRU…"),
    )


class CodesForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many codes"), min_value=1, max_value=CODES_PER_BATCH, initial=50
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your voting code"),
        max_length=40,
        help_text=_("As printed on your card, for example ABCD-EFGH-JKMN."),
        widget=forms.TextInput({"autocomplete": "off", "autocapitalize": "characters"}),
    )


class BallotForm(forms.Form):
    code = forms.CharField(max_length=40, widget=forms.HiddenInput)
    projects = forms.MultipleChoiceField(
        label=_("The projects you support"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, projects: list[VoteProject], currency: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field: Any = self.fields["projects"]
        field.choices = [(p.key, f"{p.title} — {p.cost:,.0f} {currency}") for p in projects]


class DecisionForm(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"), widget=forms.RadioSelect)
    rationale = forms.CharField(
        label=_("Why this rule"),
        max_length=RATIONALE_MAX,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Kept with the decision, for residents and auditors."),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["rule"]
        field.choices = choices
