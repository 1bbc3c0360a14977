"""The stages a concept goes through, who may move it, and the gate each move checks.

Every move is declared once, in `FORWARD` (the main line, stage by stage, and the returns along
it) or `SIDE` (hold, withdraw, reject, cancel, with the stages they leave from): where it goes,
who makes it, whether it needs a reason, and its gate, a function that lists what is missing in
words (empty when the gate is open). The services (`concepts.concept_move`), the pages (the
buttons they offer, the missing items beside a closed gate) and the API read these tables
through `moves_from`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .models import CLOSED, MAIN_LINE, FunderMessage, ProjectConcept, Stage
from .money import concept_money
from .record import concept_hazards, concept_sectors
from .texts import upper_first


class Actor(Enum):
    """Who makes a move, for the concept's city."""

    EDITOR = "editor"  # the city's editors (and its coordinator)
    COORDINATOR = "coordinator"  # the city's coordinator, who speaks for the city
    MANAGER = "manager"  # the programme's manager
    CITY_OR_MANAGER = "city_or_manager"  # the city's coordinator or the programme's manager


Gate = Callable[[ProjectConcept], list[str]]


def _empty(concept: ProjectConcept, fields: tuple[str, ...]) -> list[str]:
    missing = []
    for name in fields:
        # The sector and the hazards may come from the source actions.
        if name == "sector":
            value: object = concept_sectors(concept)
        elif name == "hazards":
            value = concept_hazards(concept)
        else:
            value = getattr(concept, name)
        if value in (None, "", [], {}):
            label = getattr(ProjectConcept._meta.get_field(name), "verbose_name", name)
            missing.append(_("%(field)s is empty") % {"field": upper_first(str(label))})
    return missing


#: What a drafted concept holds: enough for a reviewer to screen it.
DRAFT_FIELDS = ("title", "summary", "problem", "objectives", "sector", "hazards")
#: What screening needs on top: who, where, for whom, and how much.
SCREENING_FIELDS = (
    "location",
    "applicant",
    "applicant_type",
    "lead_department",
    "contact_name",
    "contact_email",
    "climate_objectives",
    "beneficiaries",
    "vulnerable_groups",
    "plan_fit",
)


def gate_drafted(concept: ProjectConcept) -> list[str]:
    return _empty(concept, DRAFT_FIELDS)


def gate_screened(concept: ProjectConcept) -> list[str]:
    missing = _empty(concept, DRAFT_FIELDS + SCREENING_FIELDS)
    money = concept_money(concept)
    if not money.total:
        missing.append(_("the total cost is unknown"))
    if not concept.funding_sources.all():
        missing.append(_("no funding source is listed (own funds, grants, loans…)"))
    return missing


def gate_accepted(concept: ProjectConcept) -> list[str]:
    """Screening: the record complete for screening, and the round's reviews in."""
    from .reviews import gate_reviews

    return gate_screened(concept) + gate_reviews(concept)


def gate_submitted(concept: ProjectConcept) -> list[str]:
    missing = gate_screened(concept)
    if concept.council_approval == ProjectConcept.Council.NONE:
        missing.append(_("council approval is needed before submission (adopted or on the agenda)"))
    elif not concept.council_reference:
        missing.append(_("the council decision's reference or date is empty"))
    if not concept.preparation_stage:
        missing.append(_("the preparation reached (concept, pre-feasibility…) is not said"))
    return missing


def gate_presented(concept: ProjectConcept) -> list[str]:
    if not concept.shares.all():
        return [_("it has not been shared with any facility or funder")]
    return []


def gate_preparation(concept: ProjectConcept) -> list[str]:
    if not any(m.kind == FunderMessage.Kind.INTEREST for m in concept.funder_messages.all()):
        return [_("no facility or funder has expressed interest")]
    return []


def gate_financed(concept: ProjectConcept) -> list[str]:
    money = concept_money(concept)
    if not money.total:
        return [_("the total cost is unknown")]
    if money.gap > 0:
        return [_("US$ %(gap)s of the total cost is not yet secured") % {"gap": f"{money.gap:,}"}]
    return []


def no_gate(concept: ProjectConcept) -> list[str]:
    return []


