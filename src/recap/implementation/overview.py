"""Lean reads of many cities' plans at once, for the pages that look across cities: the
programme's side-by-side view, "My work" and the weekly digest.

`selectors.plan_rows` gives a plan's actions as model instances with their milestones
prefetched, right for one plan's pages; across a hundred cities of thirty actions each that is
twelve thousand instances, twice (the view and its late list), over a second of CPU. Here the
same statuses (`status.derive`, on the same fields) are read from plain rows, once per request,
in five queries whatever the number of cities and actions.

Contract: `city_lines(user, country, today)` → (one `selectors.CityLine` per city of the
programmes `user` manages, the late and at-risk actions among them); `late_for(user, today)` →
the late and at-risk actions of the cities `user` edits or, as a programme's manager, sees. Only
a city's current plan (`selectors.plan_of`: its latest) counts: its actions are the ones the
workspace opens.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from recap.accounts.access import Level, city_ids, programme_city_ids
from recap.accounts.models import Role
from recap.accounts.types import Reader
from recap.cities.models import City, Country
from recap.pipeline.models import ConceptAction
from recap.tracking.models import Measure

from . import selectors
from .models import ImplementationPlan, Milestone, PlanAction
from .status import AT_RISK, CANCELLED, DELAYED, DONE, Status, derive


@dataclass(frozen=True)
class _Milestone:
    """What `derive` reads of a milestone."""

    title: str
    due: datetime.date
    done_on: datetime.date | None


class Action(Protocol):
    """What `derive` reads of an action, and what a list of late actions shows of it (a plain
    row: `statuses` reads no model instance)."""

    pk: int
    plan_id: int
    candidate_id: int
    code: str
    title: str  # its candidate action's
    progress: int
    progress_on: datetime.date | None
    set_status: str
    status_reason: str
    closed_reason: str
    planned_start: datetime.date | None
    planned_end: datetime.date | None
    actual_start: datetime.date | None


_FIELDS = (
    "pk",
    "plan_id",
    "candidate_id",
    "code",
    "title",
    "progress",
    "progress_on",
    "set_status",
    "status_reason",
    "closed_reason",
    "planned_start",
    "planned_end",
    "actual_start",
)


@dataclass(frozen=True)
class Late:
    """A late or at-risk action, with its city (to link to its page in the workspace)."""

    city: City
    action: Action
    status: Status


def _plans() -> QuerySet[ImplementationPlan]:
    """Plans with their city and its country: what these views show of them (not the package
    and its version, which `selectors.plans_queryset` adds for a plan's own pages)."""
    return ImplementationPlan.objects.select_related("city__country")


def _current(plans: QuerySet[ImplementationPlan]) -> list[ImplementationPlan]:
    """Each city's current plan (its latest, as `selectors.plan_of` reads it)."""
    latest: dict[int, ImplementationPlan] = {}
    for plan in plans.order_by("city_id", "-created_at", "-pk"):
        latest.setdefault(plan.city_id, plan)
    return list(latest.values())


def _may_need_attention(today: datetime.date) -> Q:
    """The actions `derive` can find delayed or at risk: open, not set done or cancelled, and
    set delayed or at risk, past their planned end, with a milestone past its day and not
    reached, or become a project concept (which may be on hold). A superset, read in SQL: the
    rest are on track, not started or done whatever else they hold."""
    overdue = Milestone.objects.filter(action=OuterRef("pk"), done_on=None, due__lt=today)
    concept = ConceptAction.objects.filter(candidate=OuterRef("candidate"))
    return (
        Q(closed_reason="")
        & ~Q(set_status__in=[CANCELLED, DONE])
        & (
            Q(set_status__in=[DELAYED, AT_RISK])
            | Q(planned_end__lt=today)
            | Exists(overdue)
            | Exists(concept)
        )
    )


def statuses(
    plans: list[ImplementationPlan],
    today: datetime.date | None = None,
    *,
    attention_only: bool = False,
) -> dict[int, list[tuple[Action, Status]]]:
    """Each plan's actions with their derived statuses, by code: six queries (actions,
    milestones, which actions became a concept or a measure, and those), whatever the
    number. With `attention_only`, only the actions that may be delayed or at risk are read
    and derived (the late lists: a few of a network's thousands)."""
    today = today or timezone.localdate()
    out: dict[int, list[tuple[Action, Status]]] = {p.pk: [] for p in plans}
    if not out:
        return out
    plan_ids = list(out)
    query = PlanAction.objects.filter(plan_id__in=plan_ids)
    if attention_only:
        query = query.filter(_may_need_attention(today))
    # Plain named rows (`derive` reads attributes): no model instance for thousands of actions.
    actions: list[Any] = list(
        query.order_by("plan_id", "code")
        .annotate(title=F("candidate__title"))
        .values_list(*_FIELDS, named=True)
    )
    # `derive` counts only the milestones past their day and not reached: the others are
    # not read (most of a plan's, a year in).
    milestones: dict[int, list[Any]] = {}
    for action_id, title, due in (
        Milestone.objects.filter(action__plan_id__in=plan_ids, done_on=None, due__lt=today)
        .order_by("due", "pk")
        .values_list("action_id", "title", "due")
    ):
        milestones.setdefault(action_id, []).append(_Milestone(title, due, None))
    # The few actions that became a concept or a measure, found by joins (not a list of every
    # action's id), then read as the plan's pages read them.
    became = set(
        ConceptAction.objects.filter(candidate__plan_actions__plan_id__in=plan_ids).values_list(
            "candidate_id", flat=True
        )
    ) | set(
        Measure.objects.filter(action__plan_actions__plan_id__in=plan_ids).values_list(
            "action_id", flat=True
        )
    )
    records = selectors.records_for(became)
    for a in actions:
        status = derive(
            a, milestones.get(a.pk, []), records.get(a.candidate_id), today, a.progress_on
        )
        out[a.plan_id].append((a, status))
    return out


def _late(
    plans: list[ImplementationPlan], found: dict[int, list[tuple[Action, Status]]]
) -> list[Late]:
    out = [
        Late(plan.city, action, status)
        for plan in plans
        for action, status in found[plan.pk]
        if status.needs_attention
    ]
    return sorted(out, key=lambda late: (late.city.name, late.action.code))


def city_lines(
    user: Reader, country: Country | None = None, today: datetime.date | None = None
) -> tuple[list[selectors.CityLine], list[Late]]:
    """The programme's view : every current plan of the
    cities of the programmes `user` manages (every city's, for a platform admin), in
    `country` if given, with its counts by state; and their late and at-risk actions."""
    managed = programme_city_ids(user, Role.PROGRAMME_MANAGER)
    query = _plans()
    if managed is not None:
        query = query.filter(city_id__in=managed)
    if country is not None:
        query = query.filter(city__country=country)
    plans = _current(query)
    found = statuses(plans, today)
    lines = [
        selectors.CityLine(p.city, p, selectors.summary_of([status for _a, status in found[p.pk]]))
        for p in plans
    ]
    lines.sort(key=lambda line: (line.city.country.name, line.city.name))
    return lines, _late(plans, found)


def late_for(user: Reader, today: datetime.date | None = None) -> list[Late]:
    """The late and at-risk actions of the cities `user` edits or coordinates, and of the
    cities of the programmes they manage ."""
    if not user.is_authenticated:
        return []
    edited = city_ids(user, Level.EDIT)
    managed = programme_city_ids(user, Role.PROGRAMME_MANAGER)
    query = _plans()
    if edited is not None and managed is not None:
        wanted = edited | managed
        if not wanted:
            return []
        query = query.filter(city_id__in=wanted)
    plans = _current(query)
    return _late(plans, statuses(plans, today, attention_only=True))
