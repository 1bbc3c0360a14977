"""JSON from outside (an uploaded file, an API body) read so that nothing in it can reach the
database or the interpreter's limits: nesting past `MAX_DEPTH` (Python's parser recurses and
`[` × 100,000 would raise RecursionError) and lone surrogates (`"\\ud800"` is valid JSON but no
valid text: saving it raises UnicodeEncodeError) are refused with a sentence naming where."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Deeper than any file ReCAP reads or writes (the results framework is four levels).
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_problem(value: Any) -> str | None:
    """What makes an already parsed value unfit to keep, or None: too deep, or text holding a
    lone surrogate (the place is named as a path, e.g. `outcomes[0].title`)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return _("It is nested more than %(n)s levels deep.") % {"n": MAX_DEPTH}
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return _("%(place)s holds a character that is not text (a lone surrogate).") % {
                    "place": path or _("The value")
                }
        elif isinstance(item, dict):
            for key, child in item.items():
                if _SURROGATE.search(key):
                    return _("A key under %(place)s is not text (a lone surrogate).") % {
                        "place": path or _("the top level")
                    }
                stack.append((child, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
    return None


def load_json(data: bytes) -> Any:
    """`data` (UTF-8 JSON) as Python values; ValidationError with one sentence saying what is
    wrong and where: not UTF-8, not JSON (line and column), too deep, not text."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not text (UTF-8 JSON).")) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            _("The file is not JSON: line %(l)s, column %(c)s: %(m)s")
            % {"l": exc.lineno, "c": exc.colno, "m": exc.msg}
        ) from None
    except RecursionError:
        raise ValidationError(
            _("It is nested more than %(n)s levels deep.") % {"n": MAX_DEPTH}
        ) from None
    if problem := json_problem(value):
        raise ValidationError(problem)
    return value
