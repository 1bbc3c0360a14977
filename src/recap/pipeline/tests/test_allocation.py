"""The programme's portfolio decisions (issue #24, part 1, platform): the claims read from the
pipeline, the exact allocation with its reasons, a decision saved as a version that moves the
supported concepts on and tells their cities, and who may do what."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from recap.accounts.models import AuditEvent
from recap.pipeline.allocation import (
    Rate,
    Terms,
    allocation_decide,
    allocation_solve,
    claims_for,
    note_text,
    parse_rates,
    readout,
    rule_text,
    whole_awards,
)
from recap.pipeline.models import (
    Allocation,
    ConceptShare,
    Facility,
    FunderMessage,
    PreparationCost,
    ProjectConcept,
    Stage,
)
from recap.testing import World, concept_at

pytestmark = pytest.mark.django_db

TERMS = Terms(name="Preparation support 2027", currency="USD", pot=500_000, min_per_country=1)


def _claim(world: World, city: Any, title: str, stage: str, prep: int, **fields: Any) -> Any:
    concept = concept_at(city, title, stage, **fields)
    PreparationCost.objects.create(concept=concept, item="feasibility", amount=prep)
    return concept


@pytest.fixture
def claims(world: World) -> dict[str, ProjectConcept]:
    """Two concepts in Kigali (RW), two in Rajshahi (BD), one not yet in the pipeline."""
    return {
        "a1": _claim(world, world.city_a, "Drainage corridors", Stage.SUBMITTED, 300_000),
        "a2": _claim(world, world.city_a, "Bus corridors", Stage.PRESENTED, 250_000),
        "b1": _claim(world, world.city_b, "Market shade", Stage.SUBMITTED, 200_000),
        "b2": _claim(world, world.city_b, "Cool rooms", Stage.SCREENED, 100_000, currency="EUR"),
        "draft": _claim(world, world.city_a, "Not yet screened", Stage.DRAFTED, 50_000),
    }


def test_claims_are_the_pipelines_concepts_with_asks_in_the_pots_currency(
    world: World, claims: dict[str, ProjectConcept]
) -> None:
    rows, left = claims_for(world.programme, TERMS)
    assert {r.concept.reference for r in rows} == {claims[k].reference for k in ("a1", "a2", "b1")}
    # A concept costed in euros without a rate is left out, and said so.
    assert [(x.concept.reference, note_text(x.reason.to_json())) for x in left] == [
        (claims["b2"].reference, "it is costed in EUR and no rate to USD was given")
    ]
    rated = Terms(
        name="x",
        currency="USD",
        pot=500_000,
        rates=(Rate("EUR", Decimal("1.10"), datetime.date(2026, 12, 1)),),
    )
    rows, left = claims_for(world.programme, rated)
    b2 = next(r for r in rows if r.concept.pk == claims["b2"].pk)
    assert b2.ask == 110_000 and not left
    notes = [note_text(n.to_json()) for n in b2.notes]
    assert "100,000 EUR at 1.10 on 2026-12-01" in notes, notes
    # A decision keeps the note's code and figures: each reader reads it in their language.
    with translation.override("fr"):
        assert "100 000 EUR au taux de 1.10 du 2026-12-01" in [
            note_text(n.to_json()).replace("\u202f", " ").replace("\xa0", " ") for n in b2.notes
        ]


def test_the_allocation_is_exact_keeps_the_country_rule_and_explains(
    world: World, claims: dict[str, ProjectConcept]
) -> None:
    # 500,000 cannot pay 300k + 250k + 200k: with one per country, the best is by value.
    solution = allocation_solve(world.programme, TERMS)
    result = solution.result
    assert result["status"] == "optimal"
    awards = result["awards"]
    assert sum(awards.values()) <= 500_000
    assert claims["b1"].reference in awards  # Bangladesh's only claim, held in by the rule
    explanation = result["explanations"][claims["b1"].reference]
    assert any(r["kind"] == "country_minimum" for r in explanation["held_in_by"])
    # Every claim is either supported or says what keeps it out.
    for ref, e in result["explanations"].items():
        assert e["supported"] == (ref in awards)
        if not e["supported"]:
            assert e["kept_out_by"]


def test_deciding_saves_a_version_moves_concepts_on_and_tells_the_cities(
    world: World, claims: dict[str, ProjectConcept]
) -> None:
    """A supported concept moves one stage where its gate is open (shared with a facility, to
    be presented; a funder's interest, to start preparation), stays where it is closed, and is
    not moved again by a later version."""
    facility = _facility(world, claims, "a1")  # Drainage corridors: submitted, and shared
    manager = world.users["manager"]
    first = allocation_decide(
        actor=manager,
        programme=world.programme,
        terms=TERMS,
        rationale="Two countries, best value.",
    )
    assert first.number == 1 and first.result["status"] == "optimal"
    supported = {a.concept.reference: a for a in first.awards.all()}
    assert set(supported) == set(first.result["awards"])
    assert claims["a1"].reference in supported
    stage = dict(ProjectConcept.objects.values_list("reference", "stage"))
    moved = {ref: a.moved_to for ref, a in supported.items()}
    assert stage[claims["a1"].reference] == Stage.PRESENTED
    assert moved[claims["a1"].reference] == Stage.PRESENTED
    move = ProjectConcept.objects.get(pk=claims["a1"].pk).moves.order_by("-pk").first()
    assert move is not None and "Preparation support 2027" in move.reason
    for key in ("a2", "b1"):  # their gates are closed: no interest yet, not shared
        ref = claims[key].reference
        if ref in supported:
            assert moved[ref] == "" and stage[ref] == claims[key].stage
    assert AuditEvent.objects.filter(verb="allocation.decide", target_id=str(first.pk)).exists()
    # The Gap Fund is now interested in a1: a new version still does not move it a second time.
    FunderMessage.objects.create(
        concept=claims["a1"], facility=facility, kind="interest", text="Yes"
    )
    bigger = Terms(
        name="Preparation support 2027",
        currency="USD",
        pot=900_000,
        must_include=(claims["a1"].reference,),
    )
    second = allocation_decide(
        actor=manager, programme=world.programme, terms=bigger, rationale="A bigger pot."
    )
    assert second.number == 2
    assert list(Allocation.objects.values_list("number", flat=True)) == [2, 1]
    assert ProjectConcept.objects.get(pk=claims["a1"].pk).stage == Stage.PRESENTED
    assert second.awards.get(concept=claims["a1"]).moved_to == ""
    # Whole awards, within the pot.
    assert sum(a.amount for a in second.awards.all()) <= 900_000


def test_cities_are_told_by_email(
    world: World, claims: dict[str, ProjectConcept], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        allocation_decide(
            actor=world.users["manager"],
            programme=world.programme,
            terms=TERMS,
            rationale="Best value.",
        )
    told = {address for m in mail.outbox for address in m.to}
    assert world.users["editor_a"].email in told and world.users["editor_b"].email in told
    assert world.users["manager"].email not in told
    body = next(m.body for m in mail.outbox if world.users["editor_b"].email in m.to)
    assert claims["b1"].reference in body and "Best value." in body


@pytest.mark.parametrize("role", ["reviewer", "editor_a", "coordinator_a", "funder"])
def test_only_the_manager_decides(
    world: World, claims: dict[str, ProjectConcept], role: str
) -> None:
    with pytest.raises(PermissionDenied):
        allocation_decide(
            actor=world.users[role], programme=world.programme, terms=TERMS, rationale="x"
        )
    assert not Allocation.objects.exists()
    assert ProjectConcept.objects.get(pk=claims["a1"].pk).stage == Stage.SUBMITTED


def test_bad_decisions_are_refused_and_write_nothing(
    world: World, claims: dict[str, ProjectConcept]
) -> None:
    manager = world.users["manager"]
    with pytest.raises(ValidationError) as no_reason:
        allocation_decide(actor=manager, programme=world.programme, terms=TERMS, rationale="  ")
    assert "rationale" in no_reason.value.message_dict
    # Rules that cannot hold together: two per country, a pot too small for them.
    clash = Terms(name="x", currency="USD", pot=100_000, min_per_country=2)
    with pytest.raises(ValidationError) as infeasible:
        allocation_decide(actor=manager, programme=world.programme, terms=clash, rationale="x")
    assert "no allocation" in str(infeasible.value).lower()
    assert not Allocation.objects.exists()
    assert ProjectConcept.objects.get(pk=claims["a1"].pk).stage == Stage.SUBMITTED


def test_rates_are_read_line_by_line() -> None:
    rates = parse_rates("EUR 1.08 2026-12-01\n\nbdt 0.0083 2026-11-30", "USD")
    assert [(r.currency, r.value) for r in rates] == [
        ("EUR", Decimal("1.08")),
        ("BDT", Decimal("0.0083")),
    ]
    for text, line in [
        ("EUR 1.08 2026-12-01\nEUR one 2026-12-01", "Line 2"),
        ("EUR 1.08 2026-12-01\nEUR 1.09 2026-12-01", "Line 2"),
        ("USD 1 2026-12-01", "Line 1"),
        ("EUR 0 2026-12-01", "Line 1"),
        ("EUR 1.08 2999-01-01", "Line 1"),
        ("EUR 1.08 2026-13-01", "Line 1"),
        ("EUR 1,000.5 2026-12-01", "Line 1"),  # no thousands separators
        ("BDT 2000000 2026-12-01", "Line 1"),  # no currency is worth a million of another
    ]:
        with pytest.raises(ValidationError) as refused:
            parse_rates(text, "USD")
        assert line in str(refused.value), text
    with pytest.raises(ValidationError):
        parse_rates("\n".join(f"E{i:02d} 1 2026-01-01" for i in range(30)), "USD")
    # A decimal comma is a decimal comma, as a French manager writes it (not 108).
    assert parse_rates("EUR 1,08 2026-12-01", "USD")[0].value == Decimal("1.08")


def test_awards_are_whole_and_stay_within_what_the_engine_gave() -> None:
    awards = {"A": 100.5, "B": 200.4, "C": 50.7, "D": 10.0}
    asks = {"A": 101, "B": 300, "C": 50, "D": 10}
    whole = whole_awards(awards, asks)
    assert all(isinstance(v, int) for v in whole.values())
    assert sum(whole.values()) <= sum(awards.values())
    assert sum(whole.values()) == 361  # floor of 361.6
    assert all(whole[k] <= asks[k] for k in asks) and whole["D"] == 10
    assert whole["A"] == 101 and whole["C"] == 50  # the largest fractions, never past an ask


def test_a_lock_on_a_concept_that_cannot_claim_is_refused_by_name(
    world: World, claims: dict[str, ProjectConcept]
) -> None:
    locked = Terms(
        name="x", currency="USD", pot=500_000, must_include=(claims["b2"].reference,)
    )  # b2 is costed in euros and no rate is given
    with pytest.raises(ValidationError) as refused:
        allocation_solve(world.programme, locked)
    text = str(refused.value)
    assert claims["b2"].reference in text and "no rate to USD" in text


def test_rules_are_written_in_the_readers_language() -> None:
    from django.utils import translation

    item = {"kind": "country_minimum", "country": "RW", "minimum": 2, "eligible": 3}
    with translation.override("fr"):
        text = rule_text(item, "USD", {"RW": "Rwanda"})
    assert "Rwanda" in text and "2" in text and "supported" not in text
    assert rule_text({"kind": "pot", "need": 5000, "left": 0}, "USD", {}).startswith(
        "it needs at least 5,000 USD"
    )
    # A city by its name, not its slug.
    cap = {"kind": "city_cap", "country": "RW", "city": "kigali", "maximum": 1}
    assert rule_text(cap, "USD", {"RW": "Rwanda"}, {"kigali": "Kigali"}) == (
        "at most 1 supported in Kigali"
    )


def _post(client: Client, **data: Any) -> Any:
    form = {
        "name": "Preparation support 2027",
        "currency": "USD",
        "pot": "500000",
        "basis": "preparation",
        "partial_down_to": "100",
        "min_per_country": "1",
        "max_per_city": "",
        "floor_share": "0",
        "weight_package": "50",
        "weight_reviews": "30",
        "weight_fit": "20",
        "rates": "",
        "rationale": "",
        "action": "compute",
    }
    form.update(data)
    return client.post("/pipeline/portfolio/", form)


def test_the_page_computes_without_saving_then_saves(
    world: World, claims: dict[str, ProjectConcept], client: Client
) -> None:
    client.force_login(world.users["manager"])
    page = _post(client)
    assert page.status_code == 200
    html = page.content.decode()
    assert "not saved" in html and claims["b1"].reference in html
    assert not Allocation.objects.exists()
    saved = _post(client, action="decide", rationale="One per country, most value.")
    assert saved.status_code == 302 and saved["Location"] == "/pipeline/portfolio/1/"
    detail = client.get("/pipeline/portfolio/1/").content.decode()
    assert "One per country, most value." in detail and claims["b1"].reference in detail


def test_the_page_names_bad_fields_and_saves_nothing(
    world: World, claims: dict[str, ProjectConcept], client: Client
) -> None:
    client.force_login(world.users["manager"])
    for data, words in [
        ({"pot": "0"}, "pot"),
        ({"currency": "usd"}, "Three capital letters"),
        ({"weight_package": "0", "weight_reviews": "0", "weight_fit": "0"}, "at least one part"),
        ({"rates": "EUR abc"}, "Line 1"),
        ({"action": "decide", "rationale": ""}, "Say why"),
        (
            {"must_include": [claims["a1"].reference], "must_exclude": [claims["a1"].reference]},
            "both supported and left out",
        ),
        ({"must_include": ["XX-NOT-THERE"]}, "not one of the available choices"),
    ]:
        page = _post(client, **data)
        assert page.status_code == 400, data
        assert words in page.content.decode(), data
    assert not Allocation.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "editor_a", "coordinator_a", "funder"])
def test_people_outside_the_programme_cannot_open_the_pages(
    world: World, claims: dict[str, ProjectConcept], client: Client, role: str
) -> None:
    allocation_decide(
        actor=world.users["manager"], programme=world.programme, terms=TERMS, rationale="x"
    )
    if role != "anonymous":
        client.force_login(world.users[role])
    for url in ("/pipeline/portfolio/", "/pipeline/portfolio/1/"):
        response = client.get(url)
        assert response.status_code in (302, 403), (role, url)
        if role != "anonymous":
            assert response.status_code == 403


def test_a_reviewer_reads_but_cannot_compute_or_save(
    world: World, claims: dict[str, ProjectConcept], client: Client
) -> None:
    allocation_decide(
        actor=world.users["manager"], programme=world.programme, terms=TERMS, rationale="x"
    )
    client.force_login(world.users["reviewer"])
    page = client.get("/pipeline/portfolio/")
    assert page.status_code == 200 and "Compute the allocation" not in page.content.decode()
    assert client.get("/pipeline/portfolio/1/").status_code == 200
    assert client.get("/pipeline/portfolio/9/").status_code == 404
    assert _post(client, action="decide", rationale="mine").status_code == 403
    assert Allocation.objects.count() == 1


def test_the_api_gives_each_decision_with_its_awards_and_reasons(
    world: World, claims: dict[str, ProjectConcept], client: Client
) -> None:
    first = allocation_decide(
        actor=world.users["manager"], programme=world.programme, terms=TERMS, rationale="Why."
    )
    client.force_login(world.users["reviewer"])
    listed = client.get("/api/v1/pipeline/portfolio-decisions").json()
    assert [(d["number"], d["pot"], d["currency"]) for d in listed] == [(1, TERMS.pot, "USD")]
    assert listed[0]["supported"] == first.awards.count()
    assert listed[0]["awarded"] == sum(a.amount for a in first.awards.all())
    detail = client.get("/api/v1/pipeline/portfolio-decisions/1").json()
    assert detail["rationale"] == "Why." and detail["result"]["status"] == "optimal"
    awarded = {a["concept"]: a["amount"] for a in detail["awards"]}
    assert awarded == {k: round(v) for k, v in first.result["awards"].items()}
    assert set(detail["result"]["explanations"]) >= set(awarded)
    assert client.get("/api/v1/pipeline/portfolio-decisions/2").status_code == 404
    client.force_login(world.users["funder"])
    assert client.get("/api/v1/pipeline/portfolio-decisions").status_code == 403


# A facility's pot: among the concepts shared with it, decided by its funders.


def _facility(world: World, claims: dict[str, ProjectConcept], *shared: str) -> Facility:
    facility = Facility.objects.create(
        code="gap-fund",
        name="City Climate Finance Gap Fund",
        operators="World Bank",
        url="https://example.org/",
        applicants="Cities",
        country_rule="any",
        organisation=world.funder_org,
    )
    for key in shared:
        ConceptShare.objects.create(concept=claims[key], facility=facility)
    return facility


def test_a_facility_shares_its_pot_among_the_concepts_shared_with_it(
    world: World, claims: dict[str, ProjectConcept], django_capture_on_commit_callbacks: Any
) -> None:
    facility = _facility(world, claims, "a2", "b1", "draft")
    rows, _left = claims_for(facility, TERMS)
    # Only what was shared with it and is in the pipeline (the draft is not).
    assert {r.concept.reference for r in rows} == {claims["a2"].reference, claims["b1"].reference}
    programme_first = allocation_decide(
        actor=world.users["manager"], programme=world.programme, terms=TERMS, rationale="Ours."
    )
    stages = dict(ProjectConcept.objects.values_list("pk", "stage"))
    with django_capture_on_commit_callbacks(execute=True):
        decision = allocation_decide(
            actor=world.users["funder"], facility=facility, terms=TERMS, rationale="Theirs."
        )
    # Its own versions, beside the programme's; no concept moves on a facility's decision.
    assert (decision.number, decision.facility, decision.programme) == (1, facility, None)
    assert programme_first.number == 1
    assert set(decision.result["awards"]) <= {claims["a2"].reference, claims["b1"].reference}
    assert all(a.moved_to == "" for a in decision.awards.all())
    assert dict(ProjectConcept.objects.values_list("pk", "stage")) == stages
    assert decision.get_absolute_url() == "/pipeline/shared/portfolio/gap-fund/1/"
    # The cities are told, in the facility's name.
    subjects = [m.subject for m in mail.outbox if world.users["editor_b"].email in m.to]
    assert any(s.startswith("City Climate Finance Gap Fund supports") for s in subjects)


@pytest.mark.parametrize("role", ["manager", "reviewer", "editor_a", "admin"])
def test_only_the_facilitys_funders_decide_its_pot(
    world: World, claims: dict[str, ProjectConcept], role: str
) -> None:
    facility = _facility(world, claims, "a2", "b1")
    with pytest.raises(PermissionDenied):
        allocation_decide(actor=world.users[role], facility=facility, terms=TERMS, rationale="x")
    # Nor does a facility's funder decide the programme's.
    with pytest.raises(PermissionDenied):
        allocation_decide(
            actor=world.users["funder"], programme=world.programme, terms=TERMS, rationale="x"
        )
    assert not Allocation.objects.exists()


def test_the_api_gives_a_facilitys_decisions_to_its_own_funders_only(
    world: World, claims: dict[str, ProjectConcept], client: Client
) -> None:
    facility = _facility(world, claims, "a2", "b1")
    decision = allocation_decide(
        actor=world.users["funder"], facility=facility, terms=TERMS, rationale="Theirs."
    )
    base = f"/api/v1/pipeline/facilities/{facility.code}/portfolio-decisions"
    client.force_login(world.users["funder"])
    listed = client.get(base).json()
    assert [(d["number"], d["pot"]) for d in listed] == [(1, TERMS.pot)]
    detail = client.get(base + "/1").json()
    assert detail["rationale"] == "Theirs." and detail["result"]["status"] == "optimal"
    awarded = {a["concept"]: a["amount"] for a in detail["awards"]}
    assert awarded == {w.concept.reference: w.amount for w in decision.awards.all()}
    assert all(a["moved_to"] == "" for a in detail["awards"])  # a facility moves no concept
    assert client.get(base + "/2").status_code == 404
    assert client.get("/api/v1/pipeline/facilities/nothing/portfolio-decisions").status_code == 404
    # The programme's own list is not the facility's, and the programme's people get 403 here.
    assert client.get("/api/v1/pipeline/portfolio-decisions").status_code == 403
    for role in ("manager", "reviewer", "editor_a"):
        client.force_login(world.users[role])
        assert client.get(base).status_code == 403
        assert client.get(base + "/1").status_code == 403


def test_a_funder_computes_and_saves_on_the_facilitys_page(
    world: World, claims: dict[str, ProjectConcept], client: Client
) -> None:
    _facility(world, claims, "a2", "b1")
    client.force_login(world.users["funder"])
    home = client.get("/pipeline/shared/portfolio/")
    assert home.status_code == 302 and home.url == "/pipeline/shared/portfolio/gap-fund/"
    page = client.get(home.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "among the concepts shared with it" in html and "Compute the allocation" in html
    assert claims["a1"].reference not in html  # not shared with it
    data = {
        "name": "Preparation grants 2027",
        "currency": "USD",
        "pot": "500000",
        "basis": "preparation",
        "partial_down_to": "100",
        "min_per_country": "1",
        "floor_share": "0",
        "weight_package": "50",
        "weight_reviews": "30",
        "weight_fit": "20",
    }
    # The programme's reviews are the programme's: a facility neither weighs nor sees them.
    assert 'name="weight_reviews"' not in html
    computed = client.post(home.url, {**data, "action": "compute"})
    assert computed.status_code == 200 and "not saved" in computed.content.decode()
    answer = computed.content.decode()
    assert "· reviews" not in answer and "no review scores" not in answer
    assert not Allocation.objects.exists()
    saved = client.post(home.url, {**data, "action": "decide", "rationale": "One per country."})
    decision = Allocation.objects.get()
    assert saved.status_code == 302 and saved.url == decision.get_absolute_url()
    detail = client.get(saved.url).content.decode()
    assert "One per country." in detail and "City Climate Finance Gap Fund" in detail
    pdf = client.get(decision.pdf_url())
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # The programme's people do not see a facility's deliberation.
    client.force_login(world.users["manager"])
    assert client.get(home.url).status_code == 403
    assert client.get(saved.url).status_code == 403
    assert client.get("/pipeline/shared/portfolio/no-such-facility/").status_code == 404


def test_a_decision_without_claims_still_reads() -> None:
    """A decision kept without the engine's input (or an older one) reads as empty, not as an
    error page."""
    answer = readout({}, {}, {}, "USD")
    assert answer["lines"] == [] and answer["by_country"] == [] and answer["reason"] == ""
