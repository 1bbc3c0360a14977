"""Every URL pattern and API route, checked against every role.

A route that is not in MATRIX (or covered by the admin rule) fails
`test_every_route_is_in_the_matrix`, so a new
page or API route cannot ship without saying who may use it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from recap.accounts.models import ApiToken, Membership, Role
from recap.accounts.services import api_token_create
from recap.assessments.models import Assessment, Framework
from recap.catalogue.models import CandidateAction, CatalogueAction
from recap.engine.value import CRITERIA
from recap.hazards.models import CityHazard, CityHazardVersion, HazardType
from recap.pipeline.models import ConceptAttachment, ConceptShare, Facility, FunderMessage
from recap.planning.models import (
    ActionPackage,
    PackageVersion,
    PrioritisationSession,
    RobustnessJob,
    Run,
)
from recap.testing import ROLES, World, concept_at, make_user
from recap.tracking.models import IndicatorUpdate

pytestmark = pytest.mark.django_db

OK, FOUND, FORBIDDEN, MISSING, UNAUTHORISED = 200, 302, 403, 404, 401


def every(code: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, code)


def signed_in(code: int, anonymous: int = FOUND) -> dict[str, int]:
    return every(code) | {"anonymous": anonymous}


def city_a(
    anonymous: int,
    viewer: int,
    editor: int,
    coordinator: int,
    other_city: int,
    manager: int,
    funder: int,
    admin: int,
    reviewer: int | None = None,
) -> dict[str, int]:
    """A city-a route; a programme reviewer, who has no role in a city, is refused as a funder
    is unless said otherwise."""
    return {
        "anonymous": anonymous,
        "viewer_a": viewer,
        "editor_a": editor,
        "coordinator_a": coordinator,
        "editor_b": other_city,
        "manager": manager,
        "funder": funder,
        "reviewer": funder if reviewer is None else reviewer,
        "admin": admin,
    }


@dataclass
class Check:
    method: str
    expect: dict[str, int]
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    query: str = ""
    #: Makes fresh state before each request (for routes that change or delete things).
    setup: Callable[[World], dict[str, Any]] | None = None
    extra: dict[str, str] = field(default_factory=dict)
    #: Send `data` as a JSON body (API routes that take one).
    json: bool = False


def _lesson_at(world: World, status: str) -> dict[str, Any]:
    from recap.learning.models import Lesson

    texts = {"summary": "S", "context": "C", "what_was_done": "W", "results": "R"}
    lesson = Lesson.objects.create(city=world.city_a, title=status, status=status, **texts)
    return {"lesson_id": lesson.pk}


def _fresh_member(world: World) -> dict[str, Any]:
    person = make_user(f"temp-{uuid.uuid4().hex[:8]}")
    m = Membership.objects.create(user=person, role=Role.CITY_VIEWER, city=world.city_a)
    return {"slug": "kigali", "pk": m.pk}


def _fresh_token(world: World) -> dict[str, Any]:
    token, _key = api_token_create(
        user=world.users["editor_a"], name=f"t{ApiToken.objects.count()}"
    )
    return {"pk": token.pk}


def _new_member_form(world: World) -> dict[str, Any]:
    return {"username": make_user(f"cand-{uuid.uuid4().hex[:8]}").username, "role": "city_viewer"}


KIGALI = lambda w: {"slug": "kigali"}  # noqa: E731


def timezone_today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def _hazard_type(code: str) -> HazardType:
    return HazardType.objects.get_or_create(
        code=code, defaults={"name": code.title(), "family": "hydrological", "kind": "shock"}
    )[0]


def _fresh_hazard(world: World) -> dict[str, Any]:
    entry = CityHazard.objects.create(
        city=world.city_a, hazard=_hazard_type(f"h{uuid.uuid4().hex[:8]}"), likelihood=3, impact=3
    )
    return {"slug": "kigali", "pk": entry.pk}


def _fresh_version(world: World) -> dict[str, Any]:
    hazard = _hazard_type(f"h{uuid.uuid4().hex[:8]}")
    version = CityHazardVersion.objects.create(
        city=world.city_a,
        hazard=hazard,
        change="deleted",
        data={
            "likelihood": 2,
            "impact": 2,
            "trend": "stable",
            "affected_groups": "",
            "affected_areas": "",
            "evidence": "",
        },
    )
    return {"slug": "kigali", "pk": version.pk}


def _new_hazard_form(world: World) -> dict[str, Any]:
    return {
        "hazard": _hazard_type(f"h{uuid.uuid4().hex[:8]}").pk,
        "likelihood": "4",
        "impact": "2",
        "trend": "rising",
    }


def _catalogue_action(world: World) -> dict[str, Any]:
    CatalogueAction.objects.get_or_create(
        code="WAT-01",
        defaults={
            "title": "Water kiosks",
            "summary": "s",
            "description": "d",
            "sectors": ["water_sanitation"],
            "cost_min_usd": 1,
            "cost_max_usd": 2,
            "staff_fte": 1,
            "months_to_implement": 3,
            "phase": "short",
        },
    )
    return {"code": "WAT-01"}


def _fresh_candidate(world: World) -> dict[str, Any]:
    candidate = CandidateAction.objects.create(
        city=world.city_a,
        code=f"C-{uuid.uuid4().hex[:6]}",
        title="Own action",
        sectors=["health"],
        local_cost_usd=1000,
        staff_fte=1,
        phase="short",
    )
    return {"slug": "kigali", "pk": candidate.pk}


def _adopt_form(world: World) -> dict[str, Any]:
    _catalogue_action(world)
    CandidateAction.objects.filter(code="WAT-01").delete()
    return {"code": "WAT-01"}


def _new_candidate_form(world: World) -> dict[str, Any]:
    return {
        "code": f"N-{uuid.uuid4().hex[:6]}",
        "title": "New",
        "sectors": ["health"],
        "phase": "short",
        "local_cost_usd": "5000",
        "staff_fte": "0.5",
        "economy": "1",
        "equity": "2",
        "mitigation": "0",
        "adaptation": "1",
        "health": "3",
        "feasibility": "2",
    }


def _assessment(world: World) -> Assessment:
    framework = Framework.objects.get_or_create(
        code="mini", defaults={"name": "Mini", "version": "1"}
    )[0]
    return Assessment.objects.create(city=world.city_a, framework=framework, title="Draft")


def _fresh_assessment(world: World) -> dict[str, Any]:
    return {"slug": "kigali", "pk": _assessment(world).pk}


def _two_assessments(world: World) -> dict[str, Any]:
    return {"slug": "kigali", "pk": _assessment(world).pk, "other": _assessment(world).pk}


def _session(world: World) -> PrioritisationSession:
    return PrioritisationSession.objects.create(
        city=world.city_a,
        title="Workshop",
        budget_short_usd=1000,
        budget_medium_usd=1000,
        staff_fte=1,
    )


def _fresh_session(world: World) -> dict[str, Any]:
    return {"slug": "kigali", "pk": _session(world).pk}


def _fresh_run(world: World) -> dict[str, Any]:
    session = _session(world)
    Run.objects.create(
        session=session,
        number=1,
        status="done",
        input={
            "problem": {"resources": {}, "actions": []},
            "criteria": list(CRITERIA),
            "weights": [1 / len(CRITERIA)] * len(CRITERIA),
            "scores": {},
            "stakeholders": {},
        },
        result={
            "values": {},
            "ranking": [],
            "explanations": {},
            "frontiers": {},
            "package": {"status": "optimal", "objective": 0, "selected": [], "usage": {}},
        },
    )
    return {"slug": "kigali", "pk": session.pk, "number": 1}


def _queued_run(world: World) -> dict[str, Any]:
    kwargs = _fresh_run(world)
    Run.objects.filter(session_id=kwargs["pk"]).update(status="queued", result=None)
    return kwargs


def _queued_robustness(world: World) -> dict[str, Any]:
    kwargs = _fresh_run(world)
    run = Run.objects.get(session_id=kwargs["pk"])
    job = RobustnessJob.objects.create(run=run)
    return {"slug": "kigali", "job": job.pk}


def _two_runs(world: World) -> dict[str, Any]:
    kwargs = _fresh_run(world)
    first = Run.objects.get(session_id=kwargs["pk"], number=1)
    Run.objects.create(
        session=first.session, number=2, input=first.input, result=first.result, status="done"
    )
    return {"slug": "kigali", "pk": kwargs["pk"], "a": 1, "b": 2}


def _fresh_package(world: World) -> dict[str, Any]:
    run_kwargs = _fresh_run(world)
    run = Run.objects.get(session_id=run_kwargs["pk"], number=1)
    package = ActionPackage.objects.create(session=run.session, city=world.city_a, name="Package")
    PackageVersion.objects.create(
        package=package, number=1, run=run, selected=[], objective=0, status="optimal"
    )
    return {"slug": "kigali", "pk": package.pk}


def _fresh_plan(world: World, *, public: bool = False) -> dict[str, Any]:
    """A fresh endorsed package of one action of Kigali's, its plan (the city's current one),
    a milestone, and a progress report by Kigali's editor with a PDF as evidence."""
    import datetime

    from django.utils import timezone

    from recap.catalogue.models import CandidateAction
    from recap.core.tests.test_documents import MINIMAL_PDF
    from recap.implementation import services as plans
    from recap.implementation.models import Milestone

    code = f"X-{uuid.uuid4().hex[:6]}"
    CandidateAction.objects.create(
        city=world.city_a,
        code=code,
        title="Sirens",
        local_cost_usd=1000,
        staff_fte=1,
        phase="short",
    )
    kwargs = _fresh_package(world)
    package = ActionPackage.objects.get(pk=kwargs["pk"])
    PackageVersion.objects.filter(package=package).update(selected=[code])
    ActionPackage.objects.filter(pk=package.pk).update(
        status=ActionPackage.Status.ENDORSED, endorsed_at=timezone.now()
    )
    package.refresh_from_db()
    plan = plans.plan_start(actor=world.users["coordinator_a"], package=package)
    if public:
        plans.plan_publish(actor=world.users["coordinator_a"], plan=plan, public=True)
    action = plan.actions.get()
    today = timezone.localdate()
    milestone = Milestone.objects.create(action=action, title="Design", due=plan.starts)
    report = plans.progress_report(
        actor=world.users["editor_a"],
        action=action,
        percent=10,
        on=today,
        note="Begun.",
        evidence=(MINIMAL_PDF, "site.pdf"),
    )
    return {
        "slug": "kigali",
        "pk": action.pk,
        "milestone": milestone.pk,
        "report": report.pk,
        "package": package.pk,
        "starts": plan.starts,
        "later": plan.starts + datetime.timedelta(days=30),
        "today": today,
    }


