"""Resident votes, written.

Contract (every write but `ballot_cast` needs the city's editors, `Level.EDIT`; each is
audited):
- `vote_create(actor, city, data)`: a draft vote cast in ReCAP (title, description, budget,
  currency) on approval ballots.
- `project_add(actor, vote, data)` / `project_remove`: while the vote is a draft; a project
  typed, or taken from one of the city's own candidate actions.
- `vote_open` (a draft with at least two projects) and `vote_close` (an open vote; its
  outcomes are queued at once).
- `codes_make(actor, vote, count)`: one-time voting codes, returned once in clear (to print)
  and kept only as keyed hashes; while the vote is a draft or open.
- `ballot_cast(vote, code, keys)`: no account; the code must be one of the vote's, unused, the
  vote open, the projects its own and their total cost within the budget. The code is spent in
  the same transaction the ballot is written in; the ballot keeps no link to the code.
- `vote_decide(actor, vote, key, rationale)`: the city picks one computed outcome (a rule):
  a `Decision` with the outcome as it stands, the earlier decision superseded, and each funded
  project a small-scale measure (planned, today) linked to it (`ChosenMeasure`); a project an
  earlier decision already made a measure of keeps that measure.
"""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.catalogue.models import CandidateAction
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.tracking.measures import measure_save

from .imports import EDITORS_ONLY, MAX_PROJECTS
from .models import Ballot, ChosenMeasure, Decision, Outcome, Vote, VoteProject, VotingCode
from .outcomes import RULES, outcomes_request

#: Unambiguous letters and digits (no O/0, I/1/L): 12 of them are about 59 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
CODES_PER_BATCH = 2000
CODES_PER_VOTE = 100_000
RATIONALE_MAX = 4000


def _require(actor: User, vote: Vote) -> None:
    city_policy.require(actor, vote.city, Level.EDIT, EDITORS_ONLY)


def _locked(vote: Vote) -> Vote:
    """The vote as it stands now, locked until the transaction ends (status checks hold when
    two requests arrive together)."""
    return Vote.objects.select_for_update(of=("self",)).select_related("city").get(pk=vote.pk)


@transaction.atomic
def vote_create(*, actor: User, city: City, data: dict[str, Any]) -> Vote:
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    vote = Vote(
        city=city,
        title=(data.get("title") or "").strip(),
        description=(data.get("description") or "").strip(),
        budget=data.get("budget") or Decimal(0),
        currency=(data.get("currency") or "").strip().upper(),
        vote_type=Vote.Kind.APPROVAL,
        source=Vote.Source.CAST,
        created_by=actor,
    )
    if vote.budget <= 0:
        raise ValidationError({"budget": _("The budget is an amount above zero.")})
    if len(vote.currency) != 3 or not vote.currency.isalpha():
        raise ValidationError({"currency": _("A three-letter currency code (MRU, USD, EUR).")})
    vote.full_clean()
    vote.save()
    audit(actor=actor, verb="vote.create", target=vote, city=city)
    return vote


def _draft(vote: Vote) -> None:
    if vote.status != Vote.Status.DRAFT:
        raise ValidationError(_("The ballot is fixed once the vote is open."))


@transaction.atomic
def project_add(*, actor: User, vote: Vote, data: dict[str, Any]) -> VoteProject:
    """`data`: title, description, cost, district, or `action` (a candidate of the city: its
    title, description and local cost estimate fill what is left empty)."""
    _require(actor, vote)
    vote = _locked(vote)
    _draft(vote)
    if vote.projects.count() >= MAX_PROJECTS:
        raise ValidationError(_("At most %(n)d projects on a ballot.") % {"n": MAX_PROJECTS})
    action = data.get("action")
    if action is not None and (
        not isinstance(action, CandidateAction) or action.city_id != vote.city_id
    ):
        raise ValidationError({"action": _("Choose one of the city's own candidate actions.")})
    title = (data.get("title") or "").strip() or (action.title if action else "")
    description = (data.get("description") or "").strip() or (action.description if action else "")
    cost = data.get("cost")
    if cost is None and action is not None and vote.currency == "USD":
        cost = Decimal(action.local_cost_usd)
    if not title:
        raise ValidationError({"title": _("Name the project, or choose a candidate action.")})
    if cost is None or cost <= 0:
        raise ValidationError({"cost": _("Its cost, in the vote's currency, above zero.")})
    if cost > vote.budget:
        raise ValidationError(
            {"cost": _("It costs more than the whole budget: no ballot could fund it.")}
        )
    number = (
        max((int(k) for k in vote.projects.values_list("key", flat=True) if k.isdigit()), default=0)
        + 1
    )
    project = VoteProject(
        vote=vote,
        key=str(number),
        title=title[:300],
        description=description,
        cost=cost,
        district=(data.get("district") or "").strip()[:120],
        action=action,
    )
    project.full_clean()
    project.save()
    audit(
        actor=actor,
        verb="vote.project_add",
        target=vote,
        city=vote.city,
        detail={"project": project.key, "title": project.title},
    )
    return project


