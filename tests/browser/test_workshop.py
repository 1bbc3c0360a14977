from __future__ import annotations

from typing import Any

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


def test_workshop_from_weights_to_an_endorsed_package(
    page: Any, live_server: Any, live_world: World
) -> None:
    hazard_taxonomy_load()
    catalogue_load_shipped()
    for code in ["DRM-01", "DRM-02", "HLT-01", "HLT-04", "WAT-01", "NBS-02"]:
        candidate_adopt(
            actor=live_world.users["editor_a"],
            city=live_world.city_a,
            source=CatalogueAction.objects.get(code=code),
        )
    base = live_server.url

    # The editor sets up the session: candidates, weights, budgets, a sector that must be covered.
    sign_in(page, base, "editor_a")
    page.goto(base + "/cities/kigali/workspace/prioritisation/")
    page.get_by_label("Title").fill("Recovery workshop")
    for box in page.locator("input[name=candidates]").all():
        box.check()
    page.get_by_label("Short-term budget (US$)").fill("200000")
    page.get_by_label("Medium-term budget (US$)").fill("3000000")
    page.get_by_label("Staff capacity (FTE)").fill("5")
    page.get_by_label("Weight: Equity").fill("30")
    page.locator("input[name=min_health]").fill("1")
    page.get_by_role("button", name="Create the session").click()
    page.get_by_role("heading", name="Recovery workshop").wait_for()

    # A stakeholder adds their weights; the engine runs; the package is saved.
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
    # The run goes to the real database queue: the page shows its progress and, when the
    # worker has done it, shows the results without anyone reloading.
    with override_settings(TASKS=DATABASE_QUEUE):
        page.get_by_role("button", name="Run the engine").click()
        page.get_by_text("Waiting for the background worker").wait_for()
        assert page.locator("progress").is_visible()
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
    assert page.get_by_role("heading", name="Best value as the budget varies").is_visible()
    assert axe_violations(page) == []
    # The workshop's pages fit a phone: wide tables scroll inside themselves, not the page.
    results = page.url
    page.set_viewport_size({"width": 375, "height": 800})
    for url in [results, results.split("runs/")[0] + "edit/"]:
        page.goto(url)
        assert (
            page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            <= 0
        ), url
    assert axe_violations(page) == []  # the session form, with its candidate table
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(results)
    page.get_by_label("Save this package as").fill("Kigali package")
    page.get_by_role("button", name="Save the package").click()
    page.get_by_role("heading", name="Versions").wait_for()

    # The team leaves one chosen action out by hand: the engine re-optimises the rest, and the
    # new version gets robustness of its own, with the lock held in every sample.
    dropped = next(c for c in ActionPackage.objects.get().current.selected if c[:3] != "HLT")
    page.get_by_label(f"Lock {dropped} out").check()
    page.get_by_role("button", name="Re-optimise with these locks").click()
    page.get_by_text("Version 2: the rest of the package was re-optimised.").wait_for()
    panel = page.locator("#robustness")
    panel.get_by_text("For version 2 as adjusted by hand").wait_for()
    panel.get_by_text("The package itself came out in").wait_for()
    share = panel.locator("tr", has_text=dropped).get_by_role("img")
    assert share.get_attribute("aria-label") == "0%"  # locked out: never chosen

    # The coordinator endorses it with a rationale.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(base + "/")
    sign_in(page, base, "coordinator_a")
    package = ActionPackage.objects.get()
    page.goto(base + package.get_absolute_url())
    page.get_by_label("Rationale").fill("Best value for our budgets; agreed by all departments.")
    page.get_by_role("button", name="Endorse this package").click()
    page.get_by_text("The package is endorsed.").wait_for()
    package.refresh_from_db()
    assert package.status == "endorsed"
    assert package.endorsed_by == live_world.users["coordinator_a"]
    assert package.current is not None and any(
        code.startswith("HLT") for code in package.current.selected
    )

    # The report to hand to the mayor.
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF report").click()
    reader = PdfReader(download.value.path())
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Kigali package" in text
    assert all(code in text for code in package.current.selected)
    assert "How robust the package is" in text
    assert "as adjusted by hand: the actions locked in or out stayed so" in " ".join(text.split())
    assert dropped not in package.current.selected
