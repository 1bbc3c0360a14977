"""My work, role by role, for the pipeline: a reviewer finds the concepts waiting for their review
(and not those of their own city, or those they wrote), the manager the concepts ready for a
decision, a funder what was shared with them and what is new since their last visit, a city's
team what changed on its concepts. "Since the last visit" holds for the whole session."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from recap.pipeline import dashboard
from recap.pipeline.concepts import city_reply, concept_share, funder_message
from recap.pipeline.models import ConceptShare, Facility, FunderMessage
from recap.pipeline.reviews import review_submit
from recap.testing import World, concept_at

from .conftest import full_scores, reviewed, second_reviewer


def _my_work(client: Client) -> str:
    response = client.get("/me/")
    assert response.status_code == 200
    return response.content.decode()


def _age(*objects: object, days: int = 3) -> None:
    """Dates a visit `days` ago: the user's last sight of My work."""
    for user in objects:
        type(user).objects.filter(pk=user.pk).update(  # type: ignore[attr-defined]
            work_seen_at=timezone.now() - datetime.timedelta(days=days)
        )


def test_a_reviewer_finds_the_concepts_waiting_for_their_review(
    client: Client, world: World
) -> None:
    waiting = concept_at(world.city_b, "Rajshahi embankment", "drafted")
    own_city = concept_at(world.city_a, "Kigali wetlands", "drafted")
    screened = concept_at(world.city_b, "Rajshahi drains", "screened")
    client.force_login(world.users["reviewer"])
    page = _my_work(client)
    assert "Concepts waiting for your review (2)" in page
    assert f'href="/cities/rajshahi/workspace/concepts/{waiting.pk}/review/"' in page
    assert f'href="/cities/kigali/workspace/concepts/{own_city.pk}/review/"' in page
    assert screened.title not in page  # out of review
    assert "You do not work on any city yet" not in page  # a reviewer's role is no city's
    assert 'href="/pipeline/"' in page  # "Your roles": the way into the board
    # reviewer_a works for Kigali: never offered Kigali's concept.
    client.force_login(world.users["reviewer_a"])
    page = _my_work(client)
    assert "Concept waiting for your review (1)" in page
    assert own_city.title not in page and waiting.title in page
    # Once reviewed, it moves to "Your reviews this round".
    for concept in (waiting, own_city):
        review_submit(
            actor=world.users["reviewer"], concept=concept, scores=full_scores(), comment="Clear."
        )
    client.force_login(world.users["reviewer"])
    page = _my_work(client)
    assert "No concept waits for your review." in page
    assert "Your reviews this round" in page and waiting.title in page


def test_people_of_no_programme_see_no_review_or_decision(client: Client, world: World) -> None:
    concept_at(world.city_b, "Rajshahi embankment", "drafted")
    for role in ("editor_a", "viewer_a", "funder", "admin"):
        client.force_login(world.users[role])
        page = _my_work(client)
        assert "waiting for your review" not in page, role
        assert "ready for your decision" not in page, role


