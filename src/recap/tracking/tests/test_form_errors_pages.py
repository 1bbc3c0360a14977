"""The value form sent back: a summary at the top links to each wrong field, a photo sent
with it is to be attached again (a file input cannot keep it), its dates are pickers, and its
evidence says "(optional)" once; nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from recap.testing import World
from recap.tracking.models import Evidence, Indicator, IndicatorUpdate

pytestmark = pytest.mark.django_db

URL = "/cities/kigali/workspace/results/"
SUMMARY = 'class="error-summary"'


def test_a_failed_value_shows_the_summary_and_asks_for_the_photo_again(
    client: Client, world: World, framework: dict[str, Indicator], media: Path
) -> None:
    client.force_login(world.users["editor_a"])
    page = client.get(URL).content.decode()
    assert SUMMARY not in page and "<title>Error: " not in page
    assert 'type="date" name="period_start"' in page
    assert "Evidence <span" in page and "(optional) (optional)" not in page

    photo = SimpleUploadedFile("lights.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    response = client.post(
        URL,
        {
            "indicator": framework["reached"].pk,
            "period_start": "2023-01-01",
            "period_end": "31 March",
            "value": "",
            "evidence": photo,
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert body.index(SUMMARY) < body.index("<h1")  # at the top of the page's content
    assert '<a href="#id_period_end">Period to — Enter a valid date.</a>' in body
    assert '<a href="#id_value">Value — This field is required.</a>' in body
    assert "<title>Error: " in body
    assert "Attach lights.png again: files are not kept when a form is sent back." in body
    assert not IndicatorUpdate.objects.exists() and not Evidence.objects.exists()


def test_a_viewer_is_refused_and_sees_no_summary(
    client: Client, world: World, framework: dict[str, Indicator]
) -> None:
    client.force_login(world.users["viewer_a"])
    response = client.post(URL, {"indicator": framework["reached"].pk, "value": ""})
    assert response.status_code == 403
    assert SUMMARY not in response.content.decode()
    assert not IndicatorUpdate.objects.exists()
