from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from openpyxl import Workbook

from recap.accounts.models import AuditEvent
from recap.hazards.models import CityHazard, CityHazardVersion, HazardType
from recap.hazards.selectors import city_hazard_list, risk_matrix
from recap.hazards.services import (
    city_hazard_add,
    city_hazard_remove,
    city_hazard_restore,
    city_hazard_update,
    hazard_taxonomy_load,
)
from recap.hazards.spreadsheet import register_export, register_import_apply, register_import_plan
from recap.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def taxonomy(db: None) -> dict[str, HazardType]:
    hazard_taxonomy_load()
    return {h.code: h for h in HazardType.objects.all()}


def add(
    world: World,
    taxonomy: dict[str, HazardType],
    code: str,
    lk: int,
    im: int,
    trend: str = "stable",
) -> CityHazard:
    return city_hazard_add(
        actor=world.users["editor_a"],
        city=world.city_a,
        hazard=taxonomy[code],
        likelihood=lk,
        impact=im,
        trend=trend,
    )


def test_taxonomy_has_every_family_and_both_kinds(taxonomy: dict[str, HazardType]) -> None:
    assert len({h.family for h in taxonomy.values()}) == 8
    assert {h.kind for h in taxonomy.values()} == {"shock", "stress"}


def test_register_is_ranked_and_mapped(world: World, taxonomy: dict[str, HazardType]) -> None:
    add(world, taxonomy, "epidemic", 3, 5)
    add(world, taxonomy, "flood_flash", 5, 4, "rising")
    add(world, taxonomy, "landslide", 3, 5, "rising")
    ranked = city_hazard_list(user=world.users["viewer_a"], city=world.city_a)
    assert [e.hazard.code for e in ranked] == ["flood_flash", "landslide", "epidemic"]
    matrix = risk_matrix(ranked)
    assert [e.hazard.code for e in matrix[0][3].entries] == [
        "flood_flash"
    ]  # likelihood 5, impact 4
    assert {e.hazard.code for e in matrix[2][4].entries} == {"landslide", "epidemic"}
    assert matrix[0][3].level == "very_high"
    assert city_hazard_list(user=world.users["editor_b"], city=world.city_a) == []


def test_every_change_is_kept_and_can_be_restored(
    world: World, taxonomy: dict[str, HazardType]
) -> None:
    editor = world.users["editor_a"]
    entry = add(world, taxonomy, "flood_flash", 3, 3)
    city_hazard_update(actor=editor, entry=entry, likelihood=5, evidence="2024 floods report")
    first = CityHazardVersion.objects.filter(change="created").get()
    assert first.data["likelihood"] == 3
    city_hazard_restore(actor=editor, version=first)
    entry.refresh_from_db()
    assert (entry.likelihood, entry.evidence) == (3, "")
    city_hazard_remove(actor=editor, entry=entry)
    assert not CityHazard.objects.exists()
    deleted = CityHazardVersion.objects.get(change="deleted")
    restored = city_hazard_restore(actor=editor, version=deleted)
    assert (restored.likelihood, restored.hazard.code) == (3, "flood_flash")
    changes = list(CityHazardVersion.objects.order_by("pk").values_list("change", flat=True))
    assert changes == ["created", "updated", "restored", "deleted", "restored"]
    assert AuditEvent.objects.filter(verb__startswith="hazard.").count() == 5


def test_an_unchanged_save_leaves_no_version(world: World, taxonomy: dict[str, HazardType]) -> None:
    entry = add(world, taxonomy, "drought", 2, 2)
    city_hazard_update(actor=world.users["editor_a"], entry=entry, likelihood=2)
    assert CityHazardVersion.objects.count() == 1


@pytest.mark.parametrize("actor", ["viewer_a", "editor_b", "manager", "funder"])
def test_only_the_citys_editors_change_the_register(
    world: World, taxonomy: dict[str, HazardType], actor: str
) -> None:
    entry = add(world, taxonomy, "drought", 2, 2)
    with pytest.raises(PermissionDenied):
        city_hazard_add(
            actor=world.users[actor],
            city=world.city_a,
            hazard=taxonomy["epidemic"],
            likelihood=1,
            impact=1,
        )
    with pytest.raises(PermissionDenied):
        city_hazard_update(actor=world.users[actor], entry=entry, likelihood=5)
    with pytest.raises(PermissionDenied):
        city_hazard_remove(actor=world.users[actor], entry=entry)
    entry.refresh_from_db()
    assert entry.likelihood == 2


def test_scores_are_checked(world: World, taxonomy: dict[str, HazardType]) -> None:
    with pytest.raises(ValidationError) as exc:
        add(world, taxonomy, "drought", 6, 0)
    assert {"likelihood", "impact"} <= set(exc.value.message_dict)
    add(world, taxonomy, "drought", 2, 2)
    with pytest.raises(ValidationError, match="already in the city's register"):
        add(world, taxonomy, "drought", 3, 3)


def test_views_list_add_edit_and_history(
    client: Client, world: World, taxonomy: dict[str, HazardType]
) -> None:
    client.force_login(world.users["editor_a"])
    response = client.post(
        "/cities/kigali/workspace/hazards/add/",
        {
            "hazard": taxonomy["extreme_heat"].pk,
            "likelihood": "4",
            "impact": "4",
            "trend": "rising",
        },
    )
    assert response.status_code == 302
    body = client.get("/cities/kigali/workspace/hazards/").content.decode()
    assert "Extreme heat" in body and "Risk matrix" in body
    bad = client.post(
        "/cities/kigali/workspace/hazards/add/",
        {"hazard": taxonomy["drought"].pk, "likelihood": "9", "impact": "", "trend": "sideways"},
    )
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"likelihood", "impact", "trend"}
    assert CityHazard.objects.count() == 1
    # The form offers only hazards not yet in the register.
    offered = (
        client.get("/cities/kigali/workspace/hazards/add/")
        .context["form"]
        .fields["hazard"]
        .queryset
    )
    assert taxonomy["extreme_heat"] not in offered
    history = client.get("/cities/kigali/workspace/hazards/history/").content.decode()
    assert "Added" in history and "Restore this state" in history


