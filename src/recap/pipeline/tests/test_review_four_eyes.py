"""Four eyes on concept reviews: a review counts towards the two a round needs only from a
reviewer assigned to a programme of the concept's city, who is not of the city and did not
write the concept. A platform admin, who may read everything, is no reviewer unless assigned."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from recap.accounts.models import Membership, Role
from recap.pipeline.models import ConceptReview
from recap.pipeline.reviews import gate_reviews, review_submit, reviews_of_round
from recap.testing import World, concept_at, make_user

from .conftest import full_scores, second_reviewer

pytestmark = pytest.mark.django_db


def test_a_platform_admin_is_no_reviewer_unless_assigned(world: World) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    review_submit(actor=world.users["reviewer"], concept=concept, scores=full_scores(), comment="A")
    with pytest.raises(PermissionDenied, match="assigned to the programme"):
        review_submit(
            actor=world.users["admin"], concept=concept, scores=full_scores(), comment="B"
        )
    assert gate_reviews(concept) == ["2 reviews are needed (it has 1)"]
    # A review the admin left before this rule does not count either.
    ConceptReview.objects.create(
        concept=concept, reviewer=world.users["admin"], round=1, scores={}, comment="Old"
    )
    assert [r.reviewer for r in reviews_of_round(concept)] == [world.users["reviewer"]]
    # Assigned to the programme as a reviewer, the admin's review counts.
    Membership.objects.create(
        user=world.users["admin"], role=Role.REVIEWER, programme=world.programme
    )
    admin = type(world.users["admin"]).objects.get(pk=world.users["admin"].pk)
    review_submit(actor=admin, concept=concept, scores=full_scores(), comment="Now assigned.")
    assert gate_reviews(concept) == []


def test_the_concepts_author_never_reviews_it(world: World) -> None:
    author = make_user("author_reviewer")
    Membership.objects.create(user=author, role=Role.REVIEWER, programme=world.programme)
    concept = concept_at(world.city_a, "Wetlands", "drafted", created_by=author)
    with pytest.raises(PermissionDenied, match="never from the concept's author"):
        review_submit(actor=author, concept=concept, scores=full_scores(), comment="Mine.")
    ConceptReview.objects.create(
        concept=concept, reviewer=author, round=1, scores={}, comment="Mine."
    )
    review_submit(actor=world.users["reviewer"], concept=concept, scores=full_scores(), comment="A")
    assert gate_reviews(concept) == ["2 reviews are needed (it has 1)"]
    review_submit(actor=second_reviewer(world), concept=concept, scores=full_scores(), comment="B")
    assert gate_reviews(concept) == []


def test_a_reviewer_of_another_programme_does_not_count(world: World) -> None:
    from datetime import date

    from recap.cities.models import Programme

    elsewhere = Programme.objects.create(
        name="Other",
        short_name="Other",
        slug="other",
        start_date=date(2021, 1, 1),
        end_date=date(2025, 1, 1),
    )
    stranger = make_user("stranger_reviewer")
    Membership.objects.create(user=stranger, role=Role.REVIEWER, programme=elsewhere)
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    with pytest.raises(PermissionDenied):
        review_submit(actor=stranger, concept=concept, scores=full_scores(), comment="Hm.")