def test_the_manager_finds_the_concepts_ready_for_their_decision(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    concept = concept_at(world.city_b, "Rajshahi embankment", "submitted")
    client.force_login(world.users["manager"])
    assert "ready for your decision" not in _my_work(client)  # its gate is shut: not shared
    concept_share(actor=world.users["manager"], concept=concept, facility=facilities["gap-fund"])
    page = _my_work(client)
    assert "Concept ready for your decision (1)" in page
    assert concept.get_absolute_url() in page
    client.force_login(world.users["editor_b"])  # the manager's move, not the city's
    assert "ready for your decision" not in _my_work(client)


def test_a_funder_sees_what_is_new_since_the_last_visit_for_the_whole_session(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    gap = facilities["gap-fund"]
    funder = world.users["funder"]
    old = concept_at(world.city_a, "Kigali wetlands", "submitted")
    concept_share(actor=world.users["manager"], concept=old, facility=gap)
    funder_message(actor=funder, concept=old, facility=gap, kind="question", text="Costs?")
    # The funder last looked three days ago; the share and the question are older than that.
    _age(funder)
    ConceptShare.objects.update(shared_at=timezone.now() - datetime.timedelta(days=5))
    FunderMessage.objects.update(at=timezone.now() - datetime.timedelta(days=5))
    new = concept_at(world.city_b, "Rajshahi drains", "submitted")
    concept_share(actor=world.users["manager"], concept=new, facility=gap)

    client.force_login(funder)
    page = _my_work(client)
    assert "Concepts shared with you (2)" in page
    assert "New since your last visit" in page
    assert f'href="/pipeline/shared/{new.pk}/"' in page
    assert "Your questions the city has not answered yet" in page
    assert f'href="/pipeline/shared/{old.pk}/#funders"' in page
    # The city answers: the question is no longer waiting, and the reply is new.
    city_reply(actor=world.users["editor_a"], concept=old, facility=gap, text="USD 1.2 million.")
    page = _my_work(client)  # the same session: "new" still counts from the last visit
    assert "New since your last visit" in page
    assert "Cities' replies since your last visit" in page
    assert "Your questions the city has not answered yet" not in page
    # A new session starts from this visit: nothing is new any more.
    client.logout()
    client.force_login(funder)
    page = _my_work(client)
    assert "Concepts shared with you (2)" in page
    assert "New since your last visit" not in page
    assert "Nothing new since your last visit." in page


def test_a_city_editor_sees_what_changed_on_its_concepts(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    concept = concept_at(world.city_b, "Rajshahi embankment", "drafted")
    editor = world.users["editor_b"]
    _age(editor)
    reviewed(world, concept)
    client.force_login(editor)
    page = _my_work(client)
    assert "Changed since your last visit" in page
    assert page.count("A reviewer scored it") == 2
    # Another city's editor is not told.
    client.force_login(world.users["editor_a"])
    assert "A reviewer scored it" not in _my_work(client)


def test_a_second_reviewer_is_counted_once_per_round(client: Client, world: World) -> None:
    concept = concept_at(world.city_b, "Rajshahi embankment", "drafted")
    other = second_reviewer(world)
    review_submit(actor=other, concept=concept, scores=full_scores(), comment="Clear.")
    client.force_login(world.users["reviewer"])  # the other's review is not theirs
    assert "Concept waiting for your review (1)" in _my_work(client)


def _my_work_queries(client: Client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/me/")  # warm: the session's "since" is set on the first visit
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/me/").status_code == 200
    return len(queries)


def test_my_work_costs_the_same_queries_for_ten_times_the_concepts(
    world: World, facilities: dict[str, Facility]
) -> None:
    gap = facilities["gap-fund"]
    people = ("reviewer", "manager", "funder", "editor_b")

    def grow(n: int) -> None:
        for i in range(n):
            drafted = concept_at(world.city_b, f"Drafted {i}", "drafted")
            review_submit(
                actor=second_reviewer(world) if i == 0 and n == 3 else world.users["reviewer_a"],
                concept=drafted,
                scores=full_scores(),
                comment="Clear.",
            )
            submitted = concept_at(world.city_b, f"Submitted {i}", "submitted")
            concept_share(actor=world.users["manager"], concept=submitted, facility=gap)
            funder_message(
                actor=world.users["funder"],
                concept=submitted,
                facility=gap,
                kind="question",
                text="Costs?",
            )

    def counts() -> dict[str, int]:
        out = {}
        for role in people:
            client = Client()
            client.force_login(world.users[role])
            out[role] = _my_work_queries(client)
        return out

    grow(3)
    counts()  # a first visit: from now on each person has a last visit to count from
    few = counts()
    grow(27)
    assert counts() == few


def test_a_funder_back_after_long_sees_the_newest_shares_and_how_many_more(
    client: Client,
    world: World,
    facilities: dict[str, Facility],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hundreds of shares since the last visit are not all drawn: the newest few, and a link
    to the list for the rest (here with a list of two)."""
    monkeypatch.setattr(dashboard, "LOOK_AT", 2)
    gap = facilities["gap-fund"]
    funder = world.users["funder"]
    _age(funder)
    shared = []
    for k, title in enumerate(["Drains", "Wetlands", "Clinics"]):
        concept = concept_at(world.city_a, title, "submitted")
        concept_share(actor=world.users["manager"], concept=concept, facility=gap)
        ConceptShare.objects.filter(concept=concept).update(
            shared_at=timezone.now() - datetime.timedelta(hours=10 - k)
        )
        shared.append(concept)
    client.force_login(funder)
    page = _my_work(client)
    assert "Concepts shared with you (3)" in page
    # The two newest are listed, the oldest is counted.
    assert f'href="/pipeline/shared/{shared[2].pk}/"' in page
    assert f'href="/pipeline/shared/{shared[1].pk}/"' in page
    assert f'href="/pipeline/shared/{shared[0].pk}/"' not in page
    assert "and 1 more on the shared list" in page
