"""Which facilities a concept fits, and why, in words.

Contract: `match(concept, facility, facts)` checks five hard criteria, each passed, failed or
unknown with its reason (country, applicant, sector, climate objective, stage), adds a soft
score out of 100 (stage fit 30, ticket against what the concept asks 30, co-financing 20, call
window 20), and turns what is missing into tasks for the city. `ConceptFacts` is what the
concept says, read once (so matching one concept against every facility, or every shared
concept for a funder, costs no query per pair). Deterministic: the same record and directory
give the same answer, in the same order.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from recap.core.content import reader_language

from .models import Facility, PreparationStage, ProjectConcept
from .money import Money, concept_money, money_of
from .record import concept_sectors, sectors_of
from .texts import choice_labels

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
STAGES = list(PreparationStage.values)


@cache
def country_lists() -> dict[str, dict[str, Any]]:
    """The lists the country rules name (ODA recipients, UNFCCC Annex I), from the file that
    ships with the pipeline, with each list's source and the dates it holds for
    (`valid_from`, `valid_until`, where the list has them)."""
    text = resources.files("recap.pipeline").joinpath("data/country_lists.json").read_text("utf-8")
    lists: dict[str, dict[str, Any]] = json.loads(text)["lists"]
    return lists


def list_expired(entry: dict[str, Any], today: datetime.date | None = None) -> str | None:
    """The day a list stopped holding (its `valid_until`), if that is before `today`: a list
    past its date is still the best the directory has, and says so rather than going stale
    in silence."""
    until = entry.get("valid_until")
    if not until:
        return None
    day = datetime.date.fromisoformat(str(until))
    return day.isoformat() if day < (today or timezone.localdate()) else None


@dataclass(frozen=True)
class ConceptFacts:
    country: str  # ISO2
    country_name: str
    applicant_type: str
    sectors: list[str]
    climate: list[str]
    stage: str  # the preparation reached, "" if not said
    ask: int  # what it asks of a facility: its preparation costs, else its funding gap
    ask_is_preparation: bool
    has_cofinance: bool
    endorsed: bool
    currency: str = "USD"

    @classmethod
    def of(cls, concept: ProjectConcept) -> ConceptFacts:
        return cls.build(
            concept,
            money=concept_money(concept),
            sectors=concept_sectors(concept),
            funding_statuses=[s.status for s in concept.funding_sources.all()],
            country=concept.city.country,
        )

    @classmethod
    def build(
        cls,
        concept: Any,  # a ProjectConcept, or its values (`FACT_FIELDS`) as attributes
        *,
        money: Money,
        sectors: list[str],
        funding_statuses: list[str],
        country: Any,  # iso2 and name
    ) -> ConceptFacts:
        return cls(
            country=country.iso2,
            country_name=country.name,
            applicant_type=concept.applicant_type,
            sectors=sectors,
            climate=list(concept.climate_objectives),
            stage=concept.preparation_stage,
            ask=money.preparation or money.gap,
            ask_is_preparation=bool(money.preparation),
            has_cofinance=any(s in ("secured", "committed") for s in funding_statuses),
            endorsed=bool(concept.national_endorsement),
            currency=concept.currency,
        )


#: The concept's own fields `ConceptFacts` reads.
FACT_FIELDS = (
    "applicant_type",
    "sector",
    "sub_sectors",
    "climate_objectives",
    "preparation_stage",
    "national_endorsement",
    "currency",
    "total_cost",
    "om_cost_per_year",
)


def facts_for(concept_ids: set[int]) -> dict[int, ConceptFacts]:
    """`ConceptFacts.of` for many concepts at once, read as plain rows (five queries, no
    model built): what a list that matches hundreds of concepts to sort them needs."""
    from types import SimpleNamespace

    from recap.cities.models import Country

    from .models import ConceptAction, FundingSource, PreparationCost

    funding: dict[int, list[tuple[str, int]]] = {}
    for concept_id, status, amount in FundingSource.objects.filter(
        concept_id__in=concept_ids
    ).values_list("concept_id", "status", "amount"):
        funding.setdefault(concept_id, []).append((status, amount))
    preparation: dict[int, list[int]] = {}
    for concept_id, amount in PreparationCost.objects.filter(
        concept_id__in=concept_ids
    ).values_list("concept_id", "amount"):
        preparation.setdefault(concept_id, []).append(amount)
    actions: dict[int, list[tuple[list[str], int]]] = {}
    for concept_id, sectors, cost in ConceptAction.objects.filter(
        concept_id__in=concept_ids
    ).values_list(  # the model's order
        "concept_id", "candidate__sectors", "candidate__local_cost_usd"
    ):
        actions.setdefault(concept_id, []).append((sectors, cost))
    rows = ProjectConcept.objects.filter(pk__in=concept_ids).values(
        "pk", "city__country_id", *FACT_FIELDS
    )
    concepts = [SimpleNamespace(**row) for row in rows]
    countries = Country.objects.in_bulk({c.city__country_id for c in concepts})
    facts = {}
    for c in concepts:
        own = actions.get(c.pk, [])
        facts[c.pk] = ConceptFacts.build(
            c,
            money=money_of(
                total_cost=c.total_cost,
                action_costs=[cost for _s, cost in own],
                funding=funding.get(c.pk, []),
                preparation=preparation.get(c.pk, []),
                om_per_year=c.om_cost_per_year,
            ),
            sectors=sectors_of(c.sector, c.sub_sectors, [s for s, _cost in own]),
            funding_statuses=[status for status, _a in funding.get(c.pk, [])],
            country=countries[c.city__country_id],
        )
    return facts


@dataclass(frozen=True)
class Criterion:
    name: str
    label: str
    outcome: str  # PASS, FAIL or UNKNOWN
    why: str
    task: str = ""
    field: str = ""  # the record's field the task is done in ("" if none)


@dataclass(frozen=True)
class SoftPart:
    name: str
    label: str
    points: int
    out_of: int
    why: str
    task: str = ""
    field: str = ""  # the record's field (or rows) the task is done in ("" if none)


@dataclass(frozen=True)
class Match:
    facility: Facility
    criteria: list[Criterion]
    soft: list[SoftPart]

    @property
    def failed(self) -> list[Criterion]:
        return [c for c in self.criteria if c.outcome == FAIL]

    @property
    def unknown(self) -> list[Criterion]:
        return [c for c in self.criteria if c.outcome == UNKNOWN]

    @property
    def eligible(self) -> bool:
        return not self.failed and not self.unknown

    @property
    def verdict(self) -> str:
        if self.failed:
            return FAIL
        return UNKNOWN if self.unknown else PASS

    @property
    def score(self) -> int:
        return sum(p.points for p in self.soft)

    @property
    def tasks(self) -> list[str]:
        """What the city can do to qualify (for a facility it is not shut out of) and to
        fit better."""
        return [task for task, _field in self.task_fields]

    @property
    def task_fields(self) -> list[tuple[str, str]]:
        """`tasks`, each with the record's field it is done in ("" if none): a page links it."""
        if any(c.outcome == FAIL and not c.task for c in self.criteria):
            return []  # a criterion nothing can change (the country): no task helps
        parts = [(c.task, c.field) for c in self.criteria if c.task]
        parts += [(p.task, p.field) for p in self.soft if p.task]
        first: dict[str, str] = {}
        for task, field in parts:
            first.setdefault(task, field)
        return list(first.items())

    @property
    def ruled_out(self) -> list[Criterion]:
        """The criteria that rule the facility out (the failed ones), for "Ruled out: …"."""
        return self.failed

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        return (len(self.failed), len(self.unknown), -self.score, self.facility.name)


