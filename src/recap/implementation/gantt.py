"""The plan's Gantt chart, drawn server-side as one inline SVG: no script, no image request,
under a kilobyte an action (a 30-action plan stays under 25 KB, some 3 KB gzipped), readable
over 3G.

Contract: `gantt_svg(plan, rows, today, title=...)` returns SVG markup (safe to put in a page:
every text is escaped, the colours are presentation attributes, so the page's strict style
policy holds and no `style` is needed) with, per action (one row, its code and short title at
left, its status in words under them):

- the planned bar (planned start to planned end, both days included), its shaded part the
  approved progress;
- the actual bar (actual start to actual end, or to today while it runs), in the status's
  colour *and* pattern (delayed hatched, at risk dotted, closed grey), so colour is never the
  only cue;
- each milestone as a diamond: reached filled, upcoming hollow, missed red with a cross (past
  its date and not reached), each with a tooltip naming it, its date and its state;
- "not planned yet" where the action has no planned dates.

Across the rows: the time axis (years, and quarters where there is room), today's line and
the ends of the plan's short- and medium-term windows as labelled dashed lines. `scale(...)`
is the time scale the drawing uses (the tests place bars with it); `legend()` gives the keys
the page shows above the chart; `table(rows, today)` the same facts for the table under it.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ImplementationPlan, Milestone
from .selectors import ActionRow
from .status import AT_RISK, CANCELLED, DELAYED, DONE, NOT_STARTED, ON_TRACK, STATES

WIDTH = 1000
LEFT, RIGHT = 290, 16  # the label column, then the time axis
HEAD, ROW, FOOT = 52, 34, 44  # today's label, years, quarters; one action; the windows' labels
LABEL_CHARS = 34  # code and title in the label column
TIP_CHARS = 90  # a title in a tooltip (the table under the chart has it whole)
DAY = datetime.timedelta(days=1)

INK, MUTED, GRID, BAND = "#1c2329", "#4f5b66", "#cfd8dc", "#f3f6f7"
TODAY_INK, MISSED_INK = "#6a4c93", "#a4161a"
#: Each state's ink (its words and the actual bar's outline) and the actual bar's fill: a
#: pattern for the two that need attention, so they differ by more than colour.
INKS = {
    NOT_STARTED: MUTED,
    ON_TRACK: "#0b5563",
    DELAYED: "#8a1f11",
    AT_RISK: "#9c3d12",
    DONE: "#1d6b34",
    CANCELLED: "#6f7a82",
}
FILLS = {
    NOT_STARTED: "#ffffff",
    ON_TRACK: "#0b5563",
    DELAYED: "url(#gantt-delayed)",
    AT_RISK: "url(#gantt-risk)",
    DONE: "#1d6b34",
    CANCELLED: "#c4cbd0",
}
PLANNED_FILL, PROGRESS_FILL = "#fff", "#a9c4cc"

REACHED, MISSED, UPCOMING = "reached", "missed", "upcoming"
MILESTONE_STATES = {
    REACHED: gettext_lazy("reached"),
    MISSED: gettext_lazy("missed"),
    UPCOMING: gettext_lazy("upcoming"),
}

#: The hatch and the dots of the bars that need attention, and the three milestones, drawn
#: centred at y 17 (a row's middle), so that a row's <use> gives only its x.
_DEFS = (
    "<defs>"
    '<pattern id="gantt-delayed" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f4d0c9"/>'
    '<rect width="3" height="6" fill="#8a1f11"/></pattern>'
    '<pattern id="gantt-risk" width="5" height="5" patternUnits="userSpaceOnUse">'
    '<rect width="5" height="5" fill="#f8dfcf"/><circle cx="2.5" cy="2.5" r="1.4" '
    'fill="#9c3d12"/></pattern>'
    f'<path id="gantt-reached" d="M0 11 6 17 0 23-6 17z" fill="{INK}"/>'
    f'<path id="gantt-upcoming" d="M0 11 6 17 0 23-6 17z" fill="#fff" stroke="{INK}" '
    'stroke-width="1.5"/>'
    f'<g id="gantt-missed"><path d="M0 10 7 17 0 24-7 17z" fill="{MISSED_INK}"/>'
    '<path d="M-2.5 14.5 2.5 19.5M2.5 14.5-2.5 19.5" stroke="#fff" stroke-width="1.8"/></g>'
    "</defs>"
)


@dataclass(frozen=True)
class Scale:
    """Days to x: `start` (a quarter's first day) at `left`, `end` (the first day after the
    last quarter shown) at `left + width`."""

    start: datetime.date
    end: datetime.date
    left: float = LEFT
    width: float = WIDTH - LEFT - RIGHT

    def x(self, day: datetime.date) -> float:
        return self.left + self.width * (day - self.start).days / (self.end - self.start).days

    def bar(self, first: datetime.date, last: datetime.date) -> tuple[float, float]:
        """The x and width of a bar over the days `first` to `last`, both included."""
        x = self.x(first)
        return x, max(self.x(last + DAY) - x, 2.0)


def _quarter(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter(day: datetime.date) -> datetime.date:
    q = _quarter(day)
    return datetime.date(q.year + 1, 1, 1) if q.month == 10 else q.replace(month=q.month + 3)


def scale(plan: ImplementationPlan, rows: Sequence[ActionRow], today: datetime.date) -> Scale:
    """Whole quarters from the earliest day drawn to the latest: the plan's windows, today,
    and every action's dates and milestones."""
    days = [plan.starts, plan.short_term_ends, plan.medium_term_ends, today]
    for row in rows:
        a = row.action
        days += [
            d
            for d in (a.planned_start, a.planned_end, a.actual_start, a.actual_end)
            if d is not None
        ]
        days += [m.due for m in row.milestones]
        days += [m.done_on for m in row.milestones if m.done_on is not None]
    return Scale(_quarter(min(days)), _next_quarter(max(days)))


