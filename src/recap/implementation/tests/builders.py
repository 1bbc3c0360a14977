"""Plans made to stand where a test needs them, written directly (no engine run, no
services): for the views that read many cities' plans at once."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from recap.catalogue.models import CandidateAction
from recap.cities.models import City
from recap.implementation.models import ImplementationPlan, Milestone, PlanAction
from recap.planning.models import ActionPackage, PackageVersion, PrioritisationSession, Run

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def city_plan(city: City, states: list[str]) -> ImplementationPlan:
    """A plan of `city` started 300 days ago, one action per entry of `states`, each made to
    stand there: "done" and "at_risk" set (with a reason), "delayed" by a missed milestone,
    "not_started" planned to start later, "on_track" under way, "cancelled" closed."""
    session = PrioritisationSession.objects.create(
        city=city, title="Workshop", budget_short_usd=1, budget_medium_usd=1, staff_fte=Decimal(1)
    )
    run = Run.objects.create(session=session, number=1, input={}, status="done")
    n = CandidateAction.objects.filter(city=city).count()
    candidates = CandidateAction.objects.bulk_create(
        CandidateAction(
            city=city,
            code=f"T-{n + i + 1:03d}",
            title=f"Action {n + i + 1} of {city.name}",
            local_cost_usd=1000,
            staff_fte=Decimal("0.5"),
            phase="short",
        )
        for i in range(len(states))
    )
    package = ActionPackage.objects.create(
        session=session,
        city=city,
        name=f"Package of {city.name}",
        status=ActionPackage.Status.ENDORSED,
        endorsed_at=timezone.now() - 300 * DAY,
    )
    version = PackageVersion.objects.create(
        package=package,
        number=1,
        run=run,
        selected=[c.code for c in candidates],
        objective=0,
        status="optimal",
    )
    starts = TODAY - 300 * DAY
    plan = ImplementationPlan.objects.create(
        city=city,
        package=package,
        version=version,
        starts=starts,
        short_term_ends=starts + 730 * DAY,
        medium_term_ends=starts + 1825 * DAY,
    )
    for candidate, state in zip(candidates, states, strict=True):
        start = starts + (400 if state == "not_started" else 30) * DAY
        action = PlanAction.objects.create(
            plan=plan,
            candidate=candidate,
            code=candidate.code,
            planned_start=start,
            planned_end=start + 300 * DAY,
            set_status=state if state in ("done", "at_risk") else "on_track",
            status_reason="The contractor withdrew." if state == "at_risk" else "",
            progress={"done": 100, "not_started": 0}.get(state, 30),
            closed_reason="Not in version 2." if state == "cancelled" else "",
        )
        if state == "delayed":
            Milestone.objects.create(action=action, title="Design signed", due=TODAY - 10 * DAY)
    return plan
