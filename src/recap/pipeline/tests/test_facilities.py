"""The directory of facilities and funders: loaded from the repository's file (all or nothing,
every error named), each field with its source and the date it was checked, flagged in the
admin when not checked for a year."""

from __future__ import annotations

import copy
import datetime
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recap.pipeline.models import Facility
from recap.pipeline.selectors import facility_unchecked
from recap.pipeline.services import facilities_load_shipped, facility_directory_load
from recap.testing import World

pytestmark = pytest.mark.django_db


def _shipped() -> dict[str, Any]:
    raw = resources.files("recap.pipeline").joinpath("data/facilities.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def test_the_shipped_directory_loads_with_a_source_for_every_field() -> None:
    assert facilities_load_shipped() == Facility.objects.count() >= 7
    for facility in Facility.objects.all():
        assert set(Facility.SOURCED) <= set(facility.sources), facility.code
        for field in Facility.SOURCED:
            source = facility.sources[field]
            assert source["source"].startswith("https://"), (facility.code, field)
            assert "checked" in source
    gap = Facility.objects.get(code="gap-fund")
    assert gap.country_rule == "oda" and gap.support_types == ["ta_in_kind"]
    assert gap.stages_supported == ["capacity", "concept", "prefeasibility"]
    cff = Facility.objects.get(code="c40-cff")
    assert "Sources disagree" in cff.sources["minimum_stage"]["note"]
    assert cff.ticket_typical_usd == 1_000_000
    # Loading again brings entries up to date; it does not add them twice.
    assert facilities_load_shipped() == Facility.objects.count()


def _broken(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(_shipped())
    first = data["facilities"][0]
    for key, value in changes.items():
        first["values"][key] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_broken(sectors=["space"]), "entry 1 (gap-fund), sectors: unknown space"),
        (_broken(ticket_max_usd=-5), "ticket_max_usd: a whole number of US dollars, or null"),
        (_broken(country_rule="planet"), "country_rule: 'planet' is not one of"),
        (_broken(countries=["Rwanda"]), "countries: a list of two-letter country codes"),
        (_broken(minimum_stage="done"), "minimum_stage: 'done' is not one of"),
        ({"facilities": []}, "a non-empty list under 'facilities'"),
        ({"facilities": ["gap"]}, "entry 1: an object with"),
    ],
)
def test_a_file_with_an_error_writes_nothing_and_names_the_entry_and_field(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        facility_directory_load(data)
    assert any(message in m for m in refused.value.messages), refused.value.messages
    assert not Facility.objects.exists()


def test_every_error_of_a_file_is_named_at_once() -> None:
    data = copy.deepcopy(_shipped())
    data["facilities"][1]["code"] = data["facilities"][0]["code"]
    del data["facilities"][2]["values"]["sectors"]
    data["facilities"][3]["checked"] = "last spring"
    data["facilities"][4]["url"] = "not an address"
    with pytest.raises(ValidationError) as refused:
        facility_directory_load(data)
    text = " | ".join(refused.value.messages)
    assert "code used twice: gap-fund" in text
    assert "entry 3 (cdia): no value for sectors" in text
    assert "entry 4 (afdb-umdf): 'checked' must be a date" in text
    assert not Facility.objects.exists()
    # Sources given field by field must say which field and what.
    for wrong, said in [
        (["sectors"], "'field_sources' maps fields to {source, checked}"),
        ({"size": {"checked": None}}, "field_sources for unknown field(s) size"),
    ]:
        data = copy.deepcopy(_shipped())
        data["facilities"][0]["field_sources"] = wrong
        with pytest.raises(ValidationError) as refused:
            facility_directory_load(data)
        assert any(said in m for m in refused.value.messages), refused.value.messages
    # The model's own limits are checked before anything is written as well.
    data = copy.deepcopy(_shipped())
    data["facilities"][4]["url"] = "not an address"
    with pytest.raises(ValidationError, match="felicity, url"):
        facility_directory_load(data)
    assert not Facility.objects.exists()


def test_fields_are_due_for_checking_after_a_year_or_when_never_checked() -> None:
    data = copy.deepcopy(_shipped())
    entry = data["facilities"][0]
    entry["checked"] = "2026-01-10"
    entry["field_sources"] = {"sectors": {"checked": "2025-06-01"}}
    facility_directory_load({"facilities": [entry]})
    gap = Facility.objects.get()
    today = datetime.date(2026, 11, 30)
    assert [u.field for u in facility_unchecked(gap, today)] == ["sectors"]
    assert facility_unchecked(gap, today)[0].checked == datetime.date(2025, 6, 1)
    assert [u.field for u in facility_unchecked(gap, datetime.date(2027, 2, 1))] == list(
        Facility.SOURCED
    )
    gap.sources["sectors"]["checked"] = "yesterday"  # typed by hand: as good as unchecked
    assert [u.field for u in facility_unchecked(gap, today)] == ["sectors"]


def test_the_admin_flags_entries_and_fields_not_checked(client: Client, world: World) -> None:
    facilities_load_shipped()
    client.force_login(world.users["admin"])
    listing = client.get(reverse("admin:pipeline_facility_changelist")).content.decode()
    assert "7 entries have fields not checked against their sources" in listing
    assert "City Climate Finance Gap Fund" in listing and "8 / 15" in listing
    gap = Facility.objects.get(code="gap-fund")
    page = client.get(reverse("admin:pipeline_facility_change", args=[gap.pk])).content.decode()
    assert (
        "Not checked against the source for a year or more: countries (ISO codes) (never "
        "checked), sectors (never checked)" in page
    )
    client.force_login(world.users["manager"])
    assert client.get(reverse("admin:pipeline_facility_changelist")).status_code == 302


def test_the_command_loads_a_file_or_refuses_it_in_one_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_broken(sectors=["space"])), "utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("facilities", "load", str(bad))
    assert refused.value.returncode == 2
    assert "Nothing was loaded" in str(refused.value) and "unknown space" in str(refused.value)
    not_json = tmp_path / "x.json"
    not_json.write_bytes(b"\x00\xff{")
    with pytest.raises(CommandError, match="not a JSON file"):
        call_command("facilities", "load", str(not_json))
    assert not Facility.objects.exists()
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_shipped()), "utf-8")
    call_command("facilities", "load", str(good))
    assert Facility.objects.count() == len(_shipped()["facilities"])


