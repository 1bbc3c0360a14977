"""Form fields shared by the apps.

`SpreadsheetUploadForm`: the one file field every spreadsheet import asks for.

`WholeAmountField`: a whole amount of money as people type it. It takes the digits grouped
the way the reader writes them (300,000 in English, 300 000 in French, 3,00,000 as in
Bangladesh), shows a stored amount grouped in the reader's format, and refuses cents with a
message that says so, rather than "Enter a whole number."

`DatePickerInput` / `DateTimePickerInput`: the browser's own date (and date-and-time) picker,
the default widget of every date field in the product (`use_date_pickers`, called once when
the platform starts), so that a form, a ModelForm's model field or a formset row never asks
for a date in a text box.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext_lazy as _

# Spaces of every kind people and keyboards put between groups of digits.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


class DatePickerInput(forms.DateInput):
    """`<input type="date">`. Its value is always ISO (2026-03-31), the one format the picker
    reads: a localised default (31/03/2026 in French) would show an empty box. Django reads
    ISO back in every language."""

    input_type = "date"

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        format: str | None = None,  # noqa: A002 - Django's name for it
    ) -> None:
        super().__init__(attrs, format=format or "%Y-%m-%d")


class DateTimePickerInput(forms.DateTimeInput):
    """`<input type="datetime-local">`, with its value in the ISO form it reads (to the minute)."""

    input_type = "datetime-local"

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        format: str | None = None,  # noqa: A002 - Django's name for it
    ) -> None:
        super().__init__(attrs, format=format or "%Y-%m-%dT%H:%M")


def use_date_pickers() -> None:
    """Make the pickers the default widget of `DateField` and `DateTimeField`, once, so that no
    form can forget them: declared fields, ModelForms (a model's date field becomes a
    `forms.DateField` with the class's default widget) and formset rows alike. A form that names
    another widget keeps it; the admin names its own."""
    forms.DateField.widget = DatePickerInput
    forms.DateTimeField.widget = DateTimePickerInput


class GroupedNumberInput(forms.TextInput):
    """A text box for digits (a number box would refuse "300,000"), with a numeric keypad on
    phones; a whole number already stored shows grouped."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return number_format(value, force_grouping=True)
        return super().format_value(value)


class WholeAmountField(forms.IntegerField):
    widget = GroupedNumberInput
    default_error_messages = {
        "cents": _(
            "Enter a whole amount, without cents: “%(sep)s” separates decimals here. Digits "
            "may be grouped, as in %(example)s."
        ),
        "invalid": _("Enter an amount in digits, such as %(example)s."),
        "too_large": _("Enter at most %(limit)s."),
    }

    def run_validators(self, value: Any) -> None:
        try:
            super().run_validators(value)
        except forms.ValidationError as exc:
            if self.max_value is not None and any(e.code == "max_value" for e in exc.error_list):
                limit = number_format(self.max_value, force_grouping=True)
                raise forms.ValidationError(
                    self.error_messages["too_large"], code="max_value", params={"limit": limit}
                ) from exc
            raise

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = self._ungrouped(value)
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            if exc.code == "invalid":
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params=self._example()
                ) from exc
            raise

    def _ungrouped(self, text: str) -> str:
        text = _SPACES.sub("", text.strip())
        decimal = str(get_format("DECIMAL_SEPARATOR"))
        thousand = str(get_format("THOUSAND_SEPARATOR"))
        if decimal and decimal in text and decimal != thousand:
            # "1,5" in French or "1.5" in English: a fraction of a dollar, which budgets and
            # costs do not take, rather than a number to guess at.
            params = {"sep": decimal} | self._example()
            raise forms.ValidationError(self.error_messages["cents"], code="cents", params=params)
        if thousand and not _SPACES.fullmatch(thousand):
            text = text.replace(thousand, "")
        return text

    @staticmethod
    def _example() -> dict[str, str]:
        return {"example": number_format(300000, force_grouping=True)}


def add_service_errors(
    form: forms.BaseForm, exc: ValidationError, rename: dict[str, str] | None = None
) -> None:
    """A service's refusal shown on the form: each message beside its field (a field the form
    does not have, or none, above the form). `rename` maps a service's field to the form's."""
    errors: dict[str, list[str]] = (
        dict(exc.message_dict) if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    )
    for field, texts in errors.items():
        name = (rename or {}).get(field, field)
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


class SpreadsheetUploadForm(forms.Form):
    """One spreadsheet to import (the catalogue, a city's candidates, an assessment's answers)."""

    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"))


def checked(form: forms.Form, refusal: str) -> dict[str, Any]:
    """The form's cleaned data, or a `ValidationError` with `refusal` (for small POST actions
    whose page has no form to show the field errors on)."""
    if not form.is_valid():
        raise ValidationError(refusal)
    return form.cleaned_data


class told:  # noqa: N801 - used as a statement: `with told(request, done=...):`
    """A small POST action (a decision, a move, a pin, a reply) told as a message: a
    `ValidationError` raised in the block (by `checked` or by the service) ends it and is shown
    as an error in its own words; otherwise `done` is shown. `ok` says which; any other
    exception goes on."""

    def __init__(self, request: HttpRequest, *, done: str = "") -> None:
        self.request, self.done, self.ok = request, done, False

    def __enter__(self) -> told:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> bool:
        if kind is None:
            self.ok = True
            if self.done:
                messages.success(self.request, self.done)
            return False
        if isinstance(exc, ValidationError):
            messages.error(self.request, " ".join(exc.messages))
            return True
        return False
