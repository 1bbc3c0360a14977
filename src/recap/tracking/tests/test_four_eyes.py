"""Four eyes on reported values: whoever reported a value (drafted, changed or submitted it)
never approves or returns it, whatever else they are (the programme's manager, a member of a
city's team, the platform's admin); the page where values are approved says so."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from recap.accounts.models import Membership, Role
from recap.testing import World, make_user
from recap.tracking.models import Indicator, IndicatorUpdate
from recap.tracking.policies import may_approve
from recap.tracking.services import (
    update_decide,
    update_save,
    update_submit,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def _reported(actor: object, indicator: Indicator, city: object) -> IndicatorUpdate:
    update = update_save(
        actor=actor,
        indicator=indicator,
        city=city,
        period_start=D(2023, 1, 1),
        period_end=D(2023, 3, 31),
        value=Decimal(4),
    )
    return update_submit(actor=actor, update=update)


def test_the_manager_does_not_approve_a_programme_value_they_reported(
    world: World, framework: dict[str, Indicator]
) -> None:
    manager, admin = world.users["manager"], world.users["admin"]
    update = _reported(manager, framework["exchanges"], None)
    assert not may_approve(manager, update) and may_approve(admin, update)
    for approve in (True, False):
        with pytest.raises(ValidationError, match="You reported this value"):
            update_decide(actor=manager, update=update, approve=approve, reason="Why")
    update_decide(actor=admin, update=update, approve=True)
    update.refresh_from_db()
    assert (update.status, update.decided_by) == ("approved", admin)


def test_a_manager_in_a_city_team_does_not_approve_the_citys_value_they_reported(
    world: World, framework: dict[str, Indicator]
) -> None:
    manager = world.users["manager"]
    Membership.objects.create(user=manager, role=Role.CITY_EDITOR, city=world.city_a)
    update = _reported(manager, framework["reached"], world.city_a)
    with pytest.raises(ValidationError, match="You reported this value"):
        update_decide(actor=manager, update=update, approve=True)
    other = make_user("second_manager")
    Membership.objects.create(user=other, role=Role.PROGRAMME_MANAGER, programme=world.programme)
    update_decide(actor=other, update=update, approve=True)


def test_whoever_submitted_or_changed_it_does_not_approve_it_either(
    world: World, framework: dict[str, Indicator]
) -> None:
    """The admin changes a city's draft and submits it: a reporter too, though not its author."""
    update = update_save(
        actor=world.users["editor_a"],
        indicator=framework["reached"],
        city=world.city_a,
        period_start=D(2023, 1, 1),
        period_end=D(2023, 3, 31),
        value=Decimal(10),
    )
    admin = world.users["admin"]
    update_submit(actor=admin, update=update)
    with pytest.raises(ValidationError, match="You reported this value"):
        update_decide(actor=admin, update=update, approve=True)
    update_decide(actor=world.users["manager"], update=update, approve=True)


def test_the_approval_page_says_who_approves(
    client: Client, world: World, framework: dict[str, Indicator]
) -> None:
    manager = world.users["manager"]
    own = _reported(manager, framework["exchanges"], None)
    city_value = _reported(world.users["editor_a"], framework["reached"], world.city_a)
    client.force_login(manager)
    page = client.get("/programme/results/").content.decode()
    assert "never the person who reported it" in page
    # A form for the city's value, none for the value they reported: a word instead.
    assert f'action="/programme/results/updates/{city_value.pk}/decide/"' in page
    assert f'action="/programme/results/updates/{own.pk}/decide/"' not in page
    assert "You reported this value" in page
    client.force_login(world.users["admin"])
    page = client.get("/programme/results/").content.decode()
    assert f'action="/programme/results/updates/{own.pk}/decide/"' in page