def _words(choices: Any, codes: list[str]) -> str:
    return ", ".join(choice_labels(choices, codes))


def _country(facts: ConceptFacts, f: Facility) -> Criterion:
    outcome, why, task = country_rule(facts.country, facts.country_name, f)
    return Criterion("country", _("Country"), outcome, why, task)


def country_rule(iso2: str, name: str, f: Facility) -> tuple[str, str, str]:
    """(outcome, why, task) of the facility's country rule for one country (ISO2 code and
    name): what a concept's match reads, and what the directory filters by."""
    rule = f.country_rule
    if rule == Facility.CountryRule.ANY:
        return PASS, _("Open to any country."), ""
    if rule == Facility.CountryRule.ODA:
        oda = country_lists()["oda"]
        listed = iso2 in oda["countries"]
        words = _("%(c)s is on the %(list)s.") if listed else _("%(c)s is not on the %(list)s.")
        why = words % {"c": name, "list": oda.get(f"name_{reader_language()}") or oda["name"]}
        if expired := list_expired(oda):
            why += " " + _("That list ran to %(d)s: check the current one.") % {"d": expired}
        return (PASS if listed else FAIL), why, ""
    if rule == Facility.CountryRule.DEVELOPING:
        developing = iso2 not in country_lists()["annex_i"]["countries"]
        words = (
            _("%(c)s is a developing country (a UNFCCC Party not in Annex I).")
            if developing
            else _("%(c)s is in the UNFCCC's Annex I, not a developing country.")
        )
        return (PASS if developing else FAIL), words % {"c": name}, ""
    if not f.countries:
        return (
            UNKNOWN,
            _("The directory does not list this facility's countries yet."),
            _("Ask %(f)s whether %(c)s is eligible.") % {"f": f.name, "c": name},
        )
    if iso2 in f.countries:
        return PASS, _("%(c)s is among its countries.") % {"c": name}, ""
    words = _("%(c)s is not among its countries (%(note)s).")
    return FAIL, words % {"c": name, "note": f.country_note or f.get_country_rule_display()}, ""


