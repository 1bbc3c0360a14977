"""Charts as SVG images, drawn by matplotlib: axes with ticks and values, and words that stand
for the chart (alt text); the same image on a page and in a PDF (WeasyPrint draws SVG).

Pages put the figures in a table beside each chart; the chart is for the eye. Text is kept as
text (`svg.fonttype: none`), so it can be selected and found in the PDF, and no text is read as
mathematics (`text.parse_math: False`): a label with "$" in it stays a label.

A chart takes tens of milliseconds to draw; callers that draw the same chart on every request
cache it (`cached`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils.formats import number_format
from django.utils.translation import get_language

INK = "#1c2329"
MUTED = "#4f5b66"
GRID = "#cfd8dc"
SERIES = ("#0b5563", "#b5471b", "#6a4c93")
FONT = "DejaVu Sans"

# rcParams are global to the process: one chart is drawn at a time.
_DRAWING = threading.Lock()
_STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": FONT,
    "font.size": 8.5,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "svg.hashsalt": "recap",  # the same chart, the same bytes
    "figure.facecolor": "none",  # the page or panel shows through
    "axes.facecolor": "none",
}


def whole(x: float) -> str:
    """A tick value in the reader's language, grouped by thousands."""
    return number_format(round(x), decimal_pos=0, use_l10n=True, force_grouping=True)


@dataclass(frozen=True)
class Chart:
    """A drawn chart: its SVG, and the words that stand for it (the image's alt text)."""

    svg: str
    alt: str
    width: float  # points
    height: float

    @property
    def name(self) -> str:
        """A name for the image in a PDF (`render_pdf(images=...)`): the same chart, the same
        name."""
        return hashlib.sha256(self.svg.encode()).hexdigest()[:16] + ".svg"

    @property
    def src(self) -> str:
        """The chart as a data URL for an <img>: a page's strict style policy does not reach
        inside an image, and a PDF draws it as vectors with its text kept as text."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def preload() -> None:
    """Imports what drawing a chart needs (matplotlib: about a second and 30 MB), for a web
    process to do once as it starts rather than in the first request that draws one."""
    import matplotlib.backends.backend_svg
    import matplotlib.figure
    import matplotlib.ticker  # noqa: F401 - imported for its side effect: loaded once


@contextmanager
def _drawing(width: float, height: float) -> Iterator[Any]:
    """A figure of `width` x `height` inches, built and saved under the house style (which
    matplotlib reads when each piece is made, so the whole drawing happens inside)."""
    import matplotlib
    from matplotlib.figure import Figure

    with _DRAWING, matplotlib.rc_context(_STYLE):
        yield Figure(figsize=(width, height))


def _chart(figure: Any, *, alt: str) -> Chart:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    out = io.StringIO()
    FigureCanvasSVG(figure).print_svg(out, metadata={"Date": None})  # type: ignore[no-untyped-call]
    width, height = (float(x) * 72 for x in figure.get_size_inches())
    return Chart(svg=out.getvalue(), alt=alt, width=round(width, 1), height=round(height, 1))


def compact(value: float, scale: float, unit: str) -> str:
    """A tick value in `unit`s (k, M), in the reader's number format, with a decimal only when
    the value needs one."""
    x = value / scale
    if abs(x) < 1e-9:
        return "0"
    if abs(x - round(x)) < 1e-9:
        return whole(x) + unit
    return number_format(round(x, 1), decimal_pos=1, use_l10n=True, force_grouping=True) + unit


def line_chart(
    xs: Sequence[float],
    ys: Sequence[float],
    *,
    alt: str,
    x_label: str,
    y_label: str,
    mark_x: float | None = None,
    mark_label: str = "",
    width: float = 4.4,
    height: float = 2.6,
) -> Chart:
    """A line with its points, on axes from zero, and an optional dashed line at `mark_x` (the
    budget actually set, say) with its label."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    with _drawing(width, height) as figure:
        axes = figure.add_subplot()
        axes.plot(xs, ys, color=SERIES[0], linewidth=1.8, marker="o", markersize=3.5)
        top = max([*ys, 0.0]) or 1.0
        right = max([*xs, mark_x or 0.0, 0.0]) or 1.0
        axes.set_xlim(0, right * 1.02)
        axes.set_ylim(0, top * 1.08)
        scale, unit = (1e6, "M") if right >= 1e6 else ((1e3, "k") if right >= 1e4 else (1, ""))
        axes.xaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))
        axes.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v, scale, unit)))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v, 1, "")))
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)
        axes.grid(True, color=GRID, linewidth=0.6)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        if mark_x is not None:
            axes.axvline(mark_x, color=SERIES[1], linestyle="--", linewidth=1)
            # Low and to the right of the line, where a rising frontier leaves room (to the
            # left when the line is near the right edge).
            near_edge = mark_x > right * 0.8
            axes.annotate(
                mark_label,
                (mark_x, 0),
                xytext=(-4 if near_edge else 4, 4),
                textcoords="offset points",
                ha="right" if near_edge else "left",
                va="bottom",
                color=SERIES[1],
                fontsize=7.5,
            )
        figure.tight_layout(pad=0.4)
        return _chart(figure, alt=alt)


