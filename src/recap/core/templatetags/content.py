"""`{{ obj|content:"field" }}`: a translated field's text in the reader's language; when only
the other language has it, that text marked with its language and a small "not translated"
tag (screen readers read it in the right language).

Texts that ship in English only (a funding facility's eligibility, the review rubrics, the
offices' directory) are marked as English for a reader of another language: `{{ text|english }}`
on its own, and `{{ sentence|english_parts:obj }}` where the interface's sentence quotes the
fields `obj.SHIPPED_IN_ENGLISH` names ("Il demande : <span lang="en">…</span>")."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from recap.core.content import LANGUAGES, reader_language, untranslated

register = template.Library()


@register.filter
def content(obj: Any, field: str) -> SafeString | str:
    text = getattr(obj, field, "") or ""
    if not untranslated(obj, field):
        return text
    here = reader_language()
    source = next((c for c in LANGUAGES if c != here and getattr(obj, f"{field}_{c}", None)), "")
    return format_html(
        '<span lang="{}">{}</span> <abbr class="untranslated" title="{}">{}</abbr>',
        source,
        text,
        _("Not translated yet: shown in the original language."),
        source.upper(),
    )


@register.filter
def is_untranslated(obj: Any, field: str) -> bool:
    return untranslated(obj, field)


@register.filter
def english(text: Any) -> SafeString | str:
    """Text known to be English, marked so for a reader of another language."""
    if not text or reader_language() == "en":
        return text or ""
    return format_html('<span lang="en">{}</span>', text)


@register.filter
def english_parts(sentence: Any, source: Any) -> SafeString:
    """`sentence` escaped, with each text of `source` it quotes (the fields named by
    `source.SHIPPED_IN_ENGLISH`) marked as English for a reader of another language."""
    out = str(escape(sentence or ""))
    if reader_language() == "en":
        return mark_safe(out)  # noqa: S308 - escaped above
    quoted = {str(escape(getattr(source, f, "") or "")) for f in shipped_fields(source)}
    if not (parts := sorted((t for t in quoted if t), key=len, reverse=True)):
        return mark_safe(out)  # noqa: S308 - escaped above
    pattern = re.compile("|".join(re.escape(p) for p in parts))  # one pass: the longest wins
    return mark_safe(pattern.sub(lambda m: f'<span lang="en">{m.group(0)}</span>', out))  # noqa: S308


def shipped_fields(source: Any) -> tuple[str, ...]:
    """The fields of `source` that ship in English only, its name first (a proper name)."""
    return ("name", *getattr(source, "SHIPPED_IN_ENGLISH", ()))
