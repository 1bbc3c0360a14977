"""Text a person writes to another (a funder's question, a reviewer's comments): trimmed,
not empty, not longer than its limit, each refusal naming its field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def checked_text(text: str | None, *, field: str, limit: int, empty: Any) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: empty})
    if len(text) > limit:
        raise ValidationError(
            {field: _("Keep it to %(n)s characters (it has %(m)s).") % {"n": limit, "m": len(text)}}
        )
    return text


def upper_first(label: str) -> str:
    """A field's label at the start of a sentence: its first letter up, the rest as written
    (str.capitalize would turn "tCO2e" into "tco2e")."""
    return label[:1].upper() + label[1:]


def choice_labels(choices: Any, codes: list[str]) -> list[str]:
    """Codes in words, from a field's choices (an unknown code stays as it is)."""
    names = dict(choices)
    return [str(names.get(c, c)) for c in codes]
