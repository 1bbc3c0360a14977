"""Each of the programme's roles finds its work by clicking: from sign-in, a programme manager, a
reviewer, a funder, a city editor and a city coordinator reach every page of their work through
the header's menus, "My work" and the workspace's tabs, never by typing an address; at 1280 px
and at 375 px, in English and in French; every page axe-clean, in the language chosen, and no
wider than the phone's screen (and, at 1280 px, a header on one line).

The site is the demo (`recap demo`), served by `recap runserver` on an installation of its own,
built once for the module: the journeys read it and write nothing that matters to another."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from processes import Installation, free_port, http_ok, wait_for

from .conftest import axe_violations

PASSWORD = "resilient-demo"
#: (width, language) pairs each journey is walked in.
VIEWS = [(1280, "en"), (375, "fr"), (375, "en"), (1280, "fr")]


@pytest.fixture(scope="module")
def demo_site() -> Iterator[str]:
    with (
        tempfile.TemporaryDirectory(prefix="recap-roles-") as root,
        Installation(Path(root) / "site") as site,
    ):
        site.run("migrate", "-v", "0")
        site.run("demo")
        port = free_port()
        site.start("runserver", f"127.0.0.1:{port}", "--noreload", "--insecure")
        wait_for(lambda: http_ok(port), 60, site.errors_of_all)
        yield f"http://127.0.0.1:{port}"


class Walk:
    """One person's walk through the site by clicking, checking every page it reaches."""

    def __init__(self, page: Any, base: str, width: int, language: str) -> None:
        self.page = page
        self.base = base
        self.width = width
        self.language = language
        self.seen: list[str] = []
        self.problems: dict[str, Any] = {}

    def sign_in(self, username: str) -> None:
        self.page.set_viewport_size({"width": self.width, "height": 900})
        self.page.goto(self.base + "/")
        if self.language == "fr":  # chosen as a visitor does: the header's button
            self.page.locator("form.lang-form button[value='fr']").click()
            self.page.wait_for_load_state()
        self.page.locator(".header-tools a[href^='/accounts/login/']").click()
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.locator("main form button[type='submit']").click()
        self.page.wait_for_url(re.compile(r"/me/$"))
        self.check()

    def check(self) -> None:
        """The page reached: found, in the chosen language, axe-clean, no wider than the
        screen."""
        page = self.page
        page.wait_for_load_state()
        path = page.url.removeprefix(self.base)
        self.seen.append(path)
        title = page.title()
        problems = []
        if "not found" in title.lower() or "introuvable" in title.lower():
            problems.append(f"not found: {title}")
        if page.locator("html").get_attribute("lang") != self.language:
            problems.append("language: " + str(page.locator("html").get_attribute("lang")))
        found = axe_violations(page)
        if found:
            problems.append(found)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 1:
            problems.append(f"{overflow}px wider than the screen")
        if self.width >= 1280:  # the header's menu keeps one line, in French too
            rows = page.evaluate(
                "() => new Set([...document.querySelectorAll('.main-nav > ul > li')]"
                ".map(li => Math.round(li.getBoundingClientRect().top))).size"
            )
            if rows != 1:
                problems.append(f"the header's menu wraps onto {rows} lines")
        if problems:
            self.problems[path] = problems

    def menu(self, key: str, href: str) -> None:
        """Opens the header's role menu `key` and follows its link to `href`."""
        self.page.locator(f"li.nav-menu:has(#menu-{key}) summary").click()
        self.page.locator(f"#menu-{key} a[href='{href}']").click()
        self.check()

    def header(self, href: str) -> None:
        self.page.locator(f"nav.main-nav a[href='{href}']").first.click()
        self.check()

    def follow(self, selector: str) -> None:
        """Follows the first link `selector` finds in the page's main part."""
        link = self.page.locator(f"main {selector}").first
        link.scroll_into_view_if_needed()
        link.click()
        self.check()

    def tabs(self) -> None:
        """Follows every tab of the city's workspace, each from the page the last one opened."""
        hrefs = self.page.locator("nav.workspace-tabs ul a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert len(hrefs) >= 8, hrefs
        for href in hrefs:
            self.page.locator(f"nav.workspace-tabs ul a[href='{href}']").click()
            self.check()


PROGRAMME = [
    "/pipeline/",
    "/pipeline/portfolio/",
    "/programme/results/",
    "/programme/results/framework/",
    "/programme/trainings/",
    "/programme/reports/",
    "/programme/lessons/",
]


def manager(walk: Walk) -> None:
    walk.sign_in("programme.manager")
    walk.follow("section:has(#decide-work-title) a[href*='/workspace/concepts/']")
    for href in PROGRAMME:
        walk.menu("programme", href)
        if href == "/programme/trainings/":  # and one training's page
            walk.follow("a[href^='/programme/trainings/']:not([href='/programme/trainings/'])")
        if href == "/pipeline/portfolio/":  # and the decision taken
            walk.follow("a[href='/pipeline/portfolio/1/']")
    walk.header("/me/")
    walk.follow("section:has(#lessons-work-title) a[href^='/programme/lessons/#lesson-']")
    walk.header("/me/")
    walk.follow("nav.roles a[href='/programme/results/']")
    walk.header("/me/")
    walk.follow(".cards a[href='/cities/kigali/workspace/']")


def reviewer(walk: Walk) -> None:
    walk.sign_in("reviewer")
    walk.follow("section:has(#review-work-title) a[href$='/review/']")
    walk.menu("programme", "/pipeline/")
    walk.follow("a[href*='/workspace/concepts/']")
    walk.menu("programme", "/programme/results/")
    walk.menu("programme", "/programme/lessons/")


def funder(walk: Walk) -> None:
    walk.sign_in("funder")
    walk.follow("#funder-work-title a")
    walk.follow("a[href^='/pipeline/shared/'][href$='/']:not([href='/pipeline/shared/'])")
    walk.menu("funder", "/facilities/")
    walk.menu("funder", "/pipeline/shared/portfolio/")  # their facility's pot
    walk.menu("funder", "/pipeline/shared/")


def city_editor(walk: Walk) -> None:
    walk.sign_in("kigali.editor")
    walk.follow(".cards a[href='/cities/kigali/workspace/']")
    walk.tabs()
    walk.header("/me/")
    walk.follow("section:has(#endorsed-title) a[href*='/packages/']")


def coordinator(walk: Walk) -> None:
    walk.sign_in("kigali.coordinator")
    walk.follow("section:has(#endorsed-title) a[href$='/workspace/concepts/']")
    walk.follow("a[href*='/workspace/concepts/'][href$='/']:not([href$='/concepts/'])")
    walk.header("/me/")
    walk.follow(".cards a[href='/cities/kigali/workspace/']")
    walk.follow("a[href='/cities/kigali/workspace/team/']")


JOURNEYS: dict[str, Callable[[Walk], None]] = {
    "manager": manager,
    "reviewer": reviewer,
    "funder": funder,
    "city editor": city_editor,
    "coordinator": coordinator,
}


@pytest.mark.parametrize("role", list(JOURNEYS))
def test_each_role_reaches_its_work_by_clicking(
    browser: Any, demo_site: str, role: str, tmp_path: Path
) -> None:
    problems = {}
    for width, language in VIEWS:
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(20_000)
        csp: list[str] = []
        page.on(
            "console",
            lambda m, csp=csp: (
                csp.append(m.text)
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )
        walk = Walk(page, demo_site, width, language)
        try:
            JOURNEYS[role](walk)
            page.screenshot(path=str(tmp_path / f"{width}-{language}.png"), full_page=True)
        finally:
            context.close()
        if walk.problems or csp:
            problems[f"{width}px {language}"] = {"pages": walk.problems, "csp": csp}
        assert len(walk.seen) >= 4, walk.seen
    assert not problems, json.dumps(problems, indent=1)
