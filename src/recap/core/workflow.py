"""The moves of a record that goes through review (a lesson, a reported value, a measure), each
declared once, in the shape of `pipeline.stages`' move table: its name, the statuses it leaves
from, the status it reaches, whether it needs a reason, and the sentence said when the record is
not where the move starts. Who may make a move stays with each app's policy (a city's editors,
the programme's managers); the table says what may happen to the record.

The services check a move with `Workflow.check(move, seen=..., fresh=...)`: the status the
caller saw and the one read under a lock must agree (of two decisions at once, the second is
refused) and must be one the move leaves from. Pages ask `Workflow.allows(move, status)` to
offer a button, and `Workflow.editable(status)` to offer the form.

Contract: `Move(name, froms, to, refusal, needs_reason=False)`; `decision_moves(submitted,
approved, returned, refusal)` → the approve and return moves of a four-eyes decision;
`Workflow(moves, editable=())`
→ `.move(name)`, `.moves_from(status)`, `.allows(name, status)`, `.editable(status)`,
`.check(name, seen=, fresh=, stale=None)` → the `Move` or a `ValidationError`,
`.reason(move, reason)` → the reason stripped, or a `ValidationError` on "reason".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SAY_WHY = _("Say why.")


@dataclass(frozen=True)
class Move:
    name: str
    froms: tuple[str, ...]
    to: str
    refusal: Promise | str  # said when the record is not in one of `froms`
    needs_reason: bool = False
    reason_asked: Promise | str = SAY_WHY


def decision_moves(
    submitted: str, approved: str, returned: str, refusal: Promise | str
) -> list[Move]:
    """The four-eyes decision on a submitted record (a reported value, progress on a plan):
    "approve", or "return" with a reason; `refusal` said when it is no longer submitted."""
    return [
        Move("approve", (submitted,), approved, refusal),
        Move(
            "return",
            (submitted,),
            returned,
            refusal,
            needs_reason=True,
            reason_asked=_("Say why it is returned."),
        ),
    ]


class Workflow:
    def __init__(self, moves: Iterable[Move], *, editable: tuple[str, ...] = ()) -> None:
        self._moves = {move.name: move for move in moves}
        self._editable = editable

    def move(self, name: str) -> Move:
        return self._moves[name]

    def moves_from(self, status: str) -> list[Move]:
        return [move for move in self._moves.values() if status in move.froms]

    def allows(self, name: str, status: str) -> bool:
        return status in self._moves[name].froms

    def editable(self, status: str) -> bool:
        return status in self._editable

    def check(
        self, name: str, *, seen: str, fresh: str, stale: Promise | str | None = None
    ) -> Move:
        """The move, if the record is still as the caller saw it (`seen`, against `fresh`,
        read under a lock) and where the move leaves from; else a `ValidationError` with
        `stale` (someone changed it meanwhile) or the move's refusal."""
        move = self._moves[name]
        if seen != fresh and stale is not None:
            raise ValidationError(str(stale))
        if seen != fresh or fresh not in move.froms:
            raise ValidationError(str(move.refusal))
        return move

    def reason(self, move: Move, reason: str) -> str:
        reason = (reason or "").strip()
        if move.needs_reason and not reason:
            raise ValidationError({"reason": str(move.reason_asked)})
        return reason


class UnderReview:
    """A model whose `status` moves through a workflow (`workflow()`): what its pages read to
    offer the moves (`"submit" in record.moves`) and the form (`record.editable`)."""

    status: str

    @classmethod
    def workflow(cls) -> Workflow:
        raise NotImplementedError(f"{cls.__name__} names its workflow")

    @property
    def moves(self) -> set[str]:
        return {move.name for move in self.workflow().moves_from(self.status)}

    @property
    def editable(self) -> bool:
        return self.workflow().editable(self.status)
