"""The shipped directory says what the facilities' own pages say (as checked on 2026-12-06), and
says nothing is checked that was not: every checked field names the page it was checked against,
an http(s) address on the facility's (or its operator's) own site, and carries a valid date."""

from __future__ import annotations

import datetime
import json
from dataclasses import replace
from importlib import resources
from typing import Any
from urllib.parse import urlparse

import pytest

from recap.pipeline.matching import FAIL, PASS, UNKNOWN, ConceptFacts, country_lists, match
from recap.pipeline.models import Facility
from recap.pipeline.services import facilities_load_shipped

pytestmark = pytest.mark.django_db

CHECKED_ON = "2026-12-06"

#: The sites each facility (or its operator) publishes on: a field may be marked checked only
#: against one of these; anything else (CCFLA, NDC Partnership, news sites) stays unchecked.
OWN_SITES: dict[str, set[str]] = {
    "gap-fund": {"www.citygapfund.org", "citygapfund.org"},
    "c40-cff": {"c40cff.org", "www.c40.org"},
    "cdia": {"cdia.asia"},
    "afdb-umdf": {"afdb-umdf.org", "www.afdb.org"},
    "felicity": {"www.giz.de", "www.eib.org"},
    "gcf-ppf": {"www.greenclimate.fund", "greenclimate.fund"},
    "unhabitat-cif": {"unhabitat.org", "pb.unhabitat.org", "citiesinvestmentfacility.org"},
}

DAKAR = ConceptFacts(
    country="SN",
    country_name="Senegal",
    applicant_type="local_government",
    sectors=["mobility"],
    climate=["mitigation"],
    stage="concept",
    ask=300_000,
    ask_is_preparation=True,
    has_cofinance=True,
    endorsed=False,
)


