"""Matching on hand-made concepts whose right answer is known from the facilities' published
rules (as the shipped directory holds them)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from recap.pipeline.matching import FAIL, PASS, UNKNOWN, ConceptFacts, country_lists, match
from recap.pipeline.models import Facility, ProjectConcept
from recap.testing import World

pytestmark = pytest.mark.django_db

KIGALI = ConceptFacts(
    country="RW",
    country_name="Rwanda",
    applicant_type="local_government",
    sectors=["nature_based", "drm"],
    climate=["adaptation"],
    stage="concept",
    ask=300_000,
    ask_is_preparation=True,
    has_cofinance=True,
    endorsed=False,
)


def outcomes(facts: ConceptFacts, facility: Facility) -> dict[str, str]:
    return {c.name: c.outcome for c in match(facts, facility).criteria}


def test_gap_fund_takes_kigali(facilities: dict[str, Facility]) -> None:
    m = match(KIGALI, facilities["gap-fund"])
    assert outcomes(KIGALI, facilities["gap-fund"]) == dict.fromkeys(
        ["country", "applicant", "sector", "climate", "stage"], PASS
    )
    assert m.eligible and m.verdict == PASS
    country = m.criteria[0]
    assert "Rwanda is on the OECD DAC list of ODA recipients" in country.why
    # Stage: its next step (pre-feasibility) is one the Gap Fund supports; amounts unpublished.
    assert "pre-feasibility" in m.criteria[4].why
    soft = {p.name: p.points for p in m.soft}
    assert soft == {"ticket": 15, "cofinance": 20, "window": 20}
    assert m.score == 55


def test_country_rules(facilities: dict[str, Facility]) -> None:
    # FELICITY names no countries now (mainly Eastern Europe and Central Asia): ask.
    m = match(KIGALI, facilities["felicity"])
    assert outcomes(KIGALI, facilities["felicity"])["country"] == UNKNOWN
    assert "whether Rwanda is eligible" in m.criteria[0].task
    # CDIA: ADB's developing members; Rwanda is not one, Bangladesh is.
    assert outcomes(KIGALI, facilities["cdia"])["country"] == FAIL
    rajshahi = replace(KIGALI, country="BD", country_name="Bangladesh")
    assert outcomes(rajshahi, facilities["cdia"])["country"] == PASS
    # AfDB: its regional members: Rwanda yes, Bangladesh no.
    assert outcomes(KIGALI, facilities["afdb-umdf"])["country"] == PASS
    assert outcomes(rajshahi, facilities["afdb-umdf"])["country"] == FAIL
    # C40 names ten countries: Rwanda is not among them, Senegal is.
    m = match(KIGALI, facilities["c40-cff"])
    assert outcomes(KIGALI, facilities["c40-cff"])["country"] == FAIL
    assert m.tasks == []
    dakar = replace(KIGALI, country="SN", country_name="Senegal")
    assert outcomes(dakar, facilities["c40-cff"])["country"] == PASS
    # GCF: developing countries (not UNFCCC Annex I); a country in Annex I fails.
    assert outcomes(KIGALI, facilities["gcf-ppf"])["country"] == PASS
    assert (
        outcomes(replace(KIGALI, country="DE", country_name="Germany"), facilities["gcf-ppf"])[
            "country"
        ]
        == FAIL
    )
    # The ODA list holds the pilot countries and not a rich one.
    oda = country_lists()["oda"]["countries"]
    assert {"RW", "BD", "MR"} <= set(oda) and "FR" not in oda


def test_applicant_and_stage_give_tasks(facilities: dict[str, Facility]) -> None:
    # The GCF's facility is requested through an accredited entity.
    m = match(KIGALI, facilities["gcf-ppf"])
    applicant = m.criteria[1]
    assert applicant.outcome == FAIL and "accredited entity" in applicant.task
    # CDIA takes projects from pre-feasibility on.
    m = match(replace(KIGALI, country="BD"), facilities["cdia"])
    stage = m.criteria[4]
    assert stage.outcome == FAIL and stage.task == "Reach pre-feasibility first."
    # At pre-feasibility, feasibility (its next step) is one CDIA supports.
    m = match(replace(KIGALI, country="BD", stage="prefeasibility"), facilities["cdia"])
    assert m.criteria[4].outcome == PASS
    # A concept that says nothing: every unknown turned into a task.
    blank = replace(KIGALI, applicant_type="", sectors=[], climate=[], stage="", ask=0)
    m = match(blank, facilities["gap-fund"])
    assert [c.outcome for c in m.criteria] == [PASS, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN]
    assert "Say who applies (the applicant type)." in m.tasks
    assert "Choose the main sector." in m.tasks
    assert any("preparation costs" in t for t in m.tasks)


def test_ticket_against_what_is_asked(facilities: dict[str, Facility]) -> None:
    afdb = facilities["afdb-umdf"]  # US$ 20 k to 600 k
    assert {p.name: p.points for p in match(KIGALI, afdb).soft}["ticket"] == 30
    big = replace(KIGALI, ask=1_000_000)
    ticket = next(p for p in match(big, afdb).soft if p.name == "ticket")
    assert ticket.points == 0 and "outside its range" in ticket.why
    c40 = facilities["c40-cff"]  # typically US$ 1 M
    assert next(p for p in match(KIGALI, c40).soft if p.name == "ticket").points == 10
    assert next(p for p in match(big, c40).soft if p.name == "ticket").points == 30


def test_order_is_qualifying_first_then_fit(facilities: dict[str, Facility]) -> None:
    ranked = sorted((match(KIGALI, f) for f in facilities.values()), key=lambda m: m.sort_key)
    # Both qualify; AfDB's range takes the ask in full and its calls are now known: it fits best.
    assert [m.facility.code for m in ranked[:2]] == ["afdb-umdf", "gap-fund"]
    keys = [(len(m.failed), len(m.unknown), -m.score) for m in ranked]
    assert keys == sorted(keys)
    assert len({m.facility.code for m in ranked}) == 7
    # Deterministic: the same answer twice.
    again = sorted((match(KIGALI, f) for f in facilities.values()), key=lambda m: m.sort_key)
    assert [m.facility.code for m in again] == [m.facility.code for m in ranked]


def test_completeness_names_what_each_facility_still_needs(
    world: World, facilities: dict[str, Facility]
) -> None:
    from recap.pipeline.completeness import CORE, completeness
    from recap.pipeline.concepts import concept_save
    from recap.testing import concept_at

    concept = concept_at(world.city_a, "Wetlands", "drafted")
    gap, cdia = facilities["gap-fund"], facilities["cdia"]
    empty = completeness(concept, gap)
    # The Gap Fund funds mitigation and adaptation in kind: the core, the two climate figures
    # and the preparation costs; CDIA also asks for co-financing and endorsements.
    assert len(empty.required) == len(CORE) + 3
    assert "Location" in empty.missing and "Preparation costs" in empty.missing
    assert "National endorsement" not in empty.missing
    assert "National endorsement" in completeness(concept, cdia).missing
    assert empty.percent == round(100 / 21)  # the title alone of 21 fields
    assert "Emissions avoided (tCO2e a year)" in empty.missing
    concept_save(
        actor=world.users["editor_a"],
        concept=concept,
        values={"location": "Nyabugogo", "people_resilient": 1000},
        rows={"preparation_costs": [{"item": "feasibility", "amount": 50_000}]},
    )
    concept = ProjectConcept.objects.get(pk=concept.pk)
    after = completeness(concept, gap)
    assert "Location" not in after.missing and "Preparation costs" not in after.missing
    assert after.percent == round(100 * 4 / 21)  # the title, location, people, costs
