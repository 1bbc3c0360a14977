"""One meaning for "submitted" (issue #20): the public figure per country, the results
framework's indicator and peer matching count the same concepts — moved to "submitted",
whatever came after, unless the city withdrew them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from recap.learning.peers import profiles
from recap.pipeline.models import ProjectConcept, Stage
from recap.pipeline.selectors import concepts_submitted_per_country
from recap.testing import World, concept_at
from recap.tracking.derived import derived_value
from recap.tracking.models import Indicator
from recap.tracking.services import framework_load_shipped

pytestmark = pytest.mark.django_db


def test_the_three_counts_of_submitted_concepts_agree(world: World) -> None:
    framework_load_shipped(world.programme)
    world.city_a.shares_with_peers = True
    world.city_a.save()
    concept_at(world.city_a, "Submitted", "submitted", hazards=["flood_flash"])
    concept_at(world.city_a, "Submitted, then on hold", "on_hold", hazards=["flood_flash"])
    concept_at(world.city_a, "Drafted only", "drafted", hazards=["flood_flash"])
    withdrawn = concept_at(world.city_a, "Withdrawn", "submitted", hazards=["flood_flash"])
    ProjectConcept.objects.filter(pk=withdrawn.pk).update(stage=Stage.WITHDRAWN)

    public = concepts_submitted_per_country(city_ids=[world.city_a.pk])[world.city_a.country_id]
    indicator = Indicator.objects.get(source="projects_submitted")
    # The indicator counts the moves of a period: here, from the start to today (the moves'
    # day); the public figure and matching count all time.
    start, today = world.programme.start_date, timezone.localdate()
    framework = derived_value(indicator, start, today, cities=[world.city_a.pk])
    offers = profiles([world.city_a])[world.city_a.pk].offers["flood_flash"]
    assert public == framework == offers["concept"] == 2
