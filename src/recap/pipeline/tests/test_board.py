"""The programme's board as its readers see it: each column paged (the filters kept from page to
page), "waiting longest" leading to the concepts, one queryset per reader behind every count
and list (a reviewer is not told "Candidate 0" when there are candidates they may not read),
and the same queries for 5 concepts or 500."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recap.pipeline import selectors
from recap.pipeline.models import ProjectConcept
from recap.testing import World, concept_at

pytestmark = pytest.mark.django_db


def board(world: World, who: str, query: str = "") -> str:
    client = Client()
    client.force_login(world.users[who])
    response = client.get(f"/pipeline/{query}")
    assert response.status_code == 200
    return response.content.decode()


def column(page: str, stage: str) -> str:
    """The HTML of one board column."""
    found = re.search(rf'<section class="board-column" id="col-{stage}".*?</section>', page, re.S)
    assert found, f"no column {stage}"
    return found.group(0)


def aged(concept: ProjectConcept, days: int) -> ProjectConcept:
    ProjectConcept.objects.filter(pk=concept.pk).update(
        stage_since=timezone.now() - datetime.timedelta(days=days)
    )
    return concept


def test_a_column_is_paged_and_its_links_keep_the_filters(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "BOARD_PAGE", 3)
    drafted = [aged(concept_at(world.city_a, f"Drafted {i}", "drafted"), 100 - i) for i in range(7)]
    concept_at(world.city_b, "Elsewhere", "drafted")
    first = column(board(world, "manager", "?country=RW"), "drafted")
    assert 'Concept drafted <span class="muted">7</span>' in first  # the whole column counted
    assert [c.reference in first for c in drafted] == [True] * 3 + [False] * 4  # oldest first
    assert "Page 1 of 3" in first and "BD-RAJSHAHI" not in first
    assert 'href="?country=RW&amp;page_drafted=2#col-drafted"' in first
    assert 'rel="prev"' not in first
    second = column(board(world, "manager", "?country=RW&page_drafted=2"), "drafted")
    assert [c.reference in second for c in drafted] == [False] * 3 + [True] * 3 + [False]
    assert 'href="?country=RW&amp;page_drafted=1#col-drafted"' in second
    assert 'href="?country=RW&amp;page_drafted=3#col-drafted"' in second
    # A page past the end is the last; a page that is no number is the first.
    last = column(board(world, "manager", "?country=RW&page_drafted=99"), "drafted")
    assert "Page 3 of 3" in last and drafted[6].reference in last and 'rel="next"' not in last
    junk = column(board(world, "manager", "?page_drafted=-2x"), "drafted")
    assert "Page 1 of 3" in junk and drafted[0].reference in junk
    # Another column's page stays where it was when this one turns.
    concept_at(world.city_a, "Screened", "screened")
    both = board(world, "manager", "?page_drafted=2&page_screened=1")
    assert "page_drafted=2&amp;page_screened=1" not in column(both, "screened")  # one page only
    assert 'href="?page_drafted=3&amp;page_screened=1#col-drafted"' in column(both, "drafted")


def test_waiting_longest_leads_to_each_concept(world: World) -> None:
    old = aged(concept_at(world.city_a, "Oldest", "submitted"), 40)
    concept_at(world.city_b, "Closed long ago", "completed")
    page = board(world, "manager")
    ageing = page.split("Waiting longest", 1)[1].split("<h2", 1)[0]
    assert f'<a href="{old.get_absolute_url()}">{old.reference} · Oldest</a>' in ageing
    assert "40 days" in ageing and "Closed long ago" not in ageing


def test_waiting_longest_names_how_many_it_leaves_out(world: World) -> None:
    for i in range(selectors.AGEING_SHOWN + 2):
        concept_at(world.city_a, f"Open {i}", "drafted")
    ageing = board(world, "manager").split("Waiting longest", 1)[1].split("<h2", 1)[0]
    assert ageing.count("<li>") == selectors.AGEING_SHOWN
    assert "The 10 longest of 12 open concepts." in ageing


def test_each_reader_counts_what_they_list(world: World) -> None:
    """A reviewer reads a concept once it is drafted: the manager's board has Rajshahi's
    candidate, a reviewer's has no candidate column at all (not "Candidate 0") and says why,
    and a reviewer who also belongs to Kigali counts Kigali's candidates only, and says so."""
    concept_at(world.city_b, "Rajshahi's candidate", "candidate")
    kigali = concept_at(world.city_a, "Kigali's candidate", "candidate")
    drafted = concept_at(world.city_b, "Rajshahi's draft", "drafted")

    manager = board(world, "manager")
    assert 'Candidate <span class="muted">2</span>' in column(manager, "candidate")
    assert "Candidates are" not in manager

    reviewer = board(world, "reviewer")
    assert 'id="col-candidate"' not in reviewer
    assert '<th scope="row">Candidate</th>' not in reviewer
    assert "Candidates are not shown: reviewers read a concept once it has been drafted." in (
        reviewer
    )
    assert drafted.reference in column(reviewer, "drafted")

    both = board(world, "reviewer_a")
    candidates = column(both, "candidate")
    assert 'Candidate <span class="muted">1</span>' in candidates
    assert kigali.reference in candidates and "Rajshahi&#x27;s candidate" not in candidates
    assert "Candidates are counted only for the cities you belong to or manage" in both

    # The funnel the API gives reads the same: no candidate stage for the reviewer.
    client = Client()
    client.force_login(world.users["reviewer"])
    stages = [s["stage"] for s in client.get("/api/v1/pipeline/funnel").json()["stages"]]
    assert "candidate" not in stages and "drafted" in stages


