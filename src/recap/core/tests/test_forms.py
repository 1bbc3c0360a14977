"""Amounts of money as people type them (recap.core.forms.WholeAmountField)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.utils import translation

from recap.core.forms import WholeAmountField


class Budget(forms.Form):
    amount = WholeAmountField(min_value=0, max_value=2_147_483_647)


@pytest.mark.parametrize(
    ("language", "typed", "value"),
    [
        ("en", "300000", 300000),
        ("en", "300,000", 300000),
        ("en", " 3,000,000 ", 3000000),
        ("en", "3,00,000", 300000),  # grouped by lakh, as in Bangladesh
        ("en", "300 000", 300000),
        ("fr", "300 000", 300000),
        ("fr", "300\u202f000", 300000),  # the narrow no-break space French typesetting uses
        ("fr", "300\u00a0000", 300000),
        ("fr", "300000", 300000),
    ],
)
def test_grouped_digits_are_taken_in_the_readers_language(
    language: str, typed: str, value: int
) -> None:
    with translation.override(language):
        form = Budget({"amount": typed})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["amount"] == value


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("en", "300.50", "without cents: “.” separates decimals here"),
        ("en", "300,000.00", "without cents"),
        ("fr", "300,5", "sans centimes : « , » sépare ici les décimales"),
        ("fr", "300,000", "sans centimes"),  # an English grouping, read in French, is a fraction
        ("en", "three hundred", "Enter an amount in digits, such as 300,000."),
        ("fr", "1e6", "Saisissez un montant en chiffres, par exemple 300\u00a0000."),
        ("en", "-5", "greater than or equal to 0"),
        ("en", "3,000,000,000", "Enter at most 2,147,483,647."),
        ("fr", "3 000 000 000", "Saisissez au plus 2\u00a0147\u00a0483\u00a0647."),
    ],
)
def test_cents_and_words_are_refused_with_a_message_that_says_why(
    language: str, typed: str, message: str
) -> None:
    with translation.override(language):
        form = Budget({"amount": typed})
        assert not form.is_valid()
        assert message in " ".join(form.errors["amount"])


def test_a_stored_amount_shows_grouped_and_the_keypad_is_numeric() -> None:
    with translation.override("en"):
        html = str(Budget(initial={"amount": 1250000})["amount"])
        assert 'value="1,250,000"' in html and 'inputmode="numeric"' in html
        assert 'type="text"' in html
        # What a person typed comes back as typed, to be corrected.
        assert 'value="12.5"' in str(Budget({"amount": "12.5"})["amount"])
    with translation.override("fr"):
        assert 'value="1\u00a0250\u00a0000"' in str(Budget(initial={"amount": 1250000})["amount"])


class _Reason(forms.Form):
    reason = forms.CharField(max_length=5)


def _request_with_messages() -> Any:
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.session = {}  # type: ignore[attr-defined]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def test_a_small_post_action_is_told_as_a_message() -> None:
    from django.contrib.messages import get_messages
    from django.core.exceptions import ValidationError

    from recap.core.forms import checked, told

    request = _request_with_messages()
    with told(request, done="Decided.") as outcome:
        data = checked(_Reason({"reason": "ok"}), "Say why.")
    assert outcome.ok and data == {"reason": "ok"}
    with told(request, done="Decided.") as refused:
        checked(_Reason({"reason": "far too long"}), "Keep it short.")
        raise AssertionError("not reached: the refusal ends the block")
    with told(request) as service:
        raise ValidationError(["Only a draft can be submitted."])
    assert not refused.ok and not service.ok
    said = [(m.level_tag, m.message) for m in get_messages(request)]
    assert said == [
        ("success", "Decided."),
        ("error", "Keep it short."),
        ("error", "Only a draft can be submitted."),
    ]
    with pytest.raises(KeyError), told(request):  # anything else is a bug: it goes on
        raise KeyError("x")
