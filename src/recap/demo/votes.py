"""The demo's resident vote, written through the services: Sebkha's participatory budget, in
French — its projects put on the ballot (two from the city's candidate actions), voting codes
made, the vote opened, a few hundred ballots cast with those codes, the vote closed, the rules
computed side by side, and a decision by the Method of Equal Shares that makes the funded
projects Sebkha's small-scale measures.

The ballots are invented (`illustrative`, said on every page that shows them), generated
reproducibly from the seed in `data/votes.json`: each voter lives in a district (by its weight)
and approves each project with the project's popularity, `affinity` times more for one of their
own district; an empty ballot takes the voter's favourite; a ballot over the budget drops its
least-liked projects until it fits (the ballot page refuses one that does not)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.utils import translation

from recap.accounts.models import User
from recap.catalogue.models import CandidateAction
from recap.cities.models import City
from recap.votes.models import Vote
from recap.votes.outcomes import outcomes_execute
from recap.votes.services import (
    ballot_cast,
    codes_make,
    project_add,
    vote_close,
    vote_create,
    vote_decide,
    vote_open,
)

from .content import demo_data


def demo_votes(cities: dict[str, City]) -> None:
    for spec in demo_data("votes")["votes"]:
        city = cities[spec["city"]]
        if not Vote.objects.filter(city=city, title=spec["title"]).exists():
            with translation.override("fr"):
                _demo_vote(city, spec)


def demo_ballots(spec: dict[str, Any]) -> list[list[int]]:
    """The ballots, as indexes into `spec["projects"]`: the same every time for one seed."""
    rng = random.Random(spec["seed"])  # noqa: S311 - invented ballots, not secrets
    districts = list(spec["districts"])
    weights = [spec["districts"][d] for d in districts]
    projects = spec["projects"]
    budget = spec["budget"]
    ballots = []
    for _voter in range(spec["ballots"]):
        home = rng.choices(districts, weights)[0]
        liking = [
            min(1.0, p["popularity"] * (spec["affinity"] if p["district"] == home else 1.0))
            for p in projects
        ]
        chosen = [j for j, like in enumerate(liking) if rng.random() < like * 0.5]
        if not chosen:
            chosen = [max(range(len(projects)), key=lambda j: (liking[j], -j))]
        chosen.sort(key=lambda j: -liking[j])
        while sum(projects[j]["cost"] for j in chosen) > budget:
            chosen.pop()
        ballots.append(sorted(chosen))
    return ballots


def _demo_vote(city: City, spec: dict[str, Any]) -> None:
    editor = User.objects.get(username=spec["editor"])
    vote = vote_create(
        actor=editor,
        city=city,
        data={
            "title": spec["title"],
            "description": spec["description"],
            "budget": Decimal(spec["budget"]),
            "currency": spec["currency"],
        },
    )
    Vote.objects.filter(pk=vote.pk).update(illustrative=True)
    keys = []
    for p in spec["projects"]:
        action = (
            CandidateAction.objects.filter(city=city, code=p["action"]).first()
            if p.get("action")
            else None
        )
        project = project_add(
            actor=editor,
            vote=vote,
            data={
                "title": p["title"],
                "description": p["description"],
                "cost": Decimal(p["cost"]),
                "district": p["district"],
                "action": action,
            },
        )
        keys.append(project.key)
    ballots = demo_ballots(spec)
    codes = codes_make(actor=editor, vote=vote, count=len(ballots))
    vote_open(actor=editor, vote=vote)
    for (_number, code), chosen in zip(codes, ballots, strict=True):
        ballot_cast(vote=vote, code=code, keys=[keys[j] for j in chosen])
    vote_close(actor=editor, vote=vote)
    vote.refresh_from_db()
    outcomes_execute(vote)  # at once, here: no worker runs while the demo loads
    decision = spec["decision"]
    vote_decide(actor=editor, vote=vote, key=decision["rule"], rationale=decision["rationale"])
