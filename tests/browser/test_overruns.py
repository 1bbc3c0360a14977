"""Cost overruns and other futures, in a real browser: Kigali's editor adds a future and asks the
package to absorb two overruns, runs the engine, and reads whether the budgets hold, the price of
robustness with its chart, and the regret table; in French too, on a phone, axe-clean."""

from __future__ import annotations

from typing import Any

import pytest

from recap.catalogue.candidates import candidate_adopt
from recap.catalogue.models import CandidateAction, CatalogueAction
from recap.catalogue.services import catalogue_load_shipped
from recap.hazards.models import HazardType
from recap.hazards.services import city_hazard_add, hazard_taxonomy_load
from recap.planning.models import PrioritisationSession
from recap.planning.services import session_create
from recap.testing import World

from .conftest import axe_violations
from .test_city_editor import sign_in
from .test_workshop import PHONE, _fits


def _session(world: World) -> PrioritisationSession:
    hazard_taxonomy_load()
    catalogue_load_shipped()
    for code, likelihood, impact in (("flood_flash", 5, 4), ("epidemic", 2, 3)):
        city_hazard_add(
            actor=world.users["editor_a"],
            city=world.city_a,
            hazard=HazardType.objects.get(code=code),
            likelihood=likelihood,
            impact=impact,
            trend="stable",
        )
    for code in ["DRM-01", "DRM-02", "HLT-01", "HLT-04", "WAT-01", "NBS-02"]:
        candidate_adopt(
            actor=world.users["editor_a"],
            city=world.city_a,
            source=CatalogueAction.objects.get(code=code),
        )
    return session_create(
        actor=world.users["editor_a"],
        city=world.city_a,
        title="Recovery workshop",
        candidates=list(CandidateAction.objects.filter(city=world.city_a)),
        weights={"resilience": 40, "economy": 15, "equity": 15, "climate": 15, "health": 15},
        budget_short_usd=300_000,
        budget_medium_usd=3_000_000,
        staff_fte=6,
        min_per_sector={},
        max_actions=5,
    )


@pytest.mark.parametrize("width", [1280, PHONE])
def test_overruns_and_futures_are_weighed_and_read_in_both_languages(
    page: Any, live_server: Any, live_world: World, width: int
) -> None:
    session = _session(live_world)
    base = live_server.url
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "editor_a")
    page.goto(base + session.get_absolute_url())

    # A future, by clicking: the epidemic likelier and worse.
    page.get_by_label("Name of the future").fill("A new epidemic wave")
    page.get_by_label("Disease outbreak: likelihood (1–5)").select_option("5")
    page.get_by_label("Disease outbreak: impact (1–5)").select_option("5")
    page.get_by_role("button", name="Save the future").click()
    page.get_by_text("The future was saved.").wait_for()
    assert page.get_by_text("Disease outbreak likelihood 5, impact 5").count() == 1

    # Two overruns at once in each budget, on the session's form.
    page.get_by_role("link", name="Change budgets, weights or candidates").click()
    page.get_by_label("Short-term actions that may overrun at once").fill("2")
    page.get_by_label("Medium-term actions that may overrun at once").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("heading", name="Recovery workshop").wait_for()

    page.get_by_role("button", name="Run the engine").click()
    page.get_by_role("heading", name="Will the budgets hold?").wait_for(timeout=30_000)
    assert page.get_by_text("Every budget holds in").count() == 1
    curve = page.locator("section[aria-labelledby=curve-title]")
    assert curve.locator("img.chart").count() == 1
    assert curve.locator("table.curve-figures tbody tr").count() >= 2
    regret = page.locator("section[aria-labelledby=regret-title]")
    assert "A new epidemic wave" in regret.inner_text()
    assert regret.get_by_text("Largest regret").count() >= 1
    _fits(page)
    assert axe_violations(page) == []

    # In French, the same page: chosen with the header's button.
    page.locator("form.lang-form button[value='fr']").click()
    page.wait_for_load_state()
    page.goto(base + session.get_absolute_url())
    page.get_by_role("heading", name="Les budgets tiendront-ils ?").wait_for()
    assert page.get_by_role(
        "heading", name="Si les coûts dérapent : le prix de la robustesse"
    ).is_visible()
    assert page.get_by_role(
        "heading", name="Dans d'autres futurs : valeurs et regrets"
    ).is_visible()
    _fits(page)