def _plan_page(world: World) -> dict[str, Any]:
    return {"slug": _fresh_plan(world)["slug"]}


def _plan_action(world: World) -> dict[str, Any]:
    made = _fresh_plan(world)
    return {"slug": made["slug"], "pk": made["pk"]}


def _plan_milestone(world: World) -> dict[str, Any]:
    made = _fresh_plan(world)
    return {"slug": made["slug"], "pk": made["pk"], "milestone": made["milestone"]}


def _plan_report(world: World) -> dict[str, Any]:
    made = _fresh_plan(world)
    return {"slug": made["slug"], "pk": made["pk"], "report": made["report"]}


def _plan_issued(world: World) -> dict[str, Any]:
    from recap.implementation.reports import report_issue
    from recap.implementation.selectors import plan_of

    made = _fresh_plan(world)
    plan = plan_of(world.city_a)
    assert plan is not None
    issued = report_issue(actor=world.users["coordinator_a"], plan=plan, as_of=made["today"])
    return {"slug": "kigali", "pk": issued.pk, "fmt": "pdf"}


def _public_plan(world: World) -> dict[str, Any]:
    _fresh_plan(world, public=True)
    return {"slug": "kigali"}


def _public_export(world: World) -> dict[str, Any]:
    _fresh_plan(world, public=True)
    return {"slug": "kigali", "fmt": "json"}


def _api_run(world: World) -> dict[str, Any]:
    kwargs = _fresh_run(world)
    return {"city_id": world.city_a.pk, "session_id": kwargs["pk"], "number": 1}


def _api_queued_run(world: World) -> dict[str, Any]:
    kwargs = _queued_run(world)
    return {"city_id": world.city_a.pk, "session_id": kwargs["pk"], "number": 1}


def _api_session(world: World) -> dict[str, Any]:
    return {"city_id": world.city_a.pk, "session_id": _session(world).pk}


def _fresh_concept(world: World) -> dict[str, Any]:
    return {"slug": "kigali", "pk": concept_at(world.city_a, "Drainage", "drafted").pk}


def _shared_concept(world: World) -> dict[str, Any]:
    """A submitted Kigali concept shared with the world's funder, who has asked a question."""
    concept = concept_at(world.city_a, "Wetlands", "submitted")
    facility = Facility.objects.create(
        code=f"f-{uuid.uuid4().hex[:8]}",
        name="Gap Fund",
        operators="World Bank",
        url="https://example.org/",
        applicants="Cities",
        country_rule="oda",
        organisation=world.funder_org,
    )
    ConceptShare.objects.create(concept=concept, facility=facility)
    FunderMessage.objects.create(concept=concept, facility=facility, kind="question", text="When?")
    return {"slug": "kigali", "pk": concept.pk, "code": facility.code}


def _document(world: World) -> dict[str, Any]:
    """A Kigali concept shared with the world's funder, with one document."""
    kwargs = _shared_concept(world)
    doc = ConceptAttachment.objects.create(
        concept_id=kwargs["pk"],
        role="council",
        title="Decision",
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="decision.pdf"),
        filename="decision.pdf",
        kind_of_file="pdf",
        size=14,
        sha256="0" * 64,
    )
    return {"slug": "kigali", "pk": kwargs["pk"], "doc": doc.pk}


def _shared_document(world: World) -> dict[str, Any]:
    kwargs = _document(world)
    return {"pk": kwargs["pk"], "doc": kwargs["doc"]}


def _indicator_update(world: World, status: str) -> IndicatorUpdate:
    from datetime import date

    from recap.tracking.models import Indicator, Outcome

    outcome, _made = Outcome.objects.get_or_create(
        programme=world.programme, code="o", defaults={"title": "O"}
    )
    indicator, _made = Indicator.objects.get_or_create(
        outcome=outcome,
        code="reached",
        defaults={"name": "Reached", "unit": "people", "kind": "reported", "level": "city"},
    )
    # One value a period (a constraint): each role's check finds the value as set up anew.
    update, _made = IndicatorUpdate.objects.update_or_create(
        indicator=indicator,
        city=world.city_a,
        period_start=date(2023, 1, 1),
        period_end=date(2023, 3, 31),
        defaults={"value": 5, "status": status},
    )
    return update


def _full_scores() -> dict[str, dict[str, int]]:
    from recap.pipeline.models import Rubric

    return {r.code: {c["code"]: 2 for c in r.criteria} for r in Rubric.objects.all()}


def _shared_for_funder(world: World) -> dict[str, Any]:
    return {"pk": _shared_concept(world)["pk"]}


def _shared_facility(world: World) -> dict[str, Any]:
    kwargs = _shared_concept(world)
    return {"slug": "kigali", "pk": kwargs["pk"]}


def _measure(world: World) -> dict[str, Any]:
    from recap.tracking.models import Measure

    measure = Measure.objects.create(city=world.city_a, title=f"M {uuid.uuid4().hex[:6]}")
    return {"slug": "kigali", "pk": measure.pk}


