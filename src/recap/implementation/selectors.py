"""Reads of implementation plans, each in the same queries whatever the number of actions or
cities: a plan's rows with their derived statuses, what needs attention for a person, every
city's plan side by side for the programme, and a public plan.

Contract: `plan_of(city)` → the city's current plan (of its latest endorsed package) or None;
`plan_rows(plans, today)` → {plan id: [ActionRow]} with each action's `status.derive` from its
milestones and the concept or measure it became; `summary(rows)` → counts by state;
`by_country(lines)` → the totals per country of `CityLine`s. Reads across many cities (the
programme's view, My work, the digest) are `overview`'s, on plain rows.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from recap.accounts.types import Reader
from recap.cities.models import City, Country
from recap.pipeline.models import ConceptAction
from recap.tracking.models import IndicatorUpdate, Measure

from .models import ActionIndicator, ImplementationPlan, Milestone, PlanAction, ProgressReport
from .status import CANCELLED, NEEDS_ATTENTION, STATES, Record, Status, derive

#: Concepts further along the main line win when an action became more than one.
_STAGE_RANK = {
    s: i
    for i, s in enumerate(
        [
            "candidate",
            "drafted",
            "screened",
            "submitted",
            "presented",
            "financed",
            "on_hold",
            "withdrawn",
        ]
    )
}


@dataclass
class ActionRow:
    action: PlanAction
    status: Status
    milestones: list[Milestone] = field(default_factory=list)
    indicators: list[ActionIndicator] = field(default_factory=list)
    waiting: list[ProgressReport] = field(default_factory=list)  # submitted, not decided


def plan_of(city: City) -> ImplementationPlan | None:
    return (
        ImplementationPlan.objects.filter(city=city)
        .select_related("package", "version", "city")
        .order_by("-created_at", "-pk")
        .first()
    )


def plans_queryset() -> QuerySet[ImplementationPlan]:
    return ImplementationPlan.objects.select_related("package", "version", "city__country")


def records_for(candidate_ids: set[int]) -> dict[int, Record]:
    """The concept (the furthest along) or else the measure each action became."""
    found: dict[int, tuple[int, Record]] = {}
    rows = ConceptAction.objects.filter(candidate_id__in=candidate_ids).values_list(
        "candidate_id",
        "concept_id",
        "concept__reference",
        "concept__title",
        "concept__stage",
        "concept__city__slug",
    )
    for candidate_id, pk, reference, title, stage, slug in rows:
        rank = _STAGE_RANK.get(stage, 0)
        if candidate_id in found and found[candidate_id][0] >= rank:
            continue
        url = reverse("concepts:detail", kwargs={"slug": slug, "pk": pk})
        found[candidate_id] = (rank, Record("concept", f"{reference} · {title}", url, stage))
    records = {k: r for k, (_rank, r) in found.items()}
    measures = Measure.objects.filter(action_id__in=candidate_ids).values_list(
        "action_id", "pk", "title", "status", "implemented_on", "city__slug"
    )
    for candidate_id, pk, title, status, on, slug in measures.order_by("pk"):
        if candidate_id in records:
            continue  # a concept goes first; one measure an action
        url = reverse("measures:detail", kwargs={"slug": slug, "pk": pk})
        records[candidate_id] = Record("measure", title, url, status, on)
    return records


def _framework_latest(actions: list[PlanAction]) -> None:
    """An indicator of the results framework reads its latest approved value for the plan's
    city from tracking (one query for every action of every plan): the city reports it once,
    there, under four eyes."""
    rows = [(a, i) for a in actions for i in a.indicators.all() if i.indicator_id]
    if not rows:
        return
    latest: dict[tuple[int, int], tuple[Any, datetime.date]] = {}
    updates = (
        IndicatorUpdate.objects.filter(
            indicator_id__in={i.indicator_id for _a, i in rows},
            city_id__in={a.plan.city_id for a, _i in rows},
            status=IndicatorUpdate.Status.APPROVED,
        )
        .order_by("period_end", "pk")
        .values_list("indicator_id", "city_id", "value", "period_end")
    )
    for indicator_id, city_id, value, on in updates:
        latest[(indicator_id, city_id)] = (value, on)
    for action, row in rows:
        found = latest.get((row.indicator_id, action.plan.city_id))  # type: ignore[arg-type]
        if found is not None:
            row.latest, row.latest_on = found


def plan_rows(
    plans: Iterable[ImplementationPlan],
    today: datetime.date | None = None,
    *,
    details: bool = True,
    action_ids: Iterable[int] | None = None,
) -> dict[int, list[ActionRow]]:
    """Each plan's actions with their statuses (open ones first, by code), in the same queries
        however many plans and actions; `details` adds indicators and waiting reports; `action_ids`
    keeps only those actions (one action's page)."""
    today = today or timezone.localdate()
    plan_ids = [p.pk for p in plans]
    actions = (
        PlanAction.objects.filter(plan_id__in=plan_ids)
        .filter(**({} if action_ids is None else {"pk__in": list(action_ids)}))
        .select_related("candidate", "plan")
        .prefetch_related(Prefetch("milestones", Milestone.objects.order_by("due", "pk")))
        .order_by("plan_id", "code")
    )
    if details:
        actions = actions.prefetch_related(
            Prefetch("indicators", ActionIndicator.objects.select_related("indicator")),
            Prefetch(
                "reports",
                ProgressReport.objects.filter(status=ProgressReport.Status.SUBMITTED)
                .select_related("created_by")
                .order_by("-on", "-pk"),
                to_attr="waiting_reports",
            ),
        )
    fetched = list(actions)
    if details:
        _framework_latest(fetched)
    records = records_for({a.candidate_id for a in fetched})
    out: dict[int, list[ActionRow]] = {pk: [] for pk in plan_ids}
    for a in fetched:
        milestones = list(a.milestones.all())
        status = derive(a, milestones, records.get(a.candidate_id), today, a.progress_on)
        out[a.plan_id].append(
            ActionRow(
                a,
                status,
                milestones,
                list(a.indicators.all()) if details else [],
                list(getattr(a, "waiting_reports", [])),
            )
        )
    for rows in out.values():
        rows.sort(key=lambda r: (bool(r.action.closed_reason), r.action.code))
    return out


@dataclass(frozen=True)
class Summary:
    total: int  # open actions (cancelled ones left out of the shares)
    counts: dict[str, int]
    progress: int  # mean progress of the open actions, percent

    def share(self, state: str) -> int:
        return round(100 * self.counts.get(state, 0) / self.total) if self.total else 0

    @property
    def states(self) -> list[tuple[str, str, int, int]]:
        return [
            (s, str(label), self.counts.get(s, 0), self.share(s)) for s, label in STATES.items()
        ]

    @property
    def attention(self) -> int:
        return sum(self.counts.get(s, 0) for s in NEEDS_ATTENTION)


def summary(rows: list[ActionRow]) -> Summary:
    return summary_of([r.status for r in rows])


def summary_of(statuses: list[Status]) -> Summary:
    """The counts by state, and the mean progress of the actions not cancelled."""
    counts = Counter(s.state for s in statuses)
    live = [s.progress for s in statuses if s.state != CANCELLED]
    progress = round(sum(live) / len(live)) if live else 0
    return Summary(len(live), dict(counts), progress)


@dataclass(frozen=True)
class CityLine:
    city: City
    plan: ImplementationPlan
    summary: Summary


def by_country(lines: list[CityLine]) -> list[tuple[Country, Summary]]:
    """The side-by-side view's totals per country."""
    grouped: dict[int, tuple[Country, list[Summary]]] = {}
    for line in lines:
        grouped.setdefault(line.city.country_id, (line.city.country, []))[1].append(line.summary)
    out = []
    for country, summaries in grouped.values():
        counts: Counter[str] = Counter()
        for s in summaries:
            counts.update(s.counts)
        total = sum(s.total for s in summaries)
        progress = round(sum(s.progress * s.total for s in summaries) / total) if total else 0
        out.append((country, Summary(total, dict(counts), progress)))
    return out


def public_plan(city: City) -> ImplementationPlan | None:
    plan = plan_of(city)
    return plan if plan is not None and plan.public else None


def report_waiting(user: Reader) -> list[ProgressReport]:
    """Progress reports `user` may approve (never their own)."""
    from .policies import approver_city_ids

    ids = approver_city_ids(user)
    reports = ProgressReport.objects.filter(status=ProgressReport.Status.SUBMITTED).exclude(
        created_by_id=user.pk
    )
    if ids is not None:
        if not ids:
            return []
        reports = reports.filter(action__plan__city_id__in=ids)
    return list(
        reports.select_related("action__plan__city", "action__candidate").order_by("created_at")[
            :30
        ]
    )


def public_panel(city: City) -> dict[str, Any] | None:
    """The city's public page's panel: its public plan, counted (None when not public)."""
    plan = public_plan(city)
    if plan is None:
        return None
    return {"plan": plan, "summary": summary(plan_rows([plan], details=False)[plan.pk])}
