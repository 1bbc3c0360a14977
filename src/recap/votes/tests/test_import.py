"""A `.pb` file imported into a new vote: checked in full, previewed, then saved; a refused file
writes nothing and the page names the line; the vote read back is the file the engine reads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recap.accounts.models import AuditEvent
from recap.core.models import PendingImport
from recap.engine.pabulib import parse_pabulib
from recap.testing import World
from recap.votes.imports import MAX_BYTES, pb_import_check
from recap.votes.models import Ballot, Outcome, Vote, VoteFile, VoteProject
from recap.votes.outcomes import vote_instance

from .helpers import REAL, SMALL_PB, client_as, import_pb

pytestmark = pytest.mark.django_db


def _nothing_written() -> None:
    assert not Vote.objects.exists()
    assert not VoteProject.objects.exists()
    assert not Ballot.objects.exists()
    assert not VoteFile.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["poland_warszawa_2017_plac-wojska-polskiego.pb", "poland_czestochowa_2020_podjasnogorska.pb"],
)
def test_a_real_file_is_previewed_then_saved_as_it_reads(world: World, name: str) -> None:
    text = (REAL / name).read_text("utf-8")
    client = client_as(world, "editor_a")
    url = reverse("votes:import", kwargs={"slug": "kigali"})
    first = client.post(
        url, {"file": SimpleUploadedFile(name, text.encode()), "currency": "EUR", "title": ""}
    )
    assert first.status_code == 200
    expected = parse_pabulib(text)
    assert first.context["checked"].ballots == len(expected.ballots)
    assert str(len(expected.ballots)) in first.content.decode()
    assert not Vote.objects.exists()  # the preview wrote nothing but itself
    assert PendingImport.objects.count() == 1
    second = client.post(url, {"confirm": str(first.context["pending"].pk)})
    assert second.status_code == 302
    vote = Vote.objects.get()
    assert second["Location"] == reverse("votes:results", kwargs={"slug": "kigali", "pk": vote.pk})
    assert vote.status == Vote.Status.CLOSED and vote.source == Vote.Source.IMPORTED
    assert vote.title == expected.meta["description"]
    assert vote.currency == "EUR"
    assert vote.file.text == text and vote.file.filename == name
    # Read back from the database, the vote is the instance the file gives.
    assert vote_instance(vote) == expected
    assert not PendingImport.objects.exists()  # a second confirmation finds nothing
    again = client.post(reverse("votes:import", kwargs={"slug": "kigali"}), {"confirm": "whatever"})
    assert again.status_code == 302 and Vote.objects.count() == 1
    assert AuditEvent.objects.filter(verb="vote.import", target_id=str(vote.pk)).exists()
    # Closed: its outcomes were queued (and, in tests, computed at once).
    assert set(vote.outcomes.values_list("state", flat=True)) == {Outcome.State.DONE}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (SMALL_PB.replace("4;35;", "4;thirty;"), "PROJECTS line 13, cost"),
        (SMALL_PB.replace("f;1,3", "f;1,7"), "VOTES line 21, vote: names unknown project '7'"),
        (SMALL_PB.replace("num_votes;6", "num_votes;5"), "num_votes: says 5 but the file has 6"),
        (SMALL_PB.split("VOTES")[0], "VOTES: section is missing"),
        (SMALL_PB.replace("b;1,2", "b;1;2"), "VOTES line 17: has 3 cells; the header has 2"),
        (SMALL_PB.replace("vote_type;approval", "vote_type;ordinal"), "ordinal"),
        (SMALL_PB.replace("budget;100", "budget;100.123456"), "META, budget"),
        # Digits that are not ASCII ("²") are no count; a NUL byte is binary data.
        (SMALL_PB.replace("num_votes;6", "num_votes;²"), "num_votes: must be a whole number"),
        (SMALL_PB.replace("c;1", "c;1\x00"), "Line 18 holds a NUL byte"),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_and_writes_nothing(
    world: World, text: str, says: str
) -> None:
    response, second = import_pb(client_as(world, "editor_a"), "kigali", text)
    assert response.status_code == 400 and second is None
    errors = response.context["errors"]
    assert any(says in e for e in errors), errors
    assert "Nothing was changed" in response.content.decode()
    assert says.split(",", maxsplit=1)[0] in response.content.decode()
    _nothing_written()
    assert not PendingImport.objects.exists()


def test_a_file_not_in_utf8_is_refused(world: World) -> None:
    raw = SMALL_PB.encode("latin-1")  # "Éclairage" is one byte, not UTF-8
    response, _second = import_pb(client_as(world, "editor_a"), "kigali", raw)
    assert response.status_code == 400
    (error,) = response.context["errors"]
    at = raw.index("É".encode("latin-1")) + 1
    assert "not UTF-8" in error and f"byte {at})" in error
    _nothing_written()


def test_a_file_too_large_is_refused_before_it_is_read(world: World) -> None:
    huge = SMALL_PB + "x" * (MAX_BYTES + 10)
    response, _second = import_pb(client_as(world, "editor_a"), "kigali", huge)
    assert response.status_code == 413
    assert "larger than 5 MB" in response.context["errors"][0]
    _nothing_written()
    with pytest.raises(Exception, match="larger than 5 MB"):
        pb_import_check(huge.encode(), "big.pb")


def test_a_bad_currency_is_said_beside_its_field(world: World) -> None:
    response, _second = import_pb(client_as(world, "editor_a"), "kigali", SMALL_PB, currency="E1")
    assert response.status_code == 400
    assert response.context["form"].errors["currency"]
    _nothing_written()


def test_a_preview_is_confirmed_by_its_uploader_into_its_city_only(world: World) -> None:
    client = client_as(world, "editor_a")
    url = reverse("votes:import", kwargs={"slug": "kigali"})
    first = client.post(
        url, {"file": SimpleUploadedFile("v.pb", SMALL_PB.encode()), "currency": "EUR"}
    )
    pending = first.context["pending"].pk
    # Another editor of the same city cannot confirm someone else's preview.
    other = client_as(world, "coordinator_a")
    response = other.post(url, {"confirm": str(pending)})
    assert response.status_code == 302
    _nothing_written()
    # Nor can the uploader confirm it into another city (they are no editor there: 404).
    response = client.post(
        reverse("votes:import", kwargs={"slug": "rajshahi"}), {"confirm": str(pending)}
    )
    assert response.status_code == 404
    _nothing_written()


@pytest.mark.parametrize(
    ("role", "status"), [("viewer_a", 403), ("manager", 403), ("editor_b", 404)]
)
def test_only_the_citys_editors_import(world: World, role: str, status: int) -> None:
    response, _second = import_pb(client_as(world, role), "kigali", SMALL_PB)
    assert response.status_code == status
    _nothing_written()


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    response, _second = import_pb(client_as(world, "anonymous"), "kigali", SMALL_PB)
    assert response.status_code == 302 and "/login" in response["Location"]
    _nothing_written()
