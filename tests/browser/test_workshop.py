from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from pypdf import PdfReader

from recap.catalogue.candidates import candidate_adopt
from recap.catalogue.models import CatalogueAction
from recap.catalogue.services import catalogue_load_shipped
from recap.hazards.services import hazard_taxonomy_load
from recap.planning.models import ActionPackage
from recap.testing import DATABASE_QUEUE, World

from .conftest import axe_violations
from .test_city_editor import sign_in

PHONE = 375


def _fits(page: Any) -> None:
    """Nothing runs off the side: wide content is laid out for the width, not scrolled to."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, (page.url, overflow)


def _within(page: Any, locator: Any) -> None:
    """The control is on screen horizontally (not cut off, not behind a scroll)."""
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)


@pytest.mark.parametrize("width", [1280, PHONE])
def test_a_city_team_goes_from_a_new_session_to_an_endorsed_pdf(
    page: Any, live_server: Any, live_world: World, width: int
) -> None:
    """The whole workshop as a city team meets it, on a desktop and on a phone."""
    hazard_taxonomy_load()
    catalogue_load_shipped()
    for code in ["DRM-01", "DRM-02", "HLT-01", "HLT-04", "WAT-01", "NBS-02"]:
        candidate_adopt(
            actor=live_world.users["editor_a"],
            city=live_world.city_a,
            source=CatalogueAction.objects.get(code=code),
        )
    base = live_server.url
    page.set_viewport_size({"width": width, "height": 900})

    # The editor starts a session from the top of the list.
    sign_in(page, base, "editor_a")
    page.goto(base + "/cities/kigali/workspace/prioritisation/")
    _fits(page)
    page.get_by_role("link", name="New session").click()
    page.get_by_label("Title").fill("Recovery workshop")
    page.get_by_label("Tick every candidate").check()
    boxes = page.locator("input[name=candidates]")
    assert boxes.count() == 6 and all(b.is_checked() for b in boxes.all())
    boxes.first.uncheck()  # one fewer: "tick all" shows "some"
    assert page.get_by_label("Tick every candidate").evaluate("el => el.indeterminate")
    boxes.first.check()
    _within(page, page.locator("select[name^=lock_]").first)
    _fits(page)
    # Budgets as people write them; cents are refused with a reason, and nothing is lost.
    page.get_by_label("Short-term budget (US$)").fill("200,000")
    page.get_by_label("Medium-term budget (US$)").fill("3,000,000.50")
    page.get_by_label("Staff capacity (FTE)").fill("5")
    page.get_by_label("Weight: Equity").fill("30")
    page.locator("input[name=min_health]").fill("1")
    page.get_by_role("button", name="Create the session").click()
    # The error, beside its field, and in the summary at the top that links to it.
    page.locator(
        "#id_budget_medium_usd_error", has_text="Enter a whole amount, without cents"
    ).wait_for()
    assert page.locator(".error-summary a[href='#id_budget_medium_usd']").count() == 1
    assert page.get_by_label("Title").input_value() == "Recovery workshop"
    assert all(b.is_checked() for b in page.locator("input[name=candidates]").all())
    page.get_by_label("Medium-term budget (US$)").fill("3,000,000")
    page.get_by_role("button", name="Create the session").click()
    page.get_by_role("heading", name="Recovery workshop").wait_for()

    # The session says what the engine will weigh up, and whose weights count.
    setup = page.locator("section[aria-labelledby=setup-title]")
    assert "6 actions" in setup.inner_text() and "US$200,000 short term" in setup.inner_text()
    assert "once a stakeholder enters weights below" in setup.inner_text()
    _fits(page)
    page.get_by_role("textbox", name="Stakeholder").fill("Finance department")
    for label, value in [
        ("Resilience value", "20"),
        ("Economy and jobs", "50"),
        ("Equity", "10"),
        ("Climate", "10"),
        ("Health preparedness", "10"),
        ("Feasibility", "0"),
    ]:
        page.locator("section[aria-labelledby=stakeholders-title]").get_by_label(
            f"Weight: {label}"
        ).fill(value)
    page.get_by_role("button", name="Save these weights").click()
    setup.get_by_text("The weights of 1 stakeholder (below) replace the session's own").wait_for()

    # The run goes to the real database queue: the page shows its progress, holds the Run
    # button while it waits and, when the worker has done it, shows the results by itself.
    with override_settings(TASKS=DATABASE_QUEUE):
        page.get_by_role("button", name="Run the engine").click()
        page.get_by_text("Waiting for the background worker").wait_for()
        assert page.locator("progress").is_visible()
        assert page.get_by_role("button", name="Run the engine").is_disabled()
        # The test database lives in memory on one connection, which the live server's threads
        # share with this one: while the worker runs here, the page's polls are held off (they
        # fail and polling goes on), so no request uses that connection at the same time.
        page.route("**/*", lambda route: route.abort())
        page.wait_for_timeout(1_500)  # a poll already under way finishes first
        call_command("db_worker", batch=True, queue_name="*", no_startup_delay=True, verbosity=0)
        page.unroute("**/*")
        page.get_by_text("Proven optimal").wait_for(timeout=15_000)
    # The worker also computed the robustness the run queued. The page may have reloaded
    # between the run and its robustness job; the robustness panel then polls until it is done.
    page.get_by_text("The package itself came out in").wait_for(timeout=15_000)
    assert page.get_by_role("heading", name="What more budget would buy").is_visible()
    assert "the average of" not in page.get_by_text("Weights used:").inner_text()
    assert "1 stakeholder's weights" in page.get_by_text("Weights used:").inner_text()
    assert page.get_by_role("button", name="Run the engine").is_enabled()
    _fits(page)
    assert axe_violations(page) == []
    # The package comes first, then the form that saves it.
    page.get_by_label("Save this package as").fill("Kigali package")
    page.get_by_label("Rationale").fill("Early warning and health care first, within budget.")
    page.get_by_role("button", name="Save the package").click()
    page.get_by_role("heading", name="Versions").wait_for()
    assert page.get_by_role("link", name="run 1").is_visible()  # back to where it came from

    # The team leaves one chosen action out by hand: the engine re-optimises the rest, and the
    # new version gets robustness of its own, with the lock held in every sample.
    dropped = next(c for c in ActionPackage.objects.get().current.selected if c[:3] != "HLT")
    lock = page.locator(f'select[name="lock:{dropped}"]')
    _within(page, lock)
    _fits(page)
    lock.select_option("out")
    page.get_by_role("button", name="Re-optimise with these locks").click()
    page.get_by_text("Version 2: the rest of the package was re-optimised.").wait_for()
    panel = page.locator("#robustness")
    panel.get_by_text("For version 2 as adjusted by hand").wait_for()
    panel.get_by_text("The package itself came out in").wait_for()
    share = panel.locator("tr", has_text=dropped).get_by_role("img")
    assert share.get_attribute("aria-label") == "0%"  # locked out: never chosen

    # The coordinator was told by e-mail, and finds the package on "My work" on signing in.
    assert [m.subject for m in mail.outbox] == ["Kigali: a package awaits your endorsement"]
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(base + "/")
    sign_in(page, base, "coordinator_a")
    page.locator("section[aria-labelledby=awaiting-title]").get_by_role(
        "link", name="Kigali package"
    ).click()
    page.get_by_role("heading", name="Awaiting your endorsement").wait_for()
    _fits(page)
    page.get_by_label("Why you endorse it").fill("Best value for our budgets; agreed by all.")
    page.get_by_role("button", name="Endorse this package").click()
    page.get_by_text("The package is endorsed.").wait_for()
    assert page.get_by_text("Early warning and health care first, within budget.").is_visible()
    assert page.get_by_text("Best value for our budgets; agreed by all.").is_visible()
    package = ActionPackage.objects.get()
    assert package.status == "endorsed"
    assert package.endorsed_by == live_world.users["coordinator_a"]
    assert package.current is not None and any(
        code.startswith("HLT") for code in package.current.selected
    )

    # The report to hand to the mayor, with both the team's reasons and the endorsement.
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF report").click()
    reader = PdfReader(download.value.path())
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Kigali package" in text
    assert all(code in text for code in package.current.selected)
    assert "How robust the package is" in text
    assert "as adjusted by hand: the actions locked in or out stayed so" in text
    assert "Early warning and health care first, within budget." in text
    assert "Best value for our budgets; agreed by all." in text
    assert dropped not in package.current.selected
