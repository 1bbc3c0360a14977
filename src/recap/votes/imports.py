"""A vote imported from a pabulib `.pb` file (a participatory-budgeting platform's export).

Contract:
- `pb_import_check(data, filename)`: the file's bytes read in full, or a `ValidationError`
  whose messages name what is wrong — the size, the bytes that are not UTF-8, or the section,
  line and field of the `.pb` text (the engine's strict reader, `recap.engine.pabulib`).
  Nothing is written. Ordinal ballots are read by the format but counted by no rule here, so
  such a file is refused, saying so.
- `pb_import_apply(actor, city, checked, title, currency)`: the checked file becomes a closed
  vote (projects, ballots, the file itself kept), in one transaction; its outcomes are queued.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.engine.errors import ProblemError
from recap.engine.pabulib import PbInstance, parse_pabulib

from .models import MONEY_DIGITS, MONEY_PLACES, Ballot, Vote, VoteFile, VoteProject
from .outcomes import outcomes_request

EDITORS_ONLY = gettext_lazy("Only the city's editors run its resident votes.")
MAX_BYTES = 5 * 1024 * 1024
#: A vote's results page sets every project in a row: beyond this many, it is no page.
MAX_PROJECTS = 300
MAX_BALLOTS = 200_000
_DIGITS = MONEY_DIGITS - MONEY_PLACES
_SCALE = 10**MONEY_PLACES


@dataclass
class CheckedFile:
    filename: str
    text: str
    vote_type: str
    budget: str
    projects: int
    ballots: int
    description: str
    #: The first projects, to show in the preview: (id, name, cost, district).
    sample: list[tuple[str, str, str, str]]


def _money(value: Fraction, where: str) -> Decimal:
    if (value * _SCALE).denominator != 1 or value >= 10**_DIGITS:
        raise ValidationError(
            _("%(where)s: %(value)s has more digits than are kept (%(d)s decimals at most).")
            % {"where": where, "value": float(value), "d": MONEY_PLACES}
        )
    return Decimal(value.numerator) / Decimal(value.denominator)


def _read(data: bytes) -> PbInstance:
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(n)d MB.") % {"n": MAX_BYTES // (1024 * 1024)}
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _(
                "The file is not UTF-8 text (byte %(at)d): save it again as UTF-8, as pabulib "
                "publishes it."
            )
            % {"at": exc.start + 1}
        ) from None
    if "\x00" in text:  # valid UTF-8, but no text file holds one (and no database keeps it)
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ValidationError(
            _("Line %(n)d holds a NUL byte: this is binary data, not a .pb text file.")
            % {"n": line}
        )
    try:
        instance = parse_pabulib(text, max_projects=MAX_PROJECTS, max_votes=MAX_BALLOTS)
    except ProblemError as exc:
        raise ValidationError(str(exc)) from None
    if instance.vote_type == "ordinal":
        raise ValidationError(
            _(
                "META, vote_type: ordinal ballots (rankings) are not counted by any rule here; "
                "import approval, choose-1, cumulative or scoring ballots."
            )
        )
    if not instance.projects:
        raise ValidationError(_("PROJECTS: the file has no project."))
    _money(instance.budget, "META, budget")
    for p in instance.projects:
        _money(p.cost, f"PROJECTS, project {p.id}, cost")
        if len(p.id) > 64:
            raise ValidationError(
                _("PROJECTS, project_id: %(id)s… is longer than 64 characters.") % {"id": p.id[:20]}
            )
    for b in instance.ballots:
        if len(b.voter_id) > 64:
            raise ValidationError(
                _("VOTES, voter_id: %(id)s… is longer than 64 characters.")
                % {"id": b.voter_id[:20]}
            )
    return instance


def pb_import_check(data: bytes, filename: str) -> CheckedFile:
    instance = _read(data)
    return CheckedFile(
        filename=filename[:255],
        text=data.decode("utf-8"),
        vote_type=instance.vote_type,
        budget=format(_money(instance.budget, "META, budget").normalize(), "f"),
        projects=len(instance.projects),
        ballots=len(instance.ballots),
        description=instance.meta.get("description", "")[:200],
        sample=[
            (
                p.id,
                p.attributes.get("name", ""),
                format(_money(p.cost, "cost").normalize(), "f"),
                p.attributes.get("district", p.attributes.get("subunit", "")),
            )
            for p in instance.projects[:12]
        ],
    )


@transaction.atomic
def pb_import_apply(
    *, actor: User, city: City, checked: CheckedFile, title: str, currency: str
) -> Vote:
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    instance = _read(checked.text.encode("utf-8"))  # read again: the preview may be old
    title = title.strip()[:200]
    currency = currency.strip().upper()
    if not title:
        raise ValidationError({"title": _("Give the vote a title.")})
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError({"currency": _("A three-letter currency code (MRU, USD, EUR).")})
    now = timezone.now()
    vote = Vote.objects.create(
        city=city,
        title=title,
        description=instance.meta.get("description", ""),
        budget=_money(instance.budget, "META, budget"),
        currency=currency,
        vote_type=instance.vote_type,
        status=Vote.Status.CLOSED,
        source=Vote.Source.IMPORTED,
        meta=dict(instance.meta),
        closed_at=now,
        created_by=actor,
    )
    VoteFile.objects.create(
        vote=vote,
        filename=checked.filename,
        sha256=hashlib.sha256(checked.text.encode("utf-8")).hexdigest(),
        text=checked.text,
    )
    VoteProject.objects.bulk_create(
        VoteProject(
            vote=vote,
            key=p.id,
            title=(p.attributes.get("name") or _("Project %(id)s") % {"id": p.id})[:300],
            description=p.attributes.get("description", ""),
            cost=_money(p.cost, "cost"),
            district=p.attributes.get("district", "")[:120],
            categories=list(p.categories),
            targets=list(p.targets),
            attributes=dict(p.attributes),
        )
        for p in instance.projects
    )
    Ballot.objects.bulk_create(
        (
            Ballot(
                vote=vote,
                voter=b.voter_id,
                projects=list(b.projects),
                points=None if b.points is None else [_decimal_text(x) for x in b.points],
                attributes=dict(b.attributes),
            )
            for b in instance.ballots
        ),
        batch_size=2000,
    )
    audit(
        actor=actor,
        verb="vote.import",
        target=vote,
        city=city,
        detail={
            "file": checked.filename,
            "projects": len(instance.projects),
            "ballots": len(instance.ballots),
        },
    )
    outcomes_request(vote)
    return vote


def _decimal_text(x: Fraction) -> str:
    """Points are read from decimals written in the file, so they are exact decimals again."""
    if x.denominator == 1:
        return str(x.numerator)
    d = Decimal(x.numerator) / Decimal(x.denominator)
    if Fraction(str(d)) != x:
        raise ValidationError(_("VOTES: points with more digits than are kept."))
    return str(d)


def checked_payload(checked: CheckedFile) -> dict[str, Any]:
    return dict(checked.__dict__)