@transaction.atomic
def project_remove(*, actor: User, vote: Vote, project: VoteProject) -> None:
    _require(actor, vote)
    vote = _locked(vote)
    _draft(vote)
    if project.vote_id != vote.pk:
        raise PermissionDenied(EDITORS_ONLY)
    audit(
        actor=actor,
        verb="vote.project_remove",
        target=vote,
        city=vote.city,
        detail={"project": project.key, "title": project.title},
    )
    project.delete()


@transaction.atomic
def vote_open(*, actor: User, vote: Vote) -> Vote:
    _require(actor, vote)
    vote = _locked(vote)
    if vote.source != Vote.Source.CAST or vote.status != Vote.Status.DRAFT:
        raise ValidationError(_("Only a draft vote cast in ReCAP is opened."))
    if vote.projects.count() < 2:
        raise ValidationError(_("Put at least two projects on the ballot first."))
    vote.status, vote.opened_at = Vote.Status.OPEN, timezone.now()
    vote.save(update_fields=["status", "opened_at"])
    audit(actor=actor, verb="vote.open", target=vote, city=vote.city)
    return vote


@transaction.atomic
def vote_close(*, actor: User, vote: Vote) -> Vote:
    _require(actor, vote)
    vote = _locked(vote)
    if vote.status != Vote.Status.OPEN:
        raise ValidationError(_("Only an open vote is closed."))
    vote.status, vote.closed_at = Vote.Status.CLOSED, timezone.now()
    vote.save(update_fields=["status", "closed_at"])
    audit(
        actor=actor,
        verb="vote.close",
        target=vote,
        city=vote.city,
        detail={"ballots": vote.ballots.count()},
    )
    outcomes_request(vote)
    return vote


def code_digest(code: str) -> str:
    """The keyed hash a code is kept as (the code typed in any case, with or without spaces
    and dashes)."""
    clean = "".join(c for c in code.upper() if c.isalnum())
    return salted_hmac("recap.votes.code", clean, algorithm="sha256").hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


@transaction.atomic
def codes_make(*, actor: User, vote: Vote, count: int) -> list[tuple[int, str]]:
    """`count` new codes as (number, code): the only time the codes are seen in clear."""
    _require(actor, vote)
    vote = _locked(vote)
    if vote.source != Vote.Source.CAST or vote.status not in (
        Vote.Status.DRAFT,
        Vote.Status.OPEN,
    ):
        raise ValidationError(_("Codes are made for a draft or open vote cast in ReCAP."))
    if not 1 <= count <= CODES_PER_BATCH:
        raise ValidationError(
            {"count": _("Between 1 and %(n)d codes at a time.") % {"n": CODES_PER_BATCH}}
        )
    made = vote.codes.count()
    if made + count > CODES_PER_VOTE:
        raise ValidationError({"count": _("At most %(n)d codes per vote.") % {"n": CODES_PER_VOTE}})
    start = (vote.codes.aggregate(m=Max("number"))["m"] or 0) + 1
    codes = [(start + i, _new_code()) for i in range(count)]
    VotingCode.objects.bulk_create(
        VotingCode(vote=vote, number=number, digest=code_digest(code)) for number, code in codes
    )
    audit(
        actor=actor,
        verb="vote.codes",
        target=vote,
        city=vote.city,
        detail={"count": count, "from": start, "to": start + count - 1},
    )
    return codes


class CodeError(ValidationError):
    """A ballot refused because of its code (wrong or used): counted against the sender."""


