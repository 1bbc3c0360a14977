"""A reported value, in a real browser: Kigali's editor reports people reached for a quarter
with a photo as evidence and submits it; the programme's manager sees it waiting with its
evidence, approves it, and the dashboard's value changes; the value is now on the city's page as
approved."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from PIL import Image

from recap.testing import World
from recap.tracking.models import IndicatorUpdate
from recap.tracking.services import framework_load_shipped

from .conftest import axe_violations
from .test_city_editor import sign_in


def _reached_value(page: Any) -> str:
    row = page.locator("tr", has_text="People reached by the city's preparedness outreach")
    return row.locator("td").nth(1).inner_text().strip().splitlines()[0]  # its breakdown under it


def test_a_city_reports_a_value_with_evidence_and_the_programme_approves_it(
    page: Any, live_server: Any, live_world: World, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    framework_load_shipped(live_world.programme)
    base = live_server.url
    photo = tmp_path / "drill.jpg"
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (90, 140, 170)).save(out, format="JPEG")
    photo.write_bytes(out.getvalue())

    sign_in(page, base, "manager")
    page.goto(base + "/programme/results/")
    assert _reached_value(page) == "0"
    page.context.clear_cookies()

    sign_in(page, base, "editor_a")
    page.goto(base + "/cities/kigali/workspace/results/")
    page.get_by_label("Indicator").select_option(
        label="People reached by the city's preparedness outreach (drills, warnings, campaigns)"
    )
    page.get_by_label("Period from").fill("2024-01-01")
    page.get_by_label("Period to").fill("2024-03-31")
    page.get_by_label("Value", exact=True).fill("1250")
    page.get_by_label("Female", exact=True).fill("700")  # one field per category
    page.get_by_label("Male", exact=True).fill("550")
    page.get_by_label("Evidence (optional)").set_input_files(str(photo))
    page.get_by_role("button", name="Submit to the programme").click()
    page.wait_for_url(base + "/cities/kigali/workspace/results/")
    assert page.get_by_text("Submitted", exact=True).count() >= 1
    assert page.get_by_role("link", name="drill").count() == 1
    update = IndicatorUpdate.objects.get()
    assert update.status == "submitted" and update.evidence.count() == 1

    page.context.clear_cookies()
    sign_in(page, base, "manager")
    page.goto(base + "/programme/results/")
    waiting = page.locator("li.panel", has_text="1,250")
    assert waiting.get_by_role("link", name="drill").count() == 1
    assert axe_violations(page) == []
    waiting.get_by_role("button", name="Approve").click()
    page.wait_for_url(base + "/programme/results/")
    assert page.get_by_text("Nothing waits for approval.").is_visible()
    assert re.fullmatch(r"1,?250", _reached_value(page))
    update.refresh_from_db()
    assert update.status == "approved" and update.decided_by == live_world.users["manager"]
