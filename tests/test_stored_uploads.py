"""The three uploads that keep a file (a concept's documents, a measure's evidence, an
exchange's document) follow one rule for names, and a file whose transaction rolled back is
found and removed by `recap files --orphans --delete` (issue #19, items 8 and 9)."""

from __future__ import annotations

import os
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from recap.core.tests.test_documents import MINIMAL_PDF
from recap.learning.models import Exchange
from recap.learning.services import exchange_start
from recap.pipeline.concepts import attachment_add
from recap.testing import World, concept_at
from recap.tracking.measures import evidence_add
from recap.tracking.models import Measure

pytestmark = pytest.mark.django_db

LONG = "x" * 300 + ".pdf"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _age(paths: set[Path], hours: float) -> None:
    then = time.time() - hours * 3600
    for path in paths:
        os.utime(path, (then, then))


def test_a_long_name_keeps_its_ending_in_every_upload(world: World, media: Path) -> None:
    editor = world.users["editor_a"]
    concept = concept_at(world.city_a, "Wetlands", "submitted")
    doc = attachment_add(
        actor=editor, concept=concept, role="study", title="", data=MINIMAL_PDF, filename=LONG
    )
    measure = Measure.objects.create(city=world.city_a, title="Lights")
    evidence = evidence_add(
        actor=editor, measure=measure, title="", data=MINIMAL_PDF, filename=LONG
    )
    exchange = exchange_start(
        actor=editor,
        from_city=world.city_a,
        to_city=world.city_b,
        kind=Exchange.Kind.QUESTION,
        subject="Flood warnings",
        body="How do you warn the wards?",
        attachment=(MINIMAL_PDF, LONG),
    )
    message = exchange.messages.get()
    for name in (doc.filename, evidence.filename, message.filename):
        assert name == "x" * 196 + ".pdf"


def test_a_rolled_back_upload_leaves_a_file_that_the_orphan_sweep_removes(
    world: World, media: Path
) -> None:
    measure = Measure.objects.create(city=world.city_a, title="Lights")
    kept = evidence_add(
        actor=world.users["editor_a"], measure=measure, title="", data=MINIMAL_PDF, filename="a.pdf"
    )
    before = _files(media)

    def add_then_fail() -> None:
        with transaction.atomic():
            evidence_add(
                actor=world.users["editor_a"],
                measure=measure,
                title="",
                data=MINIMAL_PDF,
                filename="b.pdf",
            )
            raise RuntimeError("a later step fails: the row is rolled back")

    with pytest.raises(RuntimeError):
        add_then_fail()
    orphans = _files(media) - before
    assert len(orphans) == 1  # the file stayed behind its rolled-back row

    out = StringIO()
    call_command("files", "--orphans", stdout=out)
    assert "0 orphaned file(s)" in out.getvalue()  # younger than the grace hour: left alone
    _age(_files(media), 2)
    out = StringIO()
    call_command("files", "--orphans", stdout=out)
    [orphan] = orphans
    assert orphan.relative_to(media).as_posix() in out.getvalue()
    assert "1 orphaned file(s)" in out.getvalue() and orphan.exists()  # listing removes nothing

    out = StringIO()
    call_command("files", "--orphans", "--delete", stdout=out)
    assert f"removed 1 orphaned file(s), {len(MINIMAL_PDF):,} bytes" in out.getvalue()
    assert _files(media) == before  # the file that a record names is still there
    assert Path(kept.file.path).exists()


def test_the_orphan_command_refuses_what_it_cannot_do(world: World, media: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--orphans"):
        call_command("files")
    with pytest.raises(CommandError, match="--min-age-hours"):
        call_command("files", "--orphans", "--min-age-hours", "-1")
