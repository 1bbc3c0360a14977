from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from recap.pipeline.services import facilities_load_shipped
from recap.testing import World

from .conftest import axe_violations

PUBLIC_PAGES = [
    "/",
    "/cities/",
    "/cities/kigali/",
    "/offices/",
    "/facilities/",
    "/report-a-problem/",
    "/accounts/login/",
    "/no-such-page/",
]


def test_public_pages_have_no_serious_accessibility_violations(
    page: Any, live_server: Any, live_world: World
) -> None:
    problems = {}
    facilities_load_shipped()
    for path in PUBLIC_PAGES:
        page.goto(live_server.url + path)
        found = axe_violations(page)
        if found:
            problems[path] = found
    assert not problems


def test_french_pages_and_form_errors_are_accessible_too(
    page: Any, live_server: Any, live_world: World
) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Français").click()
    page.wait_for_url(live_server.url + "/")
    assert axe_violations(page) == []
    page.goto(live_server.url + "/report-a-problem/")
    page.locator("form[action='/report-a-problem/'] button[type=submit]").click()
    expect(page.locator(".error").first).to_be_visible()  # the refused form, reloaded
    assert axe_violations(page) == []


@pytest.mark.parametrize("width", [375, 768])
def test_small_screens_have_no_horizontal_scroll(
    page: Any, live_server: Any, live_world: World, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    facilities_load_shipped()
    for path in ["/", "/offices/", "/cities/kigali/", "/facilities/"]:
        page.goto(live_server.url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, width, overflow)
