from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from recap.catalogue.candidates import candidate_adopt
from recap.catalogue.models import CandidateAction, CatalogueAction
from recap.catalogue.selectors import candidate_list, candidate_values
from recap.catalogue.services import catalogue_load_shipped
from recap.engine.value import Hazard, action_scores, action_value
from recap.hazards.models import HazardType
from recap.hazards.services import city_hazard_add, hazard_taxonomy_load
from recap.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world: World) -> World:
    hazard_taxonomy_load()
    catalogue_load_shipped()
    for code, lk, im, trend in [("flood_flash", 5, 4, "rising"), ("epidemic", 3, 5, "stable")]:
        city_hazard_add(
            actor=world.users["editor_a"],
            city=world.city_a,
            hazard=HazardType.objects.get(code=code),
            likelihood=lk,
            impact=im,
            trend=trend,
        )
    return world


def test_adopting_copies_the_catalogue_action_at_mid_cost(setup: World) -> None:
    source = CatalogueAction.objects.get(code="WAT-01")
    c = candidate_adopt(actor=setup.users["editor_a"], city=setup.city_a, source=source)
    assert (c.code, c.title, c.sectors, c.hazards) == (
        source.code,
        source.title,
        source.sectors,
        source.hazards,
    )
    assert c.local_cost_usd == (source.cost_min_usd + source.cost_max_usd) // 2
    with pytest.raises(ValidationError, match="already one of the city's candidate actions"):
        candidate_adopt(actor=setup.users["editor_a"], city=setup.city_a, source=source)


@pytest.mark.parametrize("actor", ["viewer_a", "editor_b", "manager", "funder"])
def test_only_editors_adopt(setup: World, actor: str) -> None:
    with pytest.raises(PermissionDenied):
        candidate_adopt(
            actor=setup.users[actor],
            city=setup.city_a,
            source=CatalogueAction.objects.get(code="WAT-01"),
        )
    assert not CandidateAction.objects.exists()


def test_value_is_the_engine_model_against_this_citys_register(setup: World) -> None:
    c = candidate_adopt(
        actor=setup.users["editor_a"],
        city=setup.city_a,
        source=CatalogueAction.objects.get(code="DRM-01"),
    )
    valued = candidate_values(candidates=[c], city=setup.city_a)[0]
    hazards = [Hazard("flood_flash", 5, 4, "rising"), Hazard("epidemic", 3, 5, "stable")]
    expected = action_scores(
        hazards,
        effectiveness={k: float(v) for k, v in c.hazards.items()},
        qualities=c.qualities,
        co_benefits={k: float(v) for k, v in c.co_benefits.items()},
        feasibility=float(c.feasibility),
    )
    # DRM-01 ships as feasible with the usual effort (2 of 3, ten months): it scores 2/3.
    assert c.feasibility == 2 and expected["scores"]["feasibility"] == pytest.approx(2 / 3)
    assert valued.value == pytest.approx(
        action_value(
            expected["scores"],
            {
                "resilience": 0.35,
                "economy": 0.13,
                "equity": 0.13,
                "climate": 0.13,
                "health": 0.13,
                "feasibility": 0.13,
            },
        )["value"]
    )
    assert set(valued.breakdown["hazards"]) == {"flood_flash", "epidemic"}
    # Another city with no register values the same action on qualities and co-benefits only.
    other = candidate_adopt(
        actor=setup.users["editor_b"],
        city=setup.city_b,
        source=CatalogueAction.objects.get(code="DRM-01"),
    )
    assert candidate_values(candidates=[other], city=setup.city_b)[0].breakdown["hazards"] == {}


def test_views_adopt_write_own_edit_and_isolation(client: Client, setup: World) -> None:
    client.force_login(setup.users["editor_a"])
    detail = client.get("/catalogue/WAT-01/").content.decode()
    assert "Adopt for Kigali" in detail and "Adopt for Rajshahi" not in detail
    response = client.post("/cities/kigali/workspace/candidates/adopt/", {"code": "WAT-01"})
    assert response.status_code == 302
    response = client.post(
        "/cities/kigali/workspace/candidates/new/",
        {
            "code": "KGL-01",
            "title": "Community flood wardens",
            "sectors": ["drm"],
            "phase": "short",
            "local_cost_usd": "15000",
            "staff_fte": "0.3",
            "economy": "1",
            "equity": "3",
            "mitigation": "0",
            "adaptation": "2",
            "health": "1",
            "feasibility": "3",
            "hazard__flood_flash": "3",
            "lead_department": "Disaster management unit",
        },
    )
    assert response.status_code == 302
    own = CandidateAction.objects.get(code="KGL-01")
    assert own.hazards == {"flood_flash": 3}
    assert own.source is None
    listing = client.get("/cities/kigali/workspace/candidates/").content.decode()
    assert "KGL-01" in listing and "WAT-01" in listing
    bad = client.post(
        "/cities/kigali/workspace/candidates/new/",
        {"code": "KGL-01", "title": "", "sectors": [], "phase": "later", "local_cost_usd": "-1"},
    )
    assert bad.status_code == 400
    assert {"title", "sectors", "phase", "local_cost_usd"} <= set(bad.context["form"].errors)
    client.force_login(setup.users["editor_b"])
    assert client.get(f"/cities/kigali/workspace/candidates/{own.pk}/").status_code == 404
    assert client.get(f"/cities/rajshahi/workspace/candidates/{own.pk}/").status_code == 404
    assert candidate_list(user=setup.users["editor_b"], city=setup.city_a) == []


