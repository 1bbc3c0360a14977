"""Reads of resident votes. Each starts from a city the reader may already see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recap.accounts.types import Reader
from recap.cities.models import City
from recap.cities.selectors import city_public_get

from .models import Ballot, Decision, Outcome, Vote, VoteProject
from .outcomes import RULES, applicable


def _count(model: Any) -> Any:
    """How many rows of `model` a vote has, as a subquery (two counts joined in one query would
    multiply projects by ballots)."""
    rows = model.objects.filter(vote=OuterRef("pk")).order_by().values("vote")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


def city_votes(*, city: City) -> QuerySet[Vote]:
    return (
        Vote.objects.filter(city=city)
        .annotate(n_projects=_count(VoteProject), n_ballots=_count(Ballot))
        .order_by("-created_at", "-pk")
    )


def city_vote_get(*, city: City, pk: int) -> Vote:
    try:
        return Vote.objects.select_related("city").get(city=city, pk=pk)
    except Vote.DoesNotExist as exc:
        raise Http404("No such vote") from exc


def public_vote_get(*, user: Reader, slug: str, pk: int) -> Vote:
    """A vote as the public ballot page finds it: any but a draft, of a city whose public
    profile the reader may see (a draft, or a hidden city's vote, is a 404)."""
    city = city_public_get(user=user, slug=slug)
    try:
        return Vote.objects.select_related("city").get(
            ~Q(status=Vote.Status.DRAFT), city=city, pk=pk, source=Vote.Source.CAST
        )
    except Vote.DoesNotExist as exc:
        raise Http404("No such vote") from exc


def current_decision(*, vote: Vote) -> Decision | None:
    return vote.decisions.filter(superseded_by__isnull=True).select_related("decided_by").first()


def side_by_side(*, vote: Vote, extra: Outcome | None = None) -> dict[str, Any]:
    """The results page's table: one column per rule (the standard four, and the exact rule
    with minimums when asked), one row per project, the figures under it."""
    kept = {o.key: o for o in vote.outcomes.all()}
    columns: list[dict[str, Any]] = []
    for rule in applicable(vote):
        columns.append({"rule": rule, "key": rule.key, "outcome": kept.get(rule.key)})
    if extra is not None:
        columns.append({"rule": None, "key": extra.key, "outcome": extra})
    projects = list(vote.projects.all().order_by("pk"))
    titles = {p.key: p.title for p in projects}
    done = [c for c in columns if c["outcome"] is not None and c["outcome"].state == "done"]
    support: dict[str, Any] = {}
    for c in done:
        for p in c["outcome"].result["projects"]:
            support[p["id"]] = p["support"]
        c["selected"] = set(c["outcome"].result["selected"])
        c["reasons"] = {
            n["project"]: why_text(n.get("why"), n["reason"], titles)
            for n in c["outcome"].result["not_funded"]
        }
        c["figures"] = c["outcome"].result["figures"]
    rows = []
    for p in sorted(projects, key=lambda p: (-(support.get(p.key) or 0), p.key)):
        cells: list[dict[str, Any] | None] = []
        for c in columns:
            if c in done:
                cells.append(
                    {
                        "funded": p.key in c["selected"],
                        "reason": c["reasons"].get(p.key, ""),
                    }
                )
            else:
                cells.append(None)
        rows.append({"project": p, "support": support.get(p.key), "cells": cells})
    groups = _groups(columns, done)
    return {
        "columns": columns,
        "rows": rows,
        "ready": len(done) == len(columns),
        "groups": groups,
        "rules": RULES,
    }


def _groups(columns: list[dict[str, Any]], done: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per district (and category, target...) shares of the money spent, one row per value,
    one cell per column (None where the column is not computed yet)."""
    if not done:
        return []
    out = []
    first = done[0]["figures"]["shares"]
    for group in sorted(first):
        for value in sorted(first[group]):
            out.append(
                {
                    "group": group,
                    "value": value,
                    "projects": first[group][value]["projects"],
                    "cells": [
                        c["figures"]["shares"].get(group, {}).get(value) if c in done else None
                        for c in columns
                    ],
                }
            )
    return out


#: Why a rule did not fund a project, by the `kind` of the engine's reason (its figures fill
#: the blanks; docs/participatory-budgeting.md lists them).
REASONS = {
    "no_room": gettext_lazy(
        "when its turn came (rank %(rank)s), %(left)s was left and it costs %(cost)s"
    ),
    "no_room_completion": gettext_lazy(
        "in the completion, when its turn came (rank %(rank)s), %(left)s was left and it costs "
        "%(cost)s"
    ),
    "below_optimum": gettext_lazy(
        "with it funded, the most support any selection reaches is %(with_it)s, below the "
        "%(optimum)s of the best"
    ),
    "minimums": gettext_lazy("no selection that includes it meets the minimums"),
    "supporters_short": gettext_lazy(
        "round %(round)s: its %(supporters)s supporters had %(money)s left between them, less "
        "than its cost of %(cost)s"
    ),
    "stopped_here": gettext_lazy("the rule stopped here: it no longer fitted in the %(left)s left"),
    "stopped": gettext_lazy(
        "the rule stopped before reaching it: the next project, %(next)s, no longer fitted in "
        "the %(left)s left"
    ),
    "over_budget": gettext_lazy("it costs more than the whole budget"),
    "not_chosen": gettext_lazy("the rule did not choose it"),
}


def _n(x: Any) -> Any:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return x
    return number_format(round(x) if isinstance(x, float) and x >= 100 else x, force_grouping=True)


def _reason(item: dict[str, Any], titles: dict[str, str]) -> str:
    figures = {k: _n(v) for k, v in item.items()}
    kind = str(item.get("kind"))
    if kind == "stopped":
        figures["next"] = titles.get(str(item.get("next")), item.get("next"))
        kind = "stopped_here" if item.get("reached") else "stopped"
    elif kind == "no_room" and item.get("stage") == "completion":
        kind = "no_room_completion"
    try:
        return str(REASONS.get(kind, REASONS["not_chosen"])) % figures
    except (KeyError, TypeError, ValueError):  # an outcome kept by another version
        return str(REASONS["not_chosen"])


def why_text(why: list[dict[str, Any]] | None, fallback: str, titles: dict[str, str]) -> str:
    """Why a rule did not fund a project, in the reader's language (the engine's `why`; its
    English `reason` for an outcome kept before it had one)."""
    if not why:
        return fallback
    return _("; then ").join(_reason(item, titles) for item in why)
