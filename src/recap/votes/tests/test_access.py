"""Who does what with a city's votes: whoever sees the workspace reads them; its editors run
them; programme staff only read; another city's people and strangers find nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from recap.testing import World
from recap.votes.models import Vote, VoteProject
from recap.votes.services import project_add, project_remove, vote_close, vote_create, vote_open

from .helpers import cast_vote, client_as

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("viewer_a", 200),
        ("editor_a", 200),
        ("manager", 200),
        ("admin", 200),
        ("editor_b", 404),
        ("funder", 404),
        ("reviewer", 404),
        ("anonymous", 302),
    ],
)
def test_reading_a_vote(world: World, role: str, status: int) -> None:
    vote = cast_vote(world)
    for name in ("votes:list", "votes:detail"):
        kwargs = {"slug": "kigali"} | ({"pk": vote.pk} if name == "votes:detail" else {})
        assert client_as(world, role).get(reverse(name, kwargs=kwargs)).status_code == status


@pytest.mark.parametrize("role", ["viewer_a", "manager", "editor_b", "anonymous"])
def test_running_a_vote_is_for_the_citys_editors(world: World, role: str) -> None:
    vote = cast_vote(world)
    client = client_as(world, role)
    kw = {"slug": "kigali", "pk": vote.pk}
    posts = [
        (
            reverse("votes:list", kwargs={"slug": "kigali"}),
            {"title": "X", "budget": "5", "currency": "EUR"},
        ),
        (reverse("votes:project_add", kwargs=kw), {"title": "Y", "cost": "5"}),
        (
            reverse("votes:project_remove", kwargs=kw | {"project": vote.projects.first().pk}),
            {},
        ),
        (reverse("votes:open", kwargs=kw), {}),
        (reverse("votes:codes", kwargs=kw), {"count": "2"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code in (302, 403, 404), url
        if role == "anonymous":
            assert "/login" in response["Location"]
    assert Vote.objects.count() == 1
    assert vote.projects.count() == 3
    vote.refresh_from_db()
    assert vote.status == Vote.Status.DRAFT and not vote.codes.exists()


def test_services_refuse_another_citys_editor(world: World) -> None:
    vote = cast_vote(world)
    outsider = world.users["editor_b"]
    with pytest.raises(PermissionDenied):
        vote_create(
            actor=outsider,
            city=world.city_a,
            data={"title": "X", "budget": Decimal(1), "currency": "EUR"},
        )
    with pytest.raises(PermissionDenied):
        project_add(actor=outsider, vote=vote, data={"title": "Y", "cost": Decimal(1)})
    with pytest.raises(PermissionDenied):
        vote_open(actor=outsider, vote=vote)
    # Nor does a candidate action of another city go on the ballot.
    from recap.catalogue.models import CandidateAction

    foreign = CandidateAction.objects.create(
        city=world.city_b,
        code="C-1",
        title="Elsewhere",
        sectors=["health"],
        local_cost_usd=10,
        staff_fte=1,
        phase="short",
    )
    with pytest.raises(ValidationError):
        project_add(
            actor=world.users["editor_a"], vote=vote, data={"action": foreign, "cost": Decimal(5)}
        )


def test_the_ballot_is_fixed_once_open_and_the_flow_runs_forward(world: World) -> None:
    editor = world.users["editor_a"]
    vote = cast_vote(world)
    with pytest.raises(ValidationError):
        vote_close(actor=editor, vote=vote)  # a draft is not closed
    vote_open(actor=editor, vote=vote)
    with pytest.raises(ValidationError):
        project_add(actor=editor, vote=vote, data={"title": "Late", "cost": Decimal(5)})
    with pytest.raises(ValidationError):
        project_remove(
            actor=editor, vote=vote, project=VoteProject.objects.filter(vote=vote).first()
        )
    with pytest.raises(ValidationError):
        vote_open(actor=editor, vote=vote)
    vote_close(actor=editor, vote=vote)
    with pytest.raises(ValidationError):
        vote_close(actor=editor, vote=vote)


def test_a_project_from_a_candidate_action_and_the_budget_bound(world: World) -> None:
    from recap.catalogue.models import CandidateAction

    editor = world.users["editor_a"]
    vote = vote_create(
        actor=editor,
        city=world.city_a,
        data={"title": "V", "budget": Decimal(1000), "currency": "usd"},
    )
    assert vote.currency == "USD"
    action = CandidateAction.objects.create(
        city=world.city_a,
        code="C-9",
        title="Water kiosk",
        description="Kiosks.",
        sectors=["water_sanitation"],
        local_cost_usd=400,
        staff_fte=1,
        phase="short",
    )
    project = project_add(actor=editor, vote=vote, data={"action": action})
    assert (project.title, project.cost, project.action) == ("Water kiosk", 400, action)
    with pytest.raises(ValidationError, match="more than the whole budget"):
        project_add(actor=editor, vote=vote, data={"title": "Too big", "cost": Decimal(1001)})
    with pytest.raises(ValidationError, match="at least two projects"):
        vote_open(actor=editor, vote=vote)


def test_the_file_of_an_imported_vote_is_read_by_the_citys_readers(world: World) -> None:
    from .helpers import SMALL_PB, import_pb

    import_pb(client_as(world, "editor_a"), "kigali", SMALL_PB, name="quartier.pb")
    vote = Vote.objects.get()
    url = reverse("votes:file", kwargs={"slug": "kigali", "pk": vote.pk})
    response = client_as(world, "manager").get(url)
    assert response.status_code == 200 and response.content.decode() == SMALL_PB
    assert 'filename="quartier.pb"' in response["Content-Disposition"]
    assert client_as(world, "editor_b").get(url).status_code == 404
    cast = cast_vote(world)
    url = reverse("votes:file", kwargs={"slug": "kigali", "pk": cast.pk})
    assert client_as(world, "editor_a").get(url).status_code == 403


def test_the_workspace_has_a_resident_votes_tab(world: World) -> None:
    html = (
        client_as(world, "viewer_a")
        .get(reverse("votes:list", kwargs={"slug": "kigali"}))
        .content.decode()
    )
    assert 'aria-current="page"' in html and "Resident votes" in html
