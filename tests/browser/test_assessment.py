from __future__ import annotations

from typing import Any

from recap.assessments.models import Assessment, Question
from recap.assessments.services import framework_load_shipped
from recap.catalogue.services import catalogue_load_shipped
from recap.hazards.services import hazard_taxonomy_load
from recap.testing import World

from .conftest import axe_violations
from .test_city_editor import sign_in


def test_editor_fills_an_assessment_and_sees_radar_and_gaps(
    page: Any, live_server: Any, live_world: World
) -> None:
    framework_load_shipped()
    hazard_taxonomy_load()
    catalogue_load_shipped()
    base = live_server.url
    sign_in(page, base, "editor_a")
    page.goto(base + "/cities/kigali/workspace/")
    page.get_by_role("link", name="Assessments").first.click()
    page.get_by_label("Framework").select_option(
        label="Seven qualities of resilient systems (self-check)"
    )
    page.get_by_label("Title").fill("Qualities check 2026")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/answer/")

    questions = list(Question.objects.filter(framework__code="seven-qualities").order_by("order"))
    assert len(questions) == 21
    for i, q in enumerate(questions):
        score = "0" if q.dimension.code == "Q-INC" else ("3" if i % 2 else "2")
        page.locator(f"input[name='score__{q.code}'][value='{score}']").check()
    first = questions[0]
    evidence = page.locator(f"[name='evidence__{first.code}']")
    page.locator("details", has=evidence).locator("summary").click()
    evidence.fill("Annual review minutes, 2025")
    page.get_by_role("button", name="Save and complete").click()
    page.wait_for_url("**/assessments/*/")

    assert page.get_by_text("The assessment is completed.").is_visible()
    radar = page.locator("img.chart.radar")
    assert radar.is_visible()
    # The drawing loaded (an image that failed would have no natural width), and its words
    # give every dimension's mean.
    assert radar.evaluate("img => img.complete && img.naturalWidth > 0")
    assert (radar.get_attribute("alt") or "").startswith("Radar chart of the mean score")
    gaps = page.locator("section[aria-labelledby=gaps-title] li")
    assert gaps.count() == 3  # the three inclusiveness questions scored 0
    assert gaps.first.get_by_role("link").count() >= 1  # each gap points to catalogue actions
    assert axe_violations(page) == []
    assessment = Assessment.objects.get(title="Qualities check 2026")
    assert assessment.status == "completed"
    assert assessment.answers.get(question=first).evidence == "Annual review minutes, 2025"
