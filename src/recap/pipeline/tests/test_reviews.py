"""Review: reviewers from other cities score against the rubrics, the city reads the comments,
the manager accepts, sends back (a new round) or rejects."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from recap.pipeline.concepts import concept_move
from recap.pipeline.models import ConceptReview, ProjectConcept, Rubric, Stage
from recap.pipeline.reviews import gate_reviews, review_revise, review_submit
from recap.pipeline.services import criteria_problem
from recap.testing import World, concept_at

from .conftest import full_scores, second_reviewer

pytestmark = pytest.mark.django_db


def test_the_shipped_rubrics_are_loaded_and_sound(world: World) -> None:
    rubrics = {r.code: r for r in Rubric.objects.all()}
    assert set(rubrics) == {"screening", "bankability"}
    assert len(rubrics["screening"].criteria) == 8 and len(rubrics["bankability"].criteria) == 5
    for r in rubrics.values():
        assert criteria_problem(r.criteria) == ""
    assert criteria_problem([]) != ""
    assert "twice" in criteria_problem([{"code": "a", "question": "?"}] * 2)
    assert criteria_problem([{"code": "a"}]) != ""


def test_who_may_review(world: World) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    scores, comment = full_scores(), "Good."
    for role in ("reviewer_a", "manager", "editor_a", "editor_b", "funder"):
        with pytest.raises(PermissionDenied):
            review_submit(actor=world.users[role], concept=concept, scores=scores, comment=comment)
    review_submit(actor=world.users["reviewer"], concept=concept, scores=scores, comment=comment)
    # Again in the same round: replaced, not doubled.
    review_submit(
        actor=world.users["reviewer"], concept=concept, scores=full_scores(3), comment="Better."
    )
    assert ConceptReview.objects.get().comment == "Better."
    submitted = concept_at(world.city_a, "Later", "submitted")
    with pytest.raises(ValidationError, match="drafted"):
        review_submit(
            actor=world.users["reviewer"], concept=submitted, scores=scores, comment=comment
        )


def test_scores_are_checked(world: World) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    reviewer = world.users["reviewer"]

    def submit(scores: Any, comment: str = "Fine.") -> None:
        review_submit(actor=reviewer, concept=concept, scores=scores, comment=comment)

    partial = full_scores()
    del partial["bankability"]["cash_flow"]
    with pytest.raises(ValidationError, match="still to score: Is there enough money"):
        submit(partial)
    wrong = full_scores()
    wrong["screening"]["climate"] = 4
    with pytest.raises(ValidationError, match="from 0 to 3"):
        submit(wrong)
    with pytest.raises(ValidationError, match="Not a rubric: vibes"):
        submit(full_scores() | {"vibes": {}})
    with pytest.raises(ValidationError, match="Not a question"):
        submit({**full_scores(), "screening": {**full_scores()["screening"], "colour": 1}})
    with pytest.raises(ValidationError, match="comments the city will read"):
        submit(full_scores(), comment="  ")
    assert not ConceptReview.objects.exists()


def test_revise_opens_a_round_and_accept_needs_its_reviews(world: World) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    manager, two = world.users["manager"], second_reviewer(world)
    for reviewer in (world.users["reviewer"], two):
        review_submit(actor=reviewer, concept=concept, scores=full_scores(1), comment="Vague.")
    assert gate_reviews(concept) == []
    with pytest.raises(PermissionDenied):
        review_revise(actor=world.users["coordinator_a"], concept=concept, feedback="x")
    review_revise(actor=manager, concept=concept, feedback="Name the vulnerable groups.")
    concept = ProjectConcept.objects.get(pk=concept.pk)
    assert concept.review_round == 2 and concept.stage == Stage.DRAFTED
    assert gate_reviews(concept) == ["2 reviews are needed (it has 0)"]
    review_submit(actor=two, concept=concept, scores=full_scores(3), comment="Clear now.")
    # Rejecting records the decision, with its reason.
    concept = concept_move(actor=manager, concept=concept, to=Stage.REJECTED, reason="Not urban.")
    assert list(concept.decisions.values_list("decision", "round")) == [
        ("revise", 1),
        ("reject", 2),
    ]


def test_review_pages(client: Client, world: World) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    url = f"{concept.get_absolute_url()}review/"
    client.force_login(world.users["reviewer"])
    page = client.get(url).content.decode()
    assert "Pipeline screening" in page and "Bankability checklist" in page
    data: dict[str, Any] = {
        f"score:{r}:{c}": "2" for r, given in full_scores().items() for c in given
    }
    incomplete = {k: v for k, v in data.items() if not k.endswith(":council")}
    response = client.post(url, incomplete | {"comment": "Good."})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert client.post(url, data | {"comment": "Good. Add a cost."}).status_code == 302
    # The city reads the comment; the manager can send it back.
    client.force_login(world.users["editor_a"])
    detail = client.get(concept.get_absolute_url()).content.decode()
    assert "Good. Add a cost." in detail and "Review this concept" not in detail
    assert client.get(url).status_code == 403
    client.force_login(world.users["reviewer_a"])  # Kigali's own viewer
    assert client.get(url).status_code == 403
    client.force_login(world.users["manager"])
    assert "Send back to revise" in client.get(concept.get_absolute_url()).content.decode()
    response = client.post(f"{concept.get_absolute_url()}revise/", {"feedback": "Add a cost."})
    assert response.status_code == 302
    assert ProjectConcept.objects.get(pk=concept.pk).review_round == 2
    response = client.post(f"{concept.get_absolute_url()}revise/", {"feedback": ""}, follow=True)
    assert "Write the feedback" in response.content.decode()
