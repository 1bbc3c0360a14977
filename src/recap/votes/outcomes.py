"""What each rule funds on a closed vote: the vote as the engine reads it (`vote_instance`),
the four rules the results page sets side by side (`STANDARD`), computed once each in the
background (`outcomes_request`, then the task `outcomes_compute`) and kept (`Outcome`): the
ballots of a closed vote no longer change, and the Method of Equal Shares completed by
`add_one` reruns the rule once per currency unit (a minute on a large vote).

The exact rule with minimums per district or category is quick (HiGHS) and computed when
asked (`outcome_with_minimums`)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from recap.engine.errors import ProblemError
from recap.engine.pabulib import PbBallot, PbInstance, PbProject
from recap.engine.pb import Minimum, parse_minimums, pb_outcome

from .models import Outcome, Vote

log = logging.getLogger(__name__)

TIE_BREAKING = "lexicographic"
#: A queued outcome not computed after this long is queued again (its worker died).
STALE = timedelta(minutes=15)


@dataclass(frozen=True)
class Rule:
    key: str
    rule: str
    completion: str | None
    name: str | Promise
    explanation: str | Promise
    approval_only: bool = False


#: The rules side by side, in the order the page shows them.
STANDARD: tuple[Rule, ...] = (
    Rule(
        "greedy",
        "greedy",
        None,
        _("Greedy by votes"),
        _(
            "What most cities do today: the projects are taken from the most supported down, "
            "each funded if it still fits in what is left of the budget, skipped if not."
        ),
    ),
    Rule(
        "utilitarian",
        "utilitarian",
        None,
        _("Most approvals (exact)"),
        _(
            "The set of projects that gathers the most support the budget can buy, proven "
            "best by an exact solver. It may leave a very popular but expensive project out "
            "to fund several cheaper ones that together have more votes."
        ),
    ),
    Rule(
        "mes+add_one",
        "mes",
        "add_one",
        _("Equal shares (MES)"),
        _(
            "Method of Equal Shares: each voter holds an equal share of the budget and spends "
            "it only on projects they voted for; a project is funded when its supporters can "
            "pay for it together, the cheapest per supporter first. Groups of voters get "
            "projects in proportion to their size, so a neighbourhood that votes together is "
            "not outvoted everywhere. Completed by 'add one': as equal shares leave money "
            "unspent, each voter's share is raised by one currency unit at a time, as long as "
            "the budget allows."
        ),
    ),
    Rule(
        "phragmen",
        "phragmen",
        None,
        _("Sequential Phragmén"),
        _(
            "Voters earn money at the same pace; as soon as a project's supporters have earned "
            "its cost together, it is bought and their money is spent. It stops when the next "
            "project to be bought no longer fits. Proportional, like equal shares; for "
            "approval ballots only."
        ),
        approval_only=True,
    ),
)
RULES = {r.key: r for r in STANDARD}


def _fraction(value: Decimal | str) -> Fraction:
    return Fraction(str(value))


def vote_instance(vote: Vote) -> PbInstance:
    """The vote as the engine reads it: the same instance the `.pb` file it came from gives."""
    projects = []
    for p in vote.projects.all().order_by("pk"):
        attributes = dict(p.attributes)
        if vote.source == Vote.Source.CAST:
            attributes = {"name": p.title, **({"district": p.district} if p.district else {})}
        projects.append(
            PbProject(
                id=p.key,
                cost=_fraction(p.cost),
                categories=tuple(p.categories),
                targets=tuple(p.targets),
                attributes=attributes,
            )
        )
    ballots = tuple(
        PbBallot(
            voter_id=voter,
            projects=tuple(keys),
            points=None if points is None else tuple(_fraction(x) for x in points),
            attributes=attributes,
        )
        for voter, keys, points, attributes in vote.ballots.order_by("pk").values_list(
            "voter", "projects", "points", "attributes"
        )
    )
    return PbInstance(
        meta=dict(vote.meta),
        vote_type=vote.vote_type,
        budget=_fraction(vote.budget),
        projects=tuple(projects),
        ballots=ballots,
    )


def applicable(vote: Vote) -> list[Rule]:
    return [r for r in STANDARD if vote.is_approval or not r.approval_only]


def outcomes_request(vote: Vote) -> None:
    """Queue what is missing of the standard outcomes of a closed vote (and queue again what a
    dead worker left): the task computes them."""
    if not vote.has_results:
        return
    missing = False
    for rule in applicable(vote):
        outcome, created = Outcome.objects.get_or_create(
            vote=vote,
            key=rule.key,
            defaults={"rule": rule.rule, "completion": rule.completion or ""},
        )
        stale = outcome.state == Outcome.State.QUEUED and (
            outcome.queued_at < timezone.now() - STALE
        )
        if stale:
            Outcome.objects.filter(pk=outcome.pk).update(queued_at=timezone.now())
        missing |= created or stale
    if missing:
        outcomes_compute.using(queue_name="long").enqueue(vote.pk)


@task()
def outcomes_compute(vote_id: int) -> None:
    vote = Vote.objects.filter(pk=vote_id).first()
    if vote is not None:
        outcomes_execute(vote)


def outcomes_execute(vote: Vote) -> None:
    """Compute every queued outcome of the vote (one engine run each)."""
    queued = list(vote.outcomes.filter(state=Outcome.State.QUEUED))
    if not queued:
        return
    instance = vote_instance(vote)
    for outcome in queued:
        _compute(outcome, instance)


def _compute(outcome: Outcome, instance: PbInstance) -> None:
    minimums = [_minimum(m) for m in outcome.minimums] or None
    try:
        result = pb_outcome(
            instance,
            outcome.rule,
            outcome.completion or None,
            TIE_BREAKING,
            minimums,
        )
    except ProblemError as exc:
        log.warning("vote %s, %s: %s", outcome.vote_id, outcome.key, exc)
        outcome.state, outcome.error = Outcome.State.FAILED, str(exc)[:500]
    except Exception as exc:  # the solver's own failure: said on the page, not a queue forever
        log.exception("vote %s, %s: the rule failed", outcome.vote_id, outcome.key)
        outcome.state, outcome.error = Outcome.State.FAILED, type(exc).__name__
    else:
        outcome.state, outcome.result = Outcome.State.DONE, result
    outcome.computed_at = timezone.now()
    outcome.save(update_fields=["state", "result", "error", "computed_at"])


def _minimum(m: dict[str, Any]) -> Minimum:
    return parse_minimums([m])[0]


#: What-if outcomes (the exact rule with a viewer's minimums) kept per vote, newest first.
KEPT_WITH_MINIMUMS = 20
MINIMUMS_PREFIX = "utilitarian:"


def minimums_key(minimums: list[dict[str, Any]]) -> str:
    text = json.dumps(minimums, sort_keys=True, separators=(",", ":"))
    return MINIMUMS_PREFIX + hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def outcome_with_minimums(vote: Vote, minimums: list[dict[str, Any]]) -> Outcome:
    """The exact rule with these minimums (`[{"field": "district", "value": "Nord",
    "projects": 1}]`), computed now and kept."""
    outcome, created = Outcome.objects.get_or_create(
        vote=vote,
        key=minimums_key(minimums),
        defaults={"rule": "utilitarian", "completion": "", "minimums": minimums},
    )
    outcome.asked_at = timezone.now()
    outcome.save(update_fields=["asked_at"])
    if created:
        _compute(outcome, vote_instance(vote))
        # Bounded: only the `KEPT_WITH_MINIMUMS` most recently asked what-ifs stay (a decision
        # keeps its own copy of the figures it chose; one dropped is computed again if asked).
        kept = (
            vote.outcomes.filter(key__startswith=MINIMUMS_PREFIX)
            .order_by(F("asked_at").desc(nulls_last=True), "-pk")
            .values_list("pk", flat=True)[:KEPT_WITH_MINIMUMS]
        )
        vote.outcomes.filter(key__startswith=MINIMUMS_PREFIX).exclude(pk__in=list(kept)).delete()
    return outcome
