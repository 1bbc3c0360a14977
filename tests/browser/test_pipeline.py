"""From an endorsed package to a funder's interest, in a real browser: the city starts a concept
from its package's actions and fills the record, two reviewers from elsewhere score it, the
programme accepts it, the city's coordinator submits it, the programme shares it with the Gap
Fund, the funder expresses interest, and the city sees it."""

from __future__ import annotations

import re
from typing import Any

from recap.accounts.models import Membership, Role
from recap.catalogue.candidates import candidate_adopt
from recap.catalogue.models import CandidateAction, CatalogueAction
from recap.catalogue.services import catalogue_load_shipped
from recap.engine.value import DEFAULT_WEIGHTS
from recap.hazards.models import HazardType
from recap.hazards.services import city_hazard_add, hazard_taxonomy_load
from recap.pipeline.models import Facility, ProjectConcept
from recap.pipeline.services import facilities_load_shipped
from recap.planning.packages import package_endorse, package_save
from recap.planning.services import session_create, session_run
from recap.testing import World, make_user

from .conftest import axe_violations
from .test_city_editor import sign_in


def _endorsed_package(world: World) -> Any:
    hazard_taxonomy_load()
    catalogue_load_shipped()
    facilities_load_shipped()
    Facility.objects.filter(code="gap-fund").update(organisation=world.funder_org)
    editor = world.users["editor_a"]
    city_hazard_add(
        actor=editor,
        city=world.city_a,
        hazard=HazardType.objects.get(code="flood_flash"),
        likelihood=5,
        impact=4,
        trend="rising",
    )
    for code in ["DRM-01", "DRM-02", "HLT-01", "NBS-02", "WAT-01"]:
        candidate_adopt(
            actor=editor, city=world.city_a, source=CatalogueAction.objects.get(code=code)
        )
    session = session_create(
        actor=editor,
        city=world.city_a,
        title="Workshop",
        candidates=list(CandidateAction.objects.filter(city=world.city_a)),
        weights=dict(DEFAULT_WEIGHTS),
        budget_short_usd=400_000,
        budget_medium_usd=4_000_000,
        staff_fte=6,
    )
    run = session_run(actor=editor, session=session)  # computed at once in the tests
    run.refresh_from_db()
    package = package_save(actor=editor, run=run, name="Kigali package")
    return package_endorse(actor=world.users["coordinator_a"], package=package, note="Agreed.")


def _as(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, username)


