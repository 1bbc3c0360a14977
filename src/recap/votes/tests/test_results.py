"""The rules side by side: every column is exactly `pb_outcome`'s answer on the vote's ballots,
the page shows it (✓ per project, the figures, why a supported project is left out, the rules
in plain words), and minimums per district add a column computed by the exact rule."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from recap.engine.pabulib import parse_pabulib
from recap.engine.pb import Minimum, pb_outcome
from recap.testing import World
from recap.votes.models import Outcome, Vote
from recap.votes.outcomes import STANDARD, vote_instance

from .helpers import REAL, SMALL_PB, client_as, import_pb

pytestmark = pytest.mark.django_db


def _imported(world: World, text: str) -> Vote:
    _first, second = import_pb(client_as(world, "editor_a"), "kigali", text)
    assert second is not None and second.status_code == 302
    return Vote.objects.get()


@pytest.mark.parametrize(
    "text",
    [SMALL_PB, (REAL / "poland_warszawa_2017_plac-wojska-polskiego.pb").read_text("utf-8")],
    ids=["small", "warsaw-2017"],
)
def test_each_column_is_pb_outcome_on_the_file(world: World, text: str) -> None:
    vote = _imported(world, text)
    instance = parse_pabulib(text)
    for rule in STANDARD:
        kept = vote.outcomes.get(key=rule.key)
        assert kept.state == Outcome.State.DONE
        expected = pb_outcome(instance, rule.rule, rule.completion, "lexicographic")
        assert kept.result == expected, rule.key


def test_the_page_sets_the_rules_side_by_side(world: World) -> None:
    vote = _imported(world, SMALL_PB)
    response = client_as(world, "viewer_a").get(
        reverse("votes:results", kwargs={"slug": "kigali", "pk": vote.pk})
    )
    assert response.status_code == 200
    html = response.content.decode()
    table = response.context["table"]
    assert [c["key"] for c in table["columns"]] == [
        "greedy",
        "utilitarian",
        "mes+add_one",
        "phragmen",
    ]
    instance = parse_pabulib(SMALL_PB)
    greedy = pb_outcome(instance, "greedy")
    # One row per project, most supported first; a ✓ where the rule funds it.
    rows = {r["project"].key: r for r in table["rows"]}
    assert next(r["project"].key for r in table["rows"]) == "1"  # four approvals
    for key, row in rows.items():
        assert row["cells"][0]["funded"] == (key in greedy["selected"])
    assert html.count('class="funded"') == sum(len(c["selected"]) for c in table["columns"])
    # Why a supported project is left out, from the rule's reasons, in the reader's words.
    left_out = greedy["not_funded"][0]
    assert left_out["why"] == [
        {"kind": "no_room", "stage": "greedy", "rank": 3, "left": 10, "cost": 40}
    ]
    assert "when its turn came (rank 3), 10 was left and it costs 40" in html
    # The figures under each column.
    figures = greedy["figures"]
    assert f"{figures['support_covered']} / {figures['support_total']}" in html
    assert f"{figures['voters_with_a_funded_project']} / {figures['voters']}" in html
    # Per district, and each rule in plain words (which completion MES uses is said).
    assert "Nord" in html and "Sud" in html
    for rule in STANDARD:
        assert str(rule.explanation)[:40] in html
    assert "add one" in html


def test_minimums_per_district_add_a_column_of_the_exact_rule(world: World) -> None:
    vote = _imported(world, SMALL_PB)
    url = reverse("votes:results", kwargs={"slug": "kigali", "pk": vote.pk})
    response = client_as(world, "viewer_a").get(url + "?min_1=2")  # Sud is the second
    assert response.status_code == 200
    extra = response.context["table"]["columns"][-1]
    expected = pb_outcome(
        parse_pabulib(SMALL_PB), "utilitarian", minimums=[Minimum("district", "Sud", projects=2)]
    )
    assert extra["outcome"].result == expected
    assert sorted(expected["selected"]) == ["3", "4"]
    assert "with your minimums" in response.content.decode()
    # Asked again, the same outcome is read, not computed anew.
    client_as(world, "viewer_a").get(url + "?min_1=2")
    assert vote.outcomes.filter(rule="utilitarian").count() == 2
    # Nonsense is ignored, not an error.
    assert client_as(world, "viewer_a").get(url + "?min_0=-3&min_1=abc&min_9=1").status_code == 200


def test_points_ballots_have_no_phragmen_column(world: World) -> None:
    text = (REAL / "poland_czestochowa_2020_podjasnogorska.pb").read_text("utf-8")
    vote = _imported(world, text)
    response = client_as(world, "editor_a").get(
        reverse("votes:results", kwargs={"slug": "kigali", "pk": vote.pk})
    )
    keys = [c["key"] for c in response.context["table"]["columns"]]
    assert keys == ["greedy", "utilitarian", "mes+add_one"]
    assert "approval ballots only" in response.content.decode()
    assert vote_instance(vote) == parse_pabulib(text)


def test_a_draft_has_no_results_yet(world: World) -> None:
    from .helpers import cast_vote

    vote = cast_vote(world)
    response = client_as(world, "editor_a").get(
        reverse("votes:results", kwargs={"slug": "kigali", "pk": vote.pk})
    )
    assert response.status_code == 302
    assert not vote.outcomes.exists()


def test_an_outcome_left_queued_by_a_dead_worker_is_queued_again(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    vote = _imported(world, SMALL_PB)
    Outcome.objects.filter(vote=vote, key="greedy").update(
        state=Outcome.State.QUEUED, result=None, queued_at=timezone.now() - timedelta(hours=1)
    )
    client_as(world, "viewer_a").get(
        reverse("votes:results", kwargs={"slug": "kigali", "pk": vote.pk})
    )
    assert vote.outcomes.get(key="greedy").state == Outcome.State.DONE


def test_money_is_written_grouped(world: World) -> None:
    vote = _imported(world, (REAL / "poland_warszawa_2017_plac-wojska-polskiego.pb").read_text())
    html = (
        client_as(world, "viewer_a")
        .get(reverse("votes:results", kwargs={"slug": "kigali", "pk": vote.pk}))
        .content.decode()
    )
    assert re.search(r"51,195", html)


def test_why_a_project_is_out_reads_in_the_readers_language() -> None:
    from django.utils import translation

    from recap.votes.selectors import why_text

    titles = {"7": "Fontaine publique"}
    why = [
        {
            "kind": "supporters_short",
            "round": 3,
            "supporters": 99,
            "money": 800504.36,
            "cost": 1200000,
        },
        {"kind": "no_room", "stage": "completion", "rank": 2, "left": 45115, "cost": 1200000},
    ]
    with translation.override("en"):
        text = why_text(why, "engine words", titles)
    assert text == (
        "round 3: its 99 supporters had 800,504 left between them, less than its cost of "
        "1,200,000; then in the completion, when its turn came (rank 2), 45,115 was left and "
        "it costs 1,200,000"
    )
    stopped = [{"kind": "stopped", "next": "7", "left": 150000, "reached": False}]
    with translation.override("fr"):
        french = (
            why_text(stopped, "engine words", titles).replace("\u202f", " ").replace("\xa0", " ")
        )
    assert "Fontaine publique" in french and "150 000" in french and "stopped" not in french
    # An outcome kept before the engine gave reasons as data keeps its English words.
    assert why_text(None, "engine words", titles) == "engine words"
    assert why_text([{"kind": "unknown"}], "x", titles) == "the rule did not choose it"


def test_what_ifs_with_minimums_are_kept_to_a_bounded_number(world: World) -> None:
    """A viewer's minimums are computed on request and kept; past `KEPT_WITH_MINIMUMS` the
    oldest are dropped, never the standard rules' outcomes, and one asked again is computed
    again (the rate limit bounds how often)."""
    from recap.votes.outcomes import KEPT_WITH_MINIMUMS, outcome_with_minimums

    vote = _imported(world, SMALL_PB)
    standard = set(vote.outcomes.values_list("pk", flat=True))
    asked = [[{"field": "district", "value": "Nord", "projects": n}] for n in range(1, 6)] + [
        [
            {"field": "district", "value": "Nord", "projects": n},
            {"field": "district", "value": "Sud", "projects": m},
        ]
        for n in range(1, 6)
        for m in range(1, 5)
    ]
    assert len(asked) > KEPT_WITH_MINIMUMS
    made = [outcome_with_minimums(vote, minimums).pk for minimums in asked]
    left = set(vote.outcomes.values_list("pk", flat=True))
    assert standard <= left  # the rules side by side stay
    assert left - standard == set(made[-KEPT_WITH_MINIMUMS:])  # the most recently asked
    # One asked again is kept as recent, not dropped for being old (and is not computed anew).
    oldest = made[-KEPT_WITH_MINIMUMS]
    assert outcome_with_minimums(vote, asked[-KEPT_WITH_MINIMUMS]).pk == oldest
    extra = [{"field": "district", "value": "Sud", "projects": 1}]
    outcome_with_minimums(vote, extra)
    assert vote.outcomes.filter(pk=oldest).exists()
    assert not vote.outcomes.filter(pk=made[-KEPT_WITH_MINIMUMS + 1]).exists()  # next oldest
    made = made[: -KEPT_WITH_MINIMUMS + 1] + made[-KEPT_WITH_MINIMUMS + 2 :]
    # The first one asked again is computed again, and the oldest left is the one dropped.
    again = outcome_with_minimums(vote, asked[0])
    assert again.pk not in made and again.state == Outcome.State.DONE
    assert again.result == pb_outcome(
        parse_pabulib(SMALL_PB), "utilitarian", minimums=[Minimum("district", "Nord", projects=1)]
    )
    assert vote.outcomes.count() == len(standard) + KEPT_WITH_MINIMUMS
