"""What implementation plans put before a person: on "My work", a city's team sees its late and
at-risk actions one by one and whoever may approve sees the progress waiting for them; a
programme's manager sees a count per city; the weekly digest names the late actions to the
city's own people only. Each costs the same queries however many actions."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from recap.accounts.access import forget_roles
from recap.cities.models import City
from recap.implementation import services
from recap.implementation.models import ImplementationPlan, PlanAction
from recap.implementation.tests.builders import TODAY, city_plan
from recap.testing import World
from recap.tracking.reminders import digest_items, reminders_send, results_work

pytestmark = pytest.mark.django_db

ME = "/me/"


def my_work(world: World, who: str) -> str:
    client = Client()
    client.force_login(world.users[who])
    response = client.get(ME)
    assert response.status_code == 200
    return response.content.decode()


def panel(page: str, title_id: str) -> str:
    """The section of My work headed by `title_id` ("" when it is not there)."""
    found = re.search(rf'<section aria-labelledby="{title_id}".*?</section>', page, re.S)
    return found.group(0) if found else ""


def action(plan: ImplementationPlan, n: int) -> PlanAction:
    return plan.actions.order_by("code")[n]


@pytest.fixture
def plans(world: World) -> tuple[ImplementationPlan, ImplementationPlan]:
    kigali = city_plan(world.city_a, ["delayed", "at_risk", "on_track", "done"])
    rajshahi = city_plan(world.city_b, ["at_risk", "on_track"])
    return kigali, rajshahi


@pytest.mark.parametrize("who", ["editor_a", "coordinator_a"])
def test_a_city_team_sees_its_late_and_at_risk_actions(
    world: World, plans: tuple[ImplementationPlan, ImplementationPlan], who: str
) -> None:
    kigali, rajshahi = plans
    late = panel(my_work(world, who), "plan-work-title")
    for n in (0, 1):  # the delayed one and the one at risk, each to its page
        url = f"/cities/kigali/workspace/implementation/actions/{action(kigali, n).pk}/"
        assert f'href="{url}"' in late
    assert "“Design signed” was due on" in late and "The contractor withdrew." in late
    for n in (2, 3):  # on track, done: not late
        assert f"/actions/{action(kigali, n).pk}/" not in late
    assert "Rajshahi" not in late and f"/actions/{action(rajshahi, 0).pk}/" not in late
    assert "/programme/implementation/" not in late  # theirs one by one, no counts


def test_another_citys_editor_sees_only_theirs(
    world: World, plans: tuple[ImplementationPlan, ImplementationPlan]
) -> None:
    kigali, rajshahi = plans
    late = panel(my_work(world, "editor_b"), "plan-work-title")
    assert f"/cities/rajshahi/workspace/implementation/actions/{action(rajshahi, 0).pk}/" in late
    assert "Kigali" not in late and f"/actions/{action(kigali, 0).pk}/" not in late


def test_a_viewer_has_no_such_panel(
    world: World, plans: tuple[ImplementationPlan, ImplementationPlan]
) -> None:
    page = my_work(world, "viewer_a")
    assert 'id="plan-work-title"' not in page and 'id="plan-progress-title"' not in page


def test_nothing_late_no_panel(world: World) -> None:
    city_plan(world.city_a, ["on_track", "done", "not_started"])
    for who in ("editor_a", "manager"):
        assert 'id="plan-work-title"' not in my_work(world, who)


def test_the_manager_sees_a_count_per_city_to_the_side_by_side_view(
    world: World, plans: tuple[ImplementationPlan, ImplementationPlan]
) -> None:
    kigali, _rajshahi = plans
    late = panel(my_work(world, "manager"), "plan-work-title")
    assert re.search(
        r'<a href="/programme/implementation/#city-kigali">Kigali</a>: 1 delayed, 1 at risk', late
    )
    assert re.search(
        r'<a href="/programme/implementation/#city-rajshahi">Rajshahi</a>: 1 at risk', late
    )
    assert f"/actions/{action(kigali, 0).pk}/" not in late  # counts, not each action
    # A platform admin may act anywhere, but no city's work is theirs: not asked here (as on
    # the other panels of My work); the side-by-side view is open to them.
    assert 'id="plan-work-title"' not in my_work(world, "admin")


def test_progress_waiting_for_approval_is_shown_to_who_may_approve_it(
    world: World, plans: tuple[ImplementationPlan, ImplementationPlan]
) -> None:
    kigali, _rajshahi = plans
    on_track = action(kigali, 2)
    report = services.progress_report(
        actor=world.users["editor_a"],
        action=on_track,
        percent=60,
        on=TODAY - datetime.timedelta(days=2),
        note="The tender is awarded.",
    )
    link = (
        f'href="/cities/kigali/workspace/implementation/actions/{on_track.pk}/#report-{report.pk}"'
    )
    for who in ("coordinator_a", "manager"):
        waiting = panel(my_work(world, who), "plan-progress-title")
        assert "Progress report waiting for your approval (1)" in waiting, who
        assert link in waiting and "60 %" in waiting
    # Not its reporter (four eyes), nor who may not approve it.
    for who in ("editor_a", "editor_b", "viewer_a"):
        assert 'id="plan-progress-title"' not in my_work(world, who), who
    # Once decided, it waits no more.
    services.progress_decide(actor=world.users["coordinator_a"], report=report, move="approve")
    assert 'id="plan-progress-title"' not in my_work(world, "manager")


def test_the_digest_names_a_delayed_action_to_its_citys_people_only(
    world: World, plans: tuple[ImplementationPlan, ImplementationPlan]
) -> None:
    kigali, rajshahi = plans
    sent = reminders_send(TODAY)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert sent == len(mail.outbox)
    delayed = f"Kigali: {action(kigali, 0).code} · {action(kigali, 0).candidate.title} is delayed."
    to_kigali = bodies[world.users["editor_a"].email]
    assert delayed in to_kigali and "“Design signed” was due on" in to_kigali
    assert "is at risk. The contractor withdrew." in to_kigali
    assert delayed in bodies[world.users["coordinator_a"].email]
    # Rajshahi's editor is told of Rajshahi's action, never of Kigali's.
    to_rajshahi = bodies[world.users["editor_b"].email]
    assert f"Rajshahi: {action(rajshahi, 0).code}" in to_rajshahi
    assert "Kigali" not in to_rajshahi
    # The manager: one line a city. A viewer, a reviewer, a funder: nothing.
    to_manager = bodies[world.users["manager"].email]
    assert "Kigali has 2 actions late or at risk in its implementation plan." in to_manager
    assert "Rajshahi has 1 action late or at risk in its implementation plan." in to_manager
    assert delayed not in to_manager
    for who in ("viewer_a", "reviewer", "funder"):
        assert world.users[who].email not in bodies, who


def test_my_works_results_panel_leaves_the_plans_to_their_own(
    world: World, plans: tuple[ImplementationPlan, ImplementationPlan]
) -> None:
    # The digest has the plan's lines; the results' panel (no indicator is late here) has none,
    # so My work does not list the same action twice.
    assert digest_items(world.users["editor_a"], TODAY)
    assert results_work(world.users["editor_a"]) is None


def test_the_digest_costs_the_same_queries_for_more_actions_and_cities(world: World) -> None:
    pattern = ["delayed", "at_risk", "on_track"]

    def queries(who: str) -> int:
        user = world.users[who]
        forget_roles(user)  # as for a person read afresh, as the digest reads each
        digest_items(user, TODAY)  # warm
        with CaptureQueriesContext(connection) as captured:
            assert digest_items(user, TODAY)
        return len(captured)

    city_plan(world.city_a, pattern)
    city_plan(world.city_b, pattern)
    small = {who: queries(who) for who in ("editor_a", "manager")}
    city_plan(world.city_a, pattern * 10)  # a later plan of Kigali's: the current one
    for k in range(10):
        town = City.objects.create(name=f"Town {k}", slug=f"town-{k}", country=world.country_b)
        world.programme.cities.add(town)
        city_plan(town, pattern * 3)
    assert {who: queries(who) for who in ("editor_a", "manager")} == small
    assert len(digest_items(world.users["editor_a"], TODAY)) == 20  # the current plan's
    assert len(digest_items(world.users["manager"], TODAY)) == 12  # a line a city