def _vote(world: World, status: str = "draft", source: str = "cast") -> Any:
    from recap.votes.models import Ballot, Vote, VoteProject

    vote = Vote.objects.create(
        city=world.city_a,
        title=f"V {uuid.uuid4().hex[:6]}",
        budget=100,
        currency="EUR",
        status=status,
        source=source,
    )
    for key, cost in (("1", 60), ("2", 40), ("3", 30)):
        VoteProject.objects.create(vote=vote, key=key, title=f"P{key}", cost=cost)
    if status != "draft":
        for n, keys in enumerate((["1"], ["2", "3"], ["1", "3"])):
            Ballot.objects.create(vote=vote, voter=str(n), projects=keys)
    return vote


def _vote_kwargs(world: World, status: str = "draft") -> dict[str, Any]:
    return {"slug": "kigali", "pk": _vote(world, status).pk}


def _vote_project(world: World) -> dict[str, Any]:
    vote = _vote(world)
    return {"slug": "kigali", "pk": vote.pk, "project": vote.projects.first().pk}


def _vote_closed(world: World) -> dict[str, Any]:
    from recap.votes.outcomes import outcomes_request

    vote = _vote(world, "closed")
    outcomes_request(vote)
    return {"slug": "kigali", "pk": vote.pk}


def _vote_imported(world: World) -> dict[str, Any]:
    from recap.votes.models import VoteFile

    vote = _vote(world, "closed", source="imported")
    VoteFile.objects.create(vote=vote, filename="v.pb", sha256="0" * 64, text="META\n")
    return {"slug": "kigali", "pk": vote.pk}


def _evidence(world: World) -> dict[str, Any]:
    from recap.testing import PNG
    from recap.tracking.measures import evidence_add
    from recap.tracking.models import Measure

    measure = Measure.objects.create(city=world.city_a, title=f"M {uuid.uuid4().hex[:6]}")
    evidence = evidence_add(
        actor=world.users["admin"], measure=measure, title="Photo", data=PNG, filename="p.png"
    )
    return {"pk": evidence.pk}


def _training(world: World) -> dict[str, Any]:
    from datetime import date

    from recap.tracking.models import Training

    training = Training.objects.create(
        programme=world.programme, title="T", held_on=date(2022, 3, 1)
    )
    return {"pk": training.pk}


def _allocation(world: World) -> dict[str, Any]:
    from recap.pipeline.models import Allocation

    Allocation.objects.get_or_create(
        programme=world.programme,
        number=1,
        defaults={
            "name": "Pot",
            "currency": "USD",
            "pot": 1000,
            "basis": "preparation",
            "rationale": "Why",
            "decided_by": world.users["manager"],
        },
    )
    return {"number": 1}


def _pot_form(world: World) -> dict[str, Any]:
    """A pot's rules, to compute (the programme's and a facility's pages take the same)."""
    return {
        "name": "Pot",
        "currency": "USD",
        "pot": "1000",
        "basis": "preparation",
        "partial_down_to": "100",
        "min_per_country": "0",
        "floor_share": "0",
        "weight_package": "1",
        "weight_reviews": "1",
        "weight_fit": "1",
        "action": "compute",
    }


def _funder_facility(world: World) -> dict[str, Any]:
    """The world's funder speaks for a facility (with a concept shared with it)."""
    _shared_concept(world)
    return {}


def _facility_code(world: World) -> dict[str, Any]:
    return {"code": _shared_concept(world)["code"]}


def _facility_allocation(world: World) -> dict[str, Any]:
    from recap.pipeline.models import Allocation

    code = _shared_concept(world)["code"]
    Allocation.objects.create(
        facility=Facility.objects.get(code=code),
        number=1,
        name="Pot",
        currency="USD",
        pot=1000,
        basis="preparation",
        rationale="Why",
        decided_by=world.users["funder"],
    )
    return {"code": code, "number": 1}


def _report(world: World) -> dict[str, Any]:
    from recap.tracking.reports import report_issue

    report = report_issue(
        actor=world.users["admin"],
        programme=world.programme,
        start=world.programme.start_date,
        end=world.programme.start_date,
    )
    return {"pk": report.pk}


PROGRAMME_WRITE = signed_in(FORBIDDEN) | {"manager": FOUND, "admin": FOUND}
PROGRAMME_WRITE_PAGE = signed_in(FORBIDDEN) | {"manager": OK, "admin": OK}
# Evidence: whoever reads the measure (its city's people, the programme's), 404 to the rest.
EVIDENCE_READ = city_a(FOUND, OK, OK, OK, MISSING, OK, MISSING, OK, reviewer=OK)
EVIDENCE_REMOVE = city_a(
    FOUND, FORBIDDEN, FOUND, FOUND, MISSING, FORBIDDEN, MISSING, FOUND, reviewer=FORBIDDEN
)


def _api_values(world: World) -> dict[str, Any]:
    from recap.tracking.services import framework_load_shipped

    framework_load_shipped(world.programme)
    IndicatorUpdate.objects.all().delete()
    return {"city_id": world.city_a.pk}


def _lesson(world: World, status: str = "draft") -> Any:
    from recap.learning.models import Lesson

    return Lesson.objects.create(
        city=world.city_a,
        title="L",
        summary="S",
        context="C",
        what_was_done="W",
        results="R",
        status=status,
    )


def _exchange(world: World, a: Any, b: Any) -> Any:
    from recap.learning.models import Exchange, ExchangeMessage

    exchange = Exchange.objects.create(from_city=a, to_city=b, subject="S", awaiting=b)
    ExchangeMessage.objects.create(exchange=exchange, city=a, body="Hello")
    return exchange


