"""Each decision a person waits on in the pipeline reaches them by e-mail: a funder's question
or interest reaches the city's team, the city's reply the funder's people, a review the city
and the programme's managers, a decision of the programme's the city (with its reason). Never
the one who acted, another city, someone inactive or without an address; each in their own
language; the link on the site's public address; nothing when the write rolls back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import formats, translation

from recap.accounts.models import Membership, Role, User
from recap.cities.models import Programme
from recap.pipeline.concepts import city_reply, concept_move, concept_share, funder_message
from recap.pipeline.models import Facility, ProjectConcept, Stage
from recap.pipeline.reviews import review_revise, review_submit
from recap.testing import World, concept_at, make_user

from .conftest import full_scores, second_reviewer

pytestmark = pytest.mark.django_db

SITE = "https://recap.example.org"


class RolledBackError(Exception):
    """Raised inside a transaction to roll it back."""


@pytest.fixture
def sent(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """`with sent() as outbox:` runs the writes, commits (the tasks run at once in tests) and
    leaves the e-mails they sent in `outbox`."""

    @contextmanager
    def capture() -> Iterator[list[Any]]:
        mail.outbox.clear()
        outbox: list[Any] = []
        with override_settings(RECAP_SITE_URL=SITE + "/"):
            with django_capture_on_commit_callbacks(execute=True):
                yield outbox
            outbox.extend(mail.outbox)

    return capture


@pytest.fixture
def bystanders(world: World) -> dict[str, User]:
    """Kigali's team members an e-mail never reaches: one who left, one with no address."""
    left = make_user("left_a", is_active=False)
    silent = make_user("silent_a")
    User.objects.filter(pk=silent.pk).update(email="")
    for person in (left, silent):
        Membership.objects.create(user=person, role=Role.CITY_EDITOR, city=world.city_a)
    return {"left": left, "silent": silent}


def to(outbox: list[Any]) -> set[str]:
    assert all(len(m.to) == 1 for m in outbox)  # one e-mail each: no one sees another's address
    return {m.to[0].split("@")[0] for m in outbox}


def shared(world: World, facility: Facility) -> ProjectConcept:
    concept = concept_at(world.city_a, "Wetland channels", "submitted")
    concept_share(actor=world.users["manager"], concept=concept, facility=facility)
    return concept


def test_a_funders_question_reaches_the_citys_team_only(
    world: World, facilities: dict[str, Facility], bystanders: dict[str, User], sent: Any
) -> None:
    concept = shared(world, facilities["gap-fund"])
    with sent() as outbox:
        funder_message(
            actor=world.users["funder"],
            concept=concept,
            facility=facilities["gap-fund"],
            kind="question",
            text="What share of the cost is the city's own?",
        )
    assert to(outbox) == {"editor_a", "coordinator_a"}
    message = outbox[0]
    assert message.subject == "City Climate Finance Gap Fund asked about “Wetland channels”"
    assert "What share of the cost is the city's own?" in message.body
    link = f"{SITE}/cities/kigali/workspace/concepts/{concept.pk}/#funder-gap-fund"
    assert link in message.body, message.body


def test_an_expression_of_interest_is_told_once(
    world: World, facilities: dict[str, Facility], sent: Any
) -> None:
    concept = shared(world, facilities["gap-fund"])
    say = {
        "actor": world.users["funder"],
        "concept": concept,
        "facility": facilities["gap-fund"],
        "kind": "interest",
        "text": "We would like to see the feasibility study.",
    }
    with sent() as outbox:
        funder_message(**say)
    assert to(outbox) == {"editor_a", "coordinator_a"}
    assert all("is interested in “Wetland channels”" in m.subject for m in outbox)
    with sent() as again:
        funder_message(**say)  # interest is expressed once: asking again changes nothing
    assert again == []


