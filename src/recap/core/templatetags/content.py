"""`{{ obj|content:"field" }}`: a translated field's text in the reader's language; when only
the other language has it, that text marked with its language and a small "not translated"
tag (screen readers read it in the right language)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
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
