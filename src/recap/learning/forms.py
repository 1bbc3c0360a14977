from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recap.catalogue.models import CatalogueAction, Sector
from recap.cities.models import City, Country
from recap.core.forms import WholeAmountField
from recap.hazards.models import HazardType

from .models import Exchange, Lesson, PeerList, PeerOverride, SearchDocument


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


class ExchangeForm(forms.Form):
    to_city = forms.ModelChoiceField(label=_("To"), queryset=City.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Exchange.Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Your question or proposal"), max_length=5000, widget=forms.Textarea({"rows": 5})
    )
    lesson = forms.ModelChoiceField(
        label=_("About the lesson"),
        queryset=Lesson.objects.filter(status=Lesson.Status.PUBLISHED),
        required=False,
    )

    attachment = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("A PDF, Word, Excel or image file, up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg,.webp"}),
    )

    def __init__(self, *args: Any, city: City, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_city: Any = self.fields["to_city"]
        to_city.queryset = City.objects.filter(is_public=True).exclude(pk=city.pk).order_by("name")


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), max_length=5000, widget=forms.Textarea({"rows": 4}))

    attachment = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("A PDF, Word, Excel or image file, up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg,.webp"}),
    )


class OverrideForm(forms.Form):
    peer = forms.ModelChoiceField(queryset=City.objects.filter(is_public=True))  # the candidates
    kind = forms.ChoiceField(choices=PeerList.choices)
    action = forms.ChoiceField(
        choices=[("", "clear"), *PeerOverride.Action.choices], required=False
    )
    note = forms.CharField(max_length=300, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    hazard = forms.ModelChoiceField(
        label=_("Hazard"),
        queryset=HazardType.objects.filter(is_active=True).order_by("name"),
        to_field_name="code",
        required=False,
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", "—"), *Sector.choices], required=False
    )
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name"), required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Everything")), *SearchDocument.Kind.choices],
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        kinds: list[str] | None = None,
        countries: list[int] | None = None,
        **kwargs: Any,
    ) -> None:
        """`kinds` and `countries`: what the reader may find (`search.search_facets`); the
        filters offer those only, and a request for another is refused by its field."""
        super().__init__(*args, **kwargs)
        if kinds is not None:
            kind: Any = self.fields["kind"]
            kind.choices = [
                ("", _("Everything")),
                *((value, label) for value, label in SearchDocument.Kind.choices if value in kinds),
            ]
        if countries is not None:
            country: Any = self.fields["country"]
            country.queryset = Country.objects.filter(pk__in=countries).order_by("name")