def test_from_an_endorsed_package_to_a_funders_interest(
    page: Any, live_server: Any, live_world: World
) -> None:
    package = _endorsed_package(live_world)
    second = make_user("reviewer_two")
    Membership.objects.create(user=second, role=Role.REVIEWER, programme=live_world.programme)
    base = live_server.url

    # The city's editor starts a concept from two of the package's actions.
    _as(page, base, "editor_a")
    page.goto(base + package.get_absolute_url())
    start = page.locator("section.start-concept")
    boxes = start.get_by_role("checkbox")
    boxes.nth(0).check()
    boxes.nth(1).check()
    start.get_by_label("Title").fill("Green drainage corridors")
    start.get_by_role("button", name="Start a concept").click()
    page.wait_for_url("**/edit/")
    concept = ProjectConcept.objects.get()
    detail = base + concept.get_absolute_url()

    # The record, in one form with its rows.
    for label, value in [
        ("Location", "Nyabugogo wetland"),
        ("Applicant organisation", "City of Kigali"),
        ("Lead department", "Infrastructure"),
        ("Contact person", "Eric Mugisha"),
        ("Contact e-mail", "eric@example.org"),
        ("Short description", "Vegetated channels carry storm water past the settlements."),
        ("Problem addressed", "Flash floods cut the eastern districts off."),
        ("Objectives", "Keep 40,000 people's homes dry."),
        ("People benefiting", "40000"),
        ("Vulnerable groups benefiting", "Informal settlements"),
        ("Fit with city and national plans", "Kigali Master Plan 2050"),
        ("Council decision (reference or date)", "Council of 2026-09-18"),
    ]:
        # Labels read "Location (optional)": match from the start.
        page.get_by_label(re.compile("^" + re.escape(label))).fill(value)
    page.get_by_label("Applicant type").select_option("local_government")
    page.get_by_label("Adaptation").check()
    page.get_by_label("Preparation reached").select_option("concept")
    page.get_by_label("Council approval").select_option("adopted")
    page.locator("#id_funding-0-kind").select_option("own")
    page.locator("#id_funding-0-name").fill("City budget")
    page.locator("#id_funding-0-amount").fill("50,000")
    page.locator("#id_funding-0-status").select_option("secured")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(detail)
    assert "City budget" in page.content()
    page.get_by_role("button", name="Mark as drafted").click()
    page.get_by_text("is now: concept drafted").wait_for()
    assert axe_violations(page) == []

    # Two reviewers from other cities score it; the city reads their comments.
    for reviewer, comment in [("reviewer", "Strong."), ("reviewer_two", "Add the O&M plan.")]:
        _as(page, base, reviewer)
        page.goto(detail)
        page.get_by_role("link", name="Review this concept").click()
        for group in page.locator("fieldset.question").all():
            group.get_by_label("2 · mostly").check()
        page.get_by_label("Comments for the city").fill(comment)
        page.get_by_role("button", name="Save the review").click()
        page.wait_for_url(detail)

    # The programme accepts it; the coordinator submits it; the programme shares it.
    _as(page, base, "manager")
    page.goto(detail)
    page.get_by_label("Why (Accept: screened)").fill("Both reviews favourable.")
    page.get_by_role("button", name="Accept: screened").click()
    page.get_by_text("is now: screened").wait_for()
    _as(page, base, "coordinator_a")
    page.goto(detail)
    page.get_by_role("button", name="Submit to the pipeline").click()
    page.get_by_text("is now: submitted to the pipeline").wait_for()
    _as(page, base, "manager")
    page.goto(detail)
    page.get_by_label("Facility or funder").select_option("gap-fund")
    page.get_by_role("button", name="Share").click()
    page.get_by_text("Shared with City Climate Finance Gap Fund").first.wait_for()

    # The funder finds it, sees why it fits, and expresses interest.
    _as(page, base, "funder")
    page.goto(base + "/pipeline/shared/")
    page.get_by_role("link", name="Green drainage corridors").click()
    assert "Rwanda is on the OECD DAC list" in page.content()
    page.get_by_label("Express interest").check()
    page.get_by_label("Your message").fill("We can prepare the pre-feasibility study.")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Sent to Kigali").wait_for()
    assert axe_violations(page) == []

    # The city sees the interest on its concept.
    _as(page, base, "editor_a")
    page.goto(detail)
    assert "We can prepare the pre-feasibility study." in page.content()
    assert "Expression of interest" in page.content()
    assert ProjectConcept.objects.get().stage == "submitted"


def test_pipeline_pages_are_accessible_and_fit_a_phone(
    page: Any, live_server: Any, live_world: World
) -> None:
    from recap.pipeline.concepts import concept_share
    from recap.testing import concept_at

    facilities_load_shipped()
    Facility.objects.filter(code="gap-fund").update(organisation=live_world.funder_org)
    drafted = concept_at(live_world.city_a, "Wetland corridors", "drafted", summary="Drainage.")
    shared = concept_at(live_world.city_a, "Market shade", "submitted")
    concept_share(
        actor=live_world.users["manager"],
        concept=shared,
        facility=Facility.objects.get(code="gap-fund"),
    )
    base = live_server.url
    pages = {
        "editor_a": [
            "/cities/kigali/workspace/concepts/",
            drafted.get_absolute_url(),
            drafted.get_absolute_url() + "edit/",
            drafted.get_absolute_url() + "matches/",
        ],
        "manager": ["/pipeline/"],
        "reviewer": [drafted.get_absolute_url() + "review/"],
        "funder": ["/pipeline/shared/", f"/pipeline/shared/{shared.pk}/"],
    }
    problems: dict[str, Any] = {}
    for who, paths in pages.items():
        _as(page, base, who)
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 800})
            for path in paths:
                page.goto(base + path)
                found = axe_violations(page) if width == 1280 else []
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if found or overflow > 0:
                    problems[f"{who} {path} @{width}"] = (found, overflow)
    assert problems == {}
