"""Residents vote with one-time codes, without an account: a code is shown once and kept as a
keyed hash; one ballot per code; a wrong, spent or foreign code is refused and counted; too
many wrong codes from one address are stopped; the ballot fits the budget; a closed vote takes
no ballot; a draft is not there at all; the form is CSRF-protected."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, models
from django.test import Client
from django.urls import reverse

from recap.accounts.models import AuditEvent
from recap.testing import World
from recap.votes import views
from recap.votes.models import Ballot, Vote, VotingCode
from recap.votes.services import code_digest, codes_make, vote_close

from .helpers import cast_vote, client_as, open_with_codes

pytestmark = pytest.mark.django_db


def _url(vote: Vote) -> str:
    return reverse("ballot:vote", kwargs={"slug": vote.city.slug, "pk": vote.pk})


def _send(client: Client, vote: Vote, code: str, projects: list[str] | None = None):
    data: dict[str, object] = {"code": code}
    if projects is not None:
        data |= {"projects": projects, "projects_sent": "1"}
    return client.post(_url(vote), data)


def test_a_resident_votes_once_with_a_good_code(world: World) -> None:
    vote, codes = open_with_codes(world)
    client = Client()
    page = client.get(_url(vote))
    assert page.status_code == 200
    assert "Parc" not in page.content.decode()  # the ballot only with a valid code
    shown = _send(client, vote, codes[0].lower().replace("-", " "))  # typed loosely
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]  # the code it carries stays out of caches
    assert "Parc" in shown.content.decode() and "Puits" in shown.content.decode()
    keys = {p.title: p.key for p in vote.projects.all()}
    cast = _send(client, vote, codes[0], [keys["Parc"], keys["Bancs"]])
    thanks = reverse("ballot:thanks", kwargs={"slug": vote.city.slug, "pk": vote.pk})
    assert cast.status_code == 302 and cast["Location"] == thanks  # post, then redirect
    page = client.get(thanks)
    assert page.status_code == 200 and "Your ballot is cast" in page.content.decode()
    # A reload is a GET: nothing is sent again, and the page still thanks this browser.
    assert "Your ballot is cast" in client.get(thanks).content.decode()
    assert Ballot.objects.filter(vote=vote).count() == 1
    # Another browser that cast nothing is sent to the ballot page.
    elsewhere = Client().get(thanks)
    assert elsewhere.status_code == 302 and elsewhere["Location"] == _url(vote)
    ballot = Ballot.objects.get(vote=vote)
    assert ballot.projects == [keys["Parc"], keys["Bancs"]]
    assert VotingCode.objects.get(digest=code_digest(codes[0])).used
    # Spent: the same code again is refused, at either step, and nothing more is written.
    again = _send(client, vote, codes[0])
    assert again.status_code == 400 and "already been used" in again.content.decode()
    again = _send(client, vote, codes[0], [keys["Puits"]])
    assert again.status_code == 400 and "already been used" in again.content.decode()
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_a_ballot_keeps_no_link_to_its_code(world: World) -> None:
    vote, codes = open_with_codes(world)
    key = vote.projects.first().key
    _send(Client(), vote, codes[1], [key])
    ballot = Ballot.objects.get()
    code = VotingCode.objects.get(used=True)
    assert len(ballot.voter) == 32 and ballot.voter not in code.digest
    assert {f.name for f in Ballot._meta.get_fields()} == {
        "id",
        "vote",
        "voter",
        "projects",
        "points",
        "attributes",
    }
    # Nor does the code keep when it voted: the order codes were used in cannot be matched with
    # the order ballots were written in.
    assert not any(
        isinstance(f, models.DateTimeField) and f.name != "created_at"
        for f in VotingCode._meta.get_fields()
    )


def test_codes_are_kept_only_as_keyed_hashes(world: World) -> None:
    vote = cast_vote(world)
    made = codes_make(actor=world.users["editor_a"], vote=vote, count=5)
    assert [n for n, _c in made] == [1, 2, 3, 4, 5]
    assert len({c for _n, c in made}) == 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest FROM votes_votingcode")
        digests = {row[0] for row in cursor.fetchall()}
    for _n, code in made:
        assert code not in digests and code.replace("-", "") not in digests
        assert code_digest(code) in digests
    # The next batch goes on numbering.
    more = codes_make(actor=world.users["editor_a"], vote=vote, count=2)
    assert [n for n, _c in more] == [6, 7]
    assert AuditEvent.objects.filter(verb="vote.codes").count() == 2


def test_codes_are_printed_once_by_the_citys_editors_only(world: World) -> None:
    vote = cast_vote(world)
    url = reverse("votes:codes", kwargs={"slug": "kigali", "pk": vote.pk})
    page = client_as(world, "editor_a").post(url, {"count": "3"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    codes = [c for _n, c in page.context["codes"]]
    assert all(c in page.content.decode() for c in codes)
    # The cards give the site's public address, whatever Host the request came with.
    site = settings.RECAP_SITE_URL.rstrip("/")
    assert page.context["public_url"] == f"{site}/cities/kigali/vote/{vote.pk}/"
    for role, status in (("viewer_a", 403), ("manager", 403), ("editor_b", 404)):
        assert client_as(world, role).post(url, {"count": "3"}).status_code == status
    assert client_as(world, "anonymous").post(url, {"count": "3"}).status_code == 302
    assert VotingCode.objects.count() == 3
    # Too many at once is refused, writing nothing.
    client_as(world, "editor_a").post(url, {"count": "999999"})
    assert VotingCode.objects.count() == 3


def test_a_wrong_or_foreign_code_is_refused(world: World) -> None:
    vote, _codes = open_with_codes(world)
    other = cast_vote(world, city=world.city_a)
    (foreign,) = [c for _n, c in codes_make(actor=world.users["editor_a"], vote=other, count=1)]
    for code in ("AAAA-BBBB-CCCC", foreign, ""):
        response = _send(Client(), vote, code)
        assert response.status_code == 400
        assert "Parc" not in response.content.decode().split("<main")[1].split("</main>")[0]
    response = _send(Client(), vote, "AAAA-BBBB-CCCC", [vote.projects.first().key])
    assert response.status_code == 400 and "not a code for this vote" in response.content.decode()
    assert not Ballot.objects.exists()


def test_a_ballot_over_the_budget_is_refused_and_the_code_kept(world: World) -> None:
    vote, codes = open_with_codes(world)
    keys = list(vote.projects.values_list("key", flat=True))  # 60 + 40 + 30 > 100
    response = _send(Client(), vote, codes[0], keys)
    assert response.status_code == 400
    assert "more than the budget" in response.content.decode()
    assert not Ballot.objects.exists()
    assert VotingCode.objects.filter(used=True).count() == 0
    for bad in ([], ["999"], [keys[0], keys[0]]):
        assert _send(Client(), vote, codes[0], bad).status_code == 400
    assert not Ballot.objects.exists()
    assert _send(Client(), vote, codes[0], keys[:2]).status_code == 302  # 60 + 40 fits: cast


def test_a_closed_vote_takes_no_ballot_and_a_draft_is_not_there(world: World) -> None:
    vote, codes = open_with_codes(world)
    vote_close(actor=world.users["editor_a"], vote=vote)
    assert Client().get(_url(vote)).status_code == 410
    response = _send(Client(), vote, codes[0], [vote.projects.first().key])
    assert response.status_code == 410
    assert not Ballot.objects.exists()
    draft = cast_vote(world)
    assert Client().get(_url(draft)).status_code == 404
    # Nor under another city's address.
    wrong = reverse("ballot:vote", kwargs={"slug": "rajshahi", "pk": vote.pk})
    assert Client().get(wrong).status_code == 404


def test_too_many_wrong_codes_from_one_address_are_stopped(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "WRONG_CODE_RATE", "3/h")
    vote, codes = open_with_codes(world)
    client = Client()
    statuses = [_send(client, vote, f"WRONG-{i:04d}-XXXX").status_code for i in range(5)]
    assert statuses[:3] == [400, 400, 400]
    assert statuses[-1] == 429
    # A good code from the same address still goes through: a polling station's kiosk or a
    # mobile network shares one address, and one voter's typos must not stop the others.
    assert _send(client, vote, codes[0]).status_code == 200
    # Another address is not held up, and the count is per vote.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _send(other, vote, "WRONG-0000-XXXX").status_code == 400


def test_the_ballot_page_is_rate_limited_by_address(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "BALLOT_RATE", "2/m")
    vote, codes = open_with_codes(world)
    client = Client()
    assert [_send(client, vote, codes[0]).status_code for _ in range(3)] == [200, 200, 429]


def test_the_ballot_form_needs_its_csrf_token(world: World) -> None:
    vote, codes = open_with_codes(world)
    client = Client(enforce_csrf_checks=True)
    response = _send(client, vote, codes[0], [vote.projects.first().key])
    assert response.status_code == 403
    assert not Ballot.objects.exists()
    # With the token from the page, it goes through.
    page = client.get(_url(vote))
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else None
    assert token is not None
    response = client.post(
        _url(vote),
        {
            "code": codes[0],
            "projects": [vote.projects.first().key],
            "projects_sent": "1",
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
    )
    assert response.status_code == 302 and Ballot.objects.count() == 1


def test_closing_counts_the_ballots_and_computes_the_rules(world: World) -> None:
    from recap.engine.pb import pb_outcome
    from recap.votes.outcomes import vote_instance

    vote, codes = open_with_codes(world, n=4)
    keys = {p.title: p.key for p in vote.projects.all()}
    for code, chosen in zip(
        codes, (["Parc"], ["Parc", "Puits"], ["Bancs"], ["Puits", "Bancs"]), strict=True
    ):
        assert _send(Client(), vote, code, [keys[t] for t in chosen]).status_code == 302
    response = client_as(world, "editor_a").post(
        reverse("votes:close", kwargs={"slug": "kigali", "pk": vote.pk})
    )
    assert response.status_code == 302
    vote.refresh_from_db()
    assert vote.status == Vote.Status.CLOSED
    instance = vote_instance(vote)
    assert len(instance.ballots) == 4
    greedy = vote.outcomes.get(key="greedy").result
    assert greedy == pb_outcome(instance, "greedy")
    assert greedy["figures"]["support_total"] == 6


def test_the_list_counts_each_votes_projects_and_ballots(world: World) -> None:
    vote, codes = open_with_codes(world, n=3)
    keys = [p.key for p in vote.projects.all()]
    for code in codes[:2]:
        _send(Client(), vote, code, [keys[0]])
    empty = cast_vote(world)  # three projects, no ballot
    page = client_as(world, "viewer_a").get(reverse("votes:list", kwargs={"slug": "kigali"}))
    counts = {v.pk: (v.n_projects, v.n_ballots) for v in page.context["votes"]}
    assert counts == {vote.pk: (3, 2), empty.pk: (3, 0)}


def test_a_hidden_citys_ballot_is_not_public(world: World) -> None:
    vote, _codes = open_with_codes(world)
    vote.city.is_public = False
    vote.city.save(update_fields=["is_public"])
    assert Client().get(_url(vote)).status_code == 404  # as its public profile is
    # Its own people still reach it.
    assert client_as(world, "editor_a").get(_url(vote)).status_code == 200