@transaction.atomic
def ballot_cast(*, vote: Vote, code: str, keys: list[str]) -> Ballot:
    vote = _locked(vote)
    if vote.status != Vote.Status.OPEN:
        raise ValidationError(_("This vote is not open."))
    found = (
        VotingCode.objects.select_for_update().filter(vote=vote, digest=code_digest(code)).first()
    )
    if found is None:
        raise CodeError(
            {"code": _("This is not a code for this vote. Check it and type it again.")}
        )
    if found.used:
        raise CodeError({"code": _("This code has already been used to vote.")})
    projects = {p.key: p for p in vote.projects.all()}
    chosen = list(dict.fromkeys(keys))
    if len(chosen) != len(keys) or any(k not in projects for k in chosen):
        raise ValidationError({"projects": _("Choose among the projects on this ballot.")})
    if not chosen:
        raise ValidationError({"projects": _("Choose at least one project.")})
    total = sum((projects[k].cost for k in chosen), Decimal(0))
    if total > vote.budget:
        raise ValidationError(
            {
                "projects": _(
                    "Together these projects cost %(total)s %(cur)s, more than the budget of "
                    "%(budget)s %(cur)s: leave some out."
                )
                % {
                    "total": f"{total:,.0f}",
                    "budget": f"{vote.budget:,.0f}",
                    "cur": vote.currency,
                }
            }
        )
    found.used = True
    found.save(update_fields=["used"])
    ordered = [k for k in projects if k in chosen]
    try:
        with transaction.atomic():
            return Ballot.objects.create(vote=vote, voter=uuid.uuid4().hex, projects=ordered)
    except IntegrityError:  # pragma: no cover - a 128-bit random id met another
        raise ValidationError(_("Please send your ballot again.")) from None


@transaction.atomic
def vote_decide(*, actor: User, vote: Vote, key: str, rationale: str) -> Decision:
    _require(actor, vote)
    vote = _locked(vote)
    if not vote.has_results:
        raise ValidationError(_("A vote is decided once it is closed."))
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError({"rationale": _("Say why the city chose this rule.")})
    if len(rationale) > RATIONALE_MAX:
        raise ValidationError(
            {"rationale": _("Keep it to %(n)d characters.") % {"n": RATIONALE_MAX}}
        )
    if not vote.ballots.exists():
        raise ValidationError(_("No one voted: there is nothing to decide."))
    outcome = vote.outcomes.filter(key=key, state=Outcome.State.DONE).first()
    if outcome is None or outcome.result is None:
        raise ValidationError({"rule": _("Choose a rule whose outcome is computed.")})
    result = outcome.result
    if result.get("status") != "ok" or not result["selected"]:
        raise ValidationError({"rule": _("This rule funds nothing here: choose another.")})
    previous = vote.decisions.filter(superseded_by__isnull=True).first()
    decision = Decision.objects.create(
        vote=vote,
        rule=outcome.rule,
        completion=outcome.completion,
        tie_breaking=result["tie_breaking"],
        minimums=outcome.minimums,
        selected=result["selected"],
        snapshot=result,
        rationale=rationale,
        decided_by=actor,
    )
    if previous is not None:
        previous.superseded_by = decision
        previous.save(update_fields=["superseded_by"])
    _measures(actor, vote, decision)
    if vote.status != Vote.Status.DECIDED:
        vote.status = Vote.Status.DECIDED
        vote.save(update_fields=["status"])
    audit(
        actor=actor,
        verb="vote.decide",
        target=decision,
        city=vote.city,
        detail={
            "vote": vote.pk,
            "rule": outcome.key,
            "selected": result["selected"],
            "supersedes": previous.pk if previous else None,
        },
    )
    return decision


def rule_name(decision: Decision) -> str:
    if decision.minimums:
        return _("Most approvals (exact), with minimums")
    rule = RULES.get(decision.rule + (f"+{decision.completion}" if decision.completion else ""))
    if rule is not None:
        return str(rule.name)
    return decision.rule


def _measures(actor: User, vote: Vote, decision: Decision) -> None:
    projects = {p.key: p for p in vote.projects.select_related("action")}
    earlier = {
        c.project_id: c.measure
        for c in ChosenMeasure.objects.filter(decision__vote=vote).select_related("measure")
    }
    today = timezone.localdate()
    for key in decision.selected:
        project = projects[key]
        measure = earlier.get(project.pk)
        if measure is None:
            description = project.description
            if vote.currency != "USD":
                line = _("Cost on the ballot: %(cost)s %(cur)s.") % {
                    "cost": f"{project.cost:,.0f}",
                    "cur": vote.currency,
                }
                description = f"{description}\n\n{line}".strip()
            measure = measure_save(
                actor=actor,
                city=vote.city,
                data={
                    "title": project.title[:200],
                    "description": description,
                    "action": project.action,
                    "cost": int(project.cost) if vote.currency == "USD" else None,
                    "on": today,
                    "note": _("Chosen by residents in %(vote)s, rule %(rule)s.")
                    % {"vote": vote.title, "rule": rule_name(decision)},
                },
            )
        ChosenMeasure.objects.create(decision=decision, project=project, measure=measure)
