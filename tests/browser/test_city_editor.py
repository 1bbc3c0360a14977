from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from recap.testing import PASSWORD, World


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/me/")


def test_city_editor_sees_only_their_own_city(
    page: Any, live_server: Any, live_world: World
) -> None:
    base = live_server.url
    sign_in(page, base, "editor_a")
    cities = page.locator("main .cards")
    assert cities.get_by_role("link", name="Kigali").is_visible()
    assert cities.get_by_text("Rajshahi").count() == 0

    cities.get_by_role("link", name="Kigali").click()
    expect(page.get_by_role("heading", name="Kigali")).to_be_visible()
    expect(page.get_by_text("private").first).to_be_visible()
    page.get_by_role("link", name="Edit profile").click()
    page.get_by_label("Summary").fill("Hills, wetlands and a fast-growing economy")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The city profile was saved.")).to_be_visible()

    # Another city's private pages do not exist for this person.
    response = page.goto(base + "/cities/rajshahi/workspace/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()

    # Signing out ends access.
    page.goto(base + "/me/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(base + "/")
    page.goto(base + "/cities/kigali/workspace/")
    assert "/accounts/login/" in page.url