def test_the_citys_reply_reaches_the_funders_people(
    world: World, facilities: dict[str, Facility], sent: Any
) -> None:
    gap_fund = facilities["gap-fund"]
    colleague = make_user("funder_two")
    gone = make_user("funder_gone", is_active=False)
    for person in (colleague, gone):
        Membership.objects.create(user=person, role=Role.FUNDER, organisation=world.funder_org)
    concept = shared(world, gap_fund)
    funder_message(
        actor=world.users["funder"], concept=concept, facility=gap_fund, kind="question", text="?"
    )
    with sent() as outbox:
        city_reply(
            actor=world.users["editor_a"], concept=concept, facility=gap_fund, text="A third."
        )
    assert to(outbox) == {"funder", "funder_two"}  # not the city's people, not one who left
    assert all(m.subject == "Kigali replied about “Wetland channels”" for m in outbox)
    assert f"{SITE}/pipeline/shared/{concept.pk}/#exchange" in outbox[0].body
    assert "A third." in outbox[0].body


def test_a_review_reaches_the_city_and_its_programmes_managers(
    world: World, bystanders: dict[str, User], sent: Any
) -> None:
    # A manager of another programme, which Kigali is not in, is not told.
    elsewhere = Programme.objects.create(
        name="Elsewhere",
        short_name="EL",
        slug="el",
        start_date=date(2022, 1, 1),
        end_date=date(2025, 1, 1),
    )
    elsewhere.cities.set([world.city_b])
    other = make_user("other_manager")
    Membership.objects.create(user=other, role=Role.PROGRAMME_MANAGER, programme=elsewhere)
    concept = concept_at(world.city_a, "Wetland channels", "drafted")
    with sent() as outbox:
        review_submit(
            actor=world.users["reviewer"],
            concept=concept,
            scores=full_scores(),
            comment="Say who maintains the channels.",
        )
    assert to(outbox) == {"editor_a", "coordinator_a", "manager"}  # not the reviewer
    body = outbox[0].body
    assert "Say who maintains the channels." in body
    assert "Reviews that count in this round: 1 (2 are needed" in body
    assert f"{SITE}/cities/kigali/workspace/concepts/{concept.pk}/#review-title" in body


