"""The demo's content: the JSON files in `data/` (their README.md says what they hold), read
and checked against the pydantic models below before anything is written, so that a malformed
file fails at once, naming the file and the place in it (`DemoDataError`).

In the files, keys beginning with "_" are notes for the reader ("_source" heads each file): they
are allowed anywhere and dropped when the file is read. Dates are written "YYYY-MM-DD" and read
as `datetime.date`. Texts held in English and French are named as the models' translated
columns are (`summary_en`, `summary_fr`).

The models take the files as they are written: strict types (no "480 000" read as a number, no
true as 1) and no key they do not name. A key that may be left out is declared `X | None = None`;
when it is there it is not null. The loaders read plain dicts (`demo_data`): what a file holds,
without its notes, its dates as dates, what it left out still left out."""

from __future__ import annotations

import datetime
import json
import re
from importlib import resources
from typing import Annotated, Any

from django.core.management.base import CommandError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from recap.engine.value import CRITERIA


class DemoDataError(CommandError):
    """A demo data file that cannot be read or does not have the shape the loader expects
    (`recap demo` reports it in one line and stops)."""


NOTE = "_"


def _date(value: Any) -> Any:
    """A date written "YYYY-MM-DD" (strict models take no string for a date by themselves)."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("demo_date", "a date (YYYY-MM-DD)")


def _every_criterion(weights: dict[str, int]) -> dict[str, int]:
    """Points for each of the engine's criteria, and for nothing else."""
    for name in CRITERIA:
        if name not in weights:
            raise PydanticCustomError("demo_criteria", '"{name}" is missing', {"name": name})
    for name in weights:
        if name not in CRITERIA:
            what = '"{name}" is not expected here (the criteria are {criteria})'
            context = {"name": name, "criteria": ", ".join(CRITERIA)}
            raise PydanticCustomError("demo_criteria", what, context)
    return weights


Date = Annotated[datetime.date, BeforeValidator(_date)]
Weights = Annotated[dict[str, int], AfterValidator(_every_criterion)]


class Record(BaseModel):
    """An object in a demo data file: the keys its model names, each of its type, no other."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _left_out_not_null(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name
        if value is None and name is not None and not cls.model_fields[name].is_required():
            raise PydanticCustomError("demo_null", "a value (or no key at all)")
        return value


# programme.json


class Programme(Record):
    slug: str
    name: str
    short_name: str
    summary: str
    start_date: Date
    end_date: Date
    projects_per_country_target: int
    trainings_target: int
    measures_target: int
    countries: list[str]


class Country(Record):
    iso2: str
    name_en: str
    name_fr: str
    region: str


class Partner(Record):
    name: str
    kind: str
    country: str
    description: str


class Funder(Record):
    name: str
    description: str


class DemoUser(Record):
    username: str
    first_name: str
    last_name: str
    role: str
    scope: str | None


class ProgrammeFile(Record):
    password: str
    programme: Programme
    countries: list[Country]
    partners: list[Partner]
    donor: Partner
    funders: list[Funder]
    users: list[DemoUser]


# cities.json


class Hazard(Record):
    hazard: str
    likelihood: int
    impact: int
    trend: str
    affected_groups: str
    affected_areas: str


class City(Record):
    slug: str
    name: str
    country: str
    population: int
    population_year: int
    latitude: str
    longitude: str
    office: str
    government: str
    summary_en: str
    summary_fr: str
    context_en: str
    context_fr: str
    hazards: list[Hazard]
    candidates: list[str]
    #: The language its team works in, if not English: its candidates are adopted in it.
    language: str | None = None


class CitiesFile(Record):
    cities: list[City]


# planning.json


class Round(Record):
    title: str
    lift: int


class Assessments(Record):
    city: str
    framework: str
    respondents: str
    rounds: list[Round]


class Stakeholder(Record):
    name: str
    weights: Weights


class Package(Record):
    name: str
    rationale: str


class Endorsement(Record):
    by: str
    note: str


class DemoFuture(Record):
    name: str
    hazards: dict[str, list[int]]


class SecondRun(Record):
    gamma_short: int
    gamma_medium: int
    futures: list[DemoFuture]


class Session(Record):
    city: str
    title: str
    budget_short_usd: int
    budget_medium_usd: int
    staff_fte: int
    min_per_sector: dict[str, int]
    max_actions: int
    stakeholders: list[Stakeholder]
    package: Package
    second_run: SecondRun | None = None
    endorsement: Endorsement


class PlanningFile(Record):
    assessments: Assessments
    session: Session


# pipeline.json


class PipelineFunder(Record):
    organisation: str
    facility: str


class FundingSource(Record):
    kind: str
    name: str
    amount: int
    status: str


class PreparationCost(Record):
    item: str
    amount: int


class Indicator(Record):
    name: str
    unit: str
    baseline: int
    target: int


class Study(Record):
    name: str
    completed_on: Date


class Review(Record):
    reviewer: str
    level: int
    comment: str


class Concept(Record):
    city: str
    title: str
    actions: list[str] | None = None
    take: int | None = None
    stage: str
    record: dict[str, Any]  # the concept's fields, as its form takes them
    funding_sources: list[FundingSource] | None = None
    preparation_costs: list[PreparationCost] | None = None
    indicators: list[Indicator] | None = None
    studies: list[Study] | None = None
    reviews: list[Review] | None = None
    shared: list[str] | None = None
    funder_question: str | None = None
    funder_interest: str | None = None
    days_in_stage: int


class PortfolioWeights(Record):
    package: int
    reviews: int
    fit: int


class PortfolioDecision(Record):
    """The programme's portfolio decision (pipeline.allocation.Terms, with its rationale)."""

    name: str
    currency: str
    pot: int
    basis: str
    partial_down_to: int
    min_per_country: int
    max_per_city: int | None = None
    floor_share: int
    weights: PortfolioWeights
    rationale: str