def test_candidates_round_trip_and_rejected_import(client: Client, setup: World) -> None:
    import io

    from openpyxl import load_workbook

    from recap.catalogue.candidate_sheet import (
        candidate_export,
        candidate_import_apply,
        candidate_import_plan,
    )
    from recap.core.tabular import TableError

    for code in ("WAT-01", "DRM-01"):
        candidate_adopt(
            actor=setup.users["editor_a"],
            city=setup.city_a,
            source=CatalogueAction.objects.get(code=code),
        )
    data = candidate_export(setup.city_a)
    plan = candidate_import_plan(setup.city_a, data=data, filename="c.xlsx")
    assert (plan.added, plan.changed) == ([], [])
    CandidateAction.objects.all().delete()
    candidate_import_apply(
        setup.city_a,
        plan=candidate_import_plan(setup.city_a, data=data, filename="c.xlsx"),
        actor=setup.users["editor_a"],
    )
    assert candidate_export(setup.city_a, file_format="csv") == candidate_export(
        setup.city_a, file_format="csv"
    )
    assert CandidateAction.objects.get(code="WAT-01").source == CatalogueAction.objects.get(
        code="WAT-01"
    )
    # A bad cell anywhere: every problem named, nothing written.
    book = load_workbook(io.BytesIO(data))
    sheet = book["Candidates"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("phase") + 1, value="someday")
    sheet.cell(row=3, column=header.index("source") + 1, value="ZZZ-99")
    out = io.BytesIO()
    book.save(out)
    CandidateAction.objects.all().delete()
    with pytest.raises(TableError) as exc:
        candidate_import_plan(setup.city_a, data=out.getvalue(), filename="c.xlsx")
    assert (
        "Sheet 'Candidates', row 2, column 'phase': must be one of short, medium"
        in exc.value.errors
    )
    assert (
        "Sheet 'Candidates', row 3, column 'source': 'ZZZ-99' is not in the catalogue"
        in exc.value.errors
    )
    assert not CandidateAction.objects.exists()
    # The same through the web, by the city's editor only.
    client.force_login(setup.users["editor_a"])
    upload = io.BytesIO(data)
    upload.name = "c.xlsx"
    preview = client.post("/cities/kigali/workspace/candidates/upload/", {"file": upload})
    assert "2 to add, 0 to change." in preview.content.decode()
    assert (
        client.post(
            "/cities/kigali/workspace/candidates/upload/",
            {"confirm": str(preview.context["pending"].pk)},
        ).status_code
        == 302
    )
    assert CandidateAction.objects.filter(city=setup.city_a).count() == 2


def test_a_candidates_cost_range_is_edited_and_goes_through_its_sheet(
    client: Client, setup: World
) -> None:
    """The form writes the range and class; the sheet carries them out and back; a range on
    the wrong side of the estimate is named by row and column and writes nothing."""
    import io

    from openpyxl import load_workbook

    from recap.catalogue.candidate_sheet import (
        candidate_export,
        candidate_import_apply,
        candidate_import_plan,
    )
    from recap.core.tabular import TableError

    candidate = candidate_adopt(
        actor=setup.users["editor_a"],
        city=setup.city_a,
        source=CatalogueAction.objects.get(code="WAT-01"),
    )
    client.force_login(setup.users["editor_a"])
    form = {
        "title": candidate.title,
        "sectors": candidate.sectors,
        "phase": candidate.phase,
        "local_cost_usd": "100000",
        "cost_low_usd": "90000",
        "cost_high_usd": "180000",
        "reference_class": "civil_works",
        "staff_fte": "1",
        **dict.fromkeys(("economy", "equity", "mitigation", "adaptation", "health"), "1"),
        "feasibility": "2",
    }
    url = f"/cities/kigali/workspace/candidates/{candidate.pk}/edit/"
    assert client.post(url, form).status_code == 302
    candidate.refresh_from_db()
    assert (candidate.cost_low_usd, candidate.cost_high_usd) == (90_000, 180_000)
    assert candidate.reference_class == "civil_works"
    page = client.get(f"/cities/kigali/workspace/candidates/{candidate.pk}/").content.decode()
    assert "US$90,000 – US$180,000" in page
    bad = client.post(url, form | {"cost_high_usd": "50000"})
    assert bad.status_code == 400
    assert "cost_high_usd" in bad.context["form"].errors
    candidate.refresh_from_db()
    assert candidate.cost_high_usd == 180_000
    # Out and back through the sheet: nothing changes.
    data = candidate_export(setup.city_a)
    plan = candidate_import_plan(setup.city_a, data=data, filename="c.xlsx")
    assert (plan.added, plan.changed) == ([], [])
    book = load_workbook(io.BytesIO(data))
    sheet = book["Candidates"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("cost_low_usd") + 1).value = None  # blank: the class
    out = io.BytesIO()
    book.save(out)
    plan = candidate_import_plan(setup.city_a, data=out.getvalue(), filename="c.xlsx")
    assert plan.changed == ["WAT-01"]
    candidate_import_apply(setup.city_a, plan=plan, actor=setup.users["editor_a"])
    candidate.refresh_from_db()
    assert candidate.cost_low_usd is None and candidate.cost_high_usd == 180_000
    sheet.cell(row=2, column=header.index("cost_high_usd") + 1, value=10)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(TableError) as exc:
        candidate_import_plan(setup.city_a, data=out.getvalue(), filename="c.xlsx")
    assert any(
        "row 2, column 'cost_high_usd': must not be below local_cost_usd" in e
        for e in exc.value.errors
    ), exc.value.errors
    candidate.refresh_from_db()
    assert candidate.cost_high_usd == 180_000
