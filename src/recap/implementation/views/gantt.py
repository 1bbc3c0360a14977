"""The plan's Gantt chart in the city's workspace: every action's planned and actual dates, its
milestones, today's line and the windows' ends, drawn server-side (`implementation.gantt`),
with its legend and the same facts as a table under it. The city's team sees it (a city the
person may not view is a 404, as everywhere in the workspace); `?state=` keeps the actions in
one state, as on the plan's page. Its queries do not grow with the number of actions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from recap.accounts.types import SignedInRequest

from .. import gantt, selectors
from ..status import STATES
from .plan import _filters, _plan


@login_required
@require_GET
def gantt_page(request: SignedInRequest, slug: str) -> HttpResponse:
    city, plan = _plan(request, slug)
    today = timezone.localdate()
    all_rows = selectors.plan_rows([plan], today, details=False)[plan.pk]
    rows, chosen = _filters(request, all_rows)
    title = _("%(city)s: the implementation plan's Gantt chart") % {"city": city.name}
    return render(
        request,
        "implementation/gantt.html",
        {
            "city": city,
            "plan": plan,
            "today": today,
            "chosen": chosen,
            "states": list(STATES.items()),
            "total": len(all_rows),
            "chart": gantt.gantt_svg(plan, rows, today, title=title),
            "legend": gantt.legend(),
            "lines": gantt.table(rows, today),
        },
    )
