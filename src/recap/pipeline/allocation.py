"""The programme's portfolio: sharing a pot among the concepts in its pipeline, fairly across
countries and cities, exactly (issue #24; the engine is `recap.engine.portfolio`, its contract
docs/portfolio.md).

- **Claims** (`claims_for`): every concept of the programme's cities that is in the pipeline
  (`ELIGIBLE`: screened up to in preparation). Its ask is its preparation costs or its funding
  gap (the manager's `basis`), converted into the pot's currency with a dated rate the manager
  enters; a concept in a currency without a rate, or with nothing to ask, is left out and said
  so. Its value is the manager's weighting, shown, of three parts each on 0–100: its package's
  resilience value (its source actions' values in their run, against the best claim's), its
  reviewers' scores (the round under way), and its best fit with a facility it is eligible for.
- **Solving** (`allocation_solve`): the engine's input is built from the claims and the rules
  (`spec_of`), solved, proven and explained; nothing is saved.
- **Deciding** (`allocation_decide`): solved again on the server (never the page's copy), saved
  as the programme's next version with the manager's rationale and audited; each supported
  concept that waits for the programme (submitted, presented) moves on one stage with the
  decision as the reason, and each supported concept's city is told by e-mail.
- **A facility's pot**: the same, owned by a facility and decided by its funders, among the
  concepts shared with it (their fit is with that facility). A facility's decision does not move
  concepts: the pipeline's stages are the programme's; the cities are told all the same.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from recap.accounts.access import manages_programme
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.cities.models import Programme
from recap.engine.errors import ProblemError
from recap.engine.portfolio import parse_portfolio, portfolio

from .matching import PASS, facts_for, match
from .models import (
    Allocation,
    AllocationAward,
    ConceptMove,
    ConceptReview,
    Facility,
    ProjectConcept,
    Stage,
)
from .money import concept_money
from .policies import funder_facility_ids
from .stages import FORWARD

#: The stages a concept is in the pipeline at: screened, and not yet financed.
ELIGIBLE = (Stage.SCREENED, Stage.SUBMITTED, Stage.PRESENTED, Stage.PREPARATION)
#: Where a supported concept that waits on the programme goes: the decision is the programme's
#: own match (presented) and its support (preparation).
MOVES_ON = {Stage.SUBMITTED: Stage.PRESENTED, Stage.PRESENTED: Stage.PREPARATION}
PARTS = ("package", "reviews", "fit")
RATIONALE_MAX = 4000
MAX_RATES = 20
#: A web request solves and explains within these (the programme's size is tens of concepts;
#: the engine's benchmark solves 1,000 claims well within them).
TIME_LIMIT = 30.0
EXPLAIN_SECONDS = 10.0
#: A rate line: a currency, a decimal number (a point or a comma before its decimals, no
#: thousands separators: "1.08" and "1,08" are one rate) and its date.
RATE_LINE = re.compile(r"^\s*([A-Za-z]{3})\s+(\d{1,7}(?:[.,]\d{1,8})?)\s+(\d{4}-\d{2}-\d{2})\s*$")
#: No currency is worth more than this many units of another.
MAX_RATE = Decimal(1_000_000)


@dataclass(frozen=True)
class Rate:
    """How much one unit of `currency` is worth in the pot's currency, on `on`."""

    currency: str
    value: Decimal
    on: datetime.date


@dataclass(frozen=True)
class Terms:
    """What the manager sets: the pot, the rules, how a concept's ask and value are read."""

    name: str
    currency: str
    pot: int
    basis: str = Allocation.Basis.PREPARATION
    partial_down_to: int = 100  # % of its ask a concept may get at least (100: all or nothing)
    min_per_country: int = 0
    max_per_city: int | None = None
    floor_share: int = 0  # % of the pot each country gets at least
    weights: Mapping[str, int] = field(
        default_factory=lambda: {"package": 50, "reviews": 30, "fit": 20}
    )
    rates: tuple[Rate, ...] = ()
    must_include: tuple[str, ...] = ()  # concept references
    must_exclude: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "currency": self.currency,
            "pot": self.pot,
            "basis": self.basis,
            "partial_down_to": self.partial_down_to,
            "min_per_country": self.min_per_country,
            "max_per_city": self.max_per_city,
            "floor_share": self.floor_share,
            "weights": dict(self.weights),
            "rates": [
                {"currency": r.currency, "value": str(r.value), "on": r.on.isoformat()}
                for r in self.rates
            ],
            "must_include": list(self.must_include),
            "must_exclude": list(self.must_exclude),
        }


