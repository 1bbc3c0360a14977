"""The city picks a rule with its reasons: a decision is saved once with the outcome as it
stood, each funded project becomes a planned small-scale measure whose page says it was chosen
by residents, and a later decision supersedes the first without rewriting it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recap.accounts.models import AuditEvent
from recap.testing import World
from recap.tracking.models import Measure
from recap.votes.models import ChosenMeasure, Decision, Vote

from .helpers import SMALL_PB, cast_vote, client_as, import_pb

pytestmark = pytest.mark.django_db


@pytest.fixture
def vote(world: World) -> Vote:
    _first, second = import_pb(client_as(world, "editor_a"), "kigali", SMALL_PB, currency="USD")
    assert second is not None and second.status_code == 302
    return Vote.objects.get()


def _decide(
    world: World, vote: Vote, role: str, rule: str, rationale: str = "Fair to both districts."
):
    return client_as(world, role).post(
        reverse("votes:decide", kwargs={"slug": vote.city.slug, "pk": vote.pk}),
        {"rule": rule, "rationale": rationale},
    )


def test_a_decision_makes_the_funded_projects_measures_with_their_provenance(
    world: World, vote: Vote
) -> None:
    mes = vote.outcomes.get(key="mes+add_one").result
    response = _decide(world, vote, "editor_a", "mes+add_one")
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.rule, decision.completion) == ("mes", "add_one")
    assert decision.selected == mes["selected"] and decision.snapshot == mes
    assert decision.decided_by == world.users["editor_a"]
    vote.refresh_from_db()
    assert vote.status == Vote.Status.DECIDED
    measures = Measure.objects.filter(vote_choices__decision=decision)
    titles = {p.key: p.title for p in vote.projects.all()}
    assert sorted(m.title for m in measures) == sorted(titles[k] for k in mes["selected"])
    for m in measures:
        assert m.city == world.city_a and m.status == Measure.Status.PLANNED
        assert m.history.count() == 1  # its first dated step
        assert m.cost == int(vote.projects.get(title=m.title).cost)  # the vote is in US$
    assert AuditEvent.objects.filter(verb="vote.decide", target_id=str(decision.pk)).exists()
    # The measure's page says where it comes from.
    measure = measures.first()
    page = client_as(world, "viewer_a").get(
        reverse("measures:detail", kwargs={"slug": "kigali", "pk": measure.pk})
    )
    html = page.content.decode()
    assert "Chosen by residents in" in html and vote.title in html
    assert "Equal shares (MES)" in html and "add one" in html
    # A measure not chosen by a vote says nothing of the kind.
    plain = Measure.objects.create(city=world.city_a, title="Typed by hand")
    page = client_as(world, "viewer_a").get(
        reverse("measures:detail", kwargs={"slug": "kigali", "pk": plain.pk})
    )
    assert "Chosen by residents" not in page.content.decode()


#: Greedy funds the most approved project alone (A); the exact rule buys more approvals with the
#: two others (B and C): the rules disagree.
DISAGREE_PB = """META
key;value
description;Deux quartiers
budget;100
vote_type;approval
PROJECTS
project_id;cost;name;district
A;100;Grand marché;Nord
B;50;Puits;Sud
C;50;Bancs;Sud
VOTES
voter_id;vote
v1;A
v2;A
v3;A
v4;A,B
v5;B,C
v6;B,C
v7;C
"""


def test_a_later_decision_supersedes_and_keeps_the_history(world: World) -> None:
    _first, second = import_pb(client_as(world, "editor_a"), "kigali", DISAGREE_PB, currency="USD")
    assert second is not None and second.status_code == 302
    vote = Vote.objects.get()
    _decide(world, vote, "editor_a", "greedy", "First.")
    first = Decision.objects.get()
    measures_before = Measure.objects.count()
    _decide(world, vote, "coordinator_a", "utilitarian", "Second thoughts.")
    second = Decision.objects.exclude(pk=first.pk).get()
    first.refresh_from_db()
    assert first.superseded_by == second and second.superseded_by is None
    assert first.rationale == "First."  # never rewritten
    # A project both rules fund keeps its one measure, now linked to both decisions.
    both = set(first.selected) & set(second.selected)
    new = set(second.selected) - set(first.selected)
    assert Measure.objects.count() == measures_before + len(new)
    for key in both:
        links = ChosenMeasure.objects.filter(project__key=key, project__vote=vote)
        assert links.count() == 2 and len({link.measure_id for link in links}) == 1
    page = client_as(world, "viewer_a").get(
        reverse("votes:results", kwargs={"slug": "kigali", "pk": vote.pk})
    )
    assert "Earlier decisions" in page.content.decode() and "First." in page.content.decode()
    # A measure the later decision no longer funds says so on its page; one it funds does not.
    for key, dropped in [(k, True) for k in set(first.selected) - set(second.selected)] + [
        (k, False) for k in both
    ]:
        link = ChosenMeasure.objects.filter(project__key=key, project__vote=vote).first()
        assert link is not None
        html = (
            client_as(world, "viewer_a")
            .get(reverse("measures:detail", kwargs={"slug": "kigali", "pk": link.measure_id}))
            .content.decode()
        )
        assert "Chosen by residents in" in html
        assert ("no longer funds it" in html) == dropped, key
    assert set(first.selected) - set(second.selected), "the rules should disagree here"


def test_a_decision_is_never_edited(world: World, vote: Vote) -> None:
    _decide(world, vote, "editor_a", "greedy")
    decision = Decision.objects.get()
    decision.rationale = "Rewritten"
    with pytest.raises(ValueError, match="never edited"):
        decision.save()
    decision.refresh_from_db()
    assert decision.rationale == "Fair to both districts."


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer_a", 403), ("manager", 403), ("editor_b", 404), ("funder", 404), ("anonymous", 302)],
)
def test_only_the_citys_editors_decide(world: World, vote: Vote, role: str, status: int) -> None:
    assert _decide(world, vote, role, "greedy").status_code == status
    assert not Decision.objects.exists()
    assert not Measure.objects.exists()


@pytest.mark.parametrize(
    ("rule", "rationale"), [("greedy", "   "), ("nonsense", "Why not."), ("", "x")]
)
def test_a_decision_needs_a_computed_rule_and_its_reasons(
    world: World, vote: Vote, rule: str, rationale: str
) -> None:
    response = _decide(world, vote, "editor_a", rule, rationale)
    # Sent back with the errors by field and what was typed, nothing written.
    assert response.status_code == 400
    form = response.context["decision_form"]
    assert form.errors and set(form.errors) <= {"rule", "rationale"}
    if rationale.strip():
        assert rationale in response.content.decode()
    assert not Decision.objects.exists() and not Measure.objects.exists()


def test_an_open_vote_is_not_decided(world: World) -> None:
    from recap.votes.services import vote_open

    vote = cast_vote(world)
    vote_open(actor=world.users["editor_a"], vote=vote)
    response = _decide(world, vote, "editor_a", "greedy")
    assert response.status_code == 302 and response.url.endswith(f"/votes/{vote.pk}/")
    assert not Decision.objects.exists()


def test_a_vote_no_one_voted_in_is_not_decided(world: World) -> None:
    from recap.votes.services import vote_close, vote_open

    vote = cast_vote(world)
    vote_open(actor=world.users["editor_a"], vote=vote)
    vote_close(actor=world.users["editor_a"], vote=vote)
    response = _decide(world, vote, "editor_a", "greedy")
    assert response.status_code == 400
    assert "No one voted" in response.content.decode()
    assert not Decision.objects.exists() and not Measure.objects.exists()


def test_a_rule_that_fails_is_said_not_queued_forever(
    world: World, vote: Vote, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recap.votes import outcomes
    from recap.votes.models import Outcome

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("HiGHS could not prove the optimum")

    monkeypatch.setattr(outcomes, "pb_outcome", broken)
    vote.outcomes.all().delete()
    outcomes.outcomes_request(vote)  # computed at once in tests
    states = set(vote.outcomes.values_list("state", flat=True))
    assert states == {Outcome.State.FAILED}
    # A minimums column asked on the page fails the same way, without an error page.
    page = client_as(world, "viewer_a").get(
        reverse("votes:results", kwargs={"slug": "kigali", "pk": vote.pk}) + "?min_0=1&min_1=²"
    )
    assert page.status_code == 200


def test_the_measure_page_takes_the_votes_note_without_naming_the_app() -> None:
    """tracking's measure page includes what the apps above it register, not their names."""
    from pathlib import Path

    from recap.tracking import extensions

    assert "votes/_measure_provenance.html" in extensions.MEASURE_NOTES
    page = Path(extensions.__file__).parent / "templates" / "tracking" / "measure.html"
    assert "votes/" not in page.read_text("utf-8")
