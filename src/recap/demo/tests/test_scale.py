"""The programme's side of the demo at a network's scale (`demo_scale_programme`): concepts along
the pipeline with the moves that brought them there, shared once submitted, a year of values of
every city-level reported indicator, a coordinator per city; added once."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from recap.accounts.models import Membership, Role, User
from recap.cities.models import City
from recap.demo.scale import CONCEPT_STAGES, demo_scale_programme, synthetic_values
from recap.pipeline.models import ConceptShare, Facility, ProjectConcept
from recap.pipeline.selectors import concepts_submitted
from recap.pipeline.services import facilities_load_shipped
from recap.testing import World
from recap.tracking.models import Indicator, IndicatorUpdate
from recap.tracking.services import framework_load_shipped

pytestmark = pytest.mark.django_db


def test_a_network_of_cities_gets_concepts_values_and_coordinators(world: World) -> None:
    framework_load_shipped(world.programme)
    facilities_load_shipped()
    Facility.objects.filter(code="gap-fund").update(organisation=world.funder_org)
    for k in (1, 2):
        city = City.objects.create(
            slug=f"scale-city-{k:03d}", name=f"Scale city {k:03d}", country=world.country_a
        )
        world.programme.cities.add(city)

    done = demo_scale_programme(cities=3, concepts=10)  # the third city does not exist: skipped

    assert done.concepts == 20 and done.coordinators == 2
    city = City.objects.get(slug="scale-city-001")
    concepts = ProjectConcept.objects.filter(city=city)
    assert sorted(concepts.values_list("stage", flat=True)) == sorted(CONCEPT_STAGES)
    # Counted from moves as the public figure counts them: submitted and everything after.
    assert concepts_submitted(city_ids=[city.pk]).count() == 5
    assert ConceptShare.objects.filter(concept__city=city).count() == 5
    indicators = Indicator.objects.filter(kind="reported", level="city").count()
    assert indicators > 0
    assert IndicatorUpdate.objects.filter(city=city, status="approved").count() == 4 * indicators
    assert done.values == 2 * 4 * indicators
    coordinator = User.objects.get(username="scale.coordinator.001")
    assert Membership.objects.filter(
        user=coordinator, role=Role.CITY_COORDINATOR, city=city
    ).exists()
    assert coordinator.check_password("resilient-demo")
    client = Client()
    client.force_login(coordinator)
    assert client.get("/cities/scale-city-001/workspace/concepts/").status_code == 200

    # Run again: nothing added.
    again = demo_scale_programme(cities=3, concepts=10)
    assert (again.concepts, again.values, again.coordinators) == (0, 0, 0)
    assert ProjectConcept.objects.filter(city=city).count() == 10


def test_a_year_of_values_is_the_four_quarters_before_this_one(world: World) -> None:
    framework_load_shipped(world.programme)
    synthetic_values(world.city_a, seed=1, today=datetime.date(2026, 12, 6))
    periods = sorted(
        set(
            IndicatorUpdate.objects.filter(city=world.city_a).values_list(
                "period_start", "period_end"
            )
        )
    )
    d = datetime.date
    assert periods == [
        (d(2025, 10, 1), d(2025, 12, 31)),
        (d(2026, 1, 1), d(2026, 3, 31)),
        (d(2026, 4, 1), d(2026, 6, 30)),
        (d(2026, 7, 1), d(2026, 9, 30)),
    ]
