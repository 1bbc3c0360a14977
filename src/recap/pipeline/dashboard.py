"""The pipeline's panel on "My work": concepts on which the reader can make a move now (its gate
open), the funders' questions the city has not answered, and, for a funder, what has been
shared with them."""

from __future__ import annotations

from typing import Any

from recap.accounts.types import Reader

from .models import CLOSED, FunderMessage
from .policies import funder_facility_ids
from .selectors import concept_queryset, with_gate_data
from .stages import Actor, moves_from

#: The open concepts the panel looks at, oldest in their stage first.
LOOK_AT = 40


def pipeline_work(user: Reader) -> dict[str, Any] | None:
    from .concepts import may_act

    ready = []
    unanswered = []
    concepts = with_gate_data(concept_queryset(user=user).exclude(stage__in=CLOSED)).order_by(
        "stage_since"
    )[:LOOK_AT]
    for concept in concepts:
        for move in moves_from(concept):
            if move.needs_reason or not may_act(user, concept, move.by):
                continue
            if not move.gate(concept):
                ready.append((concept, move))
                break
        last: dict[int, str] = {}  # facility -> the kind of its thread's last message
        for message in sorted(concept.funder_messages.all(), key=lambda m: (m.at, m.pk)):
            last[message.facility_id] = message.kind
        waiting = any(kind != FunderMessage.Kind.REPLY for kind in last.values())
        if waiting and may_act(user, concept, Actor.EDITOR):
            unanswered.append(concept)
    shared = bool(funder_facility_ids(user))
    if not ready and not unanswered and not shared:
        return None
    return {"ready": ready, "unanswered": unanswered, "funder": shared}
