"""Every upload page meets broken and hostile files the same way: status 400, the one-line
reason on the page, nothing written, nothing waiting to be confirmed; and a large valid file
is previewed and confirmed by reference, whatever its size."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from recap.assessments.models import Answer, Framework
from recap.assessments.services import assessment_start, framework_load_shipped
from recap.catalogue.models import CandidateAction, CatalogueAction
from recap.catalogue.services import catalogue_export, catalogue_load_shipped
from recap.core.models import PendingImport
from recap.core.tests import hostile
from recap.hazards.models import CityHazard
from recap.hazards.services import hazard_taxonomy_load
from recap.testing import World, make_user

FILES: list[tuple[str, Callable[[], bytes], str]] = [
    ("entities", hostile.entities, "not a readable XLSX file"),
    ("truncated workbook", hostile.truncated_workbook, "not a readable XLSX file"),
    ("truncated sheet", hostile.truncated_sheet, "not a readable XLSX file"),
    ("corrupt deflate", hostile.corrupt_deflate, "not a readable XLSX file"),
    ("lying size", hostile.lying_size, "not a readable XLSX file"),
    ("inflates", lambda: hostile.wide_row(3_000_000), "expands to 43 MB"),
    ("far column", hostile.far_cell, "sheet 'Actions', row 1: a cell beyond column 200"),
]


@pytest.fixture
def pages(world: World) -> dict[str, tuple[str, str, type[Model]]]:
    """Each upload page: (its URL, who may use it, the rows it would write)."""
    hazard_taxonomy_load()
    catalogue_load_shipped()
    framework_load_shipped()
    assessment = assessment_start(
        actor=world.users["editor_a"],
        city=world.city_a,
        framework=Framework.objects.get(code="seven-qualities"),
        title="Baseline",
    )
    return {
        "catalogue": ("/catalogue/upload/", "admin", CatalogueAction),
        "hazards": ("/cities/kigali/workspace/hazards/upload/", "editor_a", CityHazard),
        "candidates": ("/cities/kigali/workspace/candidates/upload/", "editor_a", CandidateAction),
        "assessment": (
            f"/cities/kigali/workspace/assessments/{assessment.pk}/upload/",
            "editor_a",
            Answer,
        ),
    }


@pytest.mark.parametrize("page", ["catalogue", "hazards", "candidates", "assessment"])
@pytest.mark.parametrize(("label", "build", "message"), FILES, ids=[f[0] for f in FILES])
def test_every_upload_page_refuses_a_bad_file_cleanly(
    client: Client,
    world: World,
    pages: dict[str, tuple[str, str, type[Model]]],
    page: str,
    label: str,
    build: Callable[[], bytes],
    message: str,
) -> None:
    url, who, model = pages[page]
    before = model.objects.count()  # type: ignore[attr-defined]
    client.force_login(world.users[who])
    upload = io.BytesIO(build())
    upload.name = "upload.xlsx"
    response = client.post(url, {"file": upload})
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert "The file was not imported. Nothing was changed." in body
    assert f"upload.xlsx: {message}" in body
    assert model.objects.count() == before  # type: ignore[attr-defined]
    assert not PendingImport.objects.exists()


def _catalogue_csv(rows: int) -> bytes:
    """The shipped catalogue as CSV, its rows repeated under new codes, long descriptions."""
    lines = catalogue_export(file_format="csv").decode("utf-8-sig").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    out.write(header)
    parsed = list(csv.reader(io.StringIO("".join(body))))
    for k in range(rows):
        row = list(parsed[k % len(parsed)])
        row[0] = f"BIG-{k:04d}"
        row[3] = (row[3] + " ") * 4
        writer.writerow(row)
    return out.getvalue().encode()


def test_a_large_valid_file_is_confirmed_by_reference(client: Client, world: World) -> None:
    """3 MB of CSV: more than Django lets a form post carry (2.5 MB); the preview's rows wait
    on the server and the confirmation carries only their id."""
    catalogue_load_shipped()
    data = _catalogue_csv(1500)
    assert len(data) > 2.5 * 1024 * 1024
    client.force_login(world.users["admin"])
    upload = io.BytesIO(data)
    upload.name = "big.csv"
    preview = client.post("/catalogue/upload/", {"file": upload})
    assert preview.status_code == 200, preview.content.decode()[:500]
    assert "1500 to add, 0 to change." in preview.content.decode()
    pending = PendingImport.objects.get()
    assert pending.user == world.users["admin"] and pending.scope == "catalogue"
    assert pending.filename == "big.csv" and len(pending.file_sha256) == 64
    assert f'name="confirm" value="{pending.pk}"' in preview.content.decode()
    response = client.post("/catalogue/upload/", {"confirm": str(pending.pk)})
    assert response.status_code == 302
    assert CatalogueAction.objects.filter(code__startswith="BIG-").count() == 1500
    assert not PendingImport.objects.exists()
    # A second click on the same confirmation finds nothing left to save.
    again = client.post("/catalogue/upload/", {"confirm": str(pending.pk)}, follow=True)
    assert "already saved or has expired" in again.content.decode()


def _preview(client: Client, world: World) -> PendingImport:
    catalogue_load_shipped()
    client.force_login(world.users["admin"])
    upload = io.BytesIO(_catalogue_csv(3))
    upload.name = "small.csv"
    assert client.post("/catalogue/upload/", {"file": upload}).status_code == 200
    return PendingImport.objects.get(scope="catalogue")


def test_a_preview_is_only_its_uploaders_and_only_until_it_expires(
    client: Client, world: World
) -> None:
    pending = _preview(client, world)
    # Another platform admin cannot confirm it.
    client.force_login(make_user("admin2", superuser=True))
    refused = client.post("/catalogue/upload/", {"confirm": str(pending.pk)}, follow=True)
    assert "already saved or has expired" in refused.content.decode()
    assert not CatalogueAction.objects.filter(code__startswith="BIG-").exists()
    # Nor can its uploader, once it has expired; then it is gone at the next upload.
    PendingImport.objects.filter(pk=pending.pk).update(expires_at=timezone.now() - timedelta(1))
    client.force_login(world.users["admin"])
    late = client.post("/catalogue/upload/", {"confirm": str(pending.pk)}, follow=True)
    assert "already saved or has expired" in late.content.decode()
    assert not CatalogueAction.objects.filter(code__startswith="BIG-").exists()
    _preview(client, world)
    assert not PendingImport.objects.filter(pk=pending.pk).exists()


@pytest.mark.parametrize("reference", ["", "not-a-uuid", "0" * 36, "' OR 1=1 --"])
def test_a_made_up_reference_is_refused(client: Client, world: World, reference: str) -> None:
    _preview(client, world)
    response = client.post("/catalogue/upload/", {"confirm": reference}, follow=True)
    assert "already saved or has expired" in response.content.decode()
    assert not CatalogueAction.objects.filter(code__startswith="BIG-").exists()


def test_previews_per_person_are_bounded(client: Client, world: World) -> None:
    """A new preview for the same place replaces the last; past the cap, the oldest go."""
    _preview(client, world)
    _preview(client, world)
    assert PendingImport.objects.count() == 1
    for k in range(12):
        PendingImport.objects.create(
            user=world.users["admin"],
            scope=f"elsewhere.{k}",
            filename="x.csv",
            file_sha256="0" * 64,
            payload={},
            expires_at=timezone.now() + timedelta(hours=1),
        )
    _preview(client, world)
    assert PendingImport.objects.filter(user=world.users["admin"]).count() == 10


@pytest.mark.parametrize("page", ["catalogue", "hazards", "candidates", "assessment"])
def test_an_oversized_upload_is_not_kept(
    client: Client, world: World, pages: dict[str, tuple[str, str, type[Model]]], page: str
) -> None:
    """Past 5 MB the upload's bytes are read away, not stored, and the page says why."""
    url, who, _model = pages[page]
    client.force_login(world.users[who])
    upload = io.BytesIO(b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024))
    upload.name = "huge.xlsx"
    response = client.post(url, {"file": upload})
    assert response.status_code == 413
    assert "the file is larger than 5 MB" in response.content.decode()
    assert "Nothing was changed." in response.content.decode()
    assert not PendingImport.objects.exists()
