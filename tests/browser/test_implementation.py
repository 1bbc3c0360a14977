"""From an endorsed package to a public plan, in a real browser: Kigali's coordinator sees a
delayed action on My work (a milestone missed, by itself), opens the plan's Gantt chart from the
workspace, re-plans the milestone with a reason, and a visitor sees the updated public plan."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from recap.implementation import services
from recap.implementation.models import Milestone, PlanChange
from recap.implementation.selectors import plan_of
from recap.testing import World

from .conftest import axe_violations
from .test_city_editor import sign_in
from .test_pipeline import _endorsed_package


def test_a_delayed_action_is_seen_replanned_and_shown_to_the_public(
    page: Any, live_server: Any, live_world: World
) -> None:
    base = live_server.url
    _endorsed_package(live_world)  # endorsing starts the plan
    plan = plan_of(live_world.city_a)
    assert plan is not None
    action = plan.actions.filter(candidate__phase="short").order_by("code").first()
    assert action is not None
    today = timezone.localdate()
    services.action_plan(
        actor=live_world.users["editor_a"],
        action=action,
        values={
            "planned_start": plan.starts,
            "planned_end": plan.starts + datetime.timedelta(days=400),
            "lead_department": "Disaster management office",
        },
    )
    Milestone.objects.create(
        action=action, title="Sirens installed", due=today - datetime.timedelta(days=5)
    )
    services.plan_publish(actor=live_world.users["coordinator_a"], plan=plan, public=True)
    title = action.candidate.title

    # My work names the delayed action: the way in, by clicking.
    sign_in(page, base, "coordinator_a")
    late = page.get_by_role("link", name=title).first
    late.wait_for()
    assert page.get_by_text("Sirens installed").count() >= 1
    late.click()
    page.wait_for_url(f"**/implementation/actions/{action.pk}/")
    assert page.locator("h1 + p .badge").first.inner_text() == "Delayed"

    # The plan's Gantt chart, from the workspace's tab.
    page.get_by_role("link", name="Implementation", exact=True).click()
    page.get_by_role("link", name="Gantt chart").click()
    page.wait_for_url("**/implementation/gantt/")
    chart = page.locator("svg[role=img]")
    assert chart.count() == 1 and action.code in (chart.text_content() or "")
    assert axe_violations(page) == []

    # Re-plan the missed milestone, with a reason.
    page.get_by_role("link", name="Implementation", exact=True).click()
    page.get_by_role("link", name=f"{action.code} · {title}").click()
    page.get_by_text("Move “Sirens installed”").click()
    new_date = today + datetime.timedelta(days=30)
    page.get_by_label("New date").fill(new_date.isoformat())
    page.get_by_label("Why it moves").fill("The supplier delivered late; installation is booked.")
    page.get_by_role("button", name="Move", exact=True).click()
    page.wait_for_url(f"**/implementation/actions/{action.pk}/")
    assert page.get_by_text("Milestone moved.").count() == 1
    assert PlanChange.objects.filter(action=action, field="milestone").count() == 1
    assert page.locator("h1 + p .badge").first.inner_text() in ("On track", "Not started")

    # A visitor sees the updated public plan: the action no longer delayed, the new date.
    page.context.clear_cookies()
    page.goto(base + f"/cities/{plan.city.slug}/")
    page.get_by_role("link", name="See the city's plan").click()
    page.wait_for_url(f"**/cities/{plan.city.slug}/plan/")
    block = page.locator("li, article, tr").filter(has_text=title).first
    text = block.inner_text()
    assert "Delayed" not in text
    assert axe_violations(page) == []