def _applicant(facts: ConceptFacts, f: Facility) -> Criterion:
    label = _("Applicant")
    allowed = _words(Facility.ApplicantType.choices, list(f.applicant_types))
    if not f.applicant_types:
        return Criterion("applicant", label, PASS, _("It names no applicant type."))
    if not facts.applicant_type:
        return Criterion(
            "applicant",
            label,
            UNKNOWN,
            _("The concept does not say who applies; it takes: %(a)s.") % {"a": allowed},
            _("Say who applies (the applicant type)."),
            "applicant_type",
        )
    own = str(dict(Facility.ApplicantType.choices).get(facts.applicant_type, facts.applicant_type))
    if facts.applicant_type in f.applicant_types:
        return Criterion("applicant", label, PASS, _("It takes a %(a)s.") % {"a": own.lower()})
    return Criterion(
        "applicant",
        label,
        FAIL,
        _("It takes %(allowed)s, not a %(a)s.") % {"allowed": allowed.lower(), "a": own.lower()},
        _("Apply with or through: %(allowed)s.") % {"allowed": allowed.lower()},
        "applicant_type",
    )


def _sector(facts: ConceptFacts, f: Facility) -> Criterion:
    from recap.catalogue.models import Sector

    label = _("Sector")
    if not facts.sectors:
        return Criterion(
            "sector",
            label,
            UNKNOWN,
            _("The concept has no sector."),
            _("Choose the main sector."),
            "sector",
        )
    shared = [s for s in facts.sectors if s in f.sectors]
    if shared:
        return Criterion(
            "sector",
            label,
            PASS,
            _("It funds %(s)s.") % {"s": _words(Sector.choices, shared).lower()},
        )
    return Criterion(
        "sector",
        label,
        FAIL,
        _("It funds %(theirs)s; the concept is %(ours)s.")
        % {
            "theirs": _words(Sector.choices, list(f.sectors)).lower(),
            "ours": _words(Sector.choices, facts.sectors).lower(),
        },
    )


def _climate(facts: ConceptFacts, f: Facility) -> Criterion:
    label = _("Climate objective")
    choices = Facility.ClimateObjective.choices
    if not facts.climate:
        return Criterion(
            "climate",
            label,
            UNKNOWN,
            _("The concept names no climate objective."),
            _("Say whether it mitigates, adapts or reduces disaster risk."),
            "climate_objectives",
        )
    shared = [c for c in facts.climate if c in f.climate_objectives]
    if shared:
        return Criterion(
            "climate", label, PASS, _("It funds %(c)s.") % {"c": _words(choices, shared).lower()}
        )
    return Criterion(
        "climate",
        label,
        FAIL,
        _("It funds %(theirs)s only.")
        % {"theirs": _words(choices, list(f.climate_objectives)).lower()},
        _("Show the %(theirs)s benefit, if there is one.")
        % {"theirs": _words(choices, list(f.climate_objectives)).lower()},
        "climate_objectives",
    )