def test_another_citys_entries_are_invisible(
    client: Client, world: World, taxonomy: dict[str, HazardType]
) -> None:
    entry = add(world, taxonomy, "drought", 2, 2)
    client.force_login(world.users["editor_b"])
    assert client.get(f"/cities/kigali/workspace/hazards/{entry.pk}/").status_code == 404
    # Even through their own city's address, city A's entry is not there.
    assert client.get(f"/cities/rajshahi/workspace/hazards/{entry.pk}/").status_code == 404
    assert client.post(f"/cities/rajshahi/workspace/hazards/{entry.pk}/remove/").status_code == 404
    assert CityHazard.objects.filter(pk=entry.pk).exists()


def sheet(*rows: list[object], header: list[str] | None = None) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "Hazards"
    ws.append(
        header
        or [
            "hazard",
            "likelihood",
            "impact",
            "trend",
            "affected_groups",
            "affected_areas",
            "evidence",
        ]
    )
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_register_round_trip(
    world: World, taxonomy: dict[str, HazardType], file_format: str
) -> None:
    add(world, taxonomy, "flood_flash", 5, 4, "rising")
    add(world, taxonomy, "epidemic", 3, 5)
    data = register_export(world.city_a, file_format=file_format)
    plan = register_import_plan(world.city_a, data=data, filename=f"r.{file_format}")
    assert (plan.added, plan.changed) == ([], [])
    CityHazard.objects.all().delete()
    plan = register_import_plan(world.city_a, data=data, filename=f"r.{file_format}")
    register_import_apply(world.city_a, plan=plan, actor=world.users["editor_a"])
    assert register_export(world.city_a, file_format="csv") == register_export(
        world.city_a, file_format="csv"
    )
    assert sorted(CityHazard.objects.values_list("hazard__code", "likelihood", "impact")) == [
        ("epidemic", 3, 5),
        ("flood_flash", 5, 4),
    ]


def test_register_import_errors_write_nothing(
    client: Client, world: World, taxonomy: dict[str, HazardType]
) -> None:
    client.force_login(world.users["editor_a"])
    data = sheet(
        ["flood_flash", 5, 4, "rising"], ["meteor", 1, 1, "stable"], ["epidemic", "often", 9, "up"]
    )
    upload = io.BytesIO(data)
    upload.name = "register.xlsx"
    response = client.post("/cities/kigali/workspace/hazards/upload/", {"file": upload})
    assert response.status_code == 400
    errors = response.context["errors"]
    assert "Sheet 'Hazards', row 3, column 'hazard': must be one of" in errors[0]
    assert "Sheet 'Hazards', row 4, column 'likelihood': must be a number" in errors
    assert "Sheet 'Hazards', row 4, column 'impact': must be at most 5" in errors
    assert (
        "Sheet 'Hazards', row 4, column 'trend': must be one of rising, stable, falling" in errors
    )
    assert not CityHazard.objects.exists()


def test_register_import_preview_and_confirm(
    client: Client, world: World, taxonomy: dict[str, HazardType]
) -> None:
    client.force_login(world.users["editor_a"])
    upload = io.BytesIO(
        sheet(["flood_flash", 5, 4, "rising", "Valley households", "", "Survey 2024"])
    )
    upload.name = "register.xlsx"
    response = client.post("/cities/kigali/workspace/hazards/upload/", {"file": upload})
    assert "1 to add, 0 to change." in response.content.decode()
    assert not CityHazard.objects.exists()
    response = client.post(
        "/cities/kigali/workspace/hazards/upload/", {"confirm": str(response.context["pending"].pk)}
    )
    assert response.status_code == 302
    entry = CityHazard.objects.get()
    assert (entry.affected_groups, entry.evidence) == ("Valley households", "Survey 2024")
    # A preview made for Kigali cannot be replayed into another city.
    client.force_login(world.users["admin"])
    replay = client.post(
        "/cities/rajshahi/workspace/hazards/upload/",
        {"confirm": response.wsgi_request.POST["confirm"]},
        follow=True,
    )
    assert "already saved or has expired" in replay.content.decode()
    assert CityHazard.objects.count() == 1


def test_api_register_through_the_policy(
    client: Client, world: World, taxonomy: dict[str, HazardType]
) -> None:
    from recap.accounts.services import api_token_create

    add(world, taxonomy, "epidemic", 3, 5)
    add(world, taxonomy, "flood_flash", 5, 4, "rising")
    _t, key = api_token_create(user=world.users["viewer_a"], name="t")
    data = client.get(
        f"/api/v1/cities/{world.city_a.pk}/hazards", HTTP_AUTHORIZATION=f"Bearer {key}"
    ).json()
    assert [(h["hazard"], h["score"], h["level"]) for h in data] == [
        ("flood_flash", 20, "very_high"),
        ("epidemic", 15, "very_high"),
    ]
    _t, other = api_token_create(user=world.users["editor_b"], name="t")
    assert (
        client.get(
            f"/api/v1/cities/{world.city_a.pk}/hazards", HTTP_AUTHORIZATION=f"Bearer {other}"
        ).status_code
        == 404
    )