def _exchange_document(world: World) -> dict[str, int]:
    from django.core.files.base import ContentFile

    exchange = _exchange(world, world.city_a, world.city_b)
    message = exchange.messages.get()
    message.kind_of_file, message.filename = "pdf", "a.pdf"
    message.file.save("a.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return {"pk": exchange.pk, "message": message.pk}


CITY_VIEW = city_a(FOUND, OK, OK, OK, MISSING, OK, MISSING, OK)
CITY_EDIT_PAGE = city_a(FOUND, FORBIDDEN, OK, OK, MISSING, FORBIDDEN, MISSING, OK)
CITY_EDIT_POST = city_a(FOUND, FORBIDDEN, FOUND, FOUND, MISSING, FORBIDDEN, MISSING, FOUND)
ADMIN_ONLY = signed_in(FORBIDDEN) | {"admin": OK}

CONCEPT_VIEW = city_a(FOUND, OK, OK, OK, MISSING, OK, MISSING, OK, reviewer=OK)
PROGRAMME_ONLY = signed_in(FORBIDDEN) | {"manager": OK, "reviewer": OK, "admin": OK}
FUNDER_ONLY = signed_in(FORBIDDEN) | {"funder": OK}

MATRIX: dict[str, list[Check]] = {
    "concepts:list": [Check("GET", CITY_VIEW, kwargs=KIGALI)],
    "concepts:new": [Check("POST", CITY_EDIT_POST, kwargs=KIGALI, data=lambda w: {"title": "X"})],
    "concepts:start": [
        Check("POST", CITY_EDIT_POST, setup=_fresh_package, data=lambda w: {"actions": ["A"]})
    ],
    "concepts:detail": [Check("GET", CONCEPT_VIEW, setup=_fresh_concept)],
    "concepts:matches": [Check("GET", CONCEPT_VIEW, setup=_fresh_concept)],
    "concepts:edit": [
        Check(
            "GET",
            city_a(FOUND, FORBIDDEN, OK, OK, MISSING, FORBIDDEN, MISSING, OK, reviewer=FORBIDDEN),
            setup=_fresh_concept,
        )
    ],
    # Back to candidate: a move the city's editors make.
    "concepts:move": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FOUND, FOUND, MISSING, FORBIDDEN, MISSING, FOUND, FORBIDDEN),
            setup=_fresh_concept,
            data=lambda w: {"to": "candidate"},
        )
    ],
    "concepts:share": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FORBIDDEN, FOUND, MISSING, FOUND, MISSING, FOUND, FORBIDDEN),
            setup=_shared_facility,
            data=lambda w: {"facility": Facility.objects.order_by("-pk").first().code},  # type: ignore[union-attr]
        )
    ],
    "concepts:reply": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FOUND, FOUND, MISSING, FORBIDDEN, MISSING, FOUND, FORBIDDEN),
            setup=_shared_concept,
            data=lambda w: {"text": "In March."},
        )
    ],
    # Reviewers from other cities; Kigali's own people and the manager are refused.
    "concepts:review": [
        Check(
            "GET",
            # Four eyes: a platform admin is no reviewer unless assigned to the programme.
            city_a(
                FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, MISSING, FORBIDDEN, MISSING, FORBIDDEN, OK
            ),
            setup=_fresh_concept,
        )
    ],
    "concepts:revise": [
        Check(
            "POST",
            city_a(
                FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, MISSING, FOUND, MISSING, FOUND, FORBIDDEN
            ),
            setup=_fresh_concept,
            data=lambda w: {"feedback": "Add the cost."},
        )
    ],
    "concepts:attach": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FOUND, FOUND, MISSING, FORBIDDEN, MISSING, FOUND, FORBIDDEN),
            setup=_fresh_concept,
            data=lambda w: {"role": "study"},
        )
    ],
    # The city's team, the programme and its reviewers read a concept's documents; a funder on
    # the funder's own page, once shared.
    # A funder the concept is shared with is sent on to the same document on its own pages.
    "concepts:document": [Check("GET", CONCEPT_VIEW | {"funder": FOUND}, setup=_document)],
    "concepts:detach": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FOUND, FOUND, MISSING, FORBIDDEN, MISSING, FOUND, FORBIDDEN),
            setup=_document,
        )
    ],
    "board:shared_document": [Check("GET", FUNDER_ONLY, setup=_shared_document)],
    "board:shared_pdf": [Check("GET", FUNDER_ONLY, setup=_shared_for_funder)],
    "concepts:pdf": [Check("GET", CONCEPT_VIEW, setup=_fresh_concept)],
    "concepts:xlsx": [Check("GET", CONCEPT_VIEW, setup=_fresh_concept)],
    "board:board": [Check("GET", PROGRAMME_ONLY)],
    "board:allocations": [
        Check("GET", PROGRAMME_ONLY),
        Check(
            "POST",
            PROGRAMME_WRITE_PAGE,
            data=_pot_form,
        ),
    ],
    "board:allocation": [Check("GET", PROGRAMME_ONLY, setup=_allocation)],
    # A facility's pot: its funders read and decide; no one else, the programme included.
    "board:facility_home": [
        Check("GET", signed_in(FORBIDDEN) | {"funder": FOUND}, setup=_funder_facility)
    ],
    "board:facility_allocations": [
        Check("GET", FUNDER_ONLY, setup=_facility_code),
        Check(
            "POST",
            FUNDER_ONLY,
            setup=_facility_code,
            data=_pot_form,
        ),
    ],
    "board:facility_allocation": [Check("GET", FUNDER_ONLY, setup=_facility_allocation)],
    "board:facility_allocation_pdf": [Check("GET", FUNDER_ONLY, setup=_facility_allocation)],
    "board:allocation_pdf": [Check("GET", PROGRAMME_ONLY, setup=_allocation)],
    # Implementation plans: the city's team reads; its editors write; its coordinator starts,
    # publishes, sets the windows and issues reports; progress is approved by the coordinator or
    # the programme's manager, never its reporter (Kigali's editor reported it); a public plan
    # is everyone's.
    "implementation:plan": [Check("GET", CITY_VIEW, setup=_plan_page)],
    "implementation:gantt": [Check("GET", CITY_VIEW, setup=_plan_page)],
    "implementation:history": [Check("GET", CITY_VIEW, setup=_plan_page)],
    "implementation:reports": [Check("GET", CITY_VIEW, setup=_plan_page)],
    "implementation:export": [
        Check("GET", CITY_VIEW, setup=lambda w: _plan_page(w) | {"fmt": "csv"})
    ],
    "implementation:action": [
        Check("GET", CITY_VIEW, setup=_plan_action),
        Check("POST", CITY_EDIT_POST, setup=_plan_action),
    ],
    "implementation:evidence": [Check("GET", CITY_VIEW, setup=_plan_report)],
    "implementation:report_file": [Check("GET", CITY_VIEW, setup=_plan_issued)],
    "implementation:status": [
        Check("POST", CITY_EDIT_POST, setup=_plan_action, data=lambda w: {"status": "on_track"})
    ],
    "implementation:milestone_add": [
        Check(
            "POST",
            CITY_EDIT_POST,
            setup=_plan_action,
            data=lambda w: {"title": "Tender", "due": timezone_today().isoformat()},
        )
    ],
    "implementation:milestone_reached": [
        Check(
            "POST",
            CITY_EDIT_POST,
            setup=_plan_milestone,
            data=lambda w: {"on": timezone_today().isoformat()},
        )
    ],
    "implementation:milestone_move": [
        Check(
            "POST",
            CITY_EDIT_POST,
            setup=_plan_milestone,
            data=lambda w: {"due": timezone_today().isoformat(), "reason": "Rains."},
        )
    ],
    "implementation:progress": [
        Check(
            "POST",
            CITY_EDIT_POST,
            setup=_plan_action,
            data=lambda w: {"percent": "20", "on": timezone_today().isoformat(), "note": "More."},
        )
    ],
    "implementation:decide": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FORBIDDEN, FOUND, MISSING, FOUND, MISSING, FOUND),
            setup=_plan_report,
            data=lambda w: {"move": "approve", "seen": "submitted"},
        )
    ],
    "implementation:indicator_add": [
        Check(
            "POST",
            CITY_EDIT_POST,
            setup=_plan_action,
            data=lambda w: {
                "name": "Sirens working",
                "baseline": "0",
                "baseline_on": timezone_today().isoformat(),
                "target": "12",
                "target_on": "2031-12-31",
            },
        )
    ],
    "implementation:start": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FORBIDDEN, FOUND, MISSING, FORBIDDEN, MISSING, FOUND),
            setup=lambda w: {"slug": "kigali"},
            data=lambda w: {"package": _fresh_plan(w)["package"]},
        )
    ],
    "implementation:publish": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FORBIDDEN, FOUND, MISSING, FORBIDDEN, MISSING, FOUND),
            setup=_plan_page,
            data=lambda w: {"public": "on"},
        )
    ],
    "implementation:windows": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FORBIDDEN, FOUND, MISSING, FORBIDDEN, MISSING, FOUND),
            setup=_plan_page,
            data=lambda w: {
                "short_term_ends": "2030-01-01",
                "medium_term_ends": "2033-01-01",
                "reason": "Council decision.",
            },
        )
    ],
    "implementation:report_issue": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FORBIDDEN, FOUND, MISSING, FORBIDDEN, MISSING, FOUND),
            setup=_plan_page,
            data=lambda w: {"as_of": timezone_today().isoformat()},
        )
    ],
    "plan_public:page": [Check("GET", every(OK), setup=_public_plan)],
    "plan_public:export": [Check("GET", every(OK), setup=_public_export)],
    "results:dashboard": [Check("GET", PROGRAMME_ONLY)],
    "plans:overview": [Check("GET", PROGRAMME_WRITE_PAGE)],
    # Approving a reported value: the programme's manager (and a platform admin).
    "results:decide": [
        Check(
            "POST",
            signed_in(FORBIDDEN) | {"manager": FOUND, "admin": FOUND},
            setup=lambda w: {"pk": _indicator_update(w, "submitted").pk},
            data=lambda w: {"approve": "1"},
        )
    ],
    "results:city": [Check("GET", CITY_VIEW, kwargs=KIGALI)],
    # Lessons: public once published; a draft only to its city's members (and an admin).
    "lessons:list": [Check("GET", every(OK))],
    "lessons:detail": [
        Check("GET", every(OK), setup=lambda w: {"pk": _lesson(w, "published").pk}),
        Check(
            "GET",
            every(MISSING) | {"viewer_a": OK, "editor_a": OK, "coordinator_a": OK, "admin": OK},
            setup=lambda w: {"pk": _lesson(w).pk},
        ),
    ],
    "lessons:programme": [Check("GET", PROGRAMME_ONLY)],
    # Publishing: the manager of a programme the city is in; who may read it is refused (403),
    # who may not is told nothing (404).
    "lessons:decide": [
        Check(
            "POST",
            signed_in(MISSING)
            | dict.fromkeys(["viewer_a", "editor_a", "coordinator_a", "reviewer"], FORBIDDEN)
            | {"manager": FOUND, "admin": FOUND},
            setup=lambda w: {"pk": _lesson(w, "submitted").pk},
            data=lambda w: {"publish": "1"},
        )
    ],
    "lessons:city": [
        Check("GET", CITY_VIEW, kwargs=KIGALI),
        Check(
            "POST",
            CITY_EDIT_POST,
            kwargs=KIGALI,
            data=lambda w: {
                "kind": "lesson",
                "title": "T",
                "summary": "S",
                "context": "C",
                "what_was_done": "W",
                "results": "R",
            },
        ),
    ],
    # Peers: the city's people see both lists; the programme's manager pins and hides.
    "lessons:peers": [Check("GET", CITY_VIEW, kwargs=KIGALI)],
    "lessons:peer_override": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, MISSING, FOUND, MISSING, FOUND),
            kwargs=KIGALI,
            data=lambda w: {"peer": w.city_b.pk, "kind": "similar", "action": "pin"},
        )
    ],
    "lessons:exchanges": [
        Check("GET", CITY_VIEW, kwargs=KIGALI),
        # Written by the city's editors only: a platform admin does not speak for a city.
        Check(
            "POST",
            CITY_EDIT_POST | {"admin": FORBIDDEN},
            kwargs=KIGALI,
            data=lambda w: {
                "to_city": w.city_b.pk,
                "kind": "question",
                "subject": "S",
                "body": "B",
            },
        ),
    ],
    # An exchange: the two cities' members and the programme's people read it; the two
    # cities' editors write in it; anyone else is told nothing.
    "lessons:exchange": [
        Check(
            "GET",
            signed_in(MISSING)
            | dict.fromkeys(
                [
                    "viewer_a",
                    "editor_a",
                    "coordinator_a",
                    "editor_b",
                    "manager",
                    "reviewer",
                    "admin",
                ],
                OK,
            ),
            setup=lambda w: {"pk": _exchange(w, w.city_a, w.city_b).pk},
        ),
        Check(
            "POST",
            signed_in(MISSING)
            | dict.fromkeys(["viewer_a", "manager", "reviewer", "admin"], FORBIDDEN)
            | dict.fromkeys(["editor_a", "coordinator_a", "editor_b"], FOUND),
            setup=lambda w: {"pk": _exchange(w, w.city_a, w.city_b).pk},
            data=lambda w: {"body": "Reply"},
        ),
        Check(
            "GET",
            signed_in(MISSING) | {"editor_b": OK, "manager": OK, "reviewer": OK, "admin": OK},
            setup=lambda w: {"pk": _exchange(w, w.city_b, w.hidden).pk},
        ),
    ],
    # A shared document: to whoever reads its exchange.
    "lessons:exchange_file": [
        Check(
            "GET",
            signed_in(MISSING)
            | dict.fromkeys(
                [
                    "viewer_a",
                    "editor_a",
                    "coordinator_a",
                    "editor_b",
                    "manager",
                    "reviewer",
                    "admin",
                ],
                OK,
            ),
            setup=_exchange_document,
        )
    ],
    "lessons:search": [Check("GET", every(OK))],
    "lessons:city_edit": [
        Check(
            "GET",
            city_a(FOUND, OK, OK, OK, MISSING, MISSING, MISSING, OK),
            setup=lambda w: {"slug": "kigali", "pk": _lesson(w).pk},
        )
    ],
    "measures:list": [
        Check("GET", CITY_VIEW, kwargs=KIGALI),
        Check(
            "POST",
            CITY_EDIT_POST,
            kwargs=KIGALI,
            data=lambda w: {
                "title": f"M {uuid.uuid4().hex[:6]}",
                "co_finance": "0",
                "on": "2023-01-02",
            },
        ),
    ],
    "measures:detail": [Check("GET", CITY_VIEW, setup=_measure)],
    "measures:status": [
        Check(
            "POST",
            CITY_EDIT_POST,
            setup=_measure,
            data=lambda w: {"status": "in_progress", "on": "2024-01-01"},
        )
    ],
    "measures:evidence": [Check("POST", CITY_EDIT_POST, setup=_measure)],
    "votes:list": [
        Check("GET", CITY_VIEW, kwargs=KIGALI),
        Check(
            "POST",
            CITY_EDIT_POST,
            kwargs=KIGALI,
            data=lambda w: {"title": "Budget", "budget": "1000", "currency": "EUR"},
        ),
    ],
    "votes:import": [Check("GET", CITY_EDIT_PAGE, kwargs=KIGALI)],
    "votes:detail": [Check("GET", CITY_VIEW, setup=_vote_kwargs)],
    "votes:project_add": [
        Check(
            "POST",
            CITY_EDIT_POST,
            setup=_vote_kwargs,
            data=lambda w: {"title": "Fontaine", "cost": "10"},
        )
    ],
    "votes:project_remove": [Check("POST", CITY_EDIT_POST, setup=_vote_project)],
    "votes:open": [Check("POST", CITY_EDIT_POST, setup=_vote_kwargs)],
    "votes:close": [Check("POST", CITY_EDIT_POST, setup=lambda w: _vote_kwargs(w, "open"))],
    # The codes are shown once, on the page the POST answers with.
    "votes:codes": [
        Check("POST", CITY_EDIT_PAGE, setup=_vote_kwargs, data=lambda w: {"count": "2"})
    ],
    "votes:results": [Check("GET", CITY_VIEW, setup=_vote_closed)],
    "votes:decide": [
        Check(
            "POST",
            CITY_EDIT_POST,
            setup=_vote_closed,
            data=lambda w: {"rule": "greedy", "rationale": "Most votes."},
        )
    ],
    "votes:file": [Check("GET", CITY_VIEW, setup=_vote_imported)],
    # Residents vote without an account: the page is anyone's while the vote is open (a
    # wrong code is a 400), gone once it is closed, and a draft is not there at all.
    "ballot:vote": [
        Check("GET", every(OK), setup=lambda w: _vote_kwargs(w, "open")),
        Check(
            "POST",
            every(400),
            setup=lambda w: _vote_kwargs(w, "open"),
            data=lambda w: {"code": "AAAA-BBBB-CCCC"},
        ),
        Check("GET", every(410), setup=lambda w: _vote_kwargs(w, "closed")),
        Check("GET", every(MISSING), setup=_vote_kwargs),
    ],
    # Thanks only the browser that cast a ballot (none here): the others go to the ballot.
    "ballot:thanks": [
        Check("GET", every(FOUND), setup=lambda w: _vote_kwargs(w, "open")),
        Check("GET", every(MISSING), setup=_vote_kwargs),
    ],
    "results:evidence": [Check("GET", EVIDENCE_READ, setup=_evidence)],
    "results:evidence_remove": [Check("POST", EVIDENCE_REMOVE, setup=_evidence)],
    "results:trainings": [
        Check("GET", PROGRAMME_ONLY),
        Check(
            "POST",
            PROGRAMME_WRITE,
            data=lambda w: {"title": "New", "held_on": "2022-05-01", "mode": "virtual"},
        ),
    ],
    "results:training": [Check("GET", PROGRAMME_ONLY, setup=_training)],
    "results:attendance": [Check("GET", PROGRAMME_WRITE_PAGE, setup=_training)],
    "results:attendance_sheet": [Check("GET", PROGRAMME_ONLY, setup=_training)],
    "results:reports": [
        Check("GET", PROGRAMME_ONLY),
        Check(
            "POST",
            PROGRAMME_WRITE,
            data=lambda w: {
                "period_start": w.programme.start_date.isoformat(),
                "period_end": w.programme.start_date.isoformat(),
            },
        ),
    ],
    "results:report_pdf": [Check("GET", PROGRAMME_ONLY, setup=_report)],
    "results:report_xlsx": [Check("GET", PROGRAMME_ONLY, setup=_report)],
    "results:iati": [Check("GET", PROGRAMME_ONLY)],
    # Changing the framework: its manager (an empty upload is refused with a 400, as it is).
    "results:framework": [
        Check("GET", PROGRAMME_ONLY),
        Check("POST", signed_in(FORBIDDEN) | {"manager": 400, "admin": 400}),
    ],
    "results:submit": [
        Check(
            "POST",
            CITY_EDIT_POST,
            setup=lambda w: {"slug": "kigali", "pk": _indicator_update(w, "draft").pk},
        )
    ],
    # Correcting a returned value in place: the city's editors (an empty form is a 400).
    "results:correct": [
        Check(
            "GET",
            CITY_EDIT_PAGE,
            setup=lambda w: {"slug": "kigali", "pk": _indicator_update(w, "returned").pk},
        ),
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, 400, 400, MISSING, FORBIDDEN, MISSING, 400),
            setup=lambda w: {"slug": "kigali", "pk": _indicator_update(w, "returned").pk},
        ),
    ],
    "board:shared": [Check("GET", FUNDER_ONLY)],
    "board:shared_detail": [
        Check("GET", FUNDER_ONLY, setup=_shared_for_funder),
        Check(
            "POST",
            signed_in(FORBIDDEN) | {"funder": FOUND},
            setup=_shared_for_funder,
            data=lambda w: {"kind": "interest", "text": "We are keen."},
        ),
    ],
    "web:home": [Check("GET", every(OK))],
    "web:offices": [Check("GET", every(OK)), Check("GET", every(OK), query="?q=africa")],
    "web:health": [Check("GET", every(OK))],
    "pipeline:facilities": [Check("GET", every(OK))],
    "web:report_problem": [
        Check("GET", every(OK)),
        Check("POST", every(FOUND), data=lambda w: {"message": "The map is blank.", "page": "/"}),
    ],
    "cities:list": [Check("GET", every(OK))],
    "cities:profile": [
        Check("GET", every(OK), kwargs=KIGALI),
        # A hidden city is only there for those who work on it.
        Check("GET", every(MISSING) | {"admin": OK}, kwargs=lambda w: {"slug": "hidden"}),
    ],
    "cities:workspace": [
        Check("GET", city_a(FOUND, OK, OK, OK, MISSING, OK, MISSING, OK), kwargs=KIGALI),
    ],
    "cities:profile_edit": [
        Check(
            "GET", city_a(FOUND, FORBIDDEN, OK, OK, MISSING, FORBIDDEN, MISSING, OK), kwargs=KIGALI
        ),
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FOUND, FOUND, MISSING, FORBIDDEN, MISSING, FOUND),
            kwargs=KIGALI,
            data=lambda w: {
                "summary": "Updated",
                "context": "",
                "population": "1600000",
                "population_year": "2022",
            },
        ),
    ],
    "cities:team": [
        Check("GET", city_a(FOUND, OK, OK, OK, MISSING, OK, MISSING, OK), kwargs=KIGALI),
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FORBIDDEN, FOUND, MISSING, FORBIDDEN, MISSING, FOUND),
            kwargs=KIGALI,
            data=_new_member_form,
        ),
    ],
    "cities:member_remove": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FORBIDDEN, FOUND, MISSING, FORBIDDEN, MISSING, FOUND),
            setup=_fresh_member,
        ),
        Check("GET", city_a(FOUND, 405, 405, 405, 405, 405, 405, 405), setup=_fresh_member),
    ],
    "accounts:dashboard": [Check("GET", signed_in(OK))],
    "accounts:tokens": [
        Check("GET", signed_in(OK)),
        Check("POST", signed_in(OK), data=lambda w: {"name": "script", "days": "30"}),
    ],
    "accounts:token_revoke": [
        # Only the owner (editor_a) can revoke; to anyone else the token does not exist.
        Check("POST", signed_in(MISSING) | {"editor_a": FOUND}, setup=_fresh_token),
    ],
    "login": [Check("GET", every(OK))],
    "logout": [Check("POST", every(FOUND)), Check("GET", every(405))],
    "password_change": [Check("GET", signed_in(OK))],
    "password_change_done": [Check("GET", signed_in(OK))],
    "password_reset": [
        Check("GET", every(OK)),
        Check("POST", every(FOUND), data=lambda w: {"email": "x@example.org"}),
    ],
    "password_reset_done": [Check("GET", every(OK))],
    "password_reset_confirm": [
        Check("GET", every(OK), kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"}),
    ],
    "password_reset_complete": [Check("GET", every(OK))],
    "set_language": [Check("POST", every(FOUND), data=lambda w: {"language": "fr", "next": "/"})],
    "hazards:register": [Check("GET", CITY_VIEW, kwargs=KIGALI)],
    "hazards:history": [Check("GET", CITY_VIEW, kwargs=KIGALI)],
    "hazards:download": [
        Check("GET", CITY_VIEW, kwargs=KIGALI),
        Check("GET", CITY_VIEW, kwargs=KIGALI, query="?format=csv"),
    ],
    "hazards:add": [
        Check("GET", CITY_EDIT_PAGE, kwargs=KIGALI),
        Check("POST", CITY_EDIT_POST, kwargs=KIGALI, data=_new_hazard_form),
    ],
    "hazards:edit": [
        Check("GET", CITY_EDIT_PAGE, setup=_fresh_hazard),
        Check(
            "POST",
            CITY_EDIT_POST,
            setup=_fresh_hazard,
            data=lambda w: {"likelihood": "5", "impact": "5", "trend": "rising"},
        ),
    ],
    "hazards:remove": [Check("POST", CITY_EDIT_POST, setup=_fresh_hazard)],
    "hazards:restore": [Check("POST", CITY_EDIT_POST, setup=_fresh_version)],
    "hazards:upload": [Check("GET", CITY_EDIT_PAGE, kwargs=KIGALI)],
    "catalogue:list": [
        Check("GET", every(OK)),
        Check("GET", every(OK), query="?sector=health&phase=short&cost=small"),
    ],
    "catalogue:detail": [Check("GET", every(OK), kwargs=_catalogue_action)],
    "catalogue:download": [Check("GET", every(OK)), Check("GET", every(OK), query="?format=csv")],
    "catalogue:upload": [Check("GET", ADMIN_ONLY)],
    "candidates:list": [Check("GET", CITY_VIEW, kwargs=KIGALI)],
    "candidates:detail": [Check("GET", CITY_VIEW, setup=_fresh_candidate)],
    "candidates:new": [
        Check("GET", CITY_EDIT_PAGE, kwargs=KIGALI),
        Check("POST", CITY_EDIT_POST, kwargs=KIGALI, data=_new_candidate_form),
    ],
    "candidates:edit": [Check("GET", CITY_EDIT_PAGE, setup=_fresh_candidate)],
    "candidates:remove": [Check("POST", CITY_EDIT_POST, setup=_fresh_candidate)],
    "candidates:adopt": [Check("POST", CITY_EDIT_POST, kwargs=KIGALI, data=_adopt_form)],
    "assessments:list": [
        Check("GET", CITY_VIEW, kwargs=KIGALI),
        Check(
            "POST",
            CITY_EDIT_POST,
            kwargs=KIGALI,
            data=lambda w: {"framework": _assessment(w).framework_id, "title": "New one"},
        ),
    ],
    "assessments:detail": [Check("GET", CITY_VIEW, setup=_fresh_assessment)],
    "assessments:answer": [
        Check("GET", CITY_EDIT_PAGE, setup=_fresh_assessment),
        Check("POST", CITY_EDIT_POST, setup=_fresh_assessment),
    ],
    # Completing an empty assessment is refused with a message: still a redirect for editors.
    "assessments:complete": [Check("POST", CITY_EDIT_POST, setup=_fresh_assessment)],
    "assessments:download": [Check("GET", CITY_VIEW, setup=_fresh_assessment)],
    "assessments:upload": [Check("GET", CITY_EDIT_PAGE, setup=_fresh_assessment)],
    "candidates:download": [
        Check("GET", CITY_VIEW, kwargs=KIGALI),
        Check("GET", CITY_VIEW, kwargs=KIGALI, query="?format=csv"),
    ],
    "candidates:upload": [Check("GET", CITY_EDIT_PAGE, kwargs=KIGALI)],
    "assessments:compare": [Check("GET", CITY_VIEW, setup=_two_assessments)],
    "planning:list": [
        Check("GET", CITY_VIEW, kwargs=KIGALI),
        # An empty form: the page again with its errors for editors (400), refused for others.
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, 400, 400, MISSING, FORBIDDEN, MISSING, 400),
            kwargs=KIGALI,
        ),
    ],
    "planning:detail": [Check("GET", CITY_VIEW, setup=_fresh_session)],
    "planning:run": [Check("GET", CITY_VIEW, setup=_fresh_run)],
    "planning:run_status": [Check("GET", CITY_VIEW, setup=_fresh_run)],
    "planning:run_cancel": [Check("POST", CITY_EDIT_POST, setup=_queued_run)],
    "planning:robustness_cancel": [Check("POST", CITY_EDIT_POST, setup=_queued_robustness)],
    "planning:weights_ahp": [Check("POST", CITY_EDIT_POST, setup=_fresh_session)],
    "planning:weights_swing": [Check("POST", CITY_EDIT_POST, setup=_fresh_session)],
    "planning:edit": [Check("GET", CITY_EDIT_PAGE, setup=_fresh_session)],
    "planning:compare": [Check("GET", CITY_VIEW, setup=_two_runs)],
    "planning:robustness_start": [Check("POST", CITY_EDIT_POST, setup=_fresh_run)],
    "planning:robustness_status": [Check("GET", CITY_VIEW, setup=_fresh_run)],
    "planning:package_save": [
        Check("POST", CITY_EDIT_POST, setup=_fresh_run, data=lambda w: {"name": "P"})
    ],
    "planning:package": [Check("GET", CITY_VIEW, setup=_fresh_package)],
    "planning:package_pdf": [Check("GET", CITY_VIEW, setup=_fresh_package)],
    "planning:package_xlsx": [Check("GET", CITY_VIEW, setup=_fresh_package)],
    "planning:package_adjust": [Check("POST", CITY_EDIT_POST, setup=_fresh_package)],
    "planning:package_robustness_start": [Check("POST", CITY_EDIT_POST, setup=_fresh_package)],
    "planning:package_robustness_status": [Check("GET", CITY_VIEW, setup=_fresh_package)],
    # Endorsing needs the coordinator; an empty rationale is refused with a message (redirect).
    "planning:package_endorse": [
        Check(
            "POST",
            city_a(FOUND, FORBIDDEN, FORBIDDEN, FOUND, MISSING, FORBIDDEN, MISSING, FOUND),
            setup=_fresh_package,
            data=lambda w: {"rationale": "Best value for the budget."},
        ),
    ],
    # A session without candidates: the run is refused with a message, a redirect for editors.
    "planning:run_create": [Check("POST", CITY_EDIT_POST, setup=_fresh_session)],
    "planning:stakeholder_add": [Check("POST", CITY_EDIT_POST, setup=_fresh_session)],
    # A future without a name is refused with a message (a redirect) for the city's editors.
    "planning:future_add": [Check("POST", CITY_EDIT_POST, setup=_fresh_session)],
    "planning:future_delete": [
        Check("POST", CITY_EDIT_POST, setup=_fresh_session, data=lambda w: {"name": "None"})
    ],
    "api:api-root": [Check("GET", every(MISSING))],
    "api:catalogue_list": [
        Check("GET", every(OK)),
        Check("GET", every(OK), query="?sector=health&limit=5"),
    ],
    "api:catalogue_detail": [
        Check("GET", every(OK), kwargs=_catalogue_action),
        Check("GET", every(MISSING), kwargs=lambda w: {"code": "NOPE-99"}),
    ],
    "api:city_assessments": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK),
            kwargs=lambda w: {"city_id": w.city_a.pk},
        ),
    ],
    "api:city_candidates": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK),
            kwargs=lambda w: {"city_id": w.city_a.pk},
        ),
    ],
    "api:city_hazards": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK),
            kwargs=lambda w: {"city_id": w.city_a.pk},
        ),
        Check(
            "GET",
            every(MISSING) | {"anonymous": UNAUTHORISED, "admin": OK},
            kwargs=lambda w: {"city_id": w.hidden.pk},
        ),
    ],
    "api:city_sessions": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK),
            kwargs=lambda w: {"city_id": w.city_a.pk},
        ),
    ],
    "api:city_packages": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK),
            kwargs=lambda w: {"city_id": w.city_a.pk},
        ),
    ],
    "api:session_run_detail": [
        Check("GET", city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK), setup=_api_run),
    ],
    # Editors reach the service, which refuses a session without candidates (422).
    "api:session_run_create": [
        Check(
            "POST",
            city_a(UNAUTHORISED, FORBIDDEN, 422, 422, MISSING, FORBIDDEN, MISSING, 422),
            setup=_api_session,
        ),
    ],
    "api:session_run_cancel": [
        Check(
            "POST",
            city_a(UNAUTHORISED, FORBIDDEN, 202, 202, MISSING, FORBIDDEN, MISSING, 202),
            setup=_api_queued_run,
        ),
        # A run that has finished has nothing to cancel: 422 for those who may cancel.
        Check(
            "POST",
            city_a(UNAUTHORISED, FORBIDDEN, 422, 422, MISSING, FORBIDDEN, MISSING, 422),
            setup=_api_run,
        ),
    ],
    "api:city_list": [Check("GET", every(OK))],
    "api:city_detail": [
        Check("GET", every(OK), kwargs=lambda w: {"city_id": w.city_a.pk}),
        Check("GET", every(MISSING) | {"admin": OK}, kwargs=lambda w: {"city_id": w.hidden.pk}),
    ],
    "api:results": [Check("GET", PROGRAMME_ONLY | {"anonymous": UNAUTHORISED})],
    "api:city_measures": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK),
            kwargs=lambda w: {"city_id": w.city_a.pk},
        )
    ],
    "api:lesson_list": [Check("GET", every(OK))],
    # A published lesson: anyone. A draft: its city's members (and the platform admin) only.
    "api:lesson_detail": [
        Check("GET", every(OK), kwargs=lambda w: _lesson_at(w, "published")),
        Check(
            "GET",
            city_a(MISSING, OK, OK, OK, MISSING, MISSING, MISSING, OK),
            kwargs=lambda w: _lesson_at(w, "draft"),
        ),
    ],
    "api:knowledge_search": [
        Check("GET", every(OK), query="?q=flood"),
        Check("GET", every(422), query="?q=flood&kind=planet"),
    ],
    "api:city_exchanges": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK),
            kwargs=lambda w: {"city_id": w.city_a.pk},
        )
    ],
    # A city's peers: whoever sees its peers page (its people, the programme's manager).
    "api:city_peers": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK),
            kwargs=lambda w: {"city_id": w.city_a.pk},
        )
    ],
    "api:city_values": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK),
            kwargs=lambda w: {"city_id": w.city_a.pk},
        )
    ],
    # The city's editors report (201); its viewers and the programme's manager are refused.
    "api:city_value_report": [
        Check(
            "POST",
            city_a(UNAUTHORISED, FORBIDDEN, 201, 201, MISSING, FORBIDDEN, MISSING, 201),
            setup=_api_values,
            data=lambda w: {
                "indicator": "reached",
                "period_start": "2024-01-01",
                "period_end": "2024-03-31",
                "value": 10,
                "breakdown": {"sex": {"female": 6, "male": 4}},
            },
            json=True,
        )
    ],
    "api:concept_list": [Check("GET", every(OK) | {"anonymous": UNAUTHORISED})],
    "api:concept_detail": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK, reviewer=OK),
            setup=lambda w: {"concept_id": _fresh_concept(w)["pk"]},
        )
    ],
    "api:concept_matches": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK, reviewer=OK),
            setup=lambda w: {"concept_id": _fresh_concept(w)["pk"]},
        )
    ],
    # Back to candidate: the city's editors' move; the others see it but may not make it.
    "api:concept_move": [
        Check(
            "POST",
            city_a(UNAUTHORISED, FORBIDDEN, OK, OK, MISSING, FORBIDDEN, MISSING, OK, FORBIDDEN),
            setup=lambda w: {"concept_id": _fresh_concept(w)["pk"]},
            data=lambda w: {"to": "candidate"},
            json=True,
        )
    ],
    "api:concept_oc4ids": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK, reviewer=OK),
            setup=lambda w: {"concept_id": _fresh_concept(w)["pk"]},
        )
    ],
    "api:concept_share": [
        Check(
            "POST",
            city_a(
                UNAUTHORISED, FORBIDDEN, FORBIDDEN, 201, MISSING, 201, FORBIDDEN, 201, FORBIDDEN
            ),
            setup=lambda w: {"concept_id": _shared_concept(w)["pk"]},
            data=lambda w: {"facility": Facility.objects.order_by("-pk").first().code},  # type: ignore[union-attr]
            json=True,
        )
    ],
    "api:concept_messages": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, OK, OK, reviewer=OK),
            setup=lambda w: {"concept_id": _shared_concept(w)["pk"]},
        )
    ],
    # A funder's question: the funder of the facility it was shared with, nobody else.
    "api:concept_message": [
        Check(
            "POST",
            every(FORBIDDEN) | {"anonymous": UNAUTHORISED, "editor_b": MISSING, "funder": 201},
            setup=lambda w: {"concept_id": _shared_concept(w)["pk"]},
            data=lambda w: {
                "kind": "question",
                "facility": Facility.objects.order_by("-pk").first().code,  # type: ignore[union-attr]
                "text": "Is the land the city's?",
            },
            json=True,
        )
    ],
    "api:concept_reviews": [
        Check(
            "GET",
            city_a(UNAUTHORISED, OK, OK, OK, MISSING, OK, MISSING, OK, reviewer=OK),
            setup=lambda w: {"concept_id": _fresh_concept(w)["pk"]},
        )
    ],
    "api:concept_review": [
        Check(
            "POST",
            # Four eyes: a platform admin is no reviewer unless assigned to the programme.
            city_a(
                UNAUTHORISED,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                MISSING,
                FORBIDDEN,
                MISSING,
                FORBIDDEN,
                reviewer=201,
            ),
            setup=lambda w: {"concept_id": _fresh_concept(w)["pk"]},
            data=lambda w: {"scores": _full_scores(), "comment": "Clear."},
            json=True,
        )
    ],
    "api:pipeline_funnel": [
        Check(
            "GET",
            every(FORBIDDEN)
            | {"anonymous": UNAUTHORISED, "manager": OK, "reviewer": OK, "admin": OK},
        )
    ],
    "api:facility_directory": [Check("GET", every(OK))],
    "api:allocation_list": [Check("GET", PROGRAMME_ONLY | {"anonymous": UNAUTHORISED})],
    "api:allocation_detail": [
        Check("GET", PROGRAMME_ONLY | {"anonymous": UNAUTHORISED}, setup=_allocation)
    ],
    # A facility's pot through the API: its own funders only (another's is 403, no code 404).
    "api:facility_allocation_list": [
        Check("GET", FUNDER_ONLY | {"anonymous": UNAUTHORISED}, setup=_facility_code),
        Check("GET", signed_in(MISSING, UNAUTHORISED), kwargs=lambda w: {"code": "no"}),
    ],
    "api:facility_allocation_detail": [
        Check("GET", FUNDER_ONLY | {"anonymous": UNAUTHORISED}, setup=_facility_allocation)
    ],
    "api:me": [Check("GET", every(OK) | {"anonymous": UNAUTHORISED})],
    "api:openapi-json": [Check("GET", every(OK))],
    "api:openapi-view": [Check("GET", every(OK))],
}