def milestone_state(milestone: Milestone, today: datetime.date) -> str:
    if milestone.done_on is not None:
        return REACHED
    return MISSED if milestone.due < today else UPCOMING


def _day(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _short(text: str, chars: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _percent(value: int) -> str:
    return _("%(percent)s %%") % {"percent": value}


def status_words(row: ActionRow) -> str:
    """The status as the row says it: "Delayed · 40 %"."""
    state = row.status.state
    if state in (NOT_STARTED, CANCELLED) and not row.status.progress:
        return row.status.label
    return f"{row.status.label} · {_percent(row.status.progress)}"


def _axis(s: Scale, bottom: float) -> list[str]:
    """Year lines and labels, and quarter lines and labels where a quarter has room."""
    quarters: list[datetime.date] = []
    q = s.start
    while q < s.end:
        quarters.append(q)
        q = _next_quarter(q)
    quarter_w = s.width / len(quarters)
    parts = []
    if quarter_w >= 10:
        lines = "".join(f"M{s.x(q):.1f} {HEAD - 14}V{bottom}" for q in quarters if q.month != 1)
        parts.append(f'<path d="{lines}" stroke="{GRID}" stroke-width="1"/>')
    years = [q for q in quarters if q.month == 1]
    if years:
        lines = "".join(f"M{s.x(y):.1f} {HEAD - 30}V{bottom}" for y in years)
        parts.append(f'<path d="{lines}" stroke="{MUTED}" stroke-width="1"/>')
    every = max(1, round(48 / (quarter_w * 4)))  # a year label needs some 48 px
    labels = []
    for year in range(s.start.year, s.end.year + (s.end.month > 1)):
        first = max(datetime.date(year, 1, 1), s.start)
        last = min(datetime.date(year + 1, 1, 1), s.end)
        if year % every or s.x(last) - s.x(first) < 36:
            continue  # a year left out when they are crowded, or a sliver at either end
        labels.append(f'<text x="{(s.x(first) + s.x(last)) / 2:.1f}" y="{HEAD - 18}">{year}</text>')
    parts.append(f'<g text-anchor="middle" font-weight="700">{"".join(labels)}</g>')
    if quarter_w >= 26:
        labels = [
            f'<text x="{s.x(q) + quarter_w / 2:.1f}" y="{HEAD - 4}">'
            f"{escape(_('Q%(n)s') % {'n': (q.month - 1) // 3 + 1})}</text>"
            for q in quarters
        ]
        parts.append(f'<g text-anchor="middle" font-size="11" fill="{MUTED}">{"".join(labels)}</g>')
    return parts


def _bands(n: int) -> str:
    """Every other row on a light band, for the eye to follow a row across."""
    bands = "".join(f"M0 {HEAD + i * ROW}h{WIDTH}v{ROW}H0z" for i in range(1, n, 2))
    return f'<path d="{bands}" fill="{BAND}"/>' if bands else ""


def _marker(s: Scale, day: datetime.date, y: float, words: str, ink: str) -> str:
    """A label beside a vertical line: to its right in the left half, to its left after."""
    x = s.x(day)
    right = x > s.left + s.width / 2
    return (
        f'<text x="{x + (-4 if right else 4):.1f}" y="{y}" text-anchor="'
        f'{"end" if right else "start"}" font-size="12" fill="{ink}">{escape(words)}</text>'
    )


def _lines(plan: ImplementationPlan, s: Scale, today: datetime.date, bottom: float) -> list[str]:
    """Today's line, and the windows' ends as dashed lines, each labelled."""
    parts = []
    windows = [
        (plan.short_term_ends, _("Short term ends · %(d)s")),
        (plan.medium_term_ends, _("Medium term ends · %(d)s")),
    ]
    for n, (day, words) in enumerate(windows):
        x = s.x(day + DAY)  # a window ends after its last day
        parts.append(
            f'<g class="window"><line x1="{x:.1f}" x2="{x:.1f}" y1="{HEAD}" '
            f'y2="{bottom + 18 + 16 * n}" stroke="{MUTED}" stroke-width="1.5" '
            f'stroke-dasharray="6 4"/>'
            f"{_marker(s, day + DAY, bottom + 16 + 16 * n, words % {'d': _day(day)}, MUTED)}</g>"
        )
    x = s.x(today)
    label = _("Today · %(d)s") % {"d": _day(today)}
    parts.append(
        f'<g class="today"><line x1="{x:.1f}" x2="{x:.1f}" y1="{HEAD - 46}" y2="{bottom}" '
        f'stroke="{TODAY_INK}" stroke-width="2"/>'
        f"{_marker(s, today, HEAD - 38, label, TODAY_INK)}</g>"
    )
    return parts


def _milestone(m: Milestone, s: Scale, today: datetime.date) -> str:
    state = milestone_state(m, today)
    name = _short(m.title, TIP_CHARS)
    if state == REACHED and m.done_on is not None:
        tip = _("%(name)s · reached on %(on)s") % {"name": name, "on": _day(m.done_on)}
    else:
        tip = f"{name} · {MILESTONE_STATES[state]} · " + _("due %(due)s") % {"due": _day(m.due)}
    return f'<use href="#gantt-{state}" x="{s.x(m.due):.0f}"><title>{escape(tip)}</title></use>'


def _bars(row: ActionRow, s: Scale, today: datetime.date) -> str:
    """The planned bar with its progress and the actual bar (in one group that gives them
    their outline), or the words "not planned yet"; then the milestones."""
    a, state = row.action, row.status.state
    bars = []
    if a.planned_start is not None:
        x, w = s.bar(a.planned_start, a.planned_end or a.planned_start)
        bars.append(f'<rect class="planned" x="{x:.0f}" y="5" width="{w:.0f}" height="10"/>')
        if row.status.progress:
            bars.append(
                f'<rect class="progress" x="{x:.0f}" y="5" '
                f'width="{w * row.status.progress / 100:.0f}" height="10" fill="{PROGRESS_FILL}"/>'
            )
    if a.actual_start is not None:
        last = a.actual_end or max(today - DAY, a.actual_start)
        x, w = s.bar(a.actual_start, last)
        bars.append(
            f'<rect class="actual" x="{x:.0f}" y="18" width="{w:.0f}" height="10" '
            f'fill="{FILLS[state]}" stroke="{INKS[state]}"/>'
        )
    out = f'<g fill="{PLANNED_FILL}" stroke="{MUTED}">{"".join(bars)}</g>' if bars else ""
    if a.planned_start is None:
        out += (
            f'<text class="unplanned" x="{s.left + 6}" y="16" font-style="italic" '
            f'fill="{MUTED}">{escape(_("not planned yet"))}</text>'
        )
    return out + "".join(_milestone(m, s, today) for m in row.milestones)


def _row(i: int, row: ActionRow, s: Scale, today: datetime.date) -> str:
    a, status = row.action, row.status
    closed = status.state == CANCELLED
    title = str(a.candidate.title)
    # the row's tooltip: the whole title (the label may cut it); the status is in the row,
    # its reason and the dates in the table under the chart
    tip = f"{a.code} · {_short(title, TIP_CHARS)}"
    label = _short(title, max(LABEL_CHARS - len(a.code) - 1, 8))
    drawing = _bars(row, s, today)
    grey = f' fill="{MUTED}"' if closed else ""
    if closed:  # greyed: the words muted, the drawing faded
        drawing = f'<g opacity="0.6">{drawing}</g>'
    return (
        f'<g class="row state-{status.state}{" closed" if closed else ""}" '
        f'transform="translate(0 {HEAD + i * ROW})"><title>{escape(tip)}</title>'
        f'<text{grey} x="6" y="14">'
        f'<tspan font-weight="700">{escape(a.code)}</tspan> {escape(label)}</text>'
        f'<text x="6" y="29" font-size="12" fill="{INKS[status.state]}">'
        f"{escape(status_words(row))}</text>{drawing}</g>"
    )


def _description(plan: ImplementationPlan, rows: Sequence[ActionRow], today: datetime.date) -> str:
    counts = Counter(r.status.state for r in rows)
    states = ", ".join(f"{counts[s]} {label}".lower() for s, label in STATES.items() if counts[s])
    return _(
        "Planned and actual dates of %(n)s actions (%(states)s), with their milestones, "
        "from %(start)s; short-term actions end by %(short)s, medium-term ones by %(medium)s; "
        "today is %(today)s. The table under the chart gives the same facts."
    ) % {
        "n": len(rows),
        "states": states or "—",
        "start": _day(plan.starts),
        "short": _day(plan.short_term_ends),
        "medium": _day(plan.medium_term_ends),
        "today": _day(today),
    }


def gantt_svg(
    plan: ImplementationPlan,
    rows: Sequence[ActionRow],
    today: datetime.date,
    *,
    title: str = "",
) -> SafeString:
    """The chart of `rows` (an `selectors.plan_rows` list of `plan`) as of `today`."""
    s = scale(plan, rows, today)
    bottom = HEAD + ROW * max(len(rows), 1)
    height = bottom + FOOT
    title = title or _("The implementation plan's Gantt chart")
    opening = (
        f'<svg class="gantt" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        'role="img" aria-labelledby="gantt-title gantt-desc" '
        'xmlns="http://www.w3.org/2000/svg" font-family="inherit" font-size="14" '
        f'fill="{INK}"><title id="gantt-title">{escape(title)}</title>'
        f'<desc id="gantt-desc">{escape(_description(plan, rows, today))}</desc>'
    )
    parts = [
        opening,
        _DEFS,
        _bands(len(rows)),
        *_axis(s, bottom),
        *(_row(i, row, s, today) for i, row in enumerate(rows)),
    ]
    if not rows:
        parts.append(
            f'<text x="{s.left + 6}" y="{HEAD + 20}" fill="{MUTED}">'
            f"{escape(_('No action to show.'))}</text>"
        )
    parts += _lines(plan, s, today, bottom)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built here, every text escaped


def _swatch(body: str) -> SafeString:
    return mark_safe(  # noqa: S308 - fixed markup, no text
        '<svg class="gantt-key" viewBox="0 0 28 14" width="28" height="14" aria-hidden="true" '
        f'focusable="false" xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def legend() -> list[tuple[str, SafeString]]:
    """The chart's keys, each as words and a small drawing (the patterns and milestones it
    draws refer to the chart's own, on the same page)."""
    bar = '<rect x="1" y="2" width="26" height="10" fill="{}" stroke="{}"/>'
    keys = [
        (
            _("Planned; the shaded part is the progress"),
            bar.format(PLANNED_FILL, MUTED)
            + f'<rect x="1" y="2" width="11" height="10" fill="{PROGRESS_FILL}" stroke="{MUTED}"/>',
        ),
    ]
    words = {
        ON_TRACK: _("Actual: on track"),
        DELAYED: _("Actual: delayed (hatched)"),
        AT_RISK: _("Actual: at risk (dotted)"),
        DONE: _("Actual: done"),
        CANCELLED: _("Cancelled or closed (grey)"),
    }
    keys += [(w, bar.format(FILLS[s], INKS[s])) for s, w in words.items()]
    keys += [
        (_("Milestone reached (filled)"), '<use href="#gantt-reached" x="14" y="-10"/>'),
        (_("Milestone upcoming (hollow)"), '<use href="#gantt-upcoming" x="14" y="-10"/>'),
        (_("Milestone missed (red, crossed)"), '<use href="#gantt-missed" x="14" y="-10"/>'),
        (
            _("Today"),
            f'<line x1="14" x2="14" y1="0" y2="14" stroke="{TODAY_INK}" stroke-width="2"/>',
        ),
        (
            _("End of a window (short or medium term)"),
            (
                f'<line x1="14" x2="14" y1="0" y2="14" stroke="{MUTED}" stroke-width="1.5" '
                'stroke-dasharray="4 3"/>'
            ),
        ),
    ]
    return [(words_, _swatch(body)) for words_, body in keys]


@dataclass(frozen=True)
class Line:
    """One action's facts for the table under the chart."""

    row: ActionRow
    milestones: list[tuple[Milestone, str, str]] = field(default_factory=list)  # state, words


def table(rows: Sequence[ActionRow], today: datetime.date) -> list[Line]:
    out = []
    for row in rows:
        states = [(m, milestone_state(m, today)) for m in row.milestones]
        out.append(Line(row, [(m, st, str(MILESTONE_STATES[st])) for m, st in states]))
    return out
