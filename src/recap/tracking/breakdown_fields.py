"""A breakdown typed the way it reads: one number field per category, each labelled with the
category's words, in a fieldset headed by the dimension ("By sex": Female, Male, ...).

`BreakdownField(dimension, choices)` cleans to {category code: number} of the categories
given (an empty breakdown, {}, when none is); a category that is not a number, or is below
zero, is named in the error. Whether the parts add up to the total is the form's and the
service's to say: only they know the total."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _


class BreakdownWidget(forms.MultiWidget):
    """Number inputs, one per category, each with its label; a fieldset around them."""

    template_name = "tracking/widgets/breakdown.html"
    use_fieldset = True

    def __init__(self, choices: Sequence[tuple[str, str]], whole: bool) -> None:
        self.choices = list(choices)
        attrs = {"inputmode": "numeric" if whole else "decimal", "autocomplete": "off"}
        super().__init__([forms.TextInput(attrs) for _c in self.choices])

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dict):
            return [value.get(code) for code, _label in self.choices]
        return [None for _c in self.choices]

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["parts"] = list(
            zip(context["widget"]["subwidgets"], [label for _c, label in self.choices], strict=True)
        )
        return context


class BreakdownField(forms.MultiValueField):
    def __init__(
        self,
        *,
        choices: Sequence[tuple[str, str]],
        whole: bool = False,
        **kwargs: Any,
    ) -> None:
        self.choices = list(choices)
        self.whole = whole
        fields = [forms.CharField(required=False, max_length=30) for _c in self.choices]
        super().__init__(
            fields=fields,
            widget=BreakdownWidget(self.choices, whole),
            require_all_fields=False,
            required=False,
            **kwargs,
        )

    def compress(self, data_list: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        problems = []
        for (code, label), raw in zip(self.choices, data_list or [], strict=False):
            text = str(raw or "").strip().replace(",", "").replace("\u202f", "").replace(" ", "")
            if not text:
                continue
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite():
                problems.append(_("%(c)s: %(v)s is not a number.") % {"c": label, "v": text[:20]})
            elif number < 0:
                problems.append(_("%(c)s: not below zero.") % {"c": label})
            elif self.whole and number != number.to_integral_value():
                problems.append(_("%(c)s: a whole number of people.") % {"c": label})
            else:
                out[code] = int(number) if self.whole else float(number)
        if problems:
            raise forms.ValidationError(" ".join(problems))
        return out
