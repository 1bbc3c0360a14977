"""A concept's documents: uploaded by its city's editors, their type read from their bytes,
downloaded by its readers (a funder only where shared), never kept when refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from recap.core.tests.test_documents import MINIMAL_PDF, image
from recap.pipeline.concepts import ATTACHMENTS_MAX, attachment_add, concept_share
from recap.pipeline.models import ConceptAttachment, Facility
from recap.testing import World, concept_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """A media directory of the test's own, so that it can count the files it leaves."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_upload_download_and_remove(
    client: Client,
    world: World,
    media: Path,
    facilities: dict[str, Facility],
    django_capture_on_commit_callbacks: Any,
) -> None:
    concept = concept_at(world.city_a, "Wetlands", "submitted")
    url = concept.get_absolute_url()
    client.force_login(world.users["editor_a"])
    upload = SimpleUploadedFile("Council decision.pdf", MINIMAL_PDF, "application/pdf")
    response = client.post(f"{url}documents/", {"role": "council", "title": "", "file": upload})
    assert response.status_code == 302
    doc = ConceptAttachment.objects.get()
    assert (doc.title, doc.kind_of_file, doc.size) == ("Council decision", "pdf", len(MINIMAL_PDF))
    [stored] = files_in(media)
    assert "Council" not in stored.name and stored.suffix == ".pdf"  # a name of ReCAP's own
    page = client.get(url).content.decode()
    assert "Council decision" in page and "PDF" in page
    download = client.get(f"{url}documents/{doc.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert 'attachment; filename="Council decision.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == MINIMAL_PDF  # type: ignore[attr-defined]

    # A PNG that calls itself a PDF: refused with words, nothing kept.
    fake = SimpleUploadedFile("study.pdf", image("PNG"), "application/pdf")
    response = client.post(f"{url}documents/", {"role": "study", "file": fake}, follow=True)
    assert "named study.pdf but is a PNG" in response.content.decode()
    assert ConceptAttachment.objects.count() == 1 and len(files_in(media)) == 1

    # Readers: Kigali's viewer yes; the funder once shared, on the funder's page; others not.
    client.force_login(world.users["viewer_a"])
    assert client.get(f"{url}documents/{doc.pk}/").status_code == 200
    assert client.post(f"{url}documents/{doc.pk}/remove/").status_code == 403
    client.force_login(world.users["editor_b"])
    assert client.get(f"{url}documents/{doc.pk}/").status_code == 404
    client.force_login(world.users["funder"])
    shared = f"/pipeline/shared/{concept.pk}/documents/{doc.pk}/"
    assert client.get(shared).status_code == 404
    concept_share(actor=world.users["manager"], concept=concept, facility=facilities["gap-fund"])
    assert client.get(shared).status_code == 200

    client.force_login(world.users["editor_a"])
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once it is committed
        assert client.post(f"{url}documents/{doc.pk}/remove/").status_code == 302
    assert not ConceptAttachment.objects.exists() and files_in(media) == []


def test_limits(client: Client, world: World, media: Path, settings: object) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    editor = world.users["editor_a"]
    with pytest.raises(PermissionDenied):
        attachment_add(
            actor=world.users["viewer_a"],
            concept=concept,
            role="study",
            title="",
            data=MINIMAL_PDF,
            filename="a.pdf",
        )
    with pytest.raises(ValidationError, match="Choose what the document is"):
        attachment_add(
            actor=editor, concept=concept, role="x", title="", data=MINIMAL_PDF, filename="a.pdf"
        )
    # Over the size any upload may have: refused before its type is even read.
    client.force_login(editor)
    big = SimpleUploadedFile("big.pdf", MINIMAL_PDF + b"0" * (6 * 1024 * 1024), "application/pdf")
    response = client.post(
        f"{concept.get_absolute_url()}documents/", {"role": "study", "file": big}, follow=True
    )
    assert "larger than 5 MB" in response.content.decode()
    for i in range(ATTACHMENTS_MAX):
        attachment_add(
            actor=editor,
            concept=concept,
            role="study",
            title=f"s{i}",
            data=MINIMAL_PDF,
            filename="s.pdf",
        )
    with pytest.raises(ValidationError, match="at most 30 documents"):
        attachment_add(
            actor=editor,
            concept=concept,
            role="study",
            title="one more",
            data=MINIMAL_PDF,
            filename="s.pdf",
        )
    assert len(files_in(media)) == ATTACHMENTS_MAX
