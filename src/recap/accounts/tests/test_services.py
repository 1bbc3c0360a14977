from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from recap.accounts.models import ApiToken, AuditEvent, Membership, Role
from recap.accounts.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    membership_add,
    membership_remove,
)
from recap.testing import World, make_user

pytestmark = pytest.mark.django_db


def test_coordinator_adds_a_member_and_it_is_audited(world: World) -> None:
    newcomer = make_user("newcomer")
    m = membership_add(
        actor=world.users["coordinator_a"], city=world.city_a, user=newcomer, role=Role.CITY_EDITOR
    )
    assert m.city == world.city_a
    event = AuditEvent.objects.get(verb="membership.add")
    assert event.actor == world.users["coordinator_a"]
    assert event.detail == {"user": "newcomer", "role": "city_editor"}


@pytest.mark.parametrize("actor", ["viewer_a", "editor_a", "editor_b", "manager", "funder"])
def test_only_coordinators_change_a_team(world: World, actor: str) -> None:
    newcomer = make_user("newcomer")
    with pytest.raises(PermissionDenied):
        membership_add(
            actor=world.users[actor], city=world.city_a, user=newcomer, role=Role.CITY_VIEWER
        )
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_person_has_one_role_per_city(world: World) -> None:
    with pytest.raises(ValidationError, match="already has a role"):
        membership_add(
            actor=world.users["admin"],
            city=world.city_a,
            user=world.users["viewer_a"],
            role=Role.CITY_EDITOR,
        )


def test_programme_role_cannot_be_given_as_a_city_role(world: World) -> None:
    with pytest.raises(ValidationError):
        membership_add(
            actor=world.users["admin"],
            city=world.city_a,
            user=make_user("x"),
            role=Role.PROGRAMME_MANAGER,
        )


def test_last_coordinator_cannot_be_removed(world: World) -> None:
    coordinator = Membership.objects.get(role=Role.CITY_COORDINATOR, city=world.city_a)
    with pytest.raises(ValidationError, match="at least one coordinator"):
        membership_remove(actor=world.users["admin"], membership=coordinator)
    viewer = Membership.objects.get(user=world.users["viewer_a"])
    membership_remove(actor=world.users["coordinator_a"], membership=viewer)
    assert not Membership.objects.filter(pk=viewer.pk).exists()
    assert AuditEvent.objects.filter(verb="membership.remove").count() == 1


def test_api_token_round_trip(world: World) -> None:
    user = world.users["editor_a"]
    token, key = api_token_create(user=user, name="spreadsheet", days=30)
    assert key.startswith("recap_")
    assert key not in token.key_hash  # only the hash is stored
    assert api_token_authenticate(key) == user
    token.refresh_from_db()
    assert token.last_used_at is not None
    api_token_revoke(user=user, token=token)
    assert api_token_authenticate(key) is None


def test_expired_wrong_and_foreign_tokens(world: World) -> None:
    user = world.users["editor_a"]
    token, key = api_token_create(user=user, name="old")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_token_authenticate(key) is None
    assert api_token_authenticate("recap_not-a-real-token") is None
    assert api_token_authenticate("Bearer something") is None
    with pytest.raises(PermissionDenied):
        api_token_revoke(user=world.users["editor_b"], token=token)


@pytest.mark.parametrize(("name", "days"), [("", 30), ("   ", 30), ("ok", 0), ("ok", 400)])
def test_token_input_is_validated(world: World, name: str, days: int) -> None:
    with pytest.raises(ValidationError):
        api_token_create(user=world.users["editor_a"], name=name, days=days)
    assert not ApiToken.objects.exists()


def test_inactive_users_token_stops_working(world: World) -> None:
    user = world.users["editor_a"]
    _token, key = api_token_create(user=user, name="t")
    user.is_active = False
    user.save()
    assert api_token_authenticate(key) is None
