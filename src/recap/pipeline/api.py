"""The project pipeline over the API: the concepts the caller may read (the same policy as the
pages: a city's team and its programme, reviewers from other cities, funders what was shared
with them), one concept's record with its money, moves and next step, its moves (with the same
gates), its matches to the facilities, the programme's funnel, and the directory of
facilities."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from recap.accounts.api_auth import PUBLIC, SIGNED_IN
from recap.accounts.types import SignedInRequest
from recap.core.api_errors import errors

from . import concepts as svc
from . import selectors
from .allocation import facility_pot_get
from .matching import matches_for
from .models import Allocation, Facility, ProjectConcept, Stage
from .money import concept_money
from .oc4ids import NotConfigured, project_package
from .policies import funder_facility_ids, is_insider, programme_reader
from .record import concept_hazards, concept_sectors
from .reviews import review_submit
from .stages import next_tasks

router = Router(tags=["pipeline"])


class MoneyOut(Schema):
    currency: str
    total: int = Field(description="The typed total, else the sum of the source actions' costs.")
    total_from_actions: bool
    secured: int = Field(description="Sources secured or committed in writing.")
    gap: int
    preparation: int
    om_per_year: int | None


class MoveOut(Schema):
    from_stage: str
    to_stage: str
    by: str | None
    reason: str
    at: datetime


class ConceptSummaryOut(Schema):
    id: int
    reference: str
    title: str
    city_id: int
    country: str = Field(description="ISO 3166-1 alpha-2")
    stage: str
    stage_since: datetime
    submitted_on: date | None
    money: MoneyOut


class SourceOut(Schema):
    code: str
    cost_in_run: int
    value_in_run: float | None


class ConceptOut(ConceptSummaryOut):
    location: str
    applicant: str
    applicant_type: str
    lead_department: str
    summary: str
    problem: str
    objectives: str
    sectors: list[str] = Field(description="Main sector first; from the source actions if unset.")
    climate_objectives: list[str]
    hazards: list[str]
    beneficiaries: int | None
    preparation_stage: str
    council_approval: str
    package_version_id: int | None
    sources: list[SourceOut]
    next_step_needs: list[str] = Field(
        description="What the concept's next step along the main line still needs, in words."
    )
    moves: list[MoveOut]


class MoveIn(Schema):
    to: str = Field(description="The stage to move to, e.g. 'drafted', 'submitted', 'on_hold'.")
    reason: str = Field("", max_length=500)


class CriterionOut(Schema):
    name: str
    outcome: str = Field(description="'pass', 'fail' or 'unknown'")
    why: str
    task: str


class SoftOut(Schema):
    name: str
    points: int
    out_of: int
    why: str


class MatchOut(Schema):
    facility: str
    name: str
    verdict: str = Field(description="'pass' (qualifies), 'unknown' (to be confirmed) or 'fail'.")
    score: int = Field(description="The fit score out of 100.")
    criteria: list[CriterionOut]
    soft: list[SoftOut]
    tasks: list[str]


class FunnelStageOut(Schema):
    stage: str
    per_country: dict[str, int]
    total: int


class FunnelCountryOut(Schema):
    country: str
    submitted: int
    target: int


class FunnelOut(Schema):
    stages: list[FunnelStageOut]
    progress: list[FunnelCountryOut]


class FacilityOut(Schema):
    code: str
    name: str
    operators: str
    url: str
    country_rule: str
    countries: list[str]
    sectors: list[str]
    climate_objectives: list[str]
    stages_supported: list[str]
    minimum_stage: str
    support_types: list[str]
    ticket_min_usd: int | None
    ticket_typical_usd: int | None
    ticket_max_usd: int | None
    call_window: str
    sources: dict[str, Any] = Field(description="Each field's source and the date it was checked.")


def _money(c: ProjectConcept) -> dict[str, Any]:
    m = concept_money(c)
    return {
        "currency": c.currency,
        "total": m.total,
        "total_from_actions": m.from_actions,
        "secured": m.secured,
        "gap": m.gap,
        "preparation": m.preparation,
        "om_per_year": m.om_per_year,
    }


def _summary(c: ProjectConcept) -> dict[str, Any]:
    return {
        "id": c.pk,
        "reference": c.reference,
        "title": c.title,
        "city_id": c.city_id,
        "country": c.city.country.iso2,
        "stage": c.stage,
        "stage_since": c.stage_since,
        "submitted_on": c.submitted_on,
        "money": _money(c),
    }


def _detail(c: ProjectConcept, *, insider: bool) -> dict[str, Any]:
    """The record; for the city and the programme also its history with who and why, and
    what its next step needs. A funder gets the record and the dates of its moves only, as on
    the funder's own page."""
    return _summary(c) | {
        "location": c.location,
        "applicant": c.applicant,
        "applicant_type": c.applicant_type,
        "lead_department": c.lead_department,
        "summary": c.summary,
        "problem": c.problem,
        "objectives": c.objectives,
        "sectors": concept_sectors(c),
        "climate_objectives": list(c.climate_objectives),
        "hazards": concept_hazards(c),
        "beneficiaries": c.beneficiaries,
        "preparation_stage": c.preparation_stage,
        "council_approval": c.council_approval,
        "package_version_id": c.package_version_id,
        "sources": [
            {"code": s.code, "cost_in_run": s.cost_in_run, "value_in_run": s.value_in_run}
            for s in c.sources.all()
        ],
        "next_step_needs": next_tasks(c) if insider else [],
        "moves": [
            {
                "from_stage": m.from_stage,
                "to_stage": m.to_stage,
                "by": (m.actor.username if m.actor else None) if insider else None,
                "reason": m.reason if insider else "",
                "at": m.at,
            }
            for m in c.moves.select_related("actor").order_by("at", "pk")
        ],
    }


