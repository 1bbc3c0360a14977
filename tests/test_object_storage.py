"""Documents on S3-compatible object storage, as several hosts serving the site keep them
(issue #20, "one document kit"): the same services, views and commands as on the local disk,
through Django's storage API only. The object store is a real S3 server that the tests start
themselves (moto in server mode, on a free port), reached over HTTP by boto3 as a bucket on
AWS, MinIO or Ceph would be."""

from __future__ import annotations

import datetime
import hashlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from recap.core import backup
from recap.core.stored_files import orphaned_files, remove_orphans, stored_names
from recap.core.tests.test_documents import MINIMAL_PDF
from recap.learning.models import Exchange
from recap.learning.services import exchange_start
from recap.pipeline import concepts
from recap.pipeline.concepts import attachment_add, attachment_remove
from recap.settings.base import document_storage
from recap.testing import World, concept_at
from recap.tracking.measures import evidence_add
from recap.tracking.models import Measure

pytestmark = pytest.mark.django_db

BUCKET = "recap-documents"
KEYS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}
#: The headers a download is served with, which must not depend on where the file lives.
HEADERS = ("Content-Type", "Content-Disposition", "X-Content-Type-Options", "Cache-Control")


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_server: str) -> Iterator[Any]:
    """An empty bucket on the S3 server, removed with whatever is left in it."""
    s3 = boto3.resource(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
        region_name=KEYS["region_name"],
    )
    made = s3.Bucket(BUCKET)
    made.create()
    try:
        yield made
    finally:
        made.objects.all().delete()
        made.delete()


@pytest.fixture
def on_s3(settings: Any, s3_server: str, bucket: Any) -> Any:
    """The site's documents on the bucket, configured as `RECAP_S3_BUCKET` would."""
    chosen = document_storage(
        {"RECAP_S3_BUCKET": BUCKET, "RECAP_S3_ENDPOINT_URL": s3_server, "RECAP_S3_PREFIX": ""}
    )
    chosen["OPTIONS"].update(KEYS)
    settings.STORAGES = {**settings.STORAGES, "default": chosen}
    return bucket


