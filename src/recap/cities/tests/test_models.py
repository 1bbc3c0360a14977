from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from recap.accounts.models import Membership, Role
from recap.cities.models import City, Organisation, Programme
from recap.testing import World, make_user

pytestmark = pytest.mark.django_db


def test_an_office_needs_a_region(db: None) -> None:
    office = Organisation(name="Nowhere Office", kind="regional_office")
    with pytest.raises(ValidationError, match="An office must belong to a region"):
        office.full_clean()
    Organisation(name="A partner", kind="partner").full_clean()


def test_a_programme_cannot_end_before_it_starts(db: None) -> None:
    p = Programme(
        name="P", short_name="P", slug="p", start_date=date(2024, 1, 1), end_date=date(2023, 1, 1)
    )
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        p.full_clean()


@pytest.mark.parametrize(
    ("field", "value"), [("latitude", 91), ("longitude", -181), ("population_year", 1800)]
)
def test_city_coordinates_and_years_are_checked(world: World, field: str, value: int) -> None:
    city = City.objects.get(slug="kigali")
    setattr(city, field, value)
    with pytest.raises(ValidationError) as exc:
        city.full_clean()
    assert field in exc.value.message_dict


def test_membership_scope_must_match_its_role(world: World) -> None:
    user = make_user("someone")
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=user, role=Role.CITY_EDITOR, programme=world.programme)


def test_one_role_per_person_and_city(world: World) -> None:
    with pytest.raises(IntegrityError):
        Membership.objects.create(
            user=world.users["viewer_a"], role=Role.CITY_EDITOR, city=world.city_a
        )
