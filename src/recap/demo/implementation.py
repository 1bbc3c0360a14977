"""The demo's implementation plans, written through the plan's own services by the people who
would (the city's editor plans, reports progress and sets statuses; its coordinator, or the
programme's manager where the city has none, approves; the coordinator publishes), as
`data/implementation.json` says: Kigali's a year in, Rajshahi's in progress, Sebkha's in French.

Each plan was started by its package's endorsement (the endorsement hook), on the day the demo
is loaded. It is moved back first, as a whole, to `days_in` days before that day: the package's
endorsement, the plan's start and windows. Then each step is taken on that day and dated back
to the day the file gives (counted from the plan's start), so the history reads as the year it
took: the plan's changes, the progress reports and their decisions. What follows a concept or a
measure follows it by itself (`implementation.status`): the file only says who leads it.

The same day of loading gives the same plans; a database that has them is left as it is."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone, translation

from recap.accounts.models import User
from recap.cities.models import City
from recap.implementation import services
from recap.implementation.models import (
    ImplementationPlan,
    Milestone,
    PlanAction,
    PlanChange,
    ProgressReport,
)
from recap.implementation.selectors import plan_of
from recap.implementation.services import MEDIUM_TERM_YEARS, SHORT_TERM_YEARS
from recap.planning.models import ActionPackage

#: The hour of day each dated step is set at (local time).
STEP_HOUR = 10


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _Clock:
    """The plan's days: day 0 is its start; `at(n)` the moment a step on day n is dated."""

    def __init__(self, starts: datetime.date) -> None:
        self.starts = starts

    def day(self, n: int | None) -> datetime.date | None:
        return None if n is None else self.starts + datetime.timedelta(days=n)

    def at(self, n: int) -> datetime.datetime:
        day = self.starts + datetime.timedelta(days=n)
        moment = datetime.datetime.combine(day, datetime.time(STEP_HOUR))
        return timezone.make_aware(moment)


def _moved_back(plan: ImplementationPlan, days_in: int) -> _Clock:
    """The package's endorsement and the plan's start, `days_in` days before today."""
    starts = timezone.localdate() - datetime.timedelta(days=days_in)
    clock = _Clock(starts)
    ActionPackage.objects.filter(pk=plan.package_id).update(endorsed_at=clock.at(0))
    ImplementationPlan.objects.filter(pk=plan.pk).update(
        starts=starts,
        short_term_ends=_years_after(starts, SHORT_TERM_YEARS),
        medium_term_ends=_years_after(starts, MEDIUM_TERM_YEARS),
    )
    plan.changes.update(at=clock.at(0))  # "plan started"
    plan.refresh_from_db()
    return clock


class _Steps:
    """Steps on a plan's days, taken in the order of their days and each dated back to its own
    (the plan's changes it wrote, and the progress report it made or decided)."""

    def __init__(self, plan: ImplementationPlan, clock: _Clock) -> None:
        self.plan, self.clock = plan, clock
        self.queue: list[tuple[int, int, Any]] = []

    def on(self, day: int, step: Any) -> None:
        self.queue.append((day, len(self.queue), step))

    def run(self) -> None:
        for day, _order, step in sorted(self.queue, key=lambda s: (s[0], s[1])):
            last = self.plan.changes.order_by("-pk").values_list("pk", flat=True).first() or 0
            report = step()
            at = self.clock.at(day)
            self.plan.changes.filter(pk__gt=last).update(at=at)
            if isinstance(report, ProgressReport):
                field = "decided_at" if report.decided_at else "created_at"
                ProgressReport.objects.filter(pk=report.pk).update(**{field: at})


