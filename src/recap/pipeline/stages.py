"""The stages a concept goes through, who may move it, and the gate each move checks.

Every move is declared once, in `FORWARD` (the main line, stage by stage, and the returns along
it) or `SIDE` (hold, withdraw, reject, cancel, with the stages they leave from): where it goes,
who makes it, whether it needs a reason, its gate, a function that lists what is missing in
words (empty when the gate is open), and the record's fields that gate reads. The services
(`concepts.concept_move`), the pages (the buttons they offer, the missing items beside a closed
gate, each linked to its field) and the API read these tables through `moves_from`; the
record's form marks each field with the first move that needs it (`field_needs`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


class Missing(str):
    """One thing a gate finds missing, in words, with the record's field that supplies it
    ("" when no one field does): a string everywhere, a link to the field on the pages."""

    field: str

    def __new__(cls, text: str, field: str = "") -> Missing:
        made = super().__new__(cls, text)
        made.field = field
        return made


def _empty(concept: ProjectConcept, fields: tuple[str, ...]) -> list[str]:
    missing: list[str] = []
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
            text = _("%(field)s is empty") % {"field": upper_first(str(label))}
            missing.append(Missing(text, name))
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
#: What submission needs on top of screening: the city's own commitment and how far along it is.
SUBMISSION_FIELDS = ("council_approval", "council_reference", "preparation_stage")
#: The fields and rows the screening gate reads (the money: a total cost and its sources).
SCREENED_NEEDS = DRAFT_FIELDS + SCREENING_FIELDS + ("total_cost", "funding_sources")


def gate_drafted(concept: ProjectConcept) -> list[str]:
    return _empty(concept, DRAFT_FIELDS)


def gate_screened(concept: ProjectConcept) -> list[str]:
    missing = _empty(concept, DRAFT_FIELDS + SCREENING_FIELDS)
    money = concept_money(concept)
    if not money.total:
        missing.append(Missing(_("the total cost is unknown"), "total_cost"))
    if not concept.funding_sources.all():
        missing.append(
            Missing(_("no funding source is listed (own funds, grants, loans…)"), "funding_sources")
        )
    return missing


def gate_accepted(concept: ProjectConcept) -> list[str]:
    """Screening: the record complete for screening, and the round's reviews in."""
    from .reviews import gate_reviews

    return gate_screened(concept) + gate_reviews(concept)


def gate_submitted(concept: ProjectConcept) -> list[str]:
    missing = gate_screened(concept)
    if concept.council_approval == ProjectConcept.Council.NONE:
        missing.append(
            Missing(
                _("council approval is needed before submission (adopted or on the agenda)"),
                "council_approval",
            )
        )
    elif not concept.council_reference:
        missing.append(
            Missing(_("the council decision's reference or date is empty"), "council_reference")
        )
    if not concept.preparation_stage:
        missing.append(
            Missing(
                _("the preparation reached (concept, pre-feasibility…) is not said"),
                "preparation_stage",
            )
        )
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
        return [Missing(_("the total cost is unknown"), "total_cost")]
    if money.gap > 0:
        gap = _("US$ %(gap)s of the total cost is not yet secured") % {
            "gap": number_format(money.gap, force_grouping=True)
        }
        return [Missing(gap, "funding_sources")]
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
    #: The record's fields (and rows) its gate reads: the form marks them as needed for it.
    fields: tuple[str, ...] = ()


OPEN_MAIN = tuple(s for s in MAIN_LINE if s not in CLOSED)

FORWARD: dict[str, list[Move]] = {
    Stage.CANDIDATE: [
        Move(
            Stage.DRAFTED,
            gettext_lazy("Mark as drafted"),
            Actor.EDITOR,
            gate_drafted,
            fields=DRAFT_FIELDS,
        )
    ],
    Stage.DRAFTED: [
        Move(
            Stage.SCREENED,
            gettext_lazy("Accept: screened"),
            Actor.MANAGER,
            gate_accepted,
            needs_reason=True,
            fields=SCREENED_NEEDS,
        ),
        Move(Stage.CANDIDATE, gettext_lazy("Back to candidate"), Actor.EDITOR),
    ],
    Stage.SCREENED: [
        Move(
            Stage.SUBMITTED,
            gettext_lazy("Submit to the pipeline"),
            Actor.COORDINATOR,
            gate_submitted,
            fields=SCREENED_NEEDS + SUBMISSION_FIELDS,
        ),
        Move(Stage.DRAFTED, gettext_lazy("Return for revision"), Actor.MANAGER, needs_reason=True),
    ],
    Stage.SUBMITTED: [
        Move(Stage.PRESENTED, gettext_lazy("Mark as presented"), Actor.MANAGER, gate_presented),
    ],
    Stage.PRESENTED: [
        Move(Stage.PREPARATION, gettext_lazy("Start preparation"), Actor.MANAGER, gate_preparation),
    ],
    Stage.PREPARATION: [
        Move(
            Stage.FINANCED,
            gettext_lazy("Mark as financed"),
            Actor.MANAGER,
            gate_financed,
            fields=("total_cost", "funding_sources"),
        ),
    ],
    Stage.FINANCED: [
        Move(Stage.COMPLETED, gettext_lazy("Mark as completed"), Actor.CITY_OR_MANAGER),
    ],
}

SIDE: list[tuple[tuple[Stage, ...], Move]] = [
    (
        tuple(s for s in OPEN_MAIN if s != Stage.FINANCED),
        Move(Stage.ON_HOLD, gettext_lazy("Put on hold"), Actor.CITY_OR_MANAGER, needs_reason=True),
    ),
    (
        OPEN_MAIN,
        Move(Stage.WITHDRAWN, gettext_lazy("Withdraw"), Actor.COORDINATOR, needs_reason=True),
    ),
    (
        (Stage.DRAFTED, Stage.SCREENED, Stage.SUBMITTED, Stage.PRESENTED),
        Move(Stage.REJECTED, gettext_lazy("Reject"), Actor.MANAGER, needs_reason=True),
    ),
    (
        (Stage.PREPARATION, Stage.FINANCED),
        Move(Stage.CANCELLED, gettext_lazy("Cancel"), Actor.CITY_OR_MANAGER, needs_reason=True),
    ),
]

RESUME = Move(Stage.DRAFTED, gettext_lazy("Resume"), Actor.CITY_OR_MANAGER)  # `to` set per concept


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


#: The words for "needed to reach this stage", by the stage (a field's badge on the form).
NEEDED_FOR: dict[Stage, object] = {
    Stage.DRAFTED: gettext_lazy("Needed to draft"),
    Stage.SCREENED: gettext_lazy("Needed to screen"),
    Stage.SUBMITTED: gettext_lazy("Needed to submit"),
    Stage.FINANCED: gettext_lazy("Needed to finance"),
}


def field_needs() -> dict[str, Stage]:
    """Each of the record's fields (and rows) a gate reads, with the first stage along the main
    line whose gate needs it: read from `FORWARD`, the one place that says so."""
    needs: dict[str, Stage] = {}
    for stage in MAIN_LINE:
        for move in FORWARD.get(stage, []):
            if MAIN_LINE.index(move.to) > MAIN_LINE.index(stage):
                for name in move.fields:
                    needs.setdefault(name, Stage(move.to))
    return needs


def needed_label(name: str) -> str:
    """The badge of a field a gate reads ("Needed to draft", "Needed to screen"…); "" for the
    others."""
    stage = field_needs().get(name)
    return str(NEEDED_FOR.get(stage, "")) if stage is not None else ""
