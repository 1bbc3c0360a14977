"""Small, strict readers for JSON input, shared by every engine verb.

Contract: each reader takes the raw JSON value and the path it came from, returns a typed
Python value, or raises `ProblemError(path, message)`. Booleans are never numbers; NaN and
infinity are refused; nothing is coerced from strings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import ProblemError


def number(
    value: Any, path: str, *, minimum: float | None = None, strict_min: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        bound = "" if minimum is None else (f" > {minimum:g}" if strict_min else f" >= {minimum:g}")
        raise ProblemError(path, f"must be a number{bound}")
    x = float(value)
    if not math.isfinite(x):
        raise ProblemError(path, "must be a finite number (not NaN or infinity)")
    if minimum is not None and (x < minimum or (strict_min and x == minimum)):
        raise ProblemError(path, f"must be a number {'>' if strict_min else '>='} {minimum:g}")
    return x


def integer(value: Any, path: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProblemError(
            path, "must be a whole number" + ("" if minimum is None else f" >= {minimum}")
        )
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        raise ProblemError(path, "must be a whole number")
    n = int(value)
    if minimum is not None and n < minimum:
        raise ProblemError(path, f"must be a whole number >= {minimum}")
    return n


def string(value: Any, path: str, *, allow_empty: bool = False, max_length: int = 200) -> str:
    if not isinstance(value, str):
        raise ProblemError(path, "must be a string")
    if not allow_empty and not value.strip():
        raise ProblemError(path, "must not be empty")
    if len(value) > max_length:
        raise ProblemError(path, f"must be at most {max_length} characters")
    return value


def obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ProblemError(path or "(top level)", "must be an object")
    return value


def array(value: Any, path: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise ProblemError(path, "must be an array")
    return value


def no_unknown_keys(value: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
    allowed = set(allowed)
    for key in value:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise ProblemError(
                where, f"unknown field (expected one of: {', '.join(sorted(allowed))})"
            )


def required(value: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in value:
        raise ProblemError(f"{path}.{key}" if path else key, "is required")
    return value[key]


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key