def route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: list[str]) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, namespace + ([p.namespace] if p.namespace else []))
            else:
                assert isinstance(p, URLPattern)
                if p.name is None and namespace[:1] == ["admin"]:
                    continue  # the admin's own redirects and catch-all, behind admin_view
                if p.name is None:
                    names.add(f"<unnamed: {'/'.join(namespace)} {p.pattern}>")
                else:
                    names.add(":".join([*namespace, p.name]))

    walk(get_resolver().url_patterns, [])
    return names


def client_for(world: World, role: str) -> Client:
    client = Client()
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    return client


def test_every_route_is_in_the_matrix() -> None:
    names = route_names()
    unnamed = sorted(n for n in names if n.startswith("<unnamed"))
    assert not unnamed, f"name these routes so the matrix can cover them: {unnamed}"
    uncovered = sorted(n for n in names if n not in MATRIX and not n.startswith("admin:"))
    assert not uncovered, f"routes missing from the authorization matrix: {uncovered}"
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route_against_role_matrix(world: World, name: str) -> None:
    for check in MATRIX[name]:
        assert set(check.expect) == set(ROLES), f"{name}: every role needs an expectation"
        for role in ROLES:
            cache.clear()  # rate limits are tested on their own
            kwargs = check.setup(world) if check.setup else check.kwargs(world)
            url = reverse(name, kwargs=kwargs) + check.query
            client = client_for(world, role)
            response = client.generic(
                check.method,
                url,
                data=json.dumps(check.data(world)) if check.json else _encode(check.data(world)),
                content_type="application/json"
                if check.json
                else "application/x-www-form-urlencoded",
            )
            expected = check.expect[role]
            assert response.status_code == expected, (
                f"{check.method} {url} as {role}: {response.status_code}, expected {expected}"
            )
            if (
                role == "anonymous"
                and expected == FOUND
                and name
                not in {
                    "web:report_problem",
                    "set_language",
                    "logout",
                    "password_reset",
                    "ballot:thanks",
                }
            ):
                assert response["Location"].startswith(reverse("login")), url


