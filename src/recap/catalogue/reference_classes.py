"""Reference classes for cost ranges: published overrun uplifts, kept as data with their sources.

Contract: `classes()` (code -> `ReferenceClass`) and `sources()` come from
`data/reference_classes.json`, which names each figure's source and the day it was checked;
the codes are `models.ReferenceClassCode` (a test holds the two together).
`cost_range(cost, typed_low, typed_high, class_code)` gives a candidate's (low, most likely,
high) cost in US$ and where it comes from: the city's own range when it typed one, else the
class's (the most likely cost as low, the cost times one plus the class's upper-bound uplift
as high: the sources measure overruns and give no optimistic side), else no range.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from .models import ReferenceClassCode


@dataclass(frozen=True)
class ReferenceClass:
    code: str
    source: str  # a key of `sources()`
    source_class: str  # the class's name in its source
    upper: float  # upper-bound uplift on the most likely capital cost (0.24 = 24 %)
    lower: float
    proxy: bool  # the source has no such class: the named one stands in for it

    @property
    def name(self) -> str:
        return str(ReferenceClassCode(self.code).label)

    @property
    def upper_percent(self) -> int:
        return round(self.upper * 100)

    @property
    def url(self) -> str:
        return sources()[self.source]["url"]

    @property
    def citation(self) -> str:
        return sources()[self.source]["citation"]


@cache
def _data() -> dict[str, Any]:
    raw = resources.files("recap.catalogue").joinpath("data/reference_classes.json")
    loaded: dict[str, Any] = json.loads(raw.read_text("utf-8"))
    return loaded


def classes() -> dict[str, ReferenceClass]:
    return {
        c["code"]: ReferenceClass(
            code=c["code"],
            source=c["source"],
            source_class=c["source_class"],
            upper=float(c["upper"]),
            lower=float(c["lower"]),
            proxy=bool(c["proxy"]),
        )
        for c in _data()["classes"]
    }


def sources() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = _data()["sources"]
    return found


def checked() -> str:
    return str(_data()["checked"])


@dataclass(frozen=True)
class CostRange:
    low: float
    most_likely: float
    high: float
    origin: str  # "typed" | "class" | "none"
    reference_class: ReferenceClass | None = None

    @property
    def has_spread(self) -> bool:
        return self.high > self.low


def cost_range(
    cost: float, typed_low: float | None, typed_high: float | None, class_code: str
) -> CostRange:
    found = classes().get(class_code) if class_code else None
    if typed_low is not None or typed_high is not None:
        low = cost if typed_low is None else float(typed_low)
        high = cost if typed_high is None else float(typed_high)
        return CostRange(low, float(cost), high, "typed", found)
    if found is not None:
        return CostRange(float(cost), float(cost), round(cost * (1 + found.upper)), "class", found)
    return CostRange(float(cost), float(cost), float(cost), "none")
