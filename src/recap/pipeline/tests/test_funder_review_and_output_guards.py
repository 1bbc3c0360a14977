"""What a review of the change found, kept fixed: a funder's API view shows no internal history;
returning a screened concept opens a new review round; reviewers never see a concept that was
never drafted; amounts in another currency are not compared with US$ tickets; text pasted from a
word processor does not break the XLSX."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from openpyxl import load_workbook

from recap.pipeline.concepts import concept_move, concept_save, concept_share
from recap.pipeline.matching import ConceptFacts, match
from recap.pipeline.models import ConceptReview, Facility, ProjectConcept, Stage
from recap.pipeline.outputs import concept_xlsx
from recap.pipeline.policies import project_concept_policy
from recap.pipeline.reviews import gate_reviews
from recap.testing import World, concept_at

from .conftest import second_reviewer

pytestmark = pytest.mark.django_db


def test_a_funder_reads_no_internal_history_over_the_api(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    concept = concept_at(world.city_a, "Wetlands", "submitted")
    concept.moves.update(reason="Internal: the mayor hesitates.")
    concept_share(actor=world.users["manager"], concept=concept, facility=facilities["gap-fund"])
    client.force_login(world.users["funder"])
    body = client.get(f"/api/v1/pipeline/concepts/{concept.pk}").json()
    assert body["moves"] and all(m["reason"] == "" and m["by"] is None for m in body["moves"])
    assert body["next_step_needs"] == []
    matches = client.get(f"/api/v1/pipeline/concepts/{concept.pk}/matches").json()
    assert [m["facility"] for m in matches] == ["gap-fund"]
    client.force_login(world.users["editor_a"])
    body = client.get(f"/api/v1/pipeline/concepts/{concept.pk}").json()
    assert body["moves"][0]["reason"] == "Internal: the mayor hesitates."
    assert len(client.get(f"/api/v1/pipeline/concepts/{concept.pk}/matches").json()) == 7


def test_returning_a_screened_concept_opens_a_new_round(world: World) -> None:
    concept = concept_at(world.city_a, "Wetlands", "screened")
    for reviewer in (world.users["reviewer"], second_reviewer(world)):  # round 1's reviews
        ConceptReview.objects.create(concept=concept, reviewer=reviewer, scores={}, comment="ok")
    assert gate_reviews(concept) == []
    concept = concept_move(
        actor=world.users["manager"], concept=concept, to=Stage.DRAFTED, reason="Add the cost."
    )
    assert concept.review_round == 2
    assert ProjectConcept.objects.get(pk=concept.pk).review_round == 2
    assert gate_reviews(concept) == ["2 reviews are needed (it has 0)"]
    [decision] = concept.decisions.all()
    assert (decision.decision, decision.round, decision.feedback) == ("revise", 1, "Add the cost.")


def test_reviewers_never_see_what_was_never_drafted(world: World) -> None:
    held = concept_at(world.city_b, "Held idea", "candidate")
    concept_move(actor=world.users["manager"], concept=held, to=Stage.ON_HOLD, reason="Elections.")
    concept_at(world.city_b, "Draft", "drafted")
    seen = set(
        project_concept_policy.queryset(world.users["reviewer"]).values_list("title", flat=True)
    )
    assert seen == {"Draft"}


def test_other_currencies_are_not_compared_with_dollar_tickets(
    world: World, facilities: dict[str, Facility]
) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    with pytest.raises(ValidationError, match="three-letter code"):
        concept_save(actor=world.users["editor_a"], concept=concept, values={"currency": "rwf"})
    concept_save(
        actor=world.users["editor_a"],
        concept=concept,
        values={"currency": "RWF"},
        rows={"preparation_costs": [{"item": "feasibility", "amount": 300_000_000}]},
    )
    facts = ConceptFacts.of(ProjectConcept.objects.get(pk=concept.pk))
    ticket = next(p for p in match(facts, facilities["afdb-umdf"]).soft if p.name == "ticket")
    assert ticket.points == 15 and "in RWF" in ticket.why


def test_pasted_control_characters_do_not_break_the_xlsx(world: World) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    concept_save(
        actor=world.users["editor_a"],
        concept=concept,
        values={"problem": "Floods\x0bevery year", "objectives": "\t=cmd|' /C calc'!A0"},
    )
    book = load_workbook(io.BytesIO(concept_xlsx(ProjectConcept.objects.get(pk=concept.pk))))
    fields = {r[0]: r[1] for r in book["Concept"].iter_rows(values_only=True) if r and r[0]}
    assert fields["Problem addressed"] == "Floodsevery year"
    assert fields["Objectives"] == "'\t=cmd|' /C calc'!A0"  # a leading tab is escaped too