def _plan_action(steps: _Steps, action: PlanAction, spec: dict[str, Any], editor: User) -> None:
    clock = steps.clock
    start, end = spec["planned"]
    actual = spec.get("actual") or [None, None]
    values = {
        "lead_department": spec["lead_department"],
        "contact_name": spec["contact_name"],
        "partners": spec.get("partners", ""),
        "planned_start": clock.day(start),
        "planned_end": clock.day(end),
    }
    steps.on(0, lambda: services.action_plan(actor=editor, action=action, values=values))
    if replanned := spec.get("replanned"):
        new_start, new_end = replanned["planned"]
        steps.on(
            replanned["on"],
            lambda: services.action_plan(
                actor=editor,
                action=action,
                values={"planned_start": clock.day(new_start), "planned_end": clock.day(new_end)},
                reason=replanned["reason"],
            ),
        )
    if actual[0] is not None:
        steps.on(
            actual[0],
            lambda: services.action_plan(
                actor=editor, action=action, values={"actual_start": clock.day(actual[0])}
            ),
        )
    if actual[1] is not None:
        steps.on(
            actual[1],
            lambda: services.action_plan(
                actor=editor, action=action, values={"actual_end": clock.day(actual[1])}
            ),
        )


def _milestones(steps: _Steps, action: PlanAction, spec: dict[str, Any], editor: User) -> None:
    clock = steps.clock
    for m in spec.get("milestones", []):
        made: dict[str, Milestone] = {}

        def add(m: dict[str, Any] = m, made: dict[str, Milestone] = made) -> Milestone:
            made["milestone"] = services.milestone_add(
                actor=editor, action=action, title=m["title"], due=clock.day(m["due"])
            )
            return made["milestone"]

        steps.on(0, add)
        if m["reached"] is not None:
            steps.on(
                m["reached"],
                lambda m=m, made=made: services.milestone_reached(
                    actor=editor, milestone=made["milestone"], on=clock.day(m["reached"])
                ),
            )


def _progress(
    steps: _Steps, action: PlanAction, spec: dict[str, Any], editor: User, approver: User
) -> None:
    clock = steps.clock
    for p in spec.get("progress", []):
        made: dict[str, ProgressReport] = {}

        def report(p: dict[str, Any] = p, made: dict[str, ProgressReport] = made) -> Any:
            made["report"] = services.progress_report(
                actor=editor,
                action=action,
                percent=p["percent"],
                on=clock.day(p["on"]),
                note=p["note"],
            )
            return made["report"]

        steps.on(p["on"], report)
        if p.get("decided") is not None:
            steps.on(
                p["decided"],
                lambda made=made: services.progress_decide(
                    actor=approver, report=made["report"], move="approve"
                ),
            )


def _status(steps: _Steps, action: PlanAction, spec: dict[str, Any], editor: User) -> None:
    if status := spec.get("status"):
        steps.on(
            status["on"],
            lambda: services.action_status_set(
                actor=editor, action=action, status=status["set"], reason=status.get("reason", "")
            ),
        )


def demo_plan(city: City, spec: dict[str, Any]) -> ImplementationPlan | None:
    """One city's plan as `spec` says (None if the city has no plan: no endorsed package)."""
    plan = plan_of(city)
    if plan is None or plan.changes.exclude(kind=PlanChange.Kind.STARTED).exists():
        return plan  # none to fill, or filled already
    clock = _moved_back(plan, spec["days_in"])
    editor, approver = _user(spec["editor"]), _user(spec["approver"])
    actions = {a.code: a for a in plan.actions.select_related("candidate")}
    steps = _Steps(plan, clock)
    for action_spec in spec["actions"]:
        action = actions.get(action_spec["code"])
        if action is None:
            continue  # not in the package the workshop chose
        _plan_action(steps, action, action_spec, editor)
        _milestones(steps, action, action_spec, editor)
        _progress(steps, action, action_spec, editor, approver)
        _status(steps, action, action_spec, editor)
    if spec.get("public_on") is not None:
        publisher = _user(spec["publisher"])
        steps.on(
            spec["public_on"],
            lambda: services.plan_publish(actor=publisher, plan=plan, public=True),
        )
    steps.run()
    return plan


def demo_plans(
    cities: dict[str, City], specs: list[dict[str, Any]], languages: dict[str, str]
) -> None:
    """Each plan in the language its city's team works in (`languages`, by city): what the
    services write in words (the history's statuses) is written in it too."""
    for spec in specs:
        with translation.override(languages.get(spec["city"], "en")):
            demo_plan(cities[spec["city"]], spec)