def _encode(data: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)


# 403: an admin page for something nobody may add by hand (tokens, audit events).
ADMIN_ALLOWED = {200, 302, 403, 404}


def test_admin_routes_are_for_platform_admins_only(world: World) -> None:
    """Every admin route: nobody but a platform admin gets past the admin login."""
    names = sorted(n for n in route_names() if n.startswith("admin:"))
    assert len(names) > 40
    clients = {role: client_for(world, role) for role in ROLES}  # one sign-in per role
    for name in names:
        if name in {"admin:login", "admin:logout"}:
            continue
        short = name.split(":", 1)[1]
        params = _admin_params(world, short)
        url = reverse(name, kwargs=params) if params else reverse(name)
        for role in ROLES:
            response = clients[role].get(url)
            if role == "admin":
                assert response.status_code in ADMIN_ALLOWED, (url, response.status_code)
                if response.status_code == 302:
                    assert "/admin/login/" not in response["Location"], url
            else:
                assert response.status_code == FOUND, (url, role, response.status_code)
                assert "/admin/login/" in response["Location"], (url, role)


def _admin_params(world: World, short: str) -> dict[str, Any]:
    if short in {"password_change", "password_change_done"}:
        return {}
    if short == "app_list":
        return {"app_label": "cities"}
    if short == "view_on_site":
        from django.contrib.contenttypes.models import ContentType

        from recap.cities.models import City

        return {
            "content_type_id": ContentType.objects.get_for_model(City).pk,
            "object_id": world.city_a.pk,
        }
    if short.endswith("_password_change") and short != "password_change":
        return {"id": world.users["viewer_a"].pk}
    if short.endswith(("_change", "_delete", "_history")):
        return {"object_id": world.city_a.pk}
    return {}