@dataclass(frozen=True)
class Move:
    to: Stage
    label: object  # lazy text: the button's words
    by: Actor
    gate: Gate = no_gate
    needs_reason: bool = False


OPEN_MAIN = tuple(s for s in MAIN_LINE if s not in CLOSED)

FORWARD: dict[str, list[Move]] = {
    Stage.CANDIDATE: [Move(Stage.DRAFTED, _lazy("Mark as drafted"), Actor.EDITOR, gate_drafted)],
    Stage.DRAFTED: [
        Move(
            Stage.SCREENED,
            _lazy("Accept: screened"),
            Actor.MANAGER,
            gate_accepted,
            needs_reason=True,
        ),
        Move(Stage.CANDIDATE, _lazy("Back to candidate"), Actor.EDITOR),
    ],
    Stage.SCREENED: [
        Move(Stage.SUBMITTED, _lazy("Submit to the pipeline"), Actor.COORDINATOR, gate_submitted),
        Move(Stage.DRAFTED, _lazy("Return for revision"), Actor.MANAGER, needs_reason=True),
    ],
    Stage.SUBMITTED: [
        Move(Stage.PRESENTED, _lazy("Mark as presented"), Actor.MANAGER, gate_presented),
    ],
    Stage.PRESENTED: [
        Move(Stage.PREPARATION, _lazy("Start preparation"), Actor.MANAGER, gate_preparation),
    ],
    Stage.PREPARATION: [
        Move(Stage.FINANCED, _lazy("Mark as financed"), Actor.MANAGER, gate_financed),
    ],
    Stage.FINANCED: [
        Move(Stage.COMPLETED, _lazy("Mark as completed"), Actor.CITY_OR_MANAGER),
    ],
}

SIDE: list[tuple[tuple[Stage, ...], Move]] = [
    (
        tuple(s for s in OPEN_MAIN if s != Stage.FINANCED),
        Move(Stage.ON_HOLD, _lazy("Put on hold"), Actor.CITY_OR_MANAGER, needs_reason=True),
    ),
    (
        OPEN_MAIN,
        Move(Stage.WITHDRAWN, _lazy("Withdraw"), Actor.COORDINATOR, needs_reason=True),
    ),
    (
        (Stage.DRAFTED, Stage.SCREENED, Stage.SUBMITTED, Stage.PRESENTED),
        Move(Stage.REJECTED, _lazy("Reject"), Actor.MANAGER, needs_reason=True),
    ),
    (
        (Stage.PREPARATION, Stage.FINANCED),
        Move(Stage.CANCELLED, _lazy("Cancel"), Actor.CITY_OR_MANAGER, needs_reason=True),
    ),
]

RESUME = Move(Stage.DRAFTED, _lazy("Resume"), Actor.CITY_OR_MANAGER)  # `to` set per concept


def moves_from(concept: ProjectConcept) -> list[Move]:
    """Every move the concept's stage allows, whoever may make it."""
    stage = concept.stage
    if stage in CLOSED:
        return []
    if stage == Stage.ON_HOLD:
        back = Stage(concept.held_from or Stage.DRAFTED)
        return [
            Move(back, RESUME.label, RESUME.by, FORWARD_GATE.get(back, no_gate)),
            *[move for froms, move in SIDE if move.to != Stage.ON_HOLD and back in froms],
        ]
    return [*FORWARD.get(stage, []), *[move for froms, move in SIDE if stage in froms]]


#: The gate that guards arriving at a stage by the main line: a concept resumed from hold
#: passes it again (what was true when it was put on hold may not be now).
FORWARD_GATE: dict[Stage, Gate] = {
    move.to: move.gate
    for stage, moves in FORWARD.items()
    for move in moves
    if MAIN_LINE.index(move.to) > MAIN_LINE.index(Stage(stage))
}


def next_tasks(concept: ProjectConcept) -> list[str]:
    """What the concept needs for its next step along the main line (nothing once closed): the
    one answer the pages, the board and the API give."""
    if concept.stage in CLOSED:
        return []
    forward = FORWARD.get(concept.stage, [])
    return [str(task) for task in forward[0].gate(concept)] if forward else []
