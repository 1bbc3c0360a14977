"""The pipeline's panel on "My work", one section per thing a person waits to do:

- a reviewer: the concepts waiting for their review, and the reviews they gave this round (which
  they may still change until the manager decides);
- the programme's manager: the concepts ready for their decision (a move of theirs whose gate is
  open);
- a city's team: the concepts ready for the city's next step, the funders' questions the city has
  not answered, and what changed on their concepts since their last visit (a review, a decision,
  a funder's message);
- a funder: how many concepts are shared with them, those shared since their last visit, the
  cities' replies since then, and their questions still unanswered.

"Since the last visit" is `user.work_seen_at`: the time My work was last shown to them (the
page moves it on after it is built)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from recap.accounts.access import own_city_ids, programme_city_ids
from recap.accounts.models import Role
from recap.accounts.types import Reader
from recap.cities.models import Programme

from .models import CLOSED, OFF_OFFER, ConceptShare, FunderMessage, ProjectConcept, Stage
from .policies import funder_facility_ids
from .reviews import counts_as_review
from .selectors import concept_queryset, with_gate_data
from .stages import Actor, Move, moves_from

#: The open concepts a section looks at, oldest in their stage first.
LOOK_AT = 40


@dataclass(frozen=True)
class Change:
    concept: ProjectConcept
    what: str
    at: datetime.datetime


def _since(user: Reader) -> datetime.datetime | None:
    return getattr(user, "work_seen_at", None)


def _review_work(user: Reader) -> tuple[list[ProjectConcept], list[ProjectConcept]]:
    """(waiting for the reader's review, reviewed by the reader this round)."""
    reviewed_cities = programme_city_ids(user, Role.REVIEWER)
    if reviewed_cities is None:  # a platform admin's review does not count unless assigned
        return [], []
    cities = reviewed_cities - own_city_ids(user)
    if not cities or isinstance(user, AnonymousUser):
        return [], []
    concepts = list(
        concept_queryset(user=user)
        .filter(stage=Stage.DRAFTED, city_id__in=cities)
        .exclude(created_by=user)
        .prefetch_related("reviews")
        .order_by("stage_since")[:LOOK_AT]
    )
    programmes: dict[int, set[int]] = {}
    for city_id, programme_id in Programme.cities.through.objects.filter(
        city_id__in={c.city_id for c in concepts}
    ).values_list("city_id", "programme_id"):
        programmes.setdefault(city_id, set()).add(programme_id)
    prefetch_related_objects([user], "memberships")  # read once, not once a concept
    waiting: list[ProjectConcept] = []
    done: list[ProjectConcept] = []
    for concept in concepts:
        if not counts_as_review(user, concept, programmes.get(concept.city_id, set())):
            continue
        mine = any(
            r.reviewer_id == user.pk and r.round == concept.review_round
            for r in concept.reviews.all()
        )
        (done if mine else waiting).append(concept)
    return waiting, done


def _changes(
    user: Reader, concepts: list[ProjectConcept], since: datetime.datetime
) -> list[Change]:
    """What others did on the city's concepts since the reader's last visit."""
    out: list[Change] = []
    for concept in concepts:
        for review in concept.reviews.all():
            if review.submitted_at > since:
                out.append(Change(concept, str(_("A reviewer scored it")), review.submitted_at))
        for decision in concept.decisions.all():
            if decision.at > since and decision.decided_by_id != user.pk:
                out.append(
                    Change(
                        concept,
                        str(_("Decision: %(d)s") % {"d": decision.get_decision_display()}),
                        decision.at,
                    )
                )
        for move in concept.moves.all():
            if move.at > since and move.actor_id not in (user.pk, None):
                out.append(
                    Change(
                        concept,
                        str(_("Moved to “%(s)s”") % {"s": Stage(move.to_stage).label}),
                        move.at,
                    )
                )
        for message in concept.funder_messages.all():
            if message.at > since and message.kind != FunderMessage.Kind.REPLY:
                out.append(
                    Change(
                        concept,
                        str(
                            _("%(facility)s: %(kind)s")
                            % {
                                "facility": message.facility.name,
                                "kind": message.get_kind_display(),
                            }
                        ),
                        message.at,
                    )
                )
    return sorted(out, key=lambda c: c.at, reverse=True)[:LOOK_AT]


def _funder_work(user: Reader, since: datetime.datetime | None) -> dict[str, Any] | None:
    facilities = funder_facility_ids(user)
    if not facilities:
        return None
    shares = ConceptShare.objects.filter(facility_id__in=facilities).exclude(
        concept__stage__in=OFF_OFFER
    )
    # A funder back after a month may find hundreds: the newest few, and how many in all.
    fresh = shares.filter(shared_at__gt=since) if since else shares.none()
    new_shares = list(
        fresh.select_related("concept__city", "facility").order_by("-shared_at", "-pk")[:LOOK_AT]
    )
    new_count = fresh.count() if len(new_shares) == LOOK_AT else len(new_shares)
    threads: dict[tuple[int, int], FunderMessage] = {}  # (concept, facility) -> last message
    messages = (
        FunderMessage.objects.filter(facility_id__in=facilities)
        .exclude(concept__stage__in=OFF_OFFER)
        .select_related("concept__city", "facility")
        .order_by("at", "pk")
    )
    for message in messages:
        threads[(message.concept_id, message.facility_id)] = message
    waiting = [m for m in threads.values() if m.kind == FunderMessage.Kind.QUESTION]
    replies = [
        m
        for m in threads.values()
        if m.kind == FunderMessage.Kind.REPLY and (since is None or m.at > since)
    ]
    return {
        "shared": shares.count(),
        "new_shares": new_shares,
        "new_more": new_count - len(new_shares),
        "waiting": sorted(waiting, key=lambda m: m.at)[:LOOK_AT],
        "replies": sorted(replies, key=lambda m: m.at, reverse=True)[:LOOK_AT],
        "since": since,
    }


def pipeline_work(user: Reader) -> dict[str, Any] | None:
    from .concepts import may_act

    since = _since(user)
    decide: list[tuple[ProjectConcept, Move]] = []
    ready: list[tuple[ProjectConcept, Move]] = []
    unanswered: list[ProjectConcept] = []
    own = own_city_ids(user)
    # Only a city's team and the programme's managers move concepts or answer funders: for a
    # reviewer or a funder, who read many concepts and act on none of them here, nothing to scan.
    acts = bool(own) or programme_city_ids(user, Role.PROGRAMME_MANAGER) != set()
    concepts = (
        list(
            with_gate_data(concept_queryset(user=user).exclude(stage__in=CLOSED))
            .prefetch_related("decisions", "moves", "funder_messages__facility")
            .order_by("stage_since")[:LOOK_AT]
        )
        if acts
        else []
    )
    for concept in concepts:
        for move in moves_from(concept):
            if move.needs_reason or not may_act(user, concept, move.by):
                continue
            if not move.gate(concept):
                (decide if move.by == Actor.MANAGER else ready).append((concept, move))
                break
        last: dict[int, str] = {}  # facility -> the kind of its thread's last message
        for message in sorted(concept.funder_messages.all(), key=lambda m: (m.at, m.pk)):
            last[message.facility_id] = message.kind
        waiting = any(kind != FunderMessage.Kind.REPLY for kind in last.values())
        if waiting and may_act(user, concept, Actor.EDITOR):
            unanswered.append(concept)
    changes = (
        _changes(user, [c for c in concepts if c.city_id in own], since) if since and own else []
    )
    to_review, reviewed = _review_work(user)
    funder = _funder_work(user, since)
    if not any((decide, ready, unanswered, changes, to_review, reviewed, funder)):
        return None
    return {
        "decide": decide,
        "ready": ready,
        "unanswered": unanswered,
        "changes": changes,
        "to_review": to_review,
        "reviewed": reviewed,
        "funder": funder,
        "since": since,
    }
