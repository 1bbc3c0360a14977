"""Prioritisation over the API: a city's sessions, a run's progress and result (queued with a
POST, polled with a GET), and its action packages. Same policies as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.throttling import UserRateThrottle

from recap.accounts.access import Level
from recap.accounts.api_auth import SIGNED_IN
from recap.accounts.types import SignedInRequest
from recap.cities.api_auth import private_city
from recap.cities.policies import city_policy
from recap.core.api_errors import errors
from recap.core.client import client_address

from . import selectors
from .models import PrioritisationSession, Run
from .readouts import robustness_readout
from .selectors import package_list, robustness_latest
from .services import run_cancel, session_run

router = Router(tags=["prioritisation"])


class RunThrottle(UserRateThrottle):
    """Queued runs per person: a script cannot fill the worker's queue."""

    scope = "planning_run"

    def __init__(self) -> None:
        super().__init__(settings.RECAP_API_RUN_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        # The rate is read when asked, not when this module was imported.
        self.rate = settings.RECAP_API_RUN_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_ident(self, request: HttpRequest) -> str:
        return client_address(request)  # never the header a client may forge


class SessionOut(Schema):
    id: int
    title: str
    candidates: list[str]
    weights: dict[str, float]
    budget_short_usd: int
    budget_medium_usd: int
    staff_fte: float
    max_actions: int | None
    weight_spread: int = Field(
        description="With fewer than two stakeholders, how far (±%) robustness moves each weight."
    )
    min_per_sector: dict[str, int]
    must_include: list[str]
    must_exclude: list[str]
    gamma_short: int = Field(
        description="How many short-term actions of the package may reach their highest likely "
        "cost at once and the package still fit (0: costs as given)."
    )
    gamma_medium: int = Field(description="The same for the medium-term budget.")
    overrun_correlation: int = Field(
        description="How far (%) overruns of one reference class move together in budget risk."
    )
    cost_distribution: str = Field(
        description="The shape of the cost ranges in budget risk: triangular or pert."
    )
    futures: list[dict[str, Any]] = Field(
        description="Other futures than today's register: each a name and, per hazard it "
        "changes, [likelihood, impact]."
    )
    runs: list[int]
    created_at: datetime


class RankedOut(Schema):
    rank: int
    code: str
    value: float
    selected: bool


class RobustnessOut(Schema):
    status: str
    failure: str = Field(description="Why it failed: '', 'interrupted' or 'error'.")
    error: str = Field(description="The engine's own words on an error (city editors only).")
    done: int
    samples: int
    base_package_share: float | None
    selection_probability: dict[str, float] | None


class RiskFigures(Schema):
    limit: float
    low: float
    most_likely: float
    high: float
    mean: float
    probability: float = Field(description="Share of the draws in which the total stays within.")
    std_error: float = Field(description="The probability's sampling error, sqrt(p(1-p)/n).")
    p50: float
    p80: float
    p90: float


class BudgetRiskOut(Schema):
    selected: list[str]
    draws: int
    seed: int
    distribution: str
    resources: dict[str, RiskFigures]
    all_hold: dict[str, float] = Field(description="probability and std_error of every limit.")


class CurvePointOut(Schema):
    gamma: int
    status: str
    value: float | None = None
    selected: list[str] = []
    entered: list[str] = []
    left: list[str] = []
    worst_case_usage: dict[str, float] = {}
    binding: list[str] = []
    probability: float | None = None
    std_error: float | None = None


class PriceOfRobustnessOut(Schema):
    resources: list[str]
    points: list[CurvePointOut]
    actions: dict[str, dict[str, Any]] = Field(
        description="Each action in at some Γ: in_at, enters_at or leaves_at, overrun_ratio."
    )
    complete: bool


class FuturesOut(Schema):
    names: list[str] = Field(description="'today' then f1, f2, …")
    labels: dict[str, str]
    best: dict[str, float] = Field(description="The best package's value in each future.")
    packages: dict[str, dict[str, Any]] = Field(
        description="max_min and min_max_regret: status, objective, selected."
    )
    table: list[dict[str, Any]] = Field(
        description="Each package considered x each future: values, regret, min_value, max_regret."
    )


class RunOut(Schema):
    number: int
    status: str
    stage: str
    done: int
    total: int
    failure: str = Field(description="Why it failed: '', 'interrupted' or 'error'.")
    error: str = Field(description="The engine's own words on an error (city editors only).")
    seconds: float
    created_at: datetime
    package_status: str | None
    objective: float | None
    selected: list[str] | None
    ranking: list[RankedOut] | None
    robustness: RobustnessOut | None
    worst_case_usage: dict[str, float] | None = Field(
        None, description="With Γ set: each resource's use if the Γ largest overruns happen."
    )
    budget_risk: BudgetRiskOut | None = None
    price_of_robustness: PriceOfRobustnessOut | None = None
    futures: FuturesOut | None = None


class VersionRobustnessOut(Schema):
    basis: str = Field(
        description="Whose shares these are: 'version' (its own, computed with its locks held), "
        "'run' (a version that is its run's optimum shows the run's) or 'stand_in' (a version "
        "adjusted by hand whose own is not done yet shows its run's)."
    )
    status: str
    done: int
    samples: int
    base_package_share: float | None
    selection_probability: dict[str, float] | None


class PackageOut(Schema):
    id: int
    name: str
    status: str
    rationale: str = Field(description="The team's, written when the package was saved.")
    endorsement_note: str = Field(description="The coordinator's, written on endorsing.")
    endorsed_at: datetime | None
    session_id: int
    version: int
    run: int
    selected: list[str]
    lock_in: list[str] = Field(description="Actions the current version locked in by hand.")
    lock_out: list[str] = Field(description="Actions the current version locked out by hand.")
    objective: float
    robustness: VersionRobustnessOut | None = Field(
        description="How often each action came out when the weights moved; null before any "
        "computation."
    )


def _session_out(s: PrioritisationSession) -> dict[str, Any]:
    return {
        "id": s.pk,
        "title": s.title,
        "candidates": sorted(c.code for c in s.candidates.all()),
        "weights": s.weights,
        "budget_short_usd": s.budget_short_usd,
        "budget_medium_usd": s.budget_medium_usd,
        "staff_fte": float(s.staff_fte),
        "max_actions": s.max_actions,
        "weight_spread": s.weight_spread,
        "min_per_sector": s.min_per_sector,
        "must_include": s.must_include,
        "must_exclude": s.must_exclude,
        "gamma_short": s.gamma_short,
        "gamma_medium": s.gamma_medium,
        "overrun_correlation": s.overrun_correlation,
        "cost_distribution": s.cost_distribution,
        "futures": s.futures,
        "runs": sorted(r.number for r in s.runs.all()),
        "created_at": s.created_at,
    }


def _run_out(run: Run, *, can_edit: bool) -> dict[str, Any]:
    """A run as the API shows it; the engine's exception text, like on the pages, only to the
    city's editors."""
    out: dict[str, Any] = {
        "number": run.number,
        "status": run.status,
        "stage": run.stage,
        "done": run.done,
        "total": run.total,
        "failure": run.failure,
        "error": run.error if can_edit else "",
        "seconds": run.seconds,
        "created_at": run.created_at,
        "package_status": None,
        "objective": None,
        "selected": None,
        "ranking": None,
        "robustness": None,
    }
    if run.is_done:
        result = run.outcome
        chosen = set(result["package"]["selected"])
        out |= {
            "package_status": result["package"]["status"],
            "objective": result["package"].get("objective"),
            "selected": result["package"]["selected"],
            "ranking": [
                {"rank": i + 1, "code": c, "value": result["values"][c], "selected": c in chosen}
                for i, c in enumerate(result["ranking"])
            ],
            "worst_case_usage": (result["package"].get("robust") or {}).get("worst_case_usage"),
            "budget_risk": result.get("budget_risk"),
            "price_of_robustness": result.get("robust_curve"),
            "futures": result.get("futures"),
        }
        job = robustness_latest(run)
        if job is not None:
            found = robustness_readout(job)
            out["robustness"] = {
                "status": job.status,
                "failure": job.failure,
                "error": job.error if can_edit else "",
                "done": job.done,
                "samples": job.samples,
                "base_package_share": found.base_package_share if found else None,
                "selection_probability": found.selection_probability if found else None,
            }
    return out


@router.get(
    "/{int:city_id}/sessions",
    response={200: list[SessionOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="A city's prioritisation sessions, newest first",
)
def city_sessions(request: SignedInRequest, city_id: int) -> list[dict[str, Any]]:
    city = private_city(request, city_id)
    return [_session_out(s) for s in selectors.session_list(user=request.user, city=city)]


@router.post(
    "/{int:city_id}/sessions/{int:session_id}/runs",
    response={202: RunOut, **errors(401, 403, 404, 422, 429)},
    auth=SIGNED_IN,
    throttle=[RunThrottle()],
    summary="Queue a run of the engine on the session (city editors); poll it with GET",
)
def session_run_create(
    request: SignedInRequest, city_id: int, session_id: int
) -> Status[dict[str, Any]]:
    city = private_city(request, city_id)
    session = selectors.session_get(user=request.user, city=city, pk=session_id)
    return Status(202, _run_out(session_run(actor=request.user, session=session), can_edit=True))


@router.get(
    "/{int:city_id}/sessions/{int:session_id}/runs/{int:number}",
    response={200: RunOut, **errors(401, 404)},
    auth=SIGNED_IN,
    summary="A run: its progress, then its package, ranking and robustness",
)
def session_run_detail(
    request: SignedInRequest, city_id: int, session_id: int, number: int
) -> dict[str, Any]:
    city = private_city(request, city_id)
    session = selectors.session_get(user=request.user, city=city, pk=session_id)
    run = selectors.run_get(user=request.user, session=session, number=number)
    return _run_out(run, can_edit=city_policy.allows(request.user, city, Level.EDIT))


@router.post(
    "/{int:city_id}/sessions/{int:session_id}/runs/{int:number}/cancel",
    response={202: RunOut, **errors(401, 403, 404, 422)},
    auth=SIGNED_IN,
    summary="Cancel a run (city editors): at once while queued, within seconds while computed",
)
def session_run_cancel(
    request: SignedInRequest, city_id: int, session_id: int, number: int
) -> Status[dict[str, Any]]:
    city = private_city(request, city_id)
    session = selectors.session_get(user=request.user, city=city, pk=session_id)
    run = selectors.run_get(user=request.user, session=session, number=number)
    run_cancel(actor=request.user, run=run)
    return Status(202, _run_out(run, can_edit=True))


@router.get(
    "/{int:city_id}/packages",
    response={200: list[PackageOut], **errors(401, 404)},
    auth=SIGNED_IN,
    summary="A city's action packages with their current version",
)
def city_packages(request: SignedInRequest, city_id: int) -> list[dict[str, Any]]:
    city = private_city(request, city_id)
    out = []
    for p in package_list(user=request.user, city=city):
        versions = list(p.versions.all())
        if not versions:
            continue
        version = versions[0]
        out.append(
            {
                "id": p.pk,
                "name": p.name,
                "status": p.status,
                "rationale": p.rationale,
                "endorsement_note": p.endorsement_note,
                "endorsed_at": p.endorsed_at,
                "session_id": p.session_id,
                "version": version.number,
                "run": version.run.number,
                "selected": version.selected,
                "lock_in": version.lock_in,
                "lock_out": version.lock_out,
                "objective": version.objective,
                "robustness": _version_robustness_out(version),
            }
        )
    return out


def _version_robustness_out(version: Any) -> dict[str, Any] | None:
    shown = selectors.version_robustness(version)
    job = shown.job
    if job is None:
        return None
    found = robustness_readout(job)
    return {
        "basis": shown.basis,
        "status": job.status,
        "done": job.done,
        "samples": job.samples,
        "base_package_share": found.base_package_share if found else None,
        "selection_probability": found.selection_probability if found else None,
    }
