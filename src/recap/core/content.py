"""Content in English and French. django-modeltranslation keeps a column per language beside
each translated field (`title_en`, `title_fr`; `translation.py` in each app names them); the
field itself reads the reader's language and falls back to the other one.

- What ships (catalogue, frameworks, taxonomy, results framework) is written in English in
  an app's `data/` and in French beside it in an `fr/` folder, keyed by code; loaders write
  both columns. The demo's records (`demo/data/`) hold both languages side by side instead,
  named as the columns are (`summary_en`, `summary_fr`): they have no codes to key by.
- Shown text missing in the reader's language is marked (`untranslated`, and the `content`
  filter in templates), so a French reader knows the English is a stand-in.
- Edits write the editor's language only, and only what the editor changed: a text left as
  shown (perhaps the other language's, as a stand-in) is not copied into this one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from typing import Any

from django.conf import settings
from django.utils import translation

LANGUAGES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)
SOURCE = "en"  # what ships is written in English first


def shipped_french(package: str, path: str) -> dict[str, Any]:
    """`data/<path>` of an app's package (a file in an `fr/` folder): its French texts keyed
    by code ({} if there is none)."""
    entry = resources.files(package).joinpath("data", *path.split("/"))
    if not entry.is_file():
        return {}
    loaded = json.loads(entry.read_text("utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def reader_language() -> str:
    code = (translation.get_language() or SOURCE)[:2]
    return code if code in LANGUAGES else SOURCE


def untranslated(obj: Any, field: str, language: str | None = None) -> bool:
    """True when `obj.field` has text but none in `language` (the reader's): what is shown is
    the other language's."""
    language = language or reader_language()
    own = getattr(obj, f"{field}_{language}", None)
    return not own and bool(getattr(obj, field, None))


def missing(obj: Any, fields: Iterable[str], language: str) -> list[str]:
    """The fields of `obj` with text in some language but none in `language`."""
    return [
        f
        for f in fields
        if not getattr(obj, f"{f}_{language}", None)
        and any(getattr(obj, f"{f}_{other}", None) for other in LANGUAGES)
    ]


def set_edited(obj: Any, stored: Any, field: str, value: Any) -> bool:
    """Write an editor's `value` to `obj.field` in the editor's language, unless it is what
    they were shown (`stored`, the record as saved, read in their language: perhaps the other
    language's text as a stand-in). Then the editor's column is put back as it was saved, even
    if a form has already written the shown text into it. True if written."""
    if stored is not None and same_text(getattr(stored, field), value):
        column = f"{field}_{reader_language()}"
        setattr(obj, column, getattr(stored, column))
        return False
    setattr(obj, field, value)
    return True


def same_text(shown: Any, sent: Any) -> bool:
    """Whether a text came back as it was shown: browsers send a textarea's line breaks as
    CRLF, so line endings and the whitespace around the text do not count."""
    if isinstance(shown, str) and isinstance(sent, str):
        return " ".join(shown.split()) == " ".join(sent.split())
    return bool(shown == sent)