def _concept(request: HttpRequest, concept_id: int) -> ProjectConcept:
    queryset = selectors.concept_queryset(user=request.user).prefetch_related(
        "sources__candidate", "funding_sources", "preparation_costs"
    )
    return get_object_or_404(queryset, pk=concept_id)


@router.get(
    "/concepts",
    response={200: list[ConceptSummaryOut], **errors(401)},
    auth=SIGNED_IN,
    summary="The project concepts you may read (filter by stage and country)",
)
def concept_list(
    request: SignedInRequest, stage: str = "", country: str = ""
) -> list[dict[str, Any]]:
    queryset = selectors.with_gate_data(selectors.concept_queryset(user=request.user))
    if stage:
        queryset = queryset.filter(stage=stage[:20])
    if country:
        queryset = queryset.filter(city__country__iso2=country[:2].upper())
    return [_summary(c) for c in queryset.order_by("reference")[:500]]


@router.get(
    "/concepts/{int:concept_id}",
    response={200: ConceptOut, **errors(401, 404)},
    auth=SIGNED_IN,
    summary="A concept's record, money, moves and what its next step needs",
)
def concept_detail(request: SignedInRequest, concept_id: int) -> dict[str, Any]:
    concept = _concept(request, concept_id)
    return _detail(concept, insider=is_insider(request.user, concept.city))