def test_the_board_stays_the_programmes(world: World) -> None:
    for who in ("editor_a", "funder", "viewer_a"):
        client = Client()
        client.force_login(world.users[who])
        assert client.get("/pipeline/?page_drafted=2").status_code == 403
    assert Client().get("/pipeline/").status_code == 302  # to sign in


def _board_queries(world: World, per_stage: int) -> tuple[int, int]:
    """Queries of the manager's board, and the cards it shows, with `per_stage` concepts in
    each of five stages across both cities."""
    stages = ["candidate", "drafted", "screened", "submitted", "on_hold"]
    have = ProjectConcept.objects.count() // len(stages)
    for i in range(have, per_stage):
        for stage in stages:
            concept_at(world.city_a if i % 2 else world.city_b, f"C{i}", stage, summary="S")
    client = Client()
    client.force_login(world.users["manager"])
    client.get("/pipeline/")  # warm
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/pipeline/").content.decode()
    return len(queries), page.count('class="card board-card"')


def test_the_board_costs_the_same_queries_for_5_concepts_or_500(world: World) -> None:
    small, small_cards = _board_queries(world, 1)
    large, large_cards = _board_queries(world, 100)
    assert small_cards == 5
    assert large_cards == 5 * selectors.BOARD_PAGE  # one page a column, not all 500
    assert large == small


def test_the_funders_list_is_paged_best_fit_first(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recap.pipeline.concepts import concept_share
    from recap.pipeline.models import Facility
    from recap.pipeline.services import facilities_load_shipped

    facilities_load_shipped()
    Facility.objects.filter(code="gap-fund").update(organisation=world.funder_org)
    gap = Facility.objects.get(code="gap-fund")
    monkeypatch.setattr(selectors, "SHARED_PAGE", 2)
    for i in range(5):
        concept = concept_at(world.city_a, f"Shared {i}", "submitted")
        concept_share(actor=world.users["manager"], concept=concept, facility=gap)
    client = Client()
    client.force_login(world.users["funder"])
    pages = [client.get(f"/pipeline/shared/?page={n}").content.decode() for n in (1, 2, 3)]
    assert [page.count('class="cell-main"') for page in pages] == [2, 2, 1]
    assert "Page 1 of 3 · 5 concepts" in pages[0] and 'href="?page=2"' in pages[0]
    # Every shared concept on one page and one only.
    assert all(sum(f"Shared {i}<" in page for page in pages) == 1 for i in range(5))
    last = client.get("/pipeline/shared/?page=9").content.decode()  # past the end: the last
    assert "Page 3 of 3" in last and 'href="?page=2"' in last and 'rel="next"' not in last
    assert "Page 1 of 3" in client.get("/pipeline/shared/?page=x").content.decode()
    client.force_login(world.users["manager"])
    assert client.get("/pipeline/shared/?page=2").status_code == 403
