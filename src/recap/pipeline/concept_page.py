"""What a concept's page shows, read in one place rather than in its view: the record as the
actions and the city wrote it, the moves it can make, the facilities it fits, the funders'
threads, the reviews of its round and what the reader may do (the view adds only its forms)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from recap.accounts.access import Level
from recap.accounts.types import Reader
from recap.catalogue.models import Sector
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.hazards.selectors import hazard_type_names
from recap.planning.readouts import robustness_readout
from recap.planning.selectors import version_robustness

from . import concepts as svc
from . import selectors
from .matching import matches_for
from .models import CLOSED, Facility, ProjectConcept, Stage
from .money import concept_money
from .policies import is_manager_of
from .record import concept_hazards, concept_sectors, source_lines
from .reviews import may_review, review_summary, reviews_of_round
from .stages import FORWARD, Actor, Move, moves_from
from .texts import choice_labels


@dataclass(frozen=True)
class Offered:
    """A move the concept's stage allows, as its page offers it."""

    move: Move
    allowed: bool  # the reader may make it
    missing: list[str]  # what its gate still needs ([] = open)
    main: bool  # forward along the main line (shown to everyone, with who makes it)

    @property
    def by(self) -> str:
        return str(svc.ACTOR_WORDS[self.move.by])


def offered_moves(user: Reader, concept: ProjectConcept) -> list[Offered]:
    forward = {m.to for m in FORWARD.get(concept.stage, [])[:1]}
    if concept.stage == Stage.ON_HOLD:
        forward = {Stage(concept.held_from or Stage.DRAFTED)}
    return [
        Offered(move, svc.may_act(user, concept, move.by), move.gate(concept), move.to in forward)
        for move in moves_from(concept)
    ]


def robustness_of(concept: ProjectConcept) -> dict[str, float]:
    """How often each of the concept's source actions was chosen in its package's robustness."""
    version = concept.package_version
    if version is None:
        return {}
    found = robustness_readout(version_robustness(version, done=True).job)
    return found.selection_probability if found else {}


def concept_page(
    user: Reader,
    city: City,
    concept: ProjectConcept,
) -> dict[str, Any]:
    matches = matches_for(concept, list(selectors.facility_list()))
    hazard_names = hazard_type_names()
    shared = {s.facility_id for s in concept.shares.all()}
    open_ = concept.stage not in CLOSED
    round_reviews = reviews_of_round(concept)
    threads = selectors.funder_threads(concept, facility_ids=None)
    reads_city = city_policy.allows(user, city, Level.VIEW)
    # The reader's own review of this round (all of them, counted or not): offered to change,
    # not to write again.
    mine = next(
        (
            r
            for r in concept.reviews.all()
            if r.round == concept.review_round and r.reviewer_id == user.pk
        ),
        None,
    )
    return {
        "city": city,
        "c": concept,
        # The way back: the city's list for whoever reads the city, else the pipeline's board
        # (a reviewer or a manager reads the concept without the city's workspace).
        "back": reverse("concepts:list", args=[city.slug])
        if reads_city
        else reverse("board:board"),
        # The package it comes from, a link for whoever reads the city's packages.
        "package_url": concept.package_version.package.get_absolute_url()
        if concept.package_version and reads_city
        else "",
        # The record.
        "sources": source_lines(concept, robustness=robustness_of(concept)),
        "money": concept_money(concept),
        "sectors": choice_labels(Sector.choices, concept_sectors(concept)),
        "sector_from_actions": not concept.sector,
        "hazards": [hazard_names.get(h, h) for h in concept_hazards(concept)],
        "hazards_from_actions": not concept.hazards,
        "climate": choice_labels(Facility.ClimateObjective.choices, concept.climate_objectives),
        "attachments": concept.attachments.all(),
        # Its way through the pipeline.
        "offered": offered_moves(user, concept),
        "moves": list(concept.moves.select_related("actor").order_by("-at", "-pk")),
        # Facilities and funders.
        # The best three it is not ruled out of (the ruled-out ones only on the matches page).
        "matches": [m for m in matches if not m.failed][:3],
        "match_count": sum(1 for m in matches if not m.failed),
        "threads": threads,
        "message_count": sum(len(thread) for thread in threads.values()),
        "shareable": [m.facility for m in matches if m.facility.pk not in shared],
        # Review.
        "reviews": round_reviews,
        "review_summary": review_summary(round_reviews, selectors.rubrics()),
        "earlier_reviews": concept.reviews.exclude(round=concept.review_round).select_related(
            "reviewer"
        ),
        "decisions": concept.decisions.select_related("decided_by").order_by("-at"),
        # What the reader may do.
        "can_edit": city_policy.allows(user, city, Level.EDIT) and open_,
        "can_share": svc.may_act(user, concept, Actor.CITY_OR_MANAGER)
        and concept.stage in ProjectConcept.SUBMITTED_STAGES
        and open_,
        "can_review": concept.stage == Stage.DRAFTED and may_review(user, concept),
        "my_review": mine,
        "can_decide": concept.stage == Stage.DRAFTED and is_manager_of(user, city.pk),
    }
