"""Forms of the concept record: the record itself in its sections, and its rows (funding
sources, preparation costs, result indicators, studies) as formsets. They validate; the
services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BaseModelFormSet, modelformset_factory
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from recap.catalogue.models import Sector
from recap.core.forms import WholeAmountField
from recap.hazards.models import HazardType

from .concepts import EDITABLE, MESSAGE_MAX, REASON_MAX
from .models import (
    SECTIONS,
    Allocation,
    Facility,
    FunderMessage,
    FundingSource,
    PreparationCost,
    ProjectConcept,
    ResultIndicator,
    Study,
)
from .stages import needed_label

AMOUNT_MAX = 10**13  # ten trillion: past any city project, inside the database's integer


def _amount(field: str, model: Any = ProjectConcept, required: bool = False) -> WholeAmountField:
    return WholeAmountField(
        label=capfirst(model._meta.get_field(field).verbose_name),  # lazy: the reader's language
        min_value=0,
        max_value=AMOUNT_MAX,
        required=required,
        help_text=model._meta.get_field(field).help_text,
    )


class ConceptForm(forms.ModelForm[ProjectConcept]):
    sector = forms.ChoiceField(
        label=_("Main sector"),
        required=False,
        choices=[("", _("From the source actions")), *Sector.choices],
    )
    sub_sectors = forms.MultipleChoiceField(
        label=_("Sub-sectors (up to two)"),
        required=False,
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    climate_objectives = forms.MultipleChoiceField(
        label=_("Climate objectives"),
        required=False,
        choices=Facility.ClimateObjective.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    hazards = forms.MultipleChoiceField(
        label=_("Hazards addressed"),
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to use the source actions' hazards."),
    )
    total_cost = _amount("total_cost")
    om_cost_per_year = _amount("om_cost_per_year")

    class Meta:
        model = ProjectConcept
        fields = list(EDITABLE)
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "summary",
                "problem",
                "objectives",
                "vulnerable_groups",
                "plan_fit",
                "scalability",
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hazards: Any = self.fields["hazards"]
        hazards.choices = list(HazardType.objects.order_by("name").values_list("code", "name"))
        # "Not yet sought" is an answer, and the one submission cannot pass: say so by the field.
        self.fields["council_approval"].help_text = _(
            "Submission needs the council's approval, or the decision on its agenda, with its "
            "reference or date."
        )

    def clean_sub_sectors(self) -> list[str]:
        value: list[str] = self.cleaned_data.get("sub_sectors") or []
        if len(value) > 2:
            raise forms.ValidationError(_("At most two sub-sectors."))
        return value

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """The record's sections, each field marked with the stage whose gate first needs it
        (`stage_label`, "" for a field no gate reads)."""
        out = []
        for title, names in SECTIONS:
            fields = [self[name] for name in names]
            for field in fields:
                setattr(field, "stage_label", needed_label(field.name))  # noqa: B010
            out.append((title, fields))
        return out


class _Rows(BaseModelFormSet):  # type: ignore[type-arg]
    """A formset of a concept's rows; at most 30 of each, blank rows ignored."""


def _rows(model: Any, fields: list[str], amounts: tuple[str, ...] = ()) -> Any:
    overrides = {name: _amount(name, model, required=True) for name in amounts}
    form = type(
        f"{model.__name__}Form",
        (forms.ModelForm,),
        {**overrides, "Meta": type("Meta", (), {"model": model, "fields": fields})},
    )
    return modelformset_factory(
        model,
        form=form,
        formset=_Rows,
        fields=fields,
        extra=2,
        can_delete=True,
        max_num=30,
        validate_max=True,
        absolute_max=30,
    )


FundingFormSet = _rows(FundingSource, ["kind", "name", "amount", "status"], ("amount",))
PreparationFormSet = _rows(PreparationCost, ["item", "amount"], ("amount",))
IndicatorFormSet = _rows(ResultIndicator, ["name", "unit", "baseline", "target"])
StudyFormSet = _rows(Study, ["name", "completed_on"])

ROW_SETS = {
    "funding": (FundingFormSet, "funding_sources", _("Funding sources")),
    "preparation": (PreparationFormSet, "preparation_costs", _("Preparation costs")),
    "indicators": (IndicatorFormSet, "indicators", _("Result indicators")),
    "studies": (StudyFormSet, "studies", _("Studies done")),
}


class StartBlankForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)


class StartFromPackageForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the action's title."),
    )
    actions = forms.MultipleChoiceField(
        label=_("Actions of the package"), choices=[], widget=forms.CheckboxSelectMultiple
    )
    #: Sent by the warning page: start another concept although one covers these actions.
    duplicate_ok = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions: Any = self.fields["actions"]
        actions.choices = choices


class MoveForm(forms.Form):
    to = forms.CharField(max_length=20)
    reason = forms.CharField(max_length=REASON_MAX, required=False)


class MessageForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it"),
        choices=[
            (FunderMessage.Kind.INTEREST, _("Express interest")),
            (FunderMessage.Kind.QUESTION, _("Ask a question")),
        ],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Your message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, interested: bool = False, **kwargs: Any) -> None:
        """Once the facility has expressed interest, it is not offered again (a second one
        would change nothing): only a question remains."""
        super().__init__(*args, **kwargs)
        if interested:
            kind: Any = self.fields["kind"]
            kind.choices = [(FunderMessage.Kind.QUESTION, _("Ask a question"))]
            kind.initial = FunderMessage.Kind.QUESTION
            kind.widget = forms.HiddenInput()
            self.fields["text"].label = _("Your question")


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


