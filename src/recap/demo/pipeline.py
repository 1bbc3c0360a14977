"""The demo's project pipeline, written through the same services people use (so every gate
holds and every move is audited): Kigali's concepts from its endorsed package, Rajshahi's and
Sebkha's started blank, at the stages `data/pipeline.json` names, with their reviews, shares
and a funder's question. Only the dates are moved back afterwards, so the board's ageing has
something to show. Then the programme's portfolio decision (`decision` there): its preparation
support shared among the concepts in the pipeline, two per country where a country has two,
which moves the supported concepts one stage on as a real decision does."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from recap.accounts.models import User
from recap.cities.models import City, Organisation
from recap.pipeline.allocation import Terms, allocation_decide
from recap.pipeline.concepts import (
    concept_move,
    concept_save,
    concept_share,
    concept_start,
    concept_start_blank,
    funder_message,
)
from recap.pipeline.models import Facility, ProjectConcept, Rubric, Stage
from recap.pipeline.reviews import review_submit
from recap.planning.models import ActionPackage

from .content import demo_data


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _scores(level: int) -> dict[str, dict[str, int]]:
    return {r.code: {c["code"]: level for c in r.criteria} for r in Rubric.objects.all()}


def _rows(spec: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {
        name: spec.get(name, [])
        for name in ("funding_sources", "preparation_costs", "indicators", "studies")
    }


def _walk(concept: ProjectConcept, spec: dict[str, Any], city: City) -> ProjectConcept:
    """Move the concept along the main line to its stage, by the people who would."""
    editor = _user(f"{city.slug}.editor")
    coordinator = _user(
        f"{city.slug}.coordinator"
        if User.objects.filter(username=f"{city.slug}.coordinator").exists()
        else "admin"
    )
    manager = _user("programme.manager")
    target = spec["stage"]
    order = [Stage.CANDIDATE, Stage.DRAFTED, Stage.SCREENED, Stage.SUBMITTED, Stage.PRESENTED]
    for to in order[1 : order.index(target) + 1]:
        if to == Stage.DRAFTED:
            concept = concept_move(actor=editor, concept=concept, to=to)
            for review in spec.get("reviews", []):
                review_submit(
                    actor=_user(review["reviewer"]),
                    concept=concept,
                    scores=_scores(review["level"]),
                    comment=review["comment"],
                )
        elif to == Stage.SCREENED:
            concept = concept_move(
                actor=manager,
                concept=concept,
                to=to,
                reason="Both reviews favourable; the comments are for the city to act on.",
            )
        elif to == Stage.SUBMITTED:
            concept = concept_move(actor=coordinator, concept=concept, to=to)
            for code in spec.get("shared", []):
                concept_share(
                    actor=manager, concept=concept, facility=Facility.objects.get(code=code)
                )
        elif to == Stage.PRESENTED:
            concept = concept_move(actor=manager, concept=concept, to=to)
    return concept


def demo_pipeline(cities: dict[str, City]) -> None:
    if ProjectConcept.objects.exists():
        return
    pipeline = demo_data("pipeline")
    code = pipeline["funder"]["facility"]
    Facility.objects.filter(code=code).update(
        organisation=Organisation.objects.get(
            name=pipeline["funder"]["organisation"], kind=Organisation.Kind.FUNDER
        )
    )
    package = ActionPackage.objects.filter(
        city=cities["kigali"], status=ActionPackage.Status.ENDORSED
    ).first()
    now = timezone.now()
    for spec in pipeline["concepts"]:
        city = cities[spec["city"]]
        editor = _user(f"{city.slug}.editor")
        if spec.get("actions") and package is not None and package.current is not None:
            chosen = [c for c in spec["actions"] if c in package.current.selected][: spec["take"]]
            concept = concept_start(
                actor=editor, version=package.current, codes=chosen, title=spec["title"]
            )
        else:
            concept = concept_start_blank(actor=editor, city=city, title=spec["title"])
        concept_save(actor=editor, concept=concept, values=spec["record"], rows=_rows(spec))
        concept = _walk(concept, spec, city)
        if spec.get("funder_question"):
            funder_message(
                actor=_user("funder"),
                concept=concept,
                facility=Facility.objects.get(code=code),
                kind="question",
                text=spec["funder_question"],
            )
        if spec.get("funder_interest"):  # so that preparation may start once it is presented
            funder_message(
                actor=_user("funder"),
                concept=concept,
                facility=Facility.objects.get(code=code),
                kind="interest",
                text=spec["funder_interest"],
            )
        # Its history, moved back as a whole so that it has been in its stage for a while.
        back = datetime.timedelta(days=spec["days_in_stage"])
        ProjectConcept.objects.filter(pk=concept.pk).update(stage_since=now - back)
        for move in concept.moves.all():
            move.at -= back
            move.save(update_fields=["at"])
    demo_decision(pipeline["decision"])


def demo_decision(spec: dict[str, Any]) -> None:
    """The programme manager's decision on the pot, taken through the service."""
    from recap.cities.models import Programme

    manager = _user("programme.manager")
    programme = Programme.objects.filter(memberships__user=manager).order_by("pk").first()
    if programme is None:
        return
    terms = Terms(
        name=spec["name"],
        currency=spec["currency"],
        pot=spec["pot"],
        basis=spec["basis"],
        partial_down_to=spec["partial_down_to"],
        min_per_country=spec["min_per_country"],
        max_per_city=spec.get("max_per_city"),
        floor_share=spec["floor_share"],
        weights=spec["weights"],
    )
    allocation_decide(actor=manager, programme=programme, terms=terms, rationale=spec["rationale"])
