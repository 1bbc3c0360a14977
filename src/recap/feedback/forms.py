from __future__ import annotations

import re

from django import forms
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .models import MESSAGE_MAX_LENGTH

TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


class ProblemReportForm(forms.Form):
    message = forms.CharField(
        label=_("What went wrong?"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Plain text, up to 2,000 characters. Please do not include passwords."),
        error_messages={
            "required": _("Please describe the problem."),
            "max_length": _(
                "Please keep the description under %(limit_value)d characters "
                "(it has %(show_value)d)."
            ),
        },
    )
    email = forms.EmailField(
        label=_("Your e-mail"),
        required=False,
        max_length=254,
        help_text=_("Only if you would like an answer."),
        error_messages={"invalid": _("Enter an e-mail address like name@example.org.")},
    )
    page = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    # A field people never see; automated senders fill it in.
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_message(self) -> str:
        message: str = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(_("Please describe the problem."))
        if TAG.search(message):
            raise forms.ValidationError(
                _("Please describe the problem in plain text: HTML tags are not accepted.")
            )
        return message

    def clean_page(self) -> str:
        page: str = self.cleaned_data.get("page", "")
        # Only a path on this site is kept; anything else is dropped.
        if page and (not page.startswith("/") or not url_has_allowed_host_and_scheme(page, None)):
            return ""
        return page

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Leave this field empty."))
        return ""