def parse_rates(text: str, pot_currency: str) -> tuple[Rate, ...]:
    """Lines of `CUR value YYYY-MM-DD` ("EUR 1.08 2026-12-01": one euro is 1.08 of the pot's
    currency on that day). A bad line is refused by its number."""
    rates: dict[str, Rate] = {}
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) > MAX_RATES:
        raise ValidationError({"rates": _("Give at most %(n)s rates.") % {"n": MAX_RATES}})
    for n, line in lines:
        found = RATE_LINE.match(line)
        problem = ""
        if not found:
            problem = _("write the currency, the rate and its date, as in “EUR 1.08 2026-12-01”")
        else:
            code = found.group(1).upper()
            try:
                value = Decimal(found.group(2).replace(",", "."))
                on = datetime.date.fromisoformat(found.group(3))
            except (InvalidOperation, ValueError):
                problem = _("the rate or the date cannot be read")
            else:
                if value <= 0:
                    problem = _("the rate must be more than zero")
                elif value > MAX_RATE:
                    problem = _("the rate is more than %(max)s") % {"max": f"{MAX_RATE:,.0f}"}
                elif on > timezone.localdate():
                    problem = _("the rate's date is in the future")
                elif code == pot_currency:
                    problem = _("this is the pot's own currency")
                elif code in rates:
                    problem = _("%(code)s has a rate already") % {"code": code}
                else:
                    rates[code] = Rate(code, value, on)
        if problem:
            raise ValidationError(
                {"rates": _("Line %(n)s: %(problem)s.") % {"n": n, "problem": problem}}
            )
    return tuple(rates.values())


#: What a claim's notes and a left-out concept's reason say, by code: a decision keeps the code
#: and its figures, so each reader reads them in their own language.
NOTES = {
    "no_preparation": gettext_lazy("no preparation costs are listed"),
    "no_gap": gettext_lazy("its funding gap is nil or unknown"),
    "no_rate": gettext_lazy("it is costed in %(cur)s and no rate to %(pot)s was given"),
    "converted": gettext_lazy("%(amount)s %(cur)s at %(rate)s on %(on)s"),
    "no_package": gettext_lazy("no package value: it was not started from a package"),
    "no_reviews": gettext_lazy("no review scores in the round under way"),
    "no_fit": gettext_lazy("no facility it is eligible for"),
    "no_fit_here": gettext_lazy("not eligible for this facility"),
    "too_small": gettext_lazy("its ask rounds to nothing in %(pot)s"),
}


@dataclass(frozen=True)
class Note:
    """A note on a claim (or why a concept cannot claim): its code in NOTES and its figures."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, **self.params}


def note_text(raw: str | Mapping[str, Any]) -> str:
    """A note in the active language (a plain text, as older decisions kept, as it is)."""
    if isinstance(raw, str):
        return raw
    params = {k: v for k, v in raw.items() if k != "code"}
    if isinstance(params.get("amount"), int):
        params["amount"] = number_format(params["amount"], force_grouping=True)
    template = NOTES.get(str(raw.get("code")))
    return str(template) % params if template is not None else str(raw.get("code", ""))


def left_out_json(left: list[LeftOut]) -> list[dict[str, Any]]:
    return [
        {"reference": x.concept.reference, "title": x.concept.title, "reason": x.reason.to_json()}
        for x in left
    ]


def left_out_text(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The concepts that could not claim, each reason in the active language."""
    return [{**x, "reason": note_text(x.get("reason", ""))} for x in items]


@dataclass
class ClaimRow:
    concept: ProjectConcept
    ask: int  # in the pot's currency
    minimum: int
    parts: dict[str, float]  # each 0-100
    value: float
    notes: list[Note]


@dataclass
class LeftOut:
    concept: ProjectConcept
    reason: Note


#: Whose pot: the programme's (its manager decides) or a facility's (its funders decide).
Owner = Programme | Facility


def concepts_of(owner: Owner) -> Any:
    """The concepts that may claim on `owner`'s pot: in the programme's pipeline, or shared
    with the facility (and in the pipeline)."""
    if isinstance(owner, Facility):
        return ProjectConcept.objects.filter(shares__facility=owner, stage__in=ELIGIBLE)
    return ProjectConcept.objects.filter(city__programmes=owner, stage__in=ELIGIBLE)


