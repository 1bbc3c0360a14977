from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recap.accounts.models import CITY_ROLES, Role

from .models import WORKING_LANGUAGES, City
from .services import PROFILE_FIELDS


class CityProfileForm(forms.ModelForm[City]):
    class Meta:
        model = City
        fields = list(PROFILE_FIELDS)
        widgets = {"context": forms.Textarea(attrs={"rows": 8})}

    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        choices=WORKING_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Peer matching looks for cities that share one."),
    )


class MemberAddForm(forms.Form):
    username = forms.CharField(
        label=_("Username or e-mail"),
        max_length=254,
        help_text=_("The person must already have a ReCAP account."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in CITY_ROLES])

    def clean_username(self) -> Any:
        value = self.cleaned_data["username"].strip()
        user_model = get_user_model()
        matches = list(
            user_model.objects.filter(
                Q(username__iexact=value) | Q(email__iexact=value), is_active=True
            )[:2]
        )
        if len(matches) != 1:
            raise forms.ValidationError(
                _("No single active account matches “%(value)s”."), params={"value": value}
            )
        return matches[0]

    def clean_role(self) -> Role:
        return Role(self.cleaned_data["role"])
