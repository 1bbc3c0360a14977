"""A declared move table (`core.workflow`): a move only from where it starts, only on the record
as the caller saw it, and with a reason where one is needed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from recap.core.workflow import Move, UnderReview, Workflow

FLOW = Workflow(
    [
        Move("submit", ("draft",), "submitted", "Only a draft can be submitted."),
        Move(
            "return",
            ("submitted", "published"),
            "draft",
            "Already with the city.",
            needs_reason=True,
            reason_asked="Say why it goes back.",
        ),
    ],
    editable=("draft",),
)


class Record(UnderReview):
    def __init__(self, status: str) -> None:
        self.status = status

    @classmethod
    def workflow(cls) -> Workflow:
        return FLOW


def test_a_move_leaves_only_from_its_statuses_and_from_what_the_caller_saw() -> None:
    assert FLOW.check("submit", seen="draft", fresh="draft").to == "submitted"
    with pytest.raises(ValidationError, match="Only a draft"):
        FLOW.check("submit", seen="submitted", fresh="submitted")
    with pytest.raises(ValidationError, match="Only a draft"):  # changed meanwhile
        FLOW.check("submit", seen="draft", fresh="submitted")
    with pytest.raises(ValidationError, match="read it again"):
        FLOW.check("submit", seen="draft", fresh="submitted", stale="read it again")
    assert FLOW.check("return", seen="published", fresh="published").to == "draft"


def test_a_reason_where_the_move_needs_one() -> None:
    back = FLOW.move("return")
    with pytest.raises(ValidationError) as refused:
        FLOW.reason(back, "   ")
    assert refused.value.message_dict == {"reason": ["Say why it goes back."]}
    assert FLOW.reason(back, "  missing figures ") == "missing figures"
    assert FLOW.reason(FLOW.move("submit"), "") == ""


def test_a_record_offers_the_moves_its_status_allows() -> None:
    assert Record("draft").moves == {"submit"} and Record("draft").editable
    assert Record("published").moves == {"return"} and not Record("published").editable
    assert Record("unknown").moves == set()
