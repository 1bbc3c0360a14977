"""The programme's view of every city's implementation plan, side by side: per country and per
city the share of actions done, on track, not started, at risk and delayed, the mean progress,
a link to each city's plan, and the late and at-risk actions. For the programme's managers (a
platform admin sees every programme's): the view reads each city's plan, which a manager may
read and a reviewer may not. The same queries at 5 cities and at 100 (`overview`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from recap.accounts.access import programme_city_ids, programme_ids
from recap.accounts.models import Role
from recap.accounts.types import Reader, SignedInRequest
from recap.cities.models import Country
from recap.pipeline.selectors import country_by_code

from .. import overview as overview_read
from .. import selectors
from ..status import AT_RISK, DELAYED, DONE, NOT_STARTED, ON_TRACK, STATES

#: The states a city's bar shows, left (good) to right (late); cancelled actions are left out
#: of the shares, as `selectors.Summary` does.
BAR_STATES = (DONE, ON_TRACK, NOT_STARTED, AT_RISK, DELAYED)
#: The late and at-risk actions listed one by one (the count says how many more there are).
ATTENTION_SHOWN = 50


def may_see_programme_plans(user: Reader) -> bool:
    """A programme's manager, or a platform admin (`programme_ids` is None for them)."""
    managed = programme_ids(user, Role.PROGRAMME_MANAGER)
    return managed is None or bool(managed)


@dataclass(frozen=True)
class Segment:
    state: str  # one of `BAR_STATES`, a code
    label: str
    count: int
    share: int  # percent, rounded, as the table says it
    x: str  # where it starts in the bar (0 to 100), exact
    width: str
    safe_label: str  # `label`, escaped for HTML


@dataclass(frozen=True)
class Line:
    """One row of the view: a city (with its plan) or a country's total."""

    summary: selectors.Summary
    segments: list[Segment]

    @property
    def label(self) -> str:
        return ", ".join(f"{s.label} {s.count}" for s in self.segments if s.count)

    @property
    def cells(self) -> SafeString:
        """A table cell a state: its count and its share (written here, as `bar` is)."""
        return mark_safe(  # noqa: S308 - the labels are escaped; the rest are numbers
            "".join(
                f'<td data-label="{s.safe_label}">{s.count} '
                f'<span class="muted">({s.share} %)</span></td>'
                for s in self.segments
            )
        )

    @property
    def bar(self) -> SafeString:
        """The shares as one stacked bar (an SVG: no inline style under the CSP), each state's
        segment titled with its count; drawn here with plain strings (the labels escaped once,
        the rest numbers), not by a template or `format_html` per segment, as a hundred
        cities' rows would cost."""
        rects = "".join(
            f'<rect class="seg-{s.state}" x="{s.x}" width="{s.width}" height="10">'
            f"<title>{s.safe_label}: {s.count} ({s.share} %)</title></rect>"
            for s in self.segments
            if s.count
        )
        return mark_safe(  # noqa: S308 - as above
            '<svg class="bar bar-stack" viewBox="0 0 100 10" preserveAspectRatio="none" '
            f'role="img" aria-label="{escape(self.label or _("No open action"))}">{rects}</svg>'
        )


def _segments(summary: selectors.Summary, labels: dict[str, str]) -> list[Segment]:
    out, start = [], 0.0
    for state in BAR_STATES:
        count = summary.counts.get(state, 0)
        width = 100 * count / summary.total if summary.total else 0.0
        label = labels[state]
        out.append(
            Segment(
                state,
                label,
                count,
                summary.share(state),
                f"{start:.2f}",
                f"{width:.2f}",
                escape(label),
            )
        )
        start += width
    return out


def _line(summary: selectors.Summary, labels: dict[str, str]) -> Line:
    return Line(summary, _segments(summary, labels))


@login_required
@require_GET
def overview(request: SignedInRequest) -> HttpResponse:
    if not may_see_programme_plans(request.user):
        raise PermissionDenied(_("Every city's plan side by side is for the programme's manager."))
    country = country_by_code(request.GET.get("country", ""))
    lines, attention = overview_read.city_lines(request.user, country)
    labels = {state: str(STATES[state]) for state in BAR_STATES}  # in the reader's language
    cities = [(line, _line(line.summary, labels)) for line in lines]
    countries = [(c, _line(s, labels)) for c, s in selectors.by_country(lines)]
    return render(
        request,
        "implementation/programme.html",
        {
            "cities": cities,
            "countries": countries,
            "country": country,
            "choices": _countries_with_plans(request.user),
            "unknown_country": bool(request.GET.get("country")) and country is None,
            "attention": attention[:ATTENTION_SHOWN],
            "attention_total": len(attention),
            "states": [(s, STATES[s]) for s in BAR_STATES],
        },
    )


def _countries_with_plans(user: Reader) -> list[Country]:
    """The filter's choices: the countries of the cities with a plan that `user` sees here."""
    rows = Country.objects.filter(city__implementation_plans__isnull=False)
    managed = programme_city_ids(user, Role.PROGRAMME_MANAGER)
    if managed is not None:
        rows = rows.filter(city__in=managed)
    return list(rows.distinct().order_by("name"))
