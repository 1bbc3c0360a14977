"""The programme's portfolio decision in a real browser: the manager reaches it from the
Programme menu, computes an allocation (nothing saved), reads why each concept is in or out,
saves it with a rationale, and reads the decision; in French, on a phone, axe-clean."""

from __future__ import annotations

from typing import Any

import pytest

from recap.pipeline.models import (
    Allocation,
    ConceptShare,
    Facility,
    PreparationCost,
    ProjectConcept,
    Stage,
)
from recap.testing import World, concept_at

from .conftest import axe_violations
from .test_city_editor import sign_in
from .test_workshop import PHONE, _fits


def _pipeline(world: World) -> None:
    for city, title, stage, prep in (
        (world.city_a, "Drainage corridors", Stage.SUBMITTED, 300_000),
        (world.city_a, "Bus corridors", Stage.PRESENTED, 250_000),
        (world.city_b, "Market shade", Stage.SUBMITTED, 200_000),
    ):
        concept = concept_at(city, title, stage)
        PreparationCost.objects.create(concept=concept, item="feasibility", amount=prep)
        if title == "Market shade":  # shared with a facility: once supported, it is presented
            facility = Facility.objects.create(
                code="gap-fund",
                name="Gap Fund",
                operators="World Bank",
                url="https://example.org/",
                applicants="Cities",
                country_rule="any",
                organisation=world.funder_org,
            )
            ConceptShare.objects.create(concept=concept, facility=facility)


@pytest.mark.parametrize("width", [1280, PHONE])
def test_the_manager_decides_the_portfolio_with_reasons(
    page: Any, live_server: Any, live_world: World, width: int
) -> None:
    _pipeline(live_world)
    base = live_server.url
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "manager")
    page.goto(base + "/pipeline/")
    page.locator("li.nav-menu:has(#menu-programme) summary").click()
    page.locator("#menu-programme").get_by_role("link", name="Portfolio decisions").click()
    page.get_by_role("heading", name="Portfolio decisions", level=1).wait_for()

    page.get_by_label("What the pot is").fill("Preparation support 2027")
    page.get_by_label("Pot", exact=True).fill("500000")
    page.get_by_label("At least this many concepts per country", exact=True).fill("1")
    page.get_by_role("button", name="Compute the allocation").click()
    answer = page.locator("section#answer")
    answer.wait_for()
    text = answer.inner_text()
    assert "not saved" in text and "proven by the optimiser" in text
    assert "at least 1 supported in Bangladesh" in text  # why Market shade is held in
    assert Allocation.objects.count() == 0
    _fits(page)
    assert axe_violations(page) == []

    page.locator("#id_rationale").fill("One per country, then value.")
    page.get_by_role("button", name="Save the decision").click()
    page.get_by_role("heading", name="Preparation support 2027").wait_for()
    assert page.get_by_text("One per country, then value.").is_visible()
    decision = Allocation.objects.get()
    assert page.url.endswith(decision.get_absolute_url())
    shade = ProjectConcept.objects.get(title="Market shade")
    assert shade.stage == Stage.PRESENTED  # supported and shared, so presented
    _fits(page)
    assert axe_violations(page) == []

    page.locator("form.lang-form button[value='fr']").click()
    page.wait_for_load_state()
    page.goto(base + decision.get_absolute_url())
    page.get_by_role("heading", name="La répartition et ses raisons").wait_for()
    main = page.locator("main").inner_text()
    assert "Bangladesh : au moins 1 soutenu" in main and "Held in by" not in main
    _fits(page)
