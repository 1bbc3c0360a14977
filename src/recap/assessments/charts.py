"""An assessment's profile as a radar chart: one axis per dimension, its mean score on the
framework's scale (0 to `scale_max`), a ring per whole score."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from recap.core.charts import Chart, cached, radar_chart

from .models import Assessment
from .selectors import Comparison, DimensionResult


def _alt(
    labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], top: int
) -> str:
    parts = []
    for name, means in series:
        scores = ", ".join(
            f"{label} {'—' if m is None else number_format(round(m, 1), 1)}"
            for label, m in zip(labels, means, strict=True)
        )
        parts.append(f"{name}: {scores}")
    return _("Radar chart of the mean score (0 to %(top)s) per dimension. %(scores)s.") % {
        "top": top,
        "scores": "; ".join(parts),
    }


# A radar needs three axes to enclose anything; with fewer, the table says it all.
MIN_AXES = 3


def _chart(
    labels: list[str], series: list[tuple[str, list[float | None]]], *, top: int, size: float
) -> Chart | None:
    if len(labels) < MIN_AXES:
        return None
    top = max(top, 1)
    # Drawn once per set of figures and language (the figures are the key), then cached.
    key = "radar:" + json.dumps([labels, series, top, size])
    return cached(
        key,
        partial(
            radar_chart,
            labels,
            [(name, [None if m is None else m / top for m in means]) for name, means in series],
            alt=_alt(labels, series, top),
            ticks=[(score / top, str(score)) for score in range(1, top + 1)],
            size=size,
        ),
    )


def profile_chart(
    assessment: Assessment, results: list[DimensionResult], *, size: float = 3.8
) -> Chart | None:
    """One assessment's mean score per dimension (None below three dimensions)."""
    return _chart(
        [r.dimension.code for r in results],
        [(assessment.title, [r.mean for r in results])],
        top=assessment.framework.scale_max,
        size=size,
    )


def compare_chart(before: Assessment, after: Assessment, rows: list[Comparison]) -> Chart | None:
    """Two assessments on the same framework, one line each."""
    return _chart(
        [r.dimension.code for r in rows],
        [(before.title, [r.before for r in rows]), (after.title, [r.after for r in rows])],
        top=after.framework.scale_max,
        size=4.2,
    )