def test_the_public_directory_shows_each_facility_in_the_readers_words(client: Client) -> None:
    facilities_load_shipped()
    page = client.get("/facilities/").content.decode()
    assert page.count('class="card"') == Facility.objects.count()
    assert "City Climate Finance Gap Fund" in page and "Technical assistance in kind" in page
    assert "Countries on the OECD DAC list of ODA recipients" in page
    assert "From: Concept and scoping" in page and "up to 1,500,000" in page
    assert "8 of these facts have not been checked" in page
    # An entry checked this year is not flagged.
    gap = Facility.objects.get(code="gap-fund")
    today = timezone.localdate().isoformat()
    gap.sources = {f: {"source": gap.url, "checked": today, "note": ""} for f in Facility.SOURCED}
    gap.applicants = "<script>alert(1)</script> Cities"
    gap.save()
    page = client.get("/facilities/").content.decode()
    card = page.split('id="gap-fund"')[1].split("</li>")[0]
    assert "to be checked" not in card
    assert "<script>alert" not in card and "&lt;script&gt;" in card
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = client.get("/facilities/").content.decode()
    assert "Assistance technique en nature" in page and "Mécanismes et bailleurs" in page


def test_the_admin_refuses_what_the_pages_could_not_show(client: Client, world: World) -> None:
    """The admin checks what the file loader checks: lists of known codes, the sources' shape;
    and a bad code is refused by the loader too."""
    from recap.pipeline.admin import FacilityForm

    facilities_load_shipped()
    gap = Facility.objects.get(code="gap-fund")
    form = FacilityForm(instance=gap)
    data = {name: form[name].value() for name in form.fields}
    data = {k: (json.dumps(v) if isinstance(v, (list, dict)) else v) for k, v in data.items()}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    assert FacilityForm(data, instance=gap).is_valid()
    bad = FacilityForm(data | {"sectors": '"energy"', "sources": '["x"]'}, instance=gap)
    assert not bad.is_valid()
    assert "a list of codes" in " ".join(bad.errors["sectors"])
    assert "an object" in " ".join(bad.errors["sources"])
    late = FacilityForm(data | {"sources": '{"sectors": {"checked": "soon"}}'}, instance=gap)
    assert not late.is_valid() and "must be a date" in " ".join(late.errors["sources"])
    code = copy.deepcopy(_shipped())
    code["facilities"][0]["code"] = "Gap Fund!"
    with pytest.raises(ValidationError, match="code"):
        facility_directory_load(code)
    assert Facility.objects.filter(code="Gap Fund!").count() == 0