@router.post(
    "/concepts/{int:concept_id}/moves",
    response={200: ConceptOut, **errors(401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="Move a concept to another stage; the same gates as the pages (422 says what is "
    "missing)",
)
def concept_move(request: SignedInRequest, concept_id: int, body: MoveIn) -> dict[str, Any]:
    concept = _concept(request, concept_id)
    if body.to not in Stage.values:
        raise ValidationError({"to": f"not a stage: {body.to[:20]}"})
    svc.concept_move(actor=request.user, concept=concept, to=body.to, reason=body.reason)
    moved = _concept(request, concept_id)
    return _detail(moved, insider=is_insider(request.user, moved.city))


@router.get(
    "/concepts/{int:concept_id}/matches",
    response={200: list[MatchOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="Every facility for this concept, best first, with each criterion's reason (a "
    "funder: its own facilities)",
)
def concept_matches(request: SignedInRequest, concept_id: int) -> list[dict[str, Any]]:
    concept = _concept(request, concept_id)
    facilities = list(selectors.facility_list())
    if not is_insider(request.user, concept.city):  # a funder: its own facilities only
        own = funder_facility_ids(request.user)
        facilities = [f for f in facilities if f.pk in own]
    return [
        {
            "facility": m.facility.code,
            "name": m.facility.name,
            "verdict": m.verdict,
            "score": m.score,
            "criteria": [
                {"name": c.name, "outcome": c.outcome, "why": c.why, "task": c.task}
                for c in m.criteria
            ],
            "soft": [
                {"name": p.name, "points": p.points, "out_of": p.out_of, "why": p.why}
                for p in m.soft
            ],
            "tasks": m.tasks,
        }
        for m in matches_for(concept, facilities)
    ]


@router.get(
    "/funnel",
    response={200: FunnelOut, **errors(401, 403)},
    auth=SIGNED_IN,
    summary="The programme's funnel: concepts by stage and country, submitted against target",
)
def pipeline_funnel(request: SignedInRequest, country: str = "") -> dict[str, Any]:
    if not programme_reader(request.user):
        raise PermissionDenied("The pipeline's funnel is the programme's.")
    chosen = selectors.country_by_code(country)
    funnel = selectors.pipeline_funnel(user=request.user, country=chosen)
    codes = [c.iso2 for c in funnel.countries]
    return {
        "stages": [
            {
                "stage": s.stage,
                "per_country": dict(zip(codes, s.per_country, strict=True)),
                "total": s.total,
            }
            for s in funnel.stages
        ],
        "progress": [
            {"country": p.country.iso2, "submitted": p.submitted, "target": p.target}
            for p in funnel.progress
        ],
    }


class AwardOut(Schema):
    concept: str = Field(description="The concept's reference.")
    title: str
    city: str = Field(description="The city's slug.")
    country: str = Field(description="ISO 3166-1 alpha-2.")
    amount: int = Field(description="The support awarded, in the decision's currency.")
    ask: int = Field(description="What the concept asked for, in the decision's currency.")
    moved_to: str = Field(description="The stage the decision moved it to; empty if none.")


class AllocationSummaryOut(Schema):
    number: int = Field(description="The decision's version: 1, 2, ... never edited.")
    name: str
    currency: str
    pot: int
    basis: str = Field(description="preparation (preparation costs) or gap (financing gap).")
    awarded: int = Field(description="The sum of the awards.")
    supported: int = Field(description="How many concepts it supports.")
    decided_by: str
    decided_at: datetime


class AllocationOut(AllocationSummaryOut):
    rationale: str
    rules: dict[str, Any] = Field(
        description="The terms as the manager set them: pot, weights, rates, k, m, floor, locks."
    )
    result: dict[str, Any] = Field(
        description="The engine's answer, as `recap portfolio` returns it (objective, awards, "
        "by_country, explanations, fairness prices)."
    )
    left_out: list[dict[str, Any]] = Field(
        description="Concepts not considered, each with the reason (e.g. no rate for its currency)."
    )
    awards: list[AwardOut]


def _allocation_summary(a: Allocation) -> dict[str, Any]:
    awards = list(a.awards.all())
    return {
        "number": a.number,
        "name": a.name,
        "currency": a.currency,
        "pot": a.pot,
        "basis": a.basis,
        "awarded": sum(w.amount for w in awards),
        "supported": len(awards),
        "decided_by": a.decided_by.get_full_name() or a.decided_by.get_username(),
        "decided_at": a.decided_at,
    }


def _allocations(request: SignedInRequest, facility: str | None = None) -> Any:
    """The programme's decisions (its manager's and reviewers'), or a facility's (its own
    people's only: `facility_pot_get` refuses the others)."""
    if facility is None:
        owned = Allocation.objects.filter(programme=selectors.programme_read_by(request.user))
    else:
        owned = Allocation.objects.filter(facility=facility_pot_get(request.user, facility))
    return owned.select_related("decided_by").prefetch_related("awards__concept__city__country")


@router.get(
    "/portfolio-decisions",
    response={200: list[AllocationSummaryOut], **errors(401, 403)},
    auth=SIGNED_IN,
    summary="The programme's portfolio decisions, newest first (programme only)",
)
def allocation_list(request: SignedInRequest) -> list[dict[str, Any]]:
    return [_allocation_summary(a) for a in _allocations(request).order_by("-number")]


@router.get(
    "/portfolio-decisions/{int:number}",
    response={200: AllocationOut, **errors(401, 403, 404)},
    auth=SIGNED_IN,
    summary="One portfolio decision: its terms, the engine's answer, its awards and rationale",
)
def allocation_detail(request: SignedInRequest, number: int) -> dict[str, Any]:
    return _allocation_out(get_object_or_404(_allocations(request), number=number))


@router.get(
    "/facilities/{code}/portfolio-decisions",
    response={200: list[AllocationSummaryOut], **errors(401, 403, 404)},
    auth=SIGNED_IN,
    summary="A facility's portfolio decisions, newest first (the facility's own people only)",
)
def facility_allocation_list(request: SignedInRequest, code: str) -> list[dict[str, Any]]:
    return [_allocation_summary(a) for a in _allocations(request, code).order_by("-number")]


@router.get(
    "/facilities/{code}/portfolio-decisions/{int:number}",
    response={200: AllocationOut, **errors(401, 403, 404)},
    auth=SIGNED_IN,
    summary="One of a facility's portfolio decisions (its own people only)",
)
def facility_allocation_detail(request: SignedInRequest, code: str, number: int) -> dict[str, Any]:
    return _allocation_out(get_object_or_404(_allocations(request, code), number=number))


def _allocation_out(a: Allocation) -> dict[str, Any]:
    return {
        **_allocation_summary(a),
        "rationale": a.rationale,
        "rules": a.choices,
        "result": a.result,
        "left_out": a.left_out,
        "awards": [
            {
                "concept": w.concept.reference,
                "title": w.concept.title,
                "city": w.concept.city.slug,
                "country": w.concept.city.country.iso2,
                "amount": w.amount,
                "ask": w.ask,
                "moved_to": w.moved_to,
            }
            for w in sorted(a.awards.all(), key=lambda w: w.concept.reference)
        ],
    }


@router.get(
    "/facilities",
    response={200: list[FacilityOut], **errors(401)},
    auth=PUBLIC,
    summary="The directory of facilities and funders, each field with its source",
)
def facility_directory(request: HttpRequest) -> list[Facility]:
    return list(selectors.facility_list())


@router.get(
    "/concepts/{int:concept_id}/oc4ids",
    response={200: dict[str, Any], **errors(401, 404, 503)},
    auth=SIGNED_IN,
    summary="A concept as an OC4IDS project package (Open Contracting for Infrastructure)",
)
def concept_oc4ids(request: SignedInRequest, concept_id: int) -> dict[str, Any]:
    try:
        return project_package([_concept(request, concept_id)])
    except NotConfigured as exc:
        raise HttpError(503, str(exc)) from exc


class ShareIn(Schema):
    facility: str = Field(description="The facility's code, e.g. 'gap-fund'.", max_length=40)


class MessageIn(Schema):
    kind: str = Field(description="'question' or 'interest' (funders); 'reply' (the city).")
    facility: str = Field(max_length=40)
    text: str = Field(max_length=2000)


class MessageOut(Schema):
    facility: str
    kind: str
    text: str
    by: str | None
    at: datetime


class ReviewIn(Schema):
    scores: dict[str, dict[str, int]] = Field(
        description="For each rubric's code, each of its questions' codes scored 0 to 3."
    )
    comment: str = Field(max_length=5000)


class ReviewOut(Schema):
    round: int
    reviewer: str
    scores: dict[str, dict[str, int]]
    comment: str
    submitted_at: datetime


def _messages_out(concept: ProjectConcept, facility_ids: set[int] | None) -> list[dict[str, Any]]:
    return [
        {
            "facility": m.facility.code,
            "kind": m.kind,
            "text": m.text,
            "by": m.author.username if m.author else None,
            "at": m.at,
        }
        for thread in selectors.funder_threads(concept, facility_ids=facility_ids).values()
        for m in thread
    ]


def _facility_ids_for(request: HttpRequest, concept: ProjectConcept) -> set[int] | None:
    """The city's team and the programme read every thread; a funder only its own."""
    return None if is_insider(request.user, concept.city) else funder_facility_ids(request.user)


@router.post(
    "/concepts/{int:concept_id}/shares",
    response={201: dict[str, str], **errors(401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="Share a submitted concept with a facility (the city's coordinator or the manager)",
)
def concept_share(
    request: SignedInRequest, concept_id: int, body: ShareIn
) -> Status[dict[str, str]]:
    concept = _concept(request, concept_id)
    facility = selectors.facility_get(body.facility)
    svc.concept_share(actor=request.user, concept=concept, facility=facility)
    return Status(201, {"facility": facility.code})


@router.get(
    "/concepts/{int:concept_id}/messages",
    response={200: list[MessageOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="Funders' questions and interest on a concept, and the city's replies",
)
def concept_messages(request: SignedInRequest, concept_id: int) -> list[dict[str, Any]]:
    concept = _concept(request, concept_id)
    return _messages_out(concept, _facility_ids_for(request, concept))


@router.post(
    "/concepts/{int:concept_id}/messages",
    response={201: list[MessageOut], **errors(401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="A funder's question or expression of interest, or the city's reply",
)
def concept_message(
    request: SignedInRequest, concept_id: int, body: MessageIn
) -> Status[list[dict[str, Any]]]:
    concept = _concept(request, concept_id)
    facility = selectors.facility_get(body.facility)
    if body.kind == "reply":
        svc.city_reply(actor=request.user, concept=concept, facility=facility, text=body.text)
    else:
        svc.funder_message(
            actor=request.user, concept=concept, facility=facility, kind=body.kind, text=body.text
        )
    return Status(201, _messages_out(concept, _facility_ids_for(request, concept)))


@router.get(
    "/concepts/{int:concept_id}/reviews",
    response={200: list[ReviewOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="The reviews of a concept, every round (its city reads the comments)",
)
def concept_reviews(request: SignedInRequest, concept_id: int) -> list[dict[str, Any]]:
    concept = _concept(request, concept_id)
    if not is_insider(request.user, concept.city):
        raise PermissionDenied("Reviews are for the city and the programme.")
    return [
        {
            "round": r.round,
            "reviewer": r.reviewer.username,
            "scores": r.scores,
            "comment": r.comment,
            "submitted_at": r.submitted_at,
        }
        for r in concept.reviews.select_related("reviewer").order_by("round", "submitted_at")
    ]


@router.post(
    "/concepts/{int:concept_id}/reviews",
    response={201: ReviewOut, **errors(401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="Review a drafted concept (programme reviewers from other cities)",
)
def concept_review(
    request: SignedInRequest, concept_id: int, body: ReviewIn
) -> Status[dict[str, Any]]:
    concept = _concept(request, concept_id)
    review = review_submit(
        actor=request.user, concept=concept, scores=body.scores, comment=body.comment
    )
    return Status(
        201,
        {
            "round": review.round,
            "reviewer": review.reviewer.username,
            "scores": review.scores,
            "comment": review.comment,
            "submitted_at": review.submitted_at,
        },
    )
