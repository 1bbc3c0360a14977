from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from recap.accounts.access import Level, city_ids
from recap.cities.models import City
from recap.cities.policies import city_policy, membership_policy
from recap.pipeline.policies import project_concept_policy
from recap.testing import World, concept_at
from recap.tracking.models import Measure
from recap.tracking.policies import measure_policy

pytestmark = pytest.mark.django_db


def ids(world: World, *names: str) -> set[int]:
    return {getattr(world, n).pk for n in names}


def test_city_roles_grant_their_level_and_the_levels_below(world: World) -> None:
    u = world.users
    assert city_ids(u["viewer_a"], Level.VIEW) == ids(world, "city_a")
    assert city_ids(u["viewer_a"], Level.EDIT) == set()
    assert city_ids(u["editor_a"], Level.EDIT) == ids(world, "city_a")
    assert city_ids(u["editor_a"], Level.COORDINATE) == set()
    assert city_ids(u["coordinator_a"], Level.COORDINATE) == ids(world, "city_a")
    assert city_ids(u["editor_b"], Level.VIEW) == ids(world, "city_b")


def test_programme_manager_reads_every_programme_city_and_changes_none(world: World) -> None:
    manager = world.users["manager"]
    assert city_ids(manager, Level.VIEW) == ids(world, "city_a", "city_b")
    assert city_ids(manager, Level.EDIT) == set()


def test_funder_anonymous_and_inactive_people_see_no_private_city(world: World) -> None:
    assert city_ids(world.users["funder"], Level.VIEW) == set()
    assert city_ids(AnonymousUser(), Level.VIEW) == set()
    editor = world.users["editor_a"]
    editor.is_active = False
    assert city_ids(editor, Level.VIEW) == set()


def test_platform_admin_is_not_limited(world: World) -> None:
    assert city_ids(world.users["admin"], Level.COORDINATE) is None
    assert set(city_policy.queryset(world.users["admin"], Level.COORDINATE)) == set(
        City.objects.all()
    )


def test_queryset_filter_and_object_check_agree_for_every_policy(world: World) -> None:
    Measure.objects.create(city=world.city_a, title="Water kiosks")
    Measure.objects.create(city=world.city_b, title="Street lights")
    concept_at(world.city_a, "Drainage")
    concept_at(world.hidden, "Hidden concept")
    people = [AnonymousUser(), *world.users.values()]
    policies = [city_policy, membership_policy, measure_policy, project_concept_policy]
    checked = 0
    for policy, user, level in itertools.product(policies, people, Level):
        visible = set(policy.queryset(user, level).values_list("pk", flat=True))
        for obj in policy.model._default_manager.all():
            assert (obj.pk in visible) == policy.allows(user, obj, level), (
                policy,
                user,
                level,
                obj,
            )
            checked += 1
    assert checked > 100


def test_editor_of_b_cannot_see_city_a_rows(world: World) -> None:
    Measure.objects.create(city=world.city_a, title="Water kiosks")
    editor_b = world.users["editor_b"]
    assert not measure_policy.queryset(editor_b).filter(city=world.city_a).exists()
    assert not city_policy.allows(editor_b, world.city_a)