def radar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    alt: str,
    top: float = 1.0,
    ticks: Sequence[tuple[float, str]] = (),
    size: float = 3.8,
) -> Chart:
    """One axis per label, one closed line per named series (values from 0 to `top`; a missing
    value is drawn at 0), rings at `ticks` with their labels, and a legend when there are two
    series or more."""
    with _drawing(size, size) as figure:
        axes = figure.add_subplot(projection="polar")
        n = len(labels)
        # The first axis points up, the others follow clockwise.
        axes.set_theta_zero_location("N")
        axes.set_theta_direction(-1)
        angles = [2 * math.pi * i / n for i in range(n)]
        for (name, values), colour in zip(series, SERIES, strict=False):
            points = [v or 0.0 for v in values]
            axes.plot(
                [*angles, angles[0]], [*points, points[0]], color=colour, linewidth=1.6, label=name
            )
            axes.fill([*angles, angles[0]], [*points, points[0]], color=colour, alpha=0.18)
        axes.set_xticks(angles)
        axes.set_xticklabels(labels, color=INK)
        axes.set_ylim(0, top)
        axes.set_yticks([t for t, _ in ticks])
        axes.set_yticklabels([label for _, label in ticks], color=MUTED, fontsize=7)
        axes.set_rlabel_position(180 / n if n else 0)
        axes.grid(True, color=GRID, linewidth=0.6)
        axes.spines["polar"].set_color(GRID)
        if len(series) > 1:
            axes.legend(
                loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=len(series), frameon=False
            )
        figure.tight_layout(pad=0.3)
        return _chart(figure, alt=alt)


def spark_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    alt: str,
    target: float | None = None,
    width: float = 2.2,
    height: float = 0.9,
) -> Chart:
    """A small trend: the values in order (their labels under the first and last point), and
    the target as a dashed line when there is one. Without axes: the table beside it reads."""
    with _drawing(width, height) as figure:
        axes = figure.add_subplot()
        xs = list(range(len(values)))
        axes.plot(xs, values, color=SERIES[0], linewidth=1.6, marker="o", markersize=2.5)
        top = max([*values, target or 0.0, 0.0]) or 1.0
        if target is not None:
            axes.axhline(target, color=SERIES[1], linestyle="--", linewidth=0.9)
        axes.set_ylim(0, top * 1.12)
        axes.set_xlim(-0.3, max(len(values) - 0.7, 0.3))
        axes.set_xticks([0, len(values) - 1] if len(values) > 1 else [0])
        axes.set_xticklabels(
            [labels[0], labels[-1]] if len(labels) > 1 else list(labels[:1]), fontsize=6.5
        )
        axes.set_yticks([])
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        axes.spines["bottom"].set_color(GRID)
        axes.tick_params(axis="x", length=0, colors=MUTED)
        figure.tight_layout(pad=0.2)
        return _chart(figure, alt=alt)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    alt: str,
    width: float = 4.4,
    bar_height: float = 0.28,
) -> Chart:
    """Horizontal bars, one per label from the top down, each with its value at its end."""
    height = 0.45 + bar_height * max(len(labels), 1)
    with _drawing(width, height) as figure:
        axes = figure.add_subplot()
        ys = list(range(len(labels)))[::-1]
        axes.barh(ys, values, color=SERIES[0], height=0.65)
        top = max([*values, 0.0]) or 1.0
        axes.set_xlim(0, top * 1.15)
        axes.set_yticks(ys)
        axes.set_yticklabels(labels, color=INK)
        axes.set_xticks([])
        for y, value in zip(ys, values, strict=True):
            axes.annotate(
                whole(value),
                (value, y),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                color=INK,
                fontsize=7.5,
            )
        for side in ("top", "right", "bottom"):
            axes.spines[side].set_visible(False)
        axes.spines["left"].set_color(GRID)
        axes.tick_params(axis="y", length=0)
        figure.tight_layout(pad=0.3)
        return _chart(figure, alt=alt)


def cached(key: str, draw: Callable[[], Chart]) -> Chart:
    """A chart drawn once per key and reader's language, then read from the cache (a month;
    the background worker draws a run's charts ahead, so pages seldom draw at all)."""
    full = f"chart:{get_language()}:{hashlib.sha256(key.encode()).hexdigest()}"
    chart = cache.get(full)
    if not isinstance(chart, Chart):
        chart = draw()
        cache.set(full, chart, 30 * 24 * 3600)
    return chart