@pytest.fixture
def on_disk(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _keys(bucket: Any) -> set[str]:
    return {item.key for item in bucket.objects.all()}


def test_the_settings_choose_the_disk_unless_a_bucket_is_named() -> None:
    assert document_storage({})["BACKEND"].endswith("FileSystemStorage")
    assert document_storage({"RECAP_S3_BUCKET": "  "})["BACKEND"].endswith("FileSystemStorage")
    chosen = document_storage(
        {"RECAP_S3_BUCKET": "docs", "RECAP_S3_PREFIX": "/recap/", "RECAP_S3_REGION": "eu-west-3"}
    )
    assert chosen["BACKEND"] == "storages.backends.s3.S3Storage"
    options = chosen["OPTIONS"]
    assert options["bucket_name"] == "docs" and options["location"] == "recap"
    assert options["region_name"] == "eu-west-3" and options["endpoint_url"] is None
    assert options["default_acl"] is None and options["file_overwrite"] is False


def _download(client: Client, world: World, storage_fixture: str, request: Any) -> Any:
    request.getfixturevalue(storage_fixture)
    concept = concept_at(world.city_a, "Wetlands", "submitted")
    doc = attachment_add(
        actor=world.users["editor_a"],
        concept=concept,
        role="council",
        title="Council decision",
        data=MINIMAL_PDF,
        filename="Council decision.pdf",
    )
    client.force_login(world.users["editor_a"])
    response = client.get(f"{concept.get_absolute_url()}documents/{doc.pk}/")
    assert response.status_code == 200
    return doc, response


def test_a_document_is_stored_on_the_bucket_and_served_with_the_same_headers(
    client: Client, world: World, request: Any
) -> None:
    _doc, from_disk = _download(client, world, "on_disk", request)
    doc, from_s3 = _download(client, world, "on_s3", request)
    bucket = request.getfixturevalue("bucket")
    assert _keys(bucket) == {doc.file.name}
    assert doc.file.name.startswith(f"concepts/{doc.concept_id}/") and doc.file.name.endswith(
        ".pdf"
    )
    body = b"".join(from_s3.streaming_content)
    assert body == MINIMAL_PDF and hashlib.sha256(body).hexdigest() == doc.sha256
    assert {h: from_s3[h] for h in HEADERS} == {h: from_disk[h] for h in HEADERS}
    assert from_s3["Content-Type"] == "application/pdf"
    assert from_s3["Content-Disposition"] == 'attachment; filename="Council decision.pdf"'


def test_evidence_and_its_thumbnail_and_an_exchange_document_go_to_the_bucket(
    client: Client, world: World, on_s3: Any
) -> None:
    from recap.core.tests.test_documents import image

    editor = world.users["editor_a"]
    measure = Measure.objects.create(city=world.city_a, title="Lights")
    photo = evidence_add(
        actor=editor, measure=measure, title="Site", data=image("PNG"), filename="site.png"
    )
    exchange = exchange_start(
        actor=editor,
        from_city=world.city_a,
        to_city=world.city_b,
        kind=Exchange.Kind.QUESTION,
        subject="Flood warnings",
        body="Our plan, attached.",
        attachment=(MINIMAL_PDF, "plan.pdf"),
    )
    shared = exchange.messages.get()
    assert _keys(on_s3) == {photo.file.name, photo.thumbnail.name, shared.file.name}
    assert photo.thumbnail.name.startswith("evidence/thumbnails/")
    assert shared.file.name.startswith("exchanges/") and shared.sha256
    client.force_login(editor)
    thumb = client.get(reverse("results:evidence", args=[photo.pk]) + "?thumbnail=1")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"
    assert b"".join(thumb.streaming_content).startswith(b"\x89PNG")


@pytest.mark.parametrize("where", ["on_disk", "on_s3"])
def test_an_upload_whose_transaction_rolls_back_leaves_no_object_behind(
    world: World, request: Any, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    request.getfixturevalue(where)
    concept = concept_at(world.city_a, "Wetlands", "submitted")

    def audit_fails(**kwargs: Any) -> None:
        raise RuntimeError("the audit trail is unreachable: the whole upload rolls back")

    monkeypatch.setattr(concepts, "audit", audit_fails)  # after the file is written
    with pytest.raises(RuntimeError):
        attachment_add(
            actor=world.users["editor_a"],
            concept=concept,
            role="study",
            title="",
            data=MINIMAL_PDF,
            filename="study.pdf",
        )
    assert not concept.attachments.exists()
    assert list(stored_names()) == []


def test_a_removed_document_leaves_the_bucket_once_the_removal_commits(
    world: World, on_s3: Any, django_capture_on_commit_callbacks: Any
) -> None:
    concept = concept_at(world.city_a, "Wetlands", "submitted")
    editor = world.users["editor_a"]
    doc = attachment_add(
        actor=editor, concept=concept, role="study", title="", data=MINIMAL_PDF, filename="a.pdf"
    )
    with django_capture_on_commit_callbacks(execute=False) as pending:
        attachment_remove(actor=editor, attachment=doc)
    assert _keys(on_s3) == {doc.file.name}  # not before the commit
    for callback in pending:
        callback()
    assert _keys(on_s3) == set()


def test_the_orphan_sweep_and_the_backup_read_the_bucket(
    world: World, on_s3: Any, tmp_path: Path
) -> None:
    concept = concept_at(world.city_a, "Wetlands", "submitted")
    doc = attachment_add(
        actor=world.users["editor_a"],
        concept=concept,
        role="study",
        title="",
        data=MINIMAL_PDF,
        filename="a.pdf",
    )
    stray = default_storage.save("concepts/stray.pdf", ContentFile(b"%PDF-1.4 stray %%EOF"))
    assert set(stored_names()) == {doc.file.name, stray}
    assert orphaned_files() == []  # younger than the grace hour
    assert orphaned_files(min_age=datetime.timedelta(0)) == [stray]

    # The backup's files, as `backup_write` takes them (its database half needs a database
    # on disk: tests/test_backup.py drills it whole, in processes of their own).
    files, missing = backup._media_manifest()
    assert missing == [] and files[doc.file.name]["sha256"] == doc.sha256
    archive_path = tmp_path / "media.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        backup._add_media(archive, files, missing)
    with tarfile.open(archive_path, "r:gz") as archive:
        member = archive.extractfile(f"media/{doc.file.name}")
        assert member is not None and member.read() == MINIMAL_PDF

        # Files come back onto an empty bucket under their own names, checked.
        for key in list(_keys(on_s3)):
            default_storage.delete(key)
        for name, facts in files.items():
            backup._restore_file(archive, name, facts)
    assert _keys(on_s3) == {doc.file.name, stray}
    assert default_storage.open(doc.file.name).read() == MINIMAL_PDF

    assert remove_orphans(datetime.timedelta(0)) == (1, len(b"%PDF-1.4 stray %%EOF"))
    assert _keys(on_s3) == {doc.file.name}


def test_a_restored_file_that_would_leave_the_storage_is_refused(on_s3: Any) -> None:
    data = b"%PDF-1.4 x %%EOF"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("media/../escape.pdf")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    facts = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    with (
        tarfile.open(fileobj=buffer, mode="r:gz") as archive,
        pytest.raises(backup.BackupError, match="would leave the storage"),
    ):
        backup._restore_file(archive, "../escape.pdf", facts)
    assert _keys(on_s3) == set()