SCALE = [
    ("0", _("0 · not at all")),
    ("1", _("1 · weakly")),
    ("2", _("2 · mostly")),
    ("3", _("3 · fully")),
]


class ReviewForm(forms.Form):
    """One radio row (0–3) per question of every rubric, and the comments for the city."""

    comment = forms.CharField(
        label=_("Comments for the city"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The city reads these: say what is strong and what it should improve."),
    )

    def __init__(self, *args: Any, rubrics: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rubrics = rubrics
        comment = self.fields.pop("comment")
        for rubric in rubrics:
            for c in rubric.criteria:
                self.fields[f"score:{rubric.code}:{c['code']}"] = forms.ChoiceField(
                    label=c["question"],
                    help_text=c.get("guidance", ""),
                    choices=SCALE,
                    widget=forms.RadioSelect,
                )
        self.fields["comment"] = comment

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (r.name, [self[f"score:{r.code}:{c['code']}"] for c in r.criteria])
            for r in self.rubrics
        ]

    def scores(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("score:"):
                _prefix, rubric, code = name.split(":", 2)
                out.setdefault(rubric, {})[code] = value
        return out


class FeedbackForm(forms.Form):
    feedback = forms.CharField(
        label=_("Feedback for the city"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AttachmentForm(forms.Form):
    role = forms.ChoiceField(label=_("What it is"), choices=[])
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the file's name."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Excel, Word, or a PNG, JPEG or WebP image; up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.xlsx,.docx,.png,.jpg,.jpeg,.webp"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .models import ConceptAttachment

        role: Any = self.fields["role"]
        role.choices = ConceptAttachment.Role.choices


class AllocationForm(forms.Form):
    """The programme's pot and its rules (`allocation.Terms`); the rationale only when saving.
    The locks offer the references of the concepts in the pipeline (`references`)."""

    name = forms.CharField(
        label=_("What the pot is"),
        max_length=200,
        help_text=_("For example: preparation support 2027, technical assistance days."),
    )
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Z]{3}$",
        max_length=3,
        initial="USD",
        error_messages={"invalid": _("Three capital letters, such as USD or EUR.")},
    )
    pot = WholeAmountField(label=_("Pot"), min_value=1, max_value=AMOUNT_MAX)
    basis = forms.ChoiceField(label=_("A concept asks for"), choices=Allocation.Basis.choices)
    partial_down_to = forms.IntegerField(
        label=_("Partial support down to (% of its ask)"),
        min_value=1,
        max_value=100,
        initial=100,
        help_text=_("100: all or nothing. 60: a concept may get from 60% of its ask to all of it."),
    )
    min_per_country = forms.IntegerField(
        label=_("At least this many concepts per country"),
        min_value=0,
        max_value=20,
        initial=2,
        help_text=_("Where a country has that many in the pipeline; fewer where it has fewer."),
    )
    max_per_city = forms.IntegerField(
        label=_("At most this many per city"), min_value=1, max_value=20, required=False
    )
    floor_share = forms.IntegerField(
        label=_("Each country gets at least (% of the pot)"),
        min_value=0,
        max_value=100,
        initial=0,
        help_text=_("Or all it asks, if that is less."),
    )
    weight_package = forms.IntegerField(
        label=_("Weight of the package's resilience value"), min_value=0, max_value=100, initial=50
    )
    weight_reviews = forms.IntegerField(
        label=_("Weight of the reviewers' scores"), min_value=0, max_value=100, initial=30
    )
    weight_fit = forms.IntegerField(
        label=_("Weight of the fit with a facility"), min_value=0, max_value=100, initial=20
    )
    rates = forms.CharField(
        label=_("Exchange rates"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line, for concepts costed in another currency: the currency, what one unit "
            "is worth in the pot's currency, and the rate's date, as in “EUR 1.08 2026-12-01”. "
            "Without a rate, such a concept is left out and the page says so."
        ),
    )
    must_include = forms.MultipleChoiceField(
        label=_("Support whatever it costs"), required=False, widget=forms.CheckboxSelectMultiple
    )
    must_exclude = forms.MultipleChoiceField(
        label=_("Leave out"), required=False, widget=forms.CheckboxSelectMultiple
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Needed to save the decision: why this allocation. The cities whose concepts it "
            "supports will read it."
        ),
    )

    def __init__(
        self, *args: Any, references: list[tuple[str, str]], reviews: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not reviews:  # a facility's pot: the programme's reviews are not its to weigh
            del self.fields["weight_reviews"]
        for name in ("must_include", "must_exclude"):
            field = self.fields[name]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = references
        # Computing needs no rationale, saving does: the label says so, not "(optional)".
        self.fields["rationale"].needed_for = _("Needed to save")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [p for p in ("package", "reviews", "fit") if f"weight_{p}" in self.fields]
        weights = [data.get(f"weight_{p}") for p in parts]
        if all(w is not None for w in weights) and not sum(w for w in weights if w):
            self.add_error("weight_package", _("Give at least one part of the value a weight."))
        both = set(data.get("must_include") or ()) & set(data.get("must_exclude") or ())
        if both:
            self.add_error(
                "must_exclude",
                _("A concept cannot be both supported and left out: %(refs)s.")
                % {"refs": ", ".join(sorted(both))},
            )
        return data