def _next_stage(stage: str) -> str:
    i = STAGES.index(stage)
    return STAGES[i + 1] if i + 1 < len(STAGES) else ""


def _stage(facts: ConceptFacts, f: Facility) -> Criterion:
    label = _("Stage")
    names = dict(PreparationStage.choices)
    if not facts.stage:
        return Criterion(
            "stage",
            label,
            UNKNOWN,
            _("The concept does not say what preparation it has reached."),
            _("Say what preparation it has reached (concept, pre-feasibility…)."),
            "preparation_stage",
        )
    reached = STAGES.index(facts.stage)
    if f.minimum_stage and reached < STAGES.index(f.minimum_stage):
        return Criterion(
            "stage",
            label,
            FAIL,
            _("It takes projects from %(min)s on; the concept has reached %(s)s.")
            % {"min": str(names[f.minimum_stage]).lower(), "s": str(names[facts.stage]).lower()},
            _("Reach %(min)s first.") % {"min": str(names[f.minimum_stage]).lower()},
            "preparation_stage",
        )
    needed = _next_stage(facts.stage)
    if needed and needed in f.stages_supported:
        return Criterion(
            "stage",
            label,
            PASS,
            _("It supports %(n)s, the concept's next step.") % {"n": str(names[needed]).lower()},
        )
    return Criterion(
        "stage",
        label,
        FAIL,
        _("It supports %(theirs)s, not %(n)s, the concept's next step.")
        % {
            "theirs": _words(PreparationStage.choices, list(f.stages_supported)).lower(),
            "n": str(names.get(needed, _("implementation"))).lower(),
        },
    )


def _money(amount: int) -> str:
    return f"US$ {number_format(amount, force_grouping=True)}"


def _ticket(facts: ConceptFacts, f: Facility) -> SoftPart:
    label = _("Amount")
    what = _("its preparation costs") if facts.ask_is_preparation else _("its funding gap")
    low, typical, high = f.ticket_min_usd, f.ticket_typical_usd, f.ticket_max_usd
    if not facts.ask:
        return SoftPart(
            "ticket",
            label,
            0,
            30,
            _("The concept states no preparation cost and no funding gap."),
            _("List the preparation costs (studies, assessments, permits)."),
            "preparation_costs",
        )
    if facts.currency != "USD":
        return SoftPart(
            "ticket",
            label,
            15,
            30,
            _("The concept's amounts are in %(c)s; its amounts are in US$, not compared.")
            % {"c": facts.currency},
        )
    ask = _money(facts.ask)
    if low is None and typical is None and high is None:
        return SoftPart("ticket", label, 15, 30, _("It publishes no amounts."))
    if (low is not None and facts.ask < low) or (high is not None and facts.ask > high):
        bounds = " – ".join(_money(x) for x in (low or 0, high) if x is not None)
        return SoftPart(
            "ticket",
            label,
            0,
            30,
            _("%(what)s, %(ask)s, is outside its range (%(b)s).")
            % {"what": what, "ask": ask, "b": bounds},
        )
    if typical is not None and not (typical / 2 <= facts.ask <= typical * 2):
        return SoftPart(
            "ticket",
            label,
            10,
            30,
            _("%(what)s, %(ask)s, is far from its typical %(t)s.")
            % {"what": what, "ask": ask, "t": _money(typical)},
        )
    return SoftPart(
        "ticket",
        label,
        30,
        30,
        _("%(what)s, %(ask)s, fits what it gives.") % {"what": what, "ask": ask},
    )


