"""The city's plan as the public sees it, and its open data.

- `plan_page` (`/cities/<slug>/plan/`): no sign-in; only when the city is public (as its public
  page, `/cities/<slug>/`) and made its plan public (`selectors.public_plan`), else 404. The
  plan's figures, then every action with its derived status, progress, who leads it, its
  dates, milestones and indicators (figures, and a small chart once there is a latest value),
  filtered by sector, hazard and status through plain GET parameters. The concept or measure
  an action follows is a link only for whoever may open its page (the city's team and the
  programme's managers: those pages are not public); anyone else reads its name.
- `plan_export` (`/cities/<slug>/plan/plan.<fmt>`, fmt json, csv or xlsx): the same rule;
  `exports` says what is in the file and which schema it follows.
- `plan_export_private`: the same file for the city's team (read access to the city), whether
  the plan is public or not; its route goes in the workspace's `urls.py`.

Each page and file costs the same queries whatever the number of actions.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.models import City
from recap.cities.selectors import city_get_for_user, city_public_get
from recap.core.downloads import generated_response
from recap.tracking.templatetags.figures import figure
from recap.tracking.trend_svg import trend_svg

from .. import exports, selectors
from ..models import ActionIndicator, ImplementationPlan, Milestone
from ..policies import may_read
from ..status import STATES

#: How often one address may download a plan's files (an XLSX is built on each request).
EXPORT_RATE = "300/h"


def _public(request: HttpRequest, slug: str) -> tuple[City, ImplementationPlan]:
    city = city_public_get(user=request.user, slug=slug)
    plan = selectors.public_plan(city)
    if plan is None:
        raise Http404("This city has not published its implementation plan")
    return city, plan


@dataclass(frozen=True)
class ShownIndicator:
    indicator: ActionIndicator
    unit: str
    chart: SafeString | None


@dataclass(frozen=True)
class ShownMilestone:
    milestone: Milestone
    missed: bool  # past its day and not reached


@dataclass
class ShownAction:
    row: selectors.ActionRow
    sectors: list[str]
    hazards: list[str]
    partners: list[str]
    milestones: list[ShownMilestone] = field(default_factory=list)
    indicators: list[ShownIndicator] = field(default_factory=list)


def _chart(i: ActionIndicator, name: str) -> SafeString | None:
    """Baseline to latest, with the target as a dashed line; none before a latest value."""
    if i.latest is None or i.latest_on is None:
        return None
    labels = [date_format(i.baseline_on, "M Y"), date_format(i.latest_on, "M Y")]
    values = [float(i.baseline), float(i.latest)]
    alt = _("%(name)s from %(a)s to %(b)s: %(values)s") % {
        "name": name,
        "a": labels[0],
        "b": labels[-1],
        "values": ", ".join(figure(v) for v in values),
    }
    alt += " " + _("Target %(t)s by %(d)s.") % {
        "t": figure(i.target),
        "d": date_format(i.target_on, "DATE_FORMAT"),
    }
    return trend_svg(
        list(zip(labels, values, strict=True)),
        target=float(i.target),
        target_label=_("target %(t)s") % {"t": figure(i.target)},
        alt=alt,
        number=figure,
    )


def _shown(
    rows: list[selectors.ActionRow], labels: exports.Labels, today: datetime.date
) -> list[ShownAction]:
    out = []
    for row in rows:
        candidate = row.action.candidate
        out.append(
            ShownAction(
                row=row,
                sectors=[labels.sector(s) for s in candidate.sectors],
                hazards=[labels.hazard(h) for h in exports.hazard_codes(candidate.hazards)],
                partners=exports.partner_names(row.action.partners),
                milestones=[
                    ShownMilestone(m, m.done_on is None and m.due < today) for m in row.milestones
                ],
                indicators=[
                    ShownIndicator(i, exports.indicator_unit(i), _chart(i, i.label))
                    for i in row.indicators
                ],
            )
        )
    return out


def _options(rows: list[selectors.ActionRow], labels: exports.Labels) -> dict[str, Any]:
    sectors = {s for r in rows for s in r.action.candidate.sectors}
    hazards = {h for r in rows for h in exports.hazard_codes(r.action.candidate.hazards)}
    return {
        "sectors": sorted(((s, labels.sector(s)) for s in sectors), key=lambda x: x[1]),
        "hazards": sorted(((h, labels.hazard(h)) for h in hazards), key=lambda x: x[1]),
        "statuses": [(s, str(label)) for s, label in STATES.items()],
    }


def _filtered(
    request: HttpRequest, rows: list[selectors.ActionRow], options: dict[str, Any]
) -> tuple[list[selectors.ActionRow], dict[str, str]]:
    """The rows the GET parameters keep; a value that is not an option is ignored."""
    asked = {k: request.GET.get(k, "") for k in ("sector", "hazard", "status")}
    chosen = {
        "sector": asked["sector"] if asked["sector"] in dict(options["sectors"]) else "",
        "hazard": asked["hazard"] if asked["hazard"] in dict(options["hazards"]) else "",
        "status": asked["status"] if asked["status"] in STATES else "",
    }
    if chosen["sector"]:
        rows = [r for r in rows if chosen["sector"] in r.action.candidate.sectors]
    if chosen["hazard"]:
        rows = [
            r for r in rows if chosen["hazard"] in exports.hazard_codes(r.action.candidate.hazards)
        ]
    if chosen["status"]:
        rows = [r for r in rows if r.status.state == chosen["status"]]
    return rows, chosen


@require_GET
def plan_page(request: HttpRequest, slug: str) -> HttpResponse:
    city, plan = _public(request, slug)
    today = timezone.localdate()
    all_rows = selectors.plan_rows([plan], today)[plan.pk]
    labels = exports.Labels(all_rows)
    options = _options(all_rows, labels)
    rows, chosen = _filtered(request, all_rows, options)
    summary = selectors.summary(all_rows)
    return render(
        request,
        "implementation/public.html",
        {
            "city": city,
            "plan": plan,
            "today": today,
            "summary": summary,
            "states": [s for s in summary.states if s[2]],
            "actions": _shown(rows, labels, today),
            "total": len(all_rows),
            "chosen": chosen,
            "filtered": any(chosen.values()),
            **options,
            "can_open_records": may_read(request.user, city),
            "formats": exports.FORMATS,
        },
    )


def _file(plan: ImplementationPlan, fmt: str) -> HttpResponse:
    content, content_type, filename = exports.plan_export(plan, fmt)
    return generated_response(content, filename=filename, content_type=content_type)


@require_GET
@ratelimit(key="ip", rate=EXPORT_RATE, block=True)  # type: ignore[untyped-decorator]
def plan_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404("No such format")
    _city, plan = _public(request, slug)
    response = _file(plan, fmt)
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@login_required
@require_GET
def plan_export_private(request: SignedInRequest, slug: str, fmt: str) -> HttpResponse:
    """The same file for the city's team, public plan or not."""
    if fmt not in exports.FORMATS:
        raise Http404("No such format")
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    plan = selectors.plan_of(city)
    if plan is None:
        raise Http404("No implementation plan")
    return _file(plan, fmt)
