"""The demo keeps four eyes: no value it approves or returns was decided by someone who
reported it (its programme-level values, reported by the programme's manager, are approved by
the platform's admin), and no concept review it counts is by the concept's author or by
someone not assigned to review for the programme."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from recap.pipeline.models import ProjectConcept
from recap.pipeline.reviews import counts_as_review
from recap.tracking.models import IndicatorUpdate
from recap.tracking.policies import reporter_ids

pytestmark = pytest.mark.django_db


def test_no_demo_value_is_decided_by_its_reporter() -> None:
    call_command("demo", stdout=io.StringIO())
    decided = IndicatorUpdate.objects.exclude(decided_by=None)
    assert decided.filter(city=None).exists()  # the programme's own values are among them
    for update in decided:
        assert update.decided_by_id not in reporter_ids(update), update
    for concept in ProjectConcept.objects.prefetch_related("reviews__reviewer__memberships"):
        programmes = set(concept.city.programmes.values_list("pk", flat=True))
        for review in concept.reviews.all():
            assert counts_as_review(review.reviewer, concept, programmes), review