def _cofinance(facts: ConceptFacts, f: Facility) -> SoftPart:
    label = _("Co-financing")
    if not f.cofinancing:
        return SoftPart("cofinance", label, 20, 20, _("It asks for none."))
    if facts.has_cofinance:
        return SoftPart(
            "cofinance", label, 20, 20, _("It asks for some; the concept has secured funds.")
        )
    return SoftPart(
        "cofinance",
        label,
        5,
        20,
        _("It asks for co-financing (%(c)s); none is secured yet.") % {"c": f.cofinancing},
        _("Secure a contribution of the city's own or a partner's."),
        "funding_sources",
    )


def _window(facts: ConceptFacts, f: Facility) -> SoftPart:
    label = _("When to apply")
    if f.call_window == Facility.CallWindow.ROLLING:
        return SoftPart("window", label, 20, 20, _("It takes applications at any time."))
    if f.call_window == Facility.CallWindow.CLOSED:
        return SoftPart(
            "window",
            label,
            0,
            20,
            _("It takes no applications for now."),
            _("Ask to be told when %(f)s opens again.") % {"f": f.name},
        )
    if f.call_window == Facility.CallWindow.CALLS:
        return SoftPart(
            "window",
            label,
            10,
            20,
            _("It opens calls with deadlines."),
            _("Watch for its next call."),
        )
    return SoftPart(
        "window",
        label,
        5,
        20,
        _("It does not publish when to apply."),
        _("Ask %(f)s when to apply.") % {"f": f.name},
    )


def match(facts: ConceptFacts, facility: Facility) -> Match:
    criteria = [
        _country(facts, facility),
        _applicant(facts, facility),
        _sector(facts, facility),
        _climate(facts, facility),
        _stage(facts, facility),
    ]
    soft = [_ticket(facts, facility), _cofinance(facts, facility), _window(facts, facility)]
    if facility.endorsements and not facts.endorsed:
        soft.append(
            SoftPart(
                "endorsement",
                _("Endorsements"),
                0,
                0,
                _("It asks for: %(e)s.") % {"e": facility.endorsements.rstrip(".")},
                _("Get the endorsements it asks for: %(e)s.")
                % {"e": facility.endorsements.rstrip(".")},
                "national_endorsement",
            )
        )
    return Match(facility, criteria, soft)


#: Fit keys remembered in this process, by their whole input (see `fit_key`); emptied when full.
_FIT_KEYS: dict[tuple[str, str, datetime.date], tuple[int, int, int]] = {}
_FIT_KEYS_MAX = 50_000


def _facility_state(facility: Facility) -> str:
    """Every stored field of the entry, as one string: an edited entry is a new key."""
    return json.dumps(
        [(f.attname, getattr(facility, f.attname)) for f in Facility._meta.concrete_fields],
        default=str,
        sort_keys=True,
    )


def fit_keys(pairs: list[tuple[ConceptFacts, Facility]]) -> list[tuple[int, int, int]]:
    """Each pair's `match` order (failed criteria, unknown ones, minus the soft score) without
    its words: what a long list sorts by. Remembered by its whole input (the concept's facts,
    every field of the facility, the day), so it cannot go stale: a changed concept or entry
    is a new key, and a list of 500 concepts matches only what changed since it was last
    drawn."""
    today = timezone.localdate()
    states: dict[int, str] = {}
    keys = []
    for facts, facility in pairs:
        if id(facility) not in states:
            states[id(facility)] = _facility_state(facility)
        key = (repr(facts), states[id(facility)], today)  # a dataclass: every field
        found = _FIT_KEYS.get(key)
        if found is None:
            m = match(facts, facility)
            found = (len(m.failed), len(m.unknown), -m.score)
            if len(_FIT_KEYS) >= _FIT_KEYS_MAX:
                _FIT_KEYS.clear()
            _FIT_KEYS[key] = found
        keys.append(found)
    return keys


def matches_for(concept: ProjectConcept, facilities: list[Facility]) -> list[Match]:
    """Every facility, best first: those it qualifies for, then those it may once what is
    unknown is said, then the rest; by soft score within each."""
    facts = ConceptFacts.of(concept)
    return sorted((match(facts, f) for f in facilities), key=lambda m: m.sort_key)