class PipelineFile(Record):
    funder: PipelineFunder
    concepts: list[Concept]
    decision: PortfolioDecision


# results.json


class Attendance(Record):
    first_names: list[str]
    departments: list[str]


class Training(Record):
    title: str
    held_on: Date
    mode: str
    trainers: str
    cities: list[str]
    topics: str


class BeneficiariesBreakdown(Record):
    female_percent: int
    under_25_percent: int


class Step(Record):
    status: str
    on: Date
    note: str


class Measure(Record):
    city: str
    entered_by: str
    action: str | None = None  # the code of the city's candidate action it comes from
    title: str
    description: str
    hazards: list[str]
    cost: int
    co_finance: int
    co_financers: str
    beneficiaries: int
    history: list[Step]


class Evidence(Record):
    title: str
    photo: str
    filename: str


class Decision(Record):
    by: str
    approve: bool
    reason: str | None = None


class Update(Record):
    indicator: str
    city: str | None
    reported_by: str
    period_start: Date
    period_end: Date
    value: int
    breakdown: dict[str, dict[str, int]] | None = None
    comment: str | None = None
    evidence: Evidence | None = None
    decision: Decision | None = None  # none: it waits for the programme's approval


class ResultsFile(Record):
    attendance: Attendance
    trainings: list[Training]
    beneficiaries_breakdown: BeneficiariesBreakdown
    measures: list[Measure]
    updates: list[Update]


# learning.json


class Lesson(Record):
    city: str
    editor: str
    kind: str
    title_en: str
    title_fr: str
    summary_en: str
    summary_fr: str
    context_en: str
    context_fr: str
    what_was_done_en: str
    what_was_done_fr: str
    results_en: str
    results_fr: str
    differently_en: str | None = None
    differently_fr: str | None = None
    partners_en: str | None = None
    partners_fr: str | None = None
    cost_usd: int | None = None
    hazards: list[str]
    actions: list[str] | None = None
    illustrative: bool
    publish: bool


class Profile(Record):
    languages: list[str]
    population_growth: str


class PeerAssessments(Record):
    framework: str
    title: str
    respondents: str
    scores: dict[str, dict[str, int]]


class Peers(Record):
    user_languages: dict[str, str]
    income_groups: dict[str, str]
    profiles: dict[str, Profile]
    assessments: PeerAssessments


class Reply(Record):
    by: str
    body: str


class Exchange(Record):
    from_city: str
    to_city: str
    by: str
    language: str | None = None
    kind: str
    subject: str
    body: str
    lesson: str | None = None
    replies: list[Reply] | None = None


class Match(Record):
    by: str
    city: str
    peer: str
    kind: str
    action: str
    note: str


class LearningFile(Record):
    lessons: list[Lesson]
    peers: Peers
    exchanges: list[Exchange]
    matches: list[Match]


# implementation.json


class PlanMilestone(Record):
    title: str
    due: int  # days after the plan starts
    reached: int | None  # the day it was reached, or null: not yet