def test_each_reviews_e_mail_counts_the_reviews_in_when_it_was_made(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Both reviews in before the worker sends either: the first e-mail still says one."""
    concept = concept_at(world.city_a, "Wetland channels", "drafted")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        for reviewer, comment in (
            (world.users["reviewer"], "First."),
            (second_reviewer(world), "Second."),
        ):
            review_submit(actor=reviewer, concept=concept, scores=full_scores(), comment=comment)
    mail.outbox.clear()
    for callback in queued:
        callback()
    counts = {
        m.body.split("Their comments for the city:")[1].split()[0]: m.body
        for m in mail.outbox
        if m.to == ["manager@example.org"]
    }
    assert "Reviews that count in this round: 1 (" in counts["First."]
    assert "Reviews that count in this round: 2 (" in counts["Second."]


def test_the_programmes_moves_reach_the_city_with_their_reason(
    world: World, bystanders: dict[str, User], sent: Any
) -> None:
    concept = concept_at(world.city_a, "Wetland channels", "screened")
    with sent() as outbox:
        concept_move(
            actor=world.users["manager"],
            concept=concept,
            to=Stage.DRAFTED,
            reason="Cost the maintenance.",
        )
    assert to(outbox) == {"editor_a", "coordinator_a"}
    [first, *_rest] = outbox
    assert first.subject == f"{concept.reference} “Wetland channels”: Concept drafted"
    assert "from “Screened” to “Concept drafted”" in first.body
    assert "Why: Cost the maintenance." in first.body
    assert f"{SITE}/cities/kigali/workspace/concepts/{concept.pk}/" in first.body
    # Rejected, by the programme: told, with why.
    with sent() as outbox:
        concept_move(
            actor=world.users["manager"], concept=concept, to=Stage.REJECTED, reason="Out of scope."
        )
    assert to(outbox) == {"editor_a", "coordinator_a"}
    assert "Why: Out of scope." in outbox[0].body


def test_the_citys_own_moves_tell_no_one_but_the_programmes_do(world: World, sent: Any) -> None:
    concept = concept_at(world.city_a, "Wetland channels", "drafted")
    with sent() as outbox:
        concept_move(actor=world.users["editor_a"], concept=concept, to=Stage.CANDIDATE)
        concept_move(
            actor=world.users["coordinator_a"], concept=concept, to=Stage.ON_HOLD, reason="Budget."
        )
    assert outbox == []  # the city's own steps: nothing to wait on
    with sent() as outbox:
        concept_move(actor=world.users["manager"], concept=concept, to=Stage.CANDIDATE)
    assert to(outbox) == {"editor_a", "coordinator_a"}  # resumed by the programme
    with sent() as outbox:
        concept_move(
            actor=world.users["manager"], concept=concept, to=Stage.ON_HOLD, reason="Elections."
        )
    assert to(outbox) == {"editor_a", "coordinator_a"}
    assert "Why: Elections." in outbox[0].body


def test_a_request_to_revise_reaches_the_city(world: World, sent: Any) -> None:
    concept = concept_at(world.city_a, "Wetland channels", "drafted")
    with sent() as outbox:
        review_revise(actor=world.users["manager"], concept=concept, feedback="Add the map.")
    assert to(outbox) == {"editor_a", "coordinator_a"}
    assert "Add the map." in outbox[0].body and "(review round 1)" in outbox[0].body
    assert f"/concepts/{concept.pk}/#review-title" in outbox[0].body


def test_each_reads_it_in_their_own_language(world: World, sent: Any) -> None:
    User.objects.filter(pk=world.users["coordinator_a"].pk).update(language="fr")
    concept = concept_at(world.city_a, "Wetland channels", "screened")
    with sent() as outbox:
        concept_move(
            actor=world.users["manager"], concept=concept, to=Stage.REJECTED, reason="Hors sujet."
        )
    by = {m.to[0].split("@")[0]: m for m in outbox}
    # The stage's name and the date, written the French way for the French reader.
    assert "Rejeté" in by["coordinator_a"].body and "“Rejected”" in by["editor_a"].body
    day = concept.moves.last().at.date()
    with translation.override("fr"):
        french_day = formats.date_format(day, "DATE_FORMAT")
    with translation.override("en"):
        english_day = formats.date_format(day, "DATE_FORMAT")
    assert french_day != english_day
    assert french_day in by["coordinator_a"].body and english_day in by["editor_a"].body


def test_a_reader_with_no_language_reads_the_one_the_decision_was_made_in(
    world: World, sent: Any
) -> None:
    concept = concept_at(world.city_a, "Wetland channels", "screened")
    with sent() as outbox, translation.override("fr"):
        concept_move(
            actor=world.users["manager"], concept=concept, to=Stage.REJECTED, reason="Non."
        )
    assert outbox and all("Rejeté" in m.body for m in outbox)


def test_nothing_is_sent_when_the_write_rolls_back(
    world: World, facilities: dict[str, Facility], sent: Any
) -> None:
    concept = shared(world, facilities["gap-fund"])
    drafted = concept_at(world.city_a, "Drafted", "drafted")

    def written_then_rolled_back() -> None:
        with transaction.atomic():
            funder_message(
                actor=world.users["funder"],
                concept=concept,
                facility=facilities["gap-fund"],
                kind="question",
                text="?",
            )
            review_submit(
                actor=world.users["reviewer"], concept=drafted, scores=full_scores(), comment="."
            )
            concept_move(
                actor=world.users["manager"], concept=drafted, to=Stage.REJECTED, reason="No."
            )
            raise RolledBackError

    with sent() as outbox, pytest.raises(RolledBackError):
        written_then_rolled_back()
    assert outbox == []


def test_a_refused_write_sends_nothing(world: World, sent: Any) -> None:
    concept = concept_at(world.city_a, "Wetland channels", "screened")
    with sent() as outbox:
        with pytest.raises(Exception, match="Say why"):
            concept_move(actor=world.users["manager"], concept=concept, to=Stage.REJECTED)
        with pytest.raises(Exception, match="Only"):
            concept_move(
                actor=world.users["editor_b"], concept=concept, to=Stage.REJECTED, reason="x"
            )
    assert outbox == []
