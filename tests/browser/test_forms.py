"""A form sent back, in a real browser: Kigali's editor saves the concept's long record with a
wrong e-mail address at its bottom; the page comes back with the focus on the error summary
("There is a problem") in view, and its link takes the focus to the field, scrolled to. The
studies' dates are the browser's date picker. A document refused on the concept's page comes
back as an error message at the top, focused the same way."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from recap.testing import World, concept_at

from .conftest import axe_violations
from .test_city_editor import sign_in


def _focused(page: Any) -> str:
    return str(
        page.evaluate(
            "() => document.activeElement.matches('[data-error-summary]') ? 'summary'"
            " : document.activeElement.id"
        )
    )


def test_a_failed_save_focuses_the_summary_and_its_links_focus_the_fields(
    page: Any, live_server: Any, live_world: World
) -> None:
    base = live_server.url
    concept = concept_at(live_world.city_a, "Wetland corridors", "drafted", summary="Drainage.")
    sign_in(page, base, "editor_a")
    page.goto(f"{base}/cities/kigali/workspace/concepts/{concept.pk}/edit/")
    assert page.locator("[data-error-summary]").count() == 0
    completed = page.locator("#id_studies-0-completed_on")
    assert completed.get_attribute("type") == "date"
    page.locator("#id_studies-0-name").fill("Flood model")
    completed.fill("2025-05-01")
    page.get_by_label("Contact e-mail", exact=False).fill("not-an-address")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_in_viewport()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert _focused(page) == "summary"
    # The date typed in a row that was sent back is still there, as the picker reads it.
    assert page.locator("#id_studies-0-completed_on").input_value() == "2025-05-01"

    summary.get_by_role("link", name="Enter a valid email address", exact=False).click()
    assert _focused(page) == "id_contact_email"
    expect(page.locator("#id_contact_email")).to_be_in_viewport()
    assert axe_violations(page) == []

    # A small form that redirects when refused: its message at the top takes the focus.
    page.goto(f"{base}/cities/kigali/workspace/concepts/{concept.pk}/")
    page.get_by_text("Add a document").click()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"plain words"}]
    )
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_load_state()
    expect(page.locator(".messages .message-error")).to_be_visible()
    assert page.evaluate("() => document.activeElement.matches('.message-error')")
