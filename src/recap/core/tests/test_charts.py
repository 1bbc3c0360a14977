"""Charts (core.charts): axes with values, text kept as text, words for screen readers, the
reader's number format, cached drawing."""

from __future__ import annotations

import base64

from defusedxml import ElementTree
from django.core.cache import cache
from django.utils import translation

from recap.core.charts import Chart, cached, line_chart, radar_chart

SVG = "{http://www.w3.org/2000/svg}"


def texts(chart: Chart) -> list[str]:
    root = ElementTree.fromstring(chart.svg.encode())
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_a_line_chart_has_labelled_axes_with_grouped_values_and_a_marked_budget() -> None:
    chart = line_chart(
        [0, 25_000, 50_000, 75_000, 100_000],
        [0, 40, 65, 80, 82],
        alt="Best value as the budget grows",
        x_label="Budget (US$)",
        y_label="Best total value",
        mark_x=60_000,
        mark_label="budget set",
    )
    words = texts(chart)
    assert {"Budget (US$)", "Best total value", "budget set"} <= set(words)
    # Ticks in thousands on x (25,000 -> 25k), whole values on y, both from zero.
    assert "0" in words and "50k" in words and "100k" in words and "80" in words
    assert chart.alt == "Best value as the budget grows"
    assert chart.width > 0 and chart.height > 0
    assert base64.b64decode(chart.src.split(",", 1)[1]).decode() == chart.svg


def test_dollar_signs_are_text_not_mathematics() -> None:
    chart = line_chart([0, 1], [0, 1], alt="x", x_label="$5 to $10", y_label="y")
    assert "$5 to $10" in texts(chart)


def test_labels_are_escaped_inside_the_svg() -> None:
    chart = radar_chart(
        ["<script>", "B&B", "C"], [("x", [1, 0.5, None])], alt="x", ticks=[(1.0, "3")]
    )
    assert "<script>" in texts(chart) and "B&B" in texts(chart)  # parsed back as text
    assert "<script>" not in chart.svg


def test_tick_values_follow_the_readers_language() -> None:
    with translation.override("fr"):
        chart = line_chart(
            [0, 5_000_000, 10_000_000], [0, 1500, 2500], alt="x", x_label="x", y_label="y"
        )
    words = texts(chart)
    assert "2\u202f000" in words or "2 000" in words or "2\xa0000" in words  # French grouping


def test_a_radar_has_an_axis_per_label_rings_and_a_legend_for_two_series() -> None:
    chart = radar_chart(
        ["GOV", "ECO", "SOC"],
        [("2025", [0.2, 0.5, None]), ("2026", [0.4, 0.6, 0.3])],
        alt="Two assessments",
        ticks=[(1 / 3, "1"), (2 / 3, "2"), (1.0, "3")],
    )
    words = texts(chart)
    assert {"GOV", "ECO", "SOC", "1", "2", "3", "2025", "2026"} <= set(words)


def test_a_cached_chart_is_drawn_once_per_key_and_language() -> None:
    cache.clear()
    drawn: list[int] = []

    def draw() -> Chart:
        drawn.append(1)
        return line_chart([0, 1], [0, 1], alt="x", x_label="x", y_label="y")

    first = cached("k", draw)
    assert cached("k", draw) == first and len(drawn) == 1
    with translation.override("fr"):
        cached("k", draw)
    assert len(drawn) == 2