def _raw() -> dict[str, Any]:
    text = resources.files("recap.pipeline").joinpath("data/facilities.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.fixture
def directory() -> dict[str, Facility]:
    facilities_load_shipped()
    return {f.code: f for f in Facility.objects.all()}


def _list_for(year: int) -> dict[str, Any]:
    """The ODA list that covers flows of `year` (by its valid_from / valid_until)."""
    day = datetime.date(year, 7, 1)
    covering = [
        entry
        for key, entry in country_lists().items()
        if key.startswith("oda")
        and datetime.date.fromisoformat(entry["valid_from"])
        <= day
        <= datetime.date.fromisoformat(entry["valid_until"])
    ]
    assert len(covering) == 1, [e["name"] for e in covering]
    return covering[0]


def test_the_oda_lists_say_which_years_they_cover() -> None:
    lists = country_lists()
    for key in ("oda", "oda_2024_2025"):
        entry = lists[key]
        assert urlparse(entry["source"]).scheme in ("http", "https")
        start = datetime.date.fromisoformat(entry["valid_from"])
        end = datetime.date.fromisoformat(entry["valid_until"])
        assert start <= end
        assert entry["name"].startswith("OECD DAC list of ODA recipients")
        assert len(entry["countries"]) == len(set(entry["countries"]))
    # Panama (and Guyana) stay on the list for 2024-25 and, until the 2026 review, for 2026.
    for year in (2024, 2025, 2026):
        assert {"PA", "GY"} <= set(_list_for(year)["countries"]), year
    # Nauru graduated on 1 January 2026: on the 2024-25 list, off the one the matching uses now.
    assert "NR" in _list_for(2025)["countries"]
    assert "NR" not in _list_for(2026)["countries"]
    assert lists["oda"] is _list_for(2026)
    assert set(lists["oda_2024_2025"]["countries"]) - set(lists["oda"]["countries"]) == {"NR"}
    # Nothing is shown as checked that was not: the table itself was not in the stored copy.
    assert lists["oda"]["checked"] is None and "Nauru" in lists["oda"]["note"]


def test_every_checked_field_names_the_facilitys_own_page_and_a_date(
    directory: dict[str, Facility],
) -> None:
    assert set(directory) == set(OWN_SITES)
    checked = 0
    for code, facility in directory.items():
        for field in Facility.SOURCED:
            entry = facility.sources[field]
            if entry["checked"] is None:
                continue
            checked += 1
            address = urlparse(entry["source"])
            assert address.scheme in ("http", "https"), (code, field, entry["source"])
            assert address.netloc in OWN_SITES[code], (code, field, entry["source"])
            assert datetime.date.fromisoformat(entry["checked"]).isoformat() == CHECKED_ON
            assert entry["note"], (code, field)  # what the page says
    assert checked > 0
    # Every field, checked or not, names an address.
    for code, facility in directory.items():
        for field in Facility.SOURCED:
            source = facility.sources[field]["source"]
            assert urlparse(source).scheme in ("http", "https"), (code, field)


def test_the_file_sets_no_entry_wide_checked_date() -> None:
    """A date for the whole entry would mark every field checked, confirmed or not."""
    for entry in _raw()["facilities"]:
        assert entry.get("checked") is None, entry["code"]
    assert "2026-12-06" in _raw()["about"]


def test_c40_names_its_countries(directory: dict[str, Facility]) -> None:
    c40 = directory["c40-cff"]
    assert set(c40.countries) == {"SN", "ZA", "TZ", "BR", "CO", "EC", "MX", "IN", "PH", "ID"}
    assert c40.country_rule == Facility.CountryRule.NAMED
    assert "Nairobi" in c40.sources["countries"]["note"]  # C40 cities outside the ten, in words
    assert "Sources disagree" in c40.sources["minimum_stage"]["note"]
    assert c40.call_window == Facility.CallWindow.CALLS
    # The country criterion is now answered, not "unknown".
    assert {c.name: c.outcome for c in match(DAKAR, c40).criteria}["country"] == PASS
    kigali = replace(DAKAR, country="RW", country_name="Rwanda")
    assert {c.name: c.outcome for c in match(kigali, c40).criteria}["country"] == FAIL


def test_cdia_takes_applications_at_any_time_with_in_kind_contributions(
    directory: dict[str, Facility],
) -> None:
    cdia = directory["cdia"]
    assert cdia.call_window == Facility.CallWindow.ROLLING
    assert "in-kind" in cdia.cofinancing and "20%" not in cdia.cofinancing
    assert "20 %" in cdia.sources["cofinancing"]["note"]  # the older page, in the note only
    assert cdia.sources["call_window"]["source"] == "https://cdia.asia/apply-for-support/"
    assert cdia.sources["call_window"]["checked"] == CHECKED_ON


def test_afdb_umdf_takes_public_mandate_ngos_in_annual_calls(
    directory: dict[str, Facility],
) -> None:
    umdf = directory["afdb-umdf"]
    assert "non-government organisations that have a public mandate" in umdf.applicants
    assert umdf.call_window == Facility.CallWindow.CALLS
    assert "Deadline" in umdf.sources["call_window"]["note"]
    assert set(umdf.support_types) == {"grant", "ta_in_kind"}
    assert len(umdf.countries) == 54


def test_felicity_is_no_longer_the_2017_2021_phase(directory: dict[str, Facility]) -> None:
    felicity = directory["felicity"]
    assert not {"MX", "BR", "EC", "ID"} & set(felicity.countries)
    assert "Eastern Europe and Central Asia" in felicity.country_note
    assert "2017-2021" in felicity.country_note
    assert "adaptation" in felicity.climate_objectives
    assert felicity.url.startswith("https://www.eib.org/")
    # No countries named: the match asks instead of refusing.
    assert {c.name: c.outcome for c in match(DAKAR, felicity).criteria}["country"] == UNKNOWN


def test_gcf_ppf_gives_more_than_grants(directory: dict[str, Facility]) -> None:
    ppf = directory["gcf-ppf"]
    assert set(ppf.support_types) == {"grant", "repayable_grant", "equity", "ta_in_kind"}
    note = ppf.sources["support_types"]["note"]
    assert "repayable grants or equity" in note
    assert ppf.ticket_max_usd == 1_500_000 and ppf.sources["ticket_max_usd"]["checked"]
    assert "no-objection letter" in ppf.endorsements


def test_un_habitat_is_the_cities_investment_facility(directory: dict[str, Facility]) -> None:
    cif = directory["unhabitat-cif"]
    assert cif.name == "UN-Habitat Cities Investment Facility"
    assert cif.minimum_stage == "prefeasibility"
    assert "US$20 million" in cif.applicants
    assert {"national_government", "local_government"} <= set(cif.applicant_types)
    assert set(cif.sectors) == {"housing_informal", "energy", "mobility", "water_sanitation"}
    assert "ta_in_kind" in cif.support_types and len(cif.support_types) > 1  # funds and advises
    assert cif.country_rule != Facility.CountryRule.ANY
    assert "currently closed" in cif.sources["call_window"]["note"]
    assert cif.call_window == Facility.CallWindow.CLOSED
    # A closed window earns no points for when to apply, and says what to do meanwhile.
    window = next(p for p in match(DAKAR, cif).soft if p.name == "window")
    assert window.points == 0 and "no applications for now" in window.why
    assert window.task.startswith("Ask to be told when")
    assert cif.url.startswith("https://citiesinvestmentfacility.org/")


def test_a_country_list_past_its_date_says_so() -> None:
    import datetime

    from recap.pipeline.matching import country_lists, list_expired

    oda = country_lists()["oda"]
    assert list_expired(oda, datetime.date(2026, 6, 1)) is None
    assert list_expired(oda, datetime.date(2026, 12, 31)) is None
    assert list_expired(oda, datetime.date(2027, 1, 1)) == "2026-12-31"
    assert list_expired(country_lists()["oda_2024_2025"], datetime.date(2026, 1, 1)) == (
        "2025-12-31"
    )
    assert list_expired(country_lists()["annex_i"], datetime.date(2099, 1, 1)) is None


def test_the_directory_page_shows_each_facts_source_and_when_it_was_checked(client: Any) -> None:
    import re

    facilities_load_shipped()
    page = client.get("/facilities/").content.decode()
    gap = page[page.index('id="gap-fund"') :]
    gap = gap[: gap.index("</li>")]
    rows = dict(re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", gap, flags=re.S))
    # Who may apply: both its fields checked on the Gap Fund's FAQ, so the row says so.
    assert "checked Dec. 6, 2026 against" in rows["Who may apply"]  # a sentence: in words
    assert 'href="https://www.citygapfund.org/frequently-asked-questions"' in rows["Who may apply"]
    # Where: the rule checked, the (empty) country list not: not shown as checked.
    assert "checked Dec. 6, 2026" not in rows["Where"] and "1 of 2 checked" in rows["Where"]
    assert "not checked" in rows["Sectors"]
    # Every row names where its facts come from.
    checked = "checked Dec. 6, 2026 against"
    assert all("source:" in text or checked in text for text in rows.values())