def _pipeline(owner: Owner) -> list[ProjectConcept]:
    return list(
        concepts_of(owner)
        .distinct()
        .select_related("city__country")
        .prefetch_related(
            "sources",
            "funding_sources",
            "preparation_costs",
            Prefetch("reviews", queryset=ConceptReview.objects.select_related("reviewer")),
        )
        .order_by("city__country__iso2", "reference")
    )


def _review_score(concept: ProjectConcept) -> float | None:
    """The reviews of the round under way, 0–100 (each criterion is scored 0–3)."""
    from .reviews import reviews_of_round

    scores = [
        s
        for review in reviews_of_round(concept)
        for rubric in review.scores.values()
        for s in rubric.values()
    ]
    return 100 * sum(scores) / (3 * len(scores)) if scores else None


def _fit_scores(concepts: list[ProjectConcept], owner: Owner) -> dict[int, float | None]:
    """Each concept's best fit (0–100) among the facilities it is eligible for (the facility's
    own, for a facility's pot)."""
    facilities = [owner] if isinstance(owner, Facility) else list(Facility.objects.all())
    facts = facts_for({c.pk for c in concepts})
    out: dict[int, float | None] = {}
    for concept in concepts:
        best = None
        for facility in facilities:
            m = match(facts[concept.pk], facility)
            out_of = sum(p.out_of for p in m.soft)
            if m.verdict == PASS and out_of:
                best = max(best or 0.0, 100 * m.score / out_of)
        out[concept.pk] = best
    return out


