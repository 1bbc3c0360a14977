"""An indicator's trend drawn as a small inline SVG: light enough for a page read over 3G (a
kilobyte or two, no script, no image request), readable at phone width.

Contract: `trend_svg(points, target=..., ...)` returns SVG markup (safe to put in a page: every
text is escaped) for a line through `points` (label, value) in order, with a labelled value axis
from zero (three ticks), the first, middle and last dates under it, and the target as a dashed
line with its value. It scales to its container (a `viewBox`, no fixed size; the page's style
keeps it between 300 and 420 px wide). The figures are in a table beside it on the page; the
drawing is for the eye, and says what it shows in its `aria-label`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 320, 132
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 12, 26  # room for the axes' words
LINE, TARGET_INK, AXIS, GRID = "#0b5563", "#b5471b", "#4f5b66", "#cfd8dc"


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × a power of ten at or above `value` (a round top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-9:
            return float(step * power)
    return float(10 * power)


def trend_svg(
    points: Sequence[tuple[str, float]],
    *,
    target: float | None,
    target_label: str,
    alt: str,
    number: Callable[[float], str],
) -> SafeString:
    """`number` writes a value the way the reader writes numbers (the page's `figure`)."""
    values = [v for _label, v in points]
    top = nice_ceiling(max([*values, target or 0.0, 0.0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    opening = (
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(alt)}" xmlns="http://www.w3.org/2000/svg" font-size="11" '
        f'font-family="inherit"><title>{escape(alt)}</title>'
    )
    parts = [opening]
    for tick in (0.0, top / 2, top):  # the value axis: its grid lines and numbers
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID if tick else AXIS}" stroke-width="1"/>'
            f'<text x="{LEFT - 5}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'fill="{AXIS}">{escape(number(tick))}</text>'
        )
    shown = sorted({0, len(points) // 2, len(points) - 1}) if points else []
    for i in shown:  # the time axis: first, middle and last dates
        last = i == len(points) - 1
        anchor = "start" if i == 0 and len(points) > 1 else "end" if last else "middle"
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" '
            f'fill="{AXIS}">{escape(points[i][0])}</text>'
        )
    if target is not None:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
            f'stroke="{TARGET_INK}" stroke-width="1.5" stroke-dasharray="5 3"/>'
            f'<text x="{LEFT + 4}" y="{max(y(target) - 4, TOP + 9):.1f}" '
            f'fill="{TARGET_INK}">{escape(target_label)}</text>'
        )
    if points:
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2.5" '
            'stroke-linejoin="round"/>'
        )
        parts.extend(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{LINE}"/>'
            for i, v in enumerate(values)
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built here, every text escaped
