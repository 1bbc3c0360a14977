"""What the tracking tests share: a media folder of the test's own, a training, the attendance
sheet's header, a PDF's text."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from recap.testing import World
from recap.tracking.models import Indicator, Training
from recap.tracking.services import framework_load_shipped

D = datetime.date
HEADER = "name,consent,count,city,department,sex,age_band,score_before,score_after\n"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def training(world: World) -> Training:
    return Training.objects.create(programme=world.programme, title="Basics", held_on=D(2022, 3, 1))


@pytest.fixture
def framework(world: World) -> dict[str, Indicator]:
    """The shipped results framework, loaded, by indicator code."""
    assert framework_load_shipped(world.programme) == 10
    return {i.code: i for i in Indicator.objects.all()}


def pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


class _FailingFor:
    """An e-mail backend whose server refuses one address (a real outage, in small)."""

    refused = "editor_b@example.org"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend()

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        import smtplib

        if any(self.refused in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"no")})
        return self.inner.send_messages(messages)