def claims_for(owner: Owner, terms: Terms) -> tuple[list[ClaimRow], list[LeftOut]]:
    """The claims on the pot and the concepts that cannot be claims, with why."""
    rates = {r.currency: r for r in terms.rates}
    concepts = _pipeline(owner)
    fits = _fit_scores(concepts, owner)
    rows: list[ClaimRow] = []
    left: list[LeftOut] = []
    package_values: dict[int, float] = {}
    for concept in concepts:
        money = concept_money(concept)
        own = money.preparation if terms.basis == Allocation.Basis.PREPARATION else money.gap
        if own <= 0:
            preparation = terms.basis == Allocation.Basis.PREPARATION
            left.append(LeftOut(concept, Note("no_preparation" if preparation else "no_gap")))
            continue
        notes: list[Note] = []
        # A gap worked out from the source actions' costs is in US$, as those costs are.
        gap_in_usd = terms.basis == Allocation.Basis.GAP and money.from_actions
        currency = "USD" if gap_in_usd else concept.currency
        if currency != terms.currency:
            rate = rates.get(currency)
            if rate is None:
                no_rate = {"cur": currency, "pot": terms.currency}
                left.append(LeftOut(concept, Note("no_rate", no_rate)))
                continue
            ask = round(Decimal(own) * rate.value)
            if ask < 1:
                left.append(LeftOut(concept, Note("too_small", {"pot": terms.currency})))
                continue
            converted = {
                "amount": int(own),
                "cur": currency,
                "rate": str(rate.value),
                "on": rate.on.isoformat(),
            }
            notes.append(Note("converted", converted))
        else:
            ask = own
        values = [s.value_in_run for s in concept.sources.all() if s.value_in_run is not None]
        package_values[concept.pk] = float(sum(values)) if values else 0.0
        if not values:
            notes.append(Note("no_package"))
        # A facility does not read the programme's reviews (they are the programme's own).
        reviews = None if isinstance(owner, Facility) else _review_score(concept)
        if reviews is None and not isinstance(owner, Facility):
            notes.append(Note("no_reviews"))
        fit = fits.get(concept.pk)
        if fit is None:
            notes.append(Note("no_fit_here" if isinstance(owner, Facility) else "no_fit"))
        minimum = max(1, int(ask * terms.partial_down_to // 100))
        rows.append(
            ClaimRow(
                concept,
                ask,
                min(minimum, ask),
                {"reviews": reviews or 0.0, "fit": fit or 0.0},
                0.0,
                notes,
            )
        )
    best_package = max(package_values.values(), default=0.0)
    weights = dict(terms.weights)
    if isinstance(owner, Facility):
        weights["reviews"] = 0
    total_weight = sum(weights.get(p, 0) for p in PARTS) or 1
    for row in rows:
        pv = package_values[row.concept.pk]
        row.parts["package"] = 100 * pv / best_package if best_package > 0 else 0.0
        row.value = round(sum(weights.get(p, 0) * row.parts[p] for p in PARTS) / total_weight, 4)
    return rows, left


def spec_of(terms: Terms, rows: list[ClaimRow]) -> dict[str, Any]:
    """The engine's input (docs/portfolio.md): a claim per row, the rules the manager set."""
    spec: dict[str, Any] = {
        "pot": terms.pot,
        "claims": [
            {
                "id": r.concept.reference,
                "name": r.concept.title,
                "country": r.concept.city.country.iso2,
                "city": r.concept.city.slug,
                "ask": r.ask,
                "min": r.minimum,
                "value": r.value,
            }
            for r in rows
        ],
        "min_per_country": terms.min_per_country,
        "country_floor_share": terms.floor_share / 100,
        "must_include": [
            k for k in terms.must_include if any(r.concept.reference == k for r in rows)
        ],
        "must_exclude": [
            k for k in terms.must_exclude if any(r.concept.reference == k for r in rows)
        ],
    }
    if terms.max_per_city is not None:
        spec["max_per_city"] = terms.max_per_city
    return spec


@dataclass
class Solution:
    terms: Terms
    rows: list[ClaimRow]
    left_out: list[LeftOut]
    spec: dict[str, Any]
    result: dict[str, Any]


def allocation_solve(owner: Owner, terms: Terms) -> Solution:
    """The best allocation under `terms`, proven and explained; nothing is saved."""
    rows, left = claims_for(owner, terms)
    cannot = [x for x in left if x.concept.reference in terms.must_include]
    if cannot:  # a lock the engine would never see: said, not dropped
        raise ValidationError(
            {
                "must_include": [
                    _("%(ref)s cannot claim on this pot: %(why)s.")
                    % {"ref": x.concept.reference, "why": note_text(x.reason.to_json())}
                    for x in cannot
                ]
            }
        )
    spec = spec_of(terms, rows)
    if not rows:
        result: dict[str, Any] = {
            "status": "empty",
            "awards": {},
            "explanations": {},
            "by_country": {},
            "prices": {},
        }
        return Solution(terms, rows, left, spec, result)
    try:
        parsed = parse_portfolio(spec)
    except ProblemError as exc:  # the form checks every rule; this is a last guard
        raise ValidationError(str(exc)) from exc
    result = portfolio(parsed, time_limit=TIME_LIMIT, explain_seconds=EXPLAIN_SECONDS)
    if result["status"] in ("optimal", "feasible", "infeasible"):
        result["what_if"] = what_ifs(parsed, terms, result)
    return Solution(terms, rows, left, spec, result)


def what_ifs(parsed: Any, terms: Terms, base: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What a quarter more in the pot, and one more concept per country, would change: the
    value, the concepts that enter and leave, or the rules that would then clash."""
    out = []
    for key, change in (
        ("pot", {"pot": float(round(terms.pot * 1.25))}),
        ("min_per_country", {"min_per_country": terms.min_per_country + 1}),
    ):
        after = portfolio(parsed, time_limit=TIME_LIMIT, explain=False, **change)
        a, b = base.get("awards", {}), after.get("awards", {})
        out.append(
            {
                "key": key,
                "changes": change,
                "status": after["status"],
                "objective_after": after.get("objective"),
                "objective_change": (
                    after["objective"] - base["objective"]
                    if after["status"] in ("optimal", "feasible")
                    and base.get("objective") is not None
                    else None
                ),
                "entered": sorted(set(b) - set(a)),
                "left": sorted(set(a) - set(b)),
                "conflict": after.get("conflict", []),
            }
        )
    return out


def facility_pot_get(user: Any, code: str) -> Facility:
    """A facility whose pot `user` reads and decides: theirs, as a funder; 404 for a code that
    is no facility, 403 for another's (the pages and the API read it alike)."""
    facility = Facility.objects.filter(code=code).first()
    if facility is None:
        raise Http404(_("No such facility."))
    if facility.pk not in funder_facility_ids(user):
        raise PermissionDenied(_("Only the facility's own people decide its pot."))
    return facility


def may_decide(user: User, owner: Owner) -> bool:
    """The programme's manager decides its pot; a facility's funders decide theirs."""
    if isinstance(owner, Facility):
        return owner.pk in funder_facility_ids(user)
    return manages_programme(user, owner.pk)


def require_manager(user: User, owner: Owner) -> None:
    if not may_decide(user, owner):
        if isinstance(owner, Facility):
            raise PermissionDenied(_("Only the facility's own people decide its pot."))
        raise PermissionDenied(_("Only the programme's manager decides its portfolio."))


def allocation_decide(
    *,
    actor: User,
    programme: Programme | None = None,
    facility: Facility | None = None,
    terms: Terms,
    rationale: str,
) -> Allocation:
    """Solve `terms` again, save the decision as its owner's next version (the programme's or
    the facility's: give one), move each supported concept on one stage where its gate is open
    and no earlier decision of the programme moved it (the programme's decisions only), and
    tell their cities. The solve holds no lock (it may take seconds); the save checks that the
    claims did not change meanwhile."""
    owner: Owner
    if programme is not None and facility is None:
        owner = programme
    elif facility is not None and programme is None:
        owner = facility
    else:
        raise ValueError("a decision is the programme's or a facility's: give one")
    require_manager(actor, owner)
    rationale = rationale.strip()
    if not rationale:
        raise ValidationError({"rationale": _("Say why: the cities and the funders will read it.")})
    if len(rationale) > RATIONALE_MAX:
        raise ValidationError(
            {"rationale": _("Keep the rationale to %(n)s characters.") % {"n": RATIONALE_MAX}}
        )
    solution = allocation_solve(owner, terms)
    status = solution.result["status"]
    if status not in ("optimal", "feasible"):
        if status == "infeasible":
            why = readout(solution.spec, claims_json(solution.rows), solution.result, "")
            raise ValidationError(
                _("No allocation meets every rule: %(why)s.") % {"why": why["reason"]}
            )
        raise ValidationError(_("There is no allocation to save: no concept can claim on it."))
    return _decision_save(actor, owner, terms, solution, rationale)


def whole_awards(awards: Mapping[str, float], asks: Mapping[str, int]) -> dict[str, int]:
    """The engine's awards in whole units: each rounded down, then the units their fractions add
    up to given to the largest fractions (never past an ask), so the total stays within what
    the engine awarded (and so within the pot)."""
    whole = {k: math.floor(v + 1e-6) for k, v in awards.items()}
    target = math.floor(sum(awards.values()) + 1e-6)
    for k in sorted(awards, key=lambda k: (-(awards[k] - whole[k]), k)):
        if sum(whole.values()) >= target:
            break
        if awards[k] - whole[k] > 1e-6 and whole[k] < asks[k]:
            whole[k] += 1
    return whole


def _gate_open(concept: ProjectConcept, to: Stage) -> bool:
    move = next((m for m in FORWARD.get(concept.stage, []) if m.to == to), None)
    return move is not None and not move.gate(concept)


@transaction.atomic
def _decision_save(
    actor: User, owner: Owner, terms: Terms, solution: Solution, rationale: str
) -> Allocation:
    # One decision at a time per pot: its owner's row is the lock.
    type(owner).objects.select_for_update().get(pk=owner.pk)
    rows, _left = claims_for(owner, terms)
    if spec_of(terms, rows) != solution.spec:
        raise ValidationError(
            _("The pipeline changed while the allocation was computed: compute it again.")
        )
    programme = owner if isinstance(owner, Programme) else None
    number = (owner.allocations.aggregate(n=Max("number"))["n"] or 0) + 1
    allocation = Allocation.objects.create(
        programme=programme,
        facility=owner if isinstance(owner, Facility) else None,
        number=number,
        name=terms.name,
        currency=terms.currency,
        pot=terms.pot,
        basis=terms.basis,
        choices=terms.to_json(),
        spec=solution.spec,
        result=solution.result,
        claims=claims_json(solution.rows),
        left_out=left_out_json(solution.left_out),
        rationale=rationale,
        decided_by=actor,
    )
    by_reference = {r.concept.reference: r for r in solution.rows}
    amounts = whole_awards(solution.result["awards"], {k: r.ask for k, r in by_reference.items()})
    # A concept an earlier decision of the programme moved on is not moved again by a new version.
    moved_before = (
        set(
            AllocationAward.objects.filter(allocation__programme=programme)
            .exclude(moved_to="")
            .values_list("concept_id", flat=True)
        )
        if programme is not None
        else set()
    )
    now = timezone.now()
    for reference, amount in amounts.items():
        row = by_reference[reference]
        concept = ProjectConcept.objects.select_for_update().get(pk=row.concept.pk)
        to = MOVES_ON.get(Stage(concept.stage)) if programme is not None else None
        if to is not None and (concept.pk in moved_before or not _gate_open(concept, to)):
            to = None  # it stays: its gate is closed, or this programme moved it already
        award = AllocationAward.objects.create(
            allocation=allocation,
            concept=concept,
            amount=amount,
            ask=row.ask,
            moved_to=to or "",
        )
        if to is not None:
            reason = _(
                "Supported by the programme's decision “%(name)s” (version %(n)s): "
                "%(amount)s %(cur)s."
            ) % {
                "name": terms.name,
                "n": number,
                "amount": number_format(award.amount, force_grouping=True),
                "cur": terms.currency,
            }
            ConceptMove.objects.create(
                concept=concept,
                from_stage=concept.stage,
                to_stage=to,
                actor=actor,
                reason=reason,
                at=now,
            )
            previous = concept.stage
            concept.stage, concept.stage_since = to, now
            concept.save(update_fields=["stage", "stage_since", "updated_at"])
            audit(
                actor=actor,
                verb="concept.move",
                target=concept,
                city=concept.city,
                detail={"from": previous, "to": to, "reason": reason},
            )
    audit(
        actor=actor,
        verb="allocation.decide",
        target=allocation,
        detail={
            "number": number,
            "pot": terms.pot,
            "currency": terms.currency,
            "awards": amounts,
        },
    )
    from .notify import allocation_notify

    allocation_notify(allocation)  # queued once the decision commits
    return allocation


def latest(owner: Owner) -> Allocation | None:
    return owner.allocations.order_by("-number").first()


def compare(before: Allocation | None, awards: Mapping[str, float]) -> dict[str, list[str]]:
    """What changes against the last saved decision: the concepts that enter and leave."""
    if before is None:
        return {"entered": [], "left": []}
    old = set(before.result.get("awards", {}))
    new = set(awards)
    return {"entered": sorted(new - old), "left": sorted(old - new)}


def claims_json(rows: list[ClaimRow]) -> dict[str, Any]:
    """What the decision keeps of each claim's concept, as it was read when it was solved."""
    return {
        r.concept.reference: {
            "url": r.concept.get_absolute_url(),
            "title": r.concept.title,
            "city": r.concept.city.name,
            "country": r.concept.city.country.name,
            "stage": r.concept.stage,
            "parts": {p: round(r.parts[p], 1) for p in PARTS},
            "notes": [n.to_json() for n in r.notes],
        }
        for r in rows
    }


def _amount(x: float, currency: str) -> str:
    return f"{number_format(round(x), force_grouping=True)} {currency}"


def rule_text(
    item: Mapping[str, Any],
    currency: str,
    countries: Mapping[str, str],
    cities: Mapping[str, str] | None = None,
) -> str:
    """One rule or reason of the engine's answer (its `kind` and figures), in the reader's
    language: the engine's own `text` is English, so the pages write their own (countries and
    cities by their names)."""
    kind = str(item.get("kind"))
    code = str(item.get("country", ""))
    words: dict[str, Any] = {
        "country": countries.get(code, code),
        "ref": item.get("claim", ""),
        "city": (cities or {}).get(str(item.get("city", "")), item.get("city", "")),
        "k": item.get("minimum"),
        "n": item.get("eligible"),
        "m": item.get("maximum"),
    }
    for key in ("need", "left", "pot", "floor"):
        if isinstance(item.get(key), (int, float)):
            words[key] = _amount(item[key], currency)
    if kind == "pot" and "need" in item:
        kind = "pot_left"
    if kind == "locked_out" or (kind == "must_exclude" and not words["ref"]):
        kind = "locked_out"
    texts = {
        "pot_left": _("it needs at least %(need)s but %(left)s of the pot is left"),
        "pot": _("the pot of %(pot)s"),
        "country_minimum": _("at least %(k)s supported in %(country)s (%(n)s in the pipeline)"),
        "country_floor": _("at least %(floor)s to %(country)s"),
        "city_cap": _("at most %(m)s supported in %(city)s"),
        "must_include": _("%(ref)s must be supported"),
        "must_exclude": _("%(ref)s must be left out"),
        "locked_out": _("it is left out by hand"),
        "value": _("its value for what it asks does not justify what it would displace"),
    }
    return texts[kind] % words if kind in texts else str(item.get("text", ""))


@dataclass
class ClaimLine:
    """One claim as the pages show it: the concept, its ask, value and award, and why."""

    reference: str
    title: str
    url: str
    city: str
    country: str
    ask: float
    minimum: float
    value: float
    parts: dict[str, float]
    notes: list[str]
    award: float
    supported: bool
    share: int  # % of its ask
    why: list[str]
    partly: str  # why it gets less than its ask ("" when it gets all of it)
    value_lost_if_out: float | None
    cost_if_in: float | None
    value_to_enter: float | None
    ask_to_enter: float | None
    computed: bool


def readout(
    spec: Mapping[str, Any], claims: Mapping[str, Any], result: Mapping[str, Any], currency: str
) -> dict[str, Any]:
    """The engine's answer in the reader's words: the claims (supported first, by award), each
    country's figures, the rules that bind, and each fairness rule's price."""
    specs = spec.get("claims", [])  # none in a decision that had no claim to weigh
    about = {c["id"]: claims.get(c["id"], {}) for c in specs}
    countries = {c["country"]: about[c["id"]].get("country", c["country"]) for c in specs}
    cities = {c["city"]: about[c["id"]].get("city", c["city"]) for c in specs}
    awards = result.get("awards", {})
    lines = []
    for c in spec.get("claims", []):
        ref = c["id"]
        about = claims.get(ref, {})
        e = result.get("explanations", {}).get(ref, {})
        award = float(awards.get(ref, 0.0))
        supported = ref in awards
        why_items = (
            e.get("held_in_by", [])
            if supported
            else e.get("kept_out_by", []) + e.get("blocked_by", [])
        )
        partial = e.get("partial_because")
        seen: list[str] = []
        for item in why_items:
            text = rule_text(item, currency, countries, cities)
            if text not in seen:
                seen.append(text)
        to_enter = e.get("to_enter") or {}
        lines.append(
            ClaimLine(
                reference=ref,
                title=about.get("title", c.get("name", "")),
                url=str(about.get("url", "")),
                city=about.get("city", c["city"]),
                country=about.get("country", c["country"]),
                ask=float(c["ask"]),
                minimum=float(c.get("min", c["ask"])),
                value=float(c["value"]),
                parts=about.get("parts", {}),
                notes=[note_text(n) for n in about.get("notes", [])],
                award=award,
                supported=supported,
                share=round(100 * award / float(c["ask"])) if c["ask"] else 0,
                why=seen,
                partly=rule_text(partial, currency, countries, cities) if partial else "",
                value_lost_if_out=e.get("value_lost_if_out"),
                cost_if_in=e.get("cost_if_in"),
                value_to_enter=to_enter.get("value_at_least"),
                ask_to_enter=to_enter.get("ask_at_most"),
                computed=bool(e.get("computed", False)),
            )
        )
    lines.sort(key=lambda x: (not x.supported, -x.award, -x.value, x.reference))
    by_country = [
        {"code": code, "name": countries.get(code, code), **figures}
        for code, figures in result.get("by_country", {}).items()
    ]
    active = {
        "min_per_country": bool(spec.get("min_per_country")),
        "max_per_city": spec.get("max_per_city") is not None,
        "country_floor_share": bool(spec.get("country_floor_share")),
    }
    prices = [
        {"rule": rule, "price": price, "without": result.get("objective_without", {}).get(rule)}
        for rule, price in result.get("prices", {}).items()
        if price is not None and active.get(rule, True)
    ]
    sep = pgettext("between the items of a list", "; ")
    return {
        "lines": lines,
        "what_if": [
            {
                **w,
                "reason": sep.join(
                    rule_text(g, currency, countries, cities) for g in w["conflict"]
                ),
            }
            for w in result.get("what_if", [])
        ],
        "by_country": by_country,
        "binding": [rule_text(b, currency, countries, cities) for b in result.get("binding", [])],
        "prices": prices,
        "reason": (
            sep.join(rule_text(g, currency, countries, cities) for g in result.get("conflict", []))
            if result.get("status") == "infeasible"
            else ""
        ),
    }