class PlanProgress(Record):
    percent: int
    on: int
    note: str
    decided: int | None = None  # the day the plan's approver approved it; left out: it waits


class PlanStatus(Record):
    set: str
    on: int
    reason: str | None = None


class Replanning(Record):
    on: int
    planned: list[int]  # [start, end], days after the plan starts
    reason: str


class PlanActionSpec(Record):
    code: str
    lead_department: str
    contact_name: str
    partners: str | None = None
    planned: list[int]  # [start, end], days after the plan starts
    actual: list[int | None] | None = None  # [start, end or null]
    replanned: Replanning | None = None
    milestones: list[PlanMilestone] | None = None
    progress: list[PlanProgress] | None = None
    status: PlanStatus | None = None


class PlanSpec(Record):
    city: str
    days_in: int  # the plan started this many days before the day of loading
    editor: str
    approver: str
    public_on: int | None = None
    publisher: str | None = None
    actions: list[PlanActionSpec]


class ImplementationFile(Record):
    packages: list[Session]
    plans: list[PlanSpec]


# votes.json


class VoteProjectSpec(Record):
    title: str
    description: str
    cost: int
    district: str
    popularity: float
    action: str | None = None  # one of the city's candidate actions, by its code


class VoteDecisionSpec(Record):
    rule: str
    rationale: str


class VoteSpec(Record):
    city: str
    editor: str
    title: str
    description: str
    budget: int
    currency: str
    seed: int
    ballots: int
    districts: dict[str, int]  # the voters' districts, with their weights
    affinity: float
    projects: list[VoteProjectSpec]
    decision: VoteDecisionSpec


class VotesFile(Record):
    votes: list[VoteSpec]


#: Each file in `data/`, by name, and the model its content follows.
MODELS: dict[str, type[Record]] = {
    "programme": ProgrammeFile,
    "cities": CitiesFile,
    "planning": PlanningFile,
    "pipeline": PipelineFile,
    "results": ResultsFile,
    "learning": LearningFile,
    "implementation": ImplementationFile,
    "votes": VotesFile,
}


def demo_data(name: str) -> dict[str, Any]:
    """`data/<name>.json`, checked against its model, without its notes, dates as dates. Read
    afresh at each call (the loaders may hand parts of it to services)."""
    entry = resources.files("recap.demo").joinpath("data", f"{name}.json")
    try:
        raw = json.loads(entry.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DemoDataError(f"Demo data {entry}: cannot be read: {error}") from error
    if isinstance(raw, dict) and not isinstance(raw.get("_source"), str):
        raise DemoDataError(f'Demo data {entry}: {name}: "_source" is missing (a text)')
    try:
        checked = MODELS[name].model_validate(_without_notes(raw))
    except ValidationError as error:
        raise DemoDataError(f"Demo data {entry}: {_problem(name, error)}") from None
    return checked.model_dump(exclude_unset=True)


def demo_data_check() -> None:
    """Every demo data file read and checked: a malformed one stops the load before it starts."""
    for name in MODELS:
        demo_data(name)


def _without_notes(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_notes(v) for k, v in value.items() if not k.startswith(NOTE)}
    if isinstance(value, list):
        return [_without_notes(item) for item in value]
    return value


#: What is wrong with a key, by the type of pydantic's error.
KEYS = {"missing": "is missing", "extra_forbidden": "is not expected here"}
#: What a value should have been, by the type of pydantic's error (strict mode).
EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
}


def _problem(name: str, error: ValidationError) -> str:
    """The first of the file's problems in one line: where it is (`cities[1].population`, after
    the file's name) and what was expected there."""
    first: ErrorDetails = error.errors(include_url=False)[0]
    loc, kind = first["loc"], first["type"]
    if kind in KEYS and loc:  # a key: named in its object
        loc, problem = loc[:-1], f'"{loc[-1]}" {KEYS[kind]}'
    elif kind in EXPECTED or kind in ("demo_date", "demo_null"):  # (these say what they want)
        what = EXPECTED.get(kind, first["msg"])
        problem = f"expected {what}, found {_shown(first['input'])}"
    else:
        problem = first["msg"]
    place = name + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    more = error.error_count() - 1
    return f"{place}: {problem}" + (f" (and {more} more)" if more else "")


def _shown(value: Any) -> str:
    found = json.dumps(value, ensure_ascii=False, default=str)
    return found if len(found) <= 60 else f"{found[:57]}..."
