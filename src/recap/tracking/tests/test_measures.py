"""Small-scale measures and their evidence: history and refusals, evidence read from its bytes with
a thumbnail, a bad file keeps nothing, evidence stays within its programme, an edit keeps what
the form does not change."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from recap.core.tests.test_documents import MINIMAL_PDF, image, xlsx
from recap.hazards.models import HazardType
from recap.testing import World
from recap.tracking.measures import evidence_add, measure_save, measure_status
from recap.tracking.models import (
    Evidence,
    Indicator,
    IndicatorUpdate,
    Measure,
)
from recap.tracking.services import (
    framework_load_shipped,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def test_measure_save_history_and_refusals(world: World) -> None:
    flood = HazardType.objects.create(
        code="flood", name="Flood", family="hydrological", kind="shock"
    )
    editor = world.users["editor_a"]
    data: dict[str, Any] = {
        "title": "Lights",
        "hazards": [flood],
        "cost": 1000,
        "co_finance": 200,
        "beneficiaries": 30,
        "beneficiaries_breakdown": {"sex": {"female": 16, "male": 14}},
        "on": D(2023, 1, 2),
    }
    measure = measure_save(actor=editor, city=world.city_a, data=data)
    assert list(measure.hazards.all()) == [flood]
    assert [(h.status, h.on) for h in measure.history.all()] == [("planned", D(2023, 1, 2))]
    measure_status(actor=editor, measure=measure, status="implemented", on=D(2023, 5, 1))
    measure.refresh_from_db()
    assert (measure.status, measure.implemented_on) == ("implemented", D(2023, 5, 1))
    with pytest.raises(
        ValidationError,
        match="2023-04-01 would come before the last one, Implemented on 2023-05-01",
    ):
        measure_status(actor=editor, measure=measure, status="in_progress", on=D(2023, 4, 1))
    with pytest.raises(ValidationError, match="Not in the future"):
        measure_status(
            actor=editor,
            measure=measure,
            status="in_progress",
            on=D.today() + datetime.timedelta(1),
        )
    for change, words in [
        ({"beneficiaries_breakdown": {"sex": {"female": 10, "male": 10}}}, "adds up to 20"),
        ({"beneficiaries_breakdown": {"shoe": {"x": 30}}}, "by sex or age band only"),
        ({"co_finance": 5000}, "cannot exceed the cost"),
    ]:
        with pytest.raises(ValidationError, match=words):
            measure_save(actor=editor, city=world.city_a, data=data | change)
    other = world.city_b.candidates.create(
        code="B1", title="B", sectors=["health"], local_cost_usd=10, staff_fte=1, phase="short"
    )
    with pytest.raises(ValidationError, match="city's own candidate"):
        measure_save(actor=editor, city=world.city_a, data=data | {"action": other})
    for who in ("viewer_a", "editor_b", "manager", "reviewer", "funder"):
        with pytest.raises(PermissionDenied):
            measure_save(actor=world.users[who], city=world.city_a, data=data)
        with pytest.raises(PermissionDenied):
            measure_status(actor=world.users[who], measure=measure, status="planned", on=D.today())
    assert Measure.objects.count() == 1


def test_measure_pages(client: Client, world: World) -> None:
    """People reached are broken down in one field per category, labelled in words; the page
    shows the breakdown in words, never in codes."""
    client.force_login(world.users["editor_a"])
    response = client.post(
        "/cities/kigali/workspace/measures/",
        {
            "title": "Kiosks",
            "beneficiaries": "20",
            "on": "2023-01-02",
            "by_sex_0": "12",
            "by_sex_1": "8",
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert measure.beneficiaries_breakdown == {"sex": {"female": 12, "male": 8}}
    bad = client.post(
        "/cities/kigali/workspace/measures/",
        {"title": "Other", "beneficiaries": "20", "on": "2023-01-02", "by_sex_0": "3"},
    )
    assert (
        bad.status_code == 400
        and "These add up to 3, not the 20 people reached" in bad.content.decode()
    )
    page = client.get(f"/cities/kigali/workspace/measures/{measure.pk}/").content.decode()
    assert "Kiosks" in page and "Female 12" in page and "female 12" not in page
    assert '<label for="id_by_sex_0">Female</label>' in page
    client.force_login(world.users["editor_b"])
    assert client.get(f"/cities/kigali/workspace/measures/{measure.pk}/").status_code == 404
    assert client.get(f"/cities/rajshahi/workspace/measures/{measure.pk}/").status_code == 404


def test_a_breakdown_field_names_the_category_that_is_wrong(client: Client, world: World) -> None:
    client.force_login(world.users["editor_a"])
    for field, value, words in [
        ("by_sex_1", "-3", "Male: not below zero."),
        ("by_age_band_0", "many", "Under 25: many is not a number."),
        ("by_sex_0", "2.5", "Female: a whole number of people."),
    ]:
        response = client.post(
            "/cities/kigali/workspace/measures/",
            {"title": "Bad", "beneficiaries": "5", "on": "2023-01-02", field: value},
        )
        assert response.status_code == 400 and words in response.content.decode()
    assert not Measure.objects.exists()


def test_the_planned_date_is_asked_for_and_can_be_corrected(client: Client, world: World) -> None:
    """Left empty, "planned since" is asked for (never taken to be today); changed later, it
    moves the first step, and a date after the next step is refused naming both dates."""
    client.force_login(world.users["editor_a"])
    empty = client.post("/cities/kigali/workspace/measures/", {"title": "Drains", "on": ""})
    assert empty.status_code == 400 and not Measure.objects.exists()
    client.post("/cities/kigali/workspace/measures/", {"title": "Drains", "on": "2023-03-01"})
    measure = Measure.objects.get()
    editor = world.users["editor_a"]
    with pytest.raises(
        ValidationError, match="2023-02-01 would come before the last one, Planned on 2023-03-01"
    ):
        measure_status(actor=editor, measure=measure, status="in_progress", on=D(2023, 2, 1))
    url = f"/cities/kigali/workspace/measures/{measure.pk}/"
    page = client.get(url).content.decode()
    assert 'value="2023-03-01"' in page  # the edit form shows the planned date
    assert client.post(url, {"title": "Drains", "on": "2023-01-15"}).status_code == 302
    assert measure.history.get().on == D(2023, 1, 15)
    measure_status(actor=editor, measure=measure, status="in_progress", on=D(2023, 2, 1))
    late = client.post(url, {"title": "Drains", "on": "2023-02-10"})
    assert late.status_code == 400
    assert (
        "Planned on 2023-02-10 would come after the next step, In progress on 2023-02-01"
        in late.content.decode()
    )
    assert [h.on for h in measure.history.order_by("on")] == [D(2023, 1, 15), D(2023, 2, 1)]
    client.force_login(world.users["viewer_a"])
    assert client.post(url, {"title": "Drains", "on": "2022-01-01"}).status_code == 403
    assert measure.history.order_by("on").first().on == D(2023, 1, 15)


def test_evidence_is_checked_from_its_bytes_and_gets_a_thumbnail(
    client: Client, world: World, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    measure = Measure.objects.create(city=world.city_a, title="Lights")
    editor = world.users["editor_a"]
    photo = evidence_add(
        actor=editor, measure=measure, title="", data=image("JPEG", (1600, 900)), filename="a.jpg"
    )
    assert photo.title == "a" and photo.kind_of_file == "jpeg" and photo.thumbnail
    from PIL import Image

    with Image.open(photo.thumbnail.open("rb")) as thumb:
        assert thumb.size == (480, 270) and thumb.format == "PNG"
    pdf = evidence_add(
        actor=editor, measure=measure, title="Invoice", data=MINIMAL_PDF, filename="i.pdf"
    )
    assert not pdf.thumbnail
    for data, name, words in [
        (image("PNG"), "photo.pdf", "is named photo.pdf but is a PNG"),
        (b"hello", "notes.png", "Only PDF"),
        (xlsx(), "sheet.xlsx", "Only these kinds of file: PDF, PNG, JPEG, WEBP"),
        (MINIMAL_PDF[:-7], "cut.pdf", "cut short"),
        (image("PNG", (9000, 9000), "1"), "huge.png", "too large"),
        (b"%PDF-" + b"x" * (5 * 1024 * 1024) + b"%%EOF", "big.pdf", "larger than"),
        (b"", "empty.pdf", "empty"),
    ]:
        with pytest.raises(ValidationError, match=words):
            evidence_add(actor=editor, measure=measure, title="x", data=data, filename=name)
    assert Evidence.objects.count() == 2
    with pytest.raises(PermissionDenied):
        evidence_add(
            actor=world.users["viewer_a"],
            measure=measure,
            title="x",
            data=MINIMAL_PDF,
            filename="x.pdf",
        )

    # Served as what it is, never inline; the thumbnail inline; a stranger gets a 404.
    client.force_login(world.users["viewer_a"])
    response = client.get(f"/evidence/{photo.pk}/")
    assert (
        response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    )
    assert response["Content-Disposition"].startswith("attachment")
    thumb_response = client.get(f"/evidence/{photo.pk}/?thumbnail=1")
    assert thumb_response["Content-Type"] == "image/png"
    assert client.get(f"/evidence/{pdf.pk}/?thumbnail=1").status_code == 404
    client.force_login(world.users["editor_b"])
    assert client.get(f"/evidence/{photo.pk}/").status_code == 404
    client.force_login(world.users["editor_a"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/evidence/{photo.pk}/remove/").status_code == 302
    assert not Evidence.objects.filter(pk=photo.pk).exists()
    assert len([p for p in media.rglob("*") if p.is_file()]) == 1  # the PDF alone is left


def test_a_value_is_reported_with_evidence_and_a_bad_file_keeps_nothing(
    client: Client, world: World, media: Path
) -> None:
    framework_load_shipped(world.programme)
    reached = Indicator.objects.get(code="reached")
    client.force_login(world.users["editor_a"])
    form = {
        "indicator": reached.pk,
        "period_start": "2024-01-01",
        "period_end": "2024-03-31",
        "value": "100",
        "submit": "1",
    }
    bad = client.post(
        "/cities/kigali/workspace/results/",
        form | {"evidence": SimpleUploadedFile("drill.jpg", b"not an image")},
    )
    assert bad.status_code == 400 and "Only PDF" in bad.content.decode()
    assert not IndicatorUpdate.objects.exists() and not Evidence.objects.exists()
    good = client.post(
        "/cities/kigali/workspace/results/",
        form | {"evidence": SimpleUploadedFile("drill.jpg", image("JPEG"))},
    )
    assert good.status_code == 302
    update = IndicatorUpdate.objects.get()
    assert update.status == "submitted" and update.evidence.get().kind_of_file == "jpeg"
    # Once submitted, its evidence is fixed.
    with pytest.raises(ValidationError, match="no longer be changed"):
        evidence_add(
            actor=world.users["editor_a"],
            update=update,
            title="",
            data=MINIMAL_PDF,
            filename="x.pdf",
        )
    # The programme's manager sees it with the value waiting for approval.
    client.force_login(world.users["manager"])
    assert "drill" in client.get("/programme/results/").content.decode()


def test_evidence_stays_within_its_programme(client: Client, world: World, media: Path) -> None:
    from recap.accounts.models import Membership, Role
    from recap.cities.models import Programme
    from recap.testing import make_user

    other = Programme.objects.create(
        name="Other", short_name="O", slug="other", start_date=D(2022, 1, 1), end_date=D(2025, 1, 1)
    )
    outsider = make_user("other_manager")
    Membership.objects.create(user=outsider, role=Role.PROGRAMME_MANAGER, programme=other)
    measure = Measure.objects.create(city=world.city_a, title="Lights")
    photo = evidence_add(
        actor=world.users["editor_a"],
        measure=measure,
        title="",
        data=image("PNG"),
        filename="a.png",
    )
    client.force_login(outsider)
    assert client.get(f"/evidence/{photo.pk}/").status_code == 404
    client.force_login(world.users["reviewer"])  # this programme's reviewer
    assert client.get(f"/evidence/{photo.pk}/").status_code == 200


def test_editing_a_measure_keeps_what_the_form_does_not_change(
    client: Client, world: World
) -> None:
    client.force_login(world.users["editor_a"])
    created = client.post(
        "/cities/kigali/workspace/measures/",
        {"title": "Kiosks", "beneficiaries": "120", "on": "2023-02-01", "cost": "5000"},
    )
    assert created.status_code == 302
    measure = Measure.objects.get()
    assert measure.history.get().on == D(2023, 2, 1)  # its real first date, not today
    url = f"/cities/kigali/workspace/measures/{measure.pk}/"
    form = client.get(url).context["form"]
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("hazards", "by_sex", "by_age_band")
    }
    data |= {"title": "Water kiosks", "co_finance": ""}  # co-finance cleared, a cost set
    assert client.post(url, data).status_code == 302
    measure.refresh_from_db()
    assert (measure.title, measure.beneficiaries, measure.co_finance) == ("Water kiosks", 120, 0)
    bad = client.post(url, data | {"by_sex_0": "²"})
    assert bad.status_code == 400 and "is not a number" in bad.content.decode()


def test_a_damaged_image_is_refused_and_leaves_no_file(
    world: World, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import ImageFile

    # As in the web process once WeasyPrint is imported: Pillow told to accept cut images.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    measure = Measure.objects.create(city=world.city_a, title="Lights")
    whole = image("JPEG", (400, 300))
    with pytest.raises(ValidationError, match="cut short"):
        evidence_add(
            actor=world.users["editor_a"],
            measure=measure,
            title="",
            data=whole[: len(whole) // 2],
            filename="a.jpg",
        )
    assert not Evidence.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]
