from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from recap.feedback.models import ProblemReport
from recap.testing import World


def test_visitor_reads_switches_to_french_and_reports_a_problem(
    page: Any, live_server: Any, live_world: World
) -> None:
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Resilient Cities Action Package"
    assert page.get_by_text("cities taking part, in 2 countries").is_visible()

    # Read more / read less.
    doing = page.locator("section[aria-labelledby=doing-title]")
    hidden_text = doing.get_by_text("impossible to ignore", exact=False)
    assert not hidden_text.is_visible()
    doing.get_by_text("Read more").click()
    assert hidden_text.is_visible()
    assert doing.get_by_text("Read less").is_visible()
    doing.get_by_text("Read less").click()
    assert not hidden_text.is_visible()

    # Switch to French: the page and its figures are in French.
    page.get_by_role("button", name="Français").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Ce que nous faisons").is_visible()

    # Report a problem from the page we are on.
    page.get_by_role("link", name="Signaler un problème").click()
    page.wait_for_url("**/report-a-problem/?from=/")
    page.get_by_label("Qu'est-ce qui n'a pas fonctionné ?", exact=False).fill("")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator(".error").first).to_be_visible()
    page.locator("#id_message").fill("Le tableau des pays ne s'affiche pas sur mon téléphone.")
    page.locator("#id_email").fill("awa@example.org")
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".message-success").is_visible()

    report = ProblemReport.objects.get()
    assert report.message.startswith("Le tableau des pays")
    assert (report.page, report.language, report.email) == ("/", "fr", "awa@example.org")


def test_office_directory_filters_as_you_type(
    page: Any, live_server: Any, live_world: World
) -> None:
    page.goto(live_server.url + "/offices/")
    assert page.get_by_role("heading", name="Africa Secretariat").is_visible()
    page.get_by_label("Search offices").fill("atlantis")
    page.get_by_text("No office matches").wait_for()
    page.get_by_label("Search offices").fill("cape town")
    page.get_by_role("heading", name="Africa Secretariat").wait_for()
    assert "q=cape" in page.url


def test_keyboard_user_can_skip_to_content(page: Any, live_server: Any, live_world: World) -> None:
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
