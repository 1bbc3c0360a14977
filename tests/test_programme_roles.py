"""One policy for programme roles (issue #20): every app's programme check derives from
`accounts.access.programme_ids`, so they agree with each other, and a person made inactive holds
no programme role anywhere (before, three of the five still answered yes)."""

from __future__ import annotations

import pytest

from recap.accounts.access import forget_roles, manages_programme, programme_ids
from recap.accounts.models import Role
from recap.learning.policies import publishable_city_ids
from recap.pipeline.policies import is_manager_of, programme_reader
from recap.testing import World
from recap.tracking.policies import is_programme_manager, programmes_read

pytestmark = pytest.mark.django_db


def answers(world: World, who: str) -> dict[str, object]:
    user = world.users[who]
    forget_roles(user)
    return {
        "manages": manages_programme(user, world.programme.pk),
        "tracking manager": is_programme_manager(user, world.programme),
        "pipeline manager": is_manager_of(user, world.city_a.pk),
        "reads the programme": set(programmes_read(user)) == {world.programme},
        "pipeline reader": programme_reader(user),
        "publishes": world.city_a.pk in publishable_city_ids(user),
    }


def test_every_apps_programme_check_agrees_and_an_inactive_manager_holds_none(
    world: World,
) -> None:
    manager = answers(world, "manager")
    assert all(manager.values()), manager
    reviewer = answers(world, "reviewer")
    assert reviewer == {
        "manages": False,
        "tracking manager": False,
        "pipeline manager": False,
        "reads the programme": True,
        "pipeline reader": True,
        "publishes": False,
    }
    assert not any(answers(world, "editor_a").values())
    assert programme_ids(world.users["admin"], Role.PROGRAMME_MANAGER) is None  # every one

    for who in ("manager", "reviewer", "admin"):
        user = world.users[who]
        user.is_active = False
        user.save()
        gone = answers(world, who)
        assert not any(gone.values()), (who, gone)


def test_lesson_and_exchange_policy_objects_agree_with_themselves(world: World) -> None:
    """Lessons and exchanges have policy objects like every city-scoped model: for each role,
    the rows the queryset holds are exactly those the object check allows, to read and to
    write."""
    from recap.accounts.access import Level
    from recap.learning.models import Exchange, Lesson
    from recap.learning.policies import exchange_policy, lesson_policy
    from recap.testing import ROLES

    texts = {"summary": "S", "context": "C", "what_was_done": "W", "results": "R"}
    lessons = [
        Lesson.objects.create(city=world.city_a, title=status, status=status, **texts)
        for status in ("draft", "submitted", "published")
    ] + [Lesson.objects.create(city=world.city_b, title="B draft", status="draft", **texts)]
    exchanges = [
        Exchange.objects.create(from_city=world.city_a, to_city=world.city_b, subject="a→b"),
        Exchange.objects.create(from_city=world.city_b, to_city=world.hidden, subject="b→h"),
    ]
    from django.contrib.auth.models import AnonymousUser

    seen: dict[str, set[str]] = {}
    for role in ROLES:
        user = world.users.get(role) or AnonymousUser()
        for policy, rows in ((lesson_policy, lessons), (exchange_policy, exchanges)):
            for level in (Level.VIEW, Level.EDIT):
                held = set(policy.queryset(user, level))
                assert held == {r for r in rows if policy.allows(user, r, level)}, (role, level)
                seen[f"{role} {type(rows[0]).__name__} {level.name}"] = {
                    str(getattr(r, "title", None) or r.subject) for r in held
                }
    # And they say what the README says.
    assert seen["anonymous Lesson VIEW"] == {"published"}
    assert seen["editor_a Lesson EDIT"] == {"draft", "submitted", "published"}
    assert seen["manager Lesson VIEW"] == {"submitted", "published"}
    assert seen["manager Exchange EDIT"] == set()  # the programme reads, the cities write
    assert seen["editor_b Exchange EDIT"] == {"a→b", "b→h"}
    assert seen["admin Exchange EDIT"] == set()
