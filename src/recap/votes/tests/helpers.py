"""What the votes tests share: a small `.pb` file, the shipped real ones, a vote cast in ReCAP."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.test import Client

from recap.accounts.models import User
from recap.cities.models import City
from recap.testing import World
from recap.votes.models import Vote
from recap.votes.services import codes_make, project_add, vote_create, vote_open

REAL = Path(__file__).resolve().parents[2] / "engine" / "tests" / "data" / "pabulib"

#: Four projects in two districts, six voters, a budget of 100: the rules disagree on it.
SMALL_PB = """META
key;value
description;Quartier test
budget;100
vote_type;approval
num_projects;4
num_votes;6
PROJECTS
project_id;cost;name;district
1;60;Grand parc;Nord
2;40;Fontaine;Nord
3;30;Bancs;Sud
4;35;Éclairage;Sud
VOTES
voter_id;vote
a;1,2
b;1,2
c;1
d;3,4
e;3,4
f;1,3
"""


def client_as(world: World, role: str) -> Client:
    client = Client()
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    return client


def import_pb(client: Client, slug: str, text: str | bytes, name: str = "votes.pb", **data: str):
    """Upload then confirm; the two responses."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    raw = text.encode("utf-8") if isinstance(text, str) else text
    url = reverse("votes:import", kwargs={"slug": slug})
    first = client.post(url, {"file": SimpleUploadedFile(name, raw), "currency": "EUR", **data})
    if first.status_code != 200 or "pending" not in first.context:
        return first, None
    second = client.post(url, {"confirm": str(first.context["pending"].pk)})
    return first, second


def cast_vote(world: World, city: City | None = None, editor: str = "editor_a") -> Vote:
    """A vote cast in ReCAP with three projects (two districts), open, not yet voted on."""
    actor: User = world.users[editor]
    city = city or world.city_a
    vote = vote_create(
        actor=actor,
        city=city,
        data={"title": "Budget du quartier", "budget": Decimal(100), "currency": "MRU"},
    )
    for title, cost, district in (
        ("Parc", 60, "Nord"),
        ("Puits", 40, "Nord"),
        ("Bancs", 30, "Sud"),
    ):
        project_add(
            actor=actor,
            vote=vote,
            data={"title": title, "cost": Decimal(cost), "district": district},
        )
    return vote


def open_with_codes(world: World, n: int = 3) -> tuple[Vote, list[str]]:
    vote = cast_vote(world)
    codes = [c for _n, c in codes_make(actor=world.users["editor_a"], vote=vote, count=n)]
    vote_open(actor=world.users["editor_a"], vote=vote)
    vote.refresh_from_db()
    return vote, codes
