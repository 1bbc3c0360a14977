"""Writes for prioritisation: sessions, stakeholders' weights, and runs of the engine.

A run stores the exact engine input (`build_input`) next to its result (`compute_run`, a pure
function of that input), so any earlier run can be reopened and reproduced exactly."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.catalogue.models import Sector
from recap.catalogue.selectors import candidate_values
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.core.work import (
    work_cancel,
)
from recap.engine.value import CRITERIA

from .futures import future_inputs
from .models import (
    PrioritisationSession,
    RobustnessJob,
    Run,
    StakeholderWeights,
)
from .selectors import next_run_weights, weight_shares
from .tasks import PENDING, run_enqueue

SESSION_FIELDS = (
    "title",
    "gamma_short",
    "gamma_medium",
    "overrun_correlation",
    "cost_distribution",
    "weights",
    "budget_short_usd",
    "budget_medium_usd",
    "staff_fte",
    "min_per_sector",
    "max_actions",
    "weight_spread",
    "must_include",
    "must_exclude",
)


EDITORS_ONLY = gettext_lazy("Only the city's editors can run its prioritisation.")


def weights_problem(weights: Any, *, every_criterion: bool) -> str | None:
    """What is wrong with a set of criterion weights (points), in words, or None. A
    stakeholder names every criterion; a session may leave some out (they weigh 0)."""
    if not isinstance(weights, dict):
        return _("Give each criterion a weight of 0 or more.")
    names = set(weights)
    if names - set(CRITERIA) or (every_criterion and names != set(CRITERIA)):
        return _("Give each criterion a weight of 0 or more.")
    if any(
        isinstance(w, bool) or not isinstance(w, int | float) or w < 0 for w in weights.values()
    ):
        return _("Give each criterion a weight of 0 or more.")
    if sum(weights.values()) <= 0:
        return _("At least one criterion needs a weight above 0.")
    return None


def _check(session: PrioritisationSession, candidate_codes: set[str]) -> None:
    errors: dict[str, str] = {}
    if problem := weights_problem(session.weights, every_criterion=False):
        errors["weights"] = problem
    unknown = [s for s in session.min_per_sector if s not in Sector.values]
    if unknown:
        errors["min_per_sector"] = _("Unknown sector: %(s)s.") % {"s": ", ".join(unknown)}
    for field in ("must_include", "must_exclude"):
        stray = [c for c in getattr(session, field) if c not in candidate_codes]
        if stray:
            errors[field] = _("Not among the session's candidates: %(c)s.") % {
                "c": ", ".join(stray)
            }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_create(
    *, actor: User, city: City, candidates: list[Any], **values: Any
) -> PrioritisationSession:
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    session = _save_settings(PrioritisationSession(city=city, created_by=actor), candidates, values)
    audit(actor=actor, verb="session.create", target=session, city=city)
    return session


@transaction.atomic
def session_update(
    *, actor: User, session: PrioritisationSession, candidates: list[Any], **values: Any
) -> PrioritisationSession:
    """Change a session's settings; earlier runs keep the input they were made with."""
    city_policy.require(actor, session.city, Level.EDIT, EDITORS_ONLY)
    _save_settings(session, candidates, values)
    audit(
        actor=actor,
        verb="session.update",
        target=session,
        city=session.city,
        detail={"fields": sorted(values)},
    )
    return session


def _too_many_candidates(count: int) -> str | None:
    cap = settings.RECAP_SESSION_MAX_CANDIDATES
    if count <= cap:
        return None
    return _(
        "A session takes at most %(cap)s candidate actions; this one has %(n)s. Choose the "
        "candidates the workshop will really weigh."
    ) % {
        "cap": number_format(cap, force_grouping=True),
        "n": number_format(count, force_grouping=True),
    }


def _save_settings(
    session: PrioritisationSession, candidates: list[Any], values: dict[str, Any]
) -> PrioritisationSession:
    """Validate and store a session's settings and candidates (shared by create and update)."""
    if any(c.city_id != session.city_id for c in candidates):
        raise ValidationError({"candidates": _("Candidates must be the city's own.")})
    if too_many := _too_many_candidates(len(candidates)):
        raise ValidationError({"candidates": too_many})
    for field, value in values.items():
        if field not in SESSION_FIELDS:
            raise ValueError(f"not a session field: {field}")
        setattr(session, field, value)
    session.full_clean()
    _check(session, {c.code for c in candidates})
    session.save()
    session.candidates.set(candidates)
    return session


@transaction.atomic
def stakeholder_weights_set(
    *, actor: User, session: PrioritisationSession, name: str, weights: dict[str, float]
) -> StakeholderWeights:
    city_policy.require(actor, session.city, Level.EDIT, EDITORS_ONLY)
    if problem := weights_problem(weights, every_criterion=True):
        raise ValidationError({"weights": problem})
    entry, _created = StakeholderWeights.objects.update_or_create(
        session=session, name=name.strip(), defaults={"weights": weights}
    )
    audit(
        actor=actor,
        verb="session.stakeholder",
        target=session,
        city=session.city,
        detail={"name": name},
    )
    return entry


def build_input(session: PrioritisationSession) -> dict[str, Any]:
    """Everything a run needs, from the database, as plain JSON."""
    candidates = list(session.candidates.select_related("source").order_by("code"))
    valued = {
        v.candidate.code: v for v in candidate_values(candidates=candidates, city=session.city)
    }
    stakeholders = list(session.stakeholders.all())
    weights = list(next_run_weights(session, stakeholders).shares.values())
    actions = []
    for c in candidates:
        budget = "capex_short" if c.phase == "short" else "capex_medium"
        action: dict[str, Any] = {
            "id": c.code,
            "name": c.title,
            "value": 0.0,
            "uses": {budget: float(c.local_cost_usd), "staff_fte": float(c.staff_fte)},
            "sector": c.sectors[0] if c.sectors else "",
            # Every sector the action serves counts towards the sector minimums.
            "sectors": list(c.sectors[1:]),
            "phase": c.phase,
        }
        # Its cost range (the city's own, else its reference class's): budget risk and Γ.
        spread = c.cost_range
        if spread.has_spread:
            action["uses_low"] = {budget: spread.low}
            action["uses_high"] = {budget: spread.high}
        if spread.reference_class is not None:
            action["reference_class"] = spread.reference_class.code
        actions.append(action)
    problem: dict[str, Any] = {
        "resources": {
            "capex_short": float(session.budget_short_usd),
            "capex_medium": float(session.budget_medium_usd),
            "staff_fte": float(session.staff_fte),
        },
        "actions": actions,
        "min_per_sector": dict(session.min_per_sector),
        "must_include": list(session.must_include),
        "must_exclude": list(session.must_exclude),
    }
    if session.max_actions is not None:
        problem["max_actions"] = session.max_actions
    gamma = {
        name: k
        for name, k in (
            ("capex_short", session.gamma_short),
            ("capex_medium", session.gamma_medium),
        )
        if k
    }
    if gamma:
        problem["robust"] = {"gamma": gamma}
    futures, future_scores = future_inputs(session, candidates)
    extra: dict[str, Any] = {"futures": futures, "future_scores": future_scores} if futures else {}
    risk: dict[str, Any] = {}
    if session.overrun_correlation:
        risk["correlation"] = session.overrun_correlation / 100
    if session.cost_distribution != "triangular":
        risk["distribution"] = session.cost_distribution
    if risk:
        extra["risk"] = risk
    return extra | {
        "problem": problem,
        "criteria": list(CRITERIA),
        "weights": weights,
        "stakeholders": {s.name: weight_shares(s.weights) for s in stakeholders},
        "weight_spread": session.weight_spread / 100,
        "scores": {
            code: [v.breakdown["scores"][c] for c in CRITERIA] for code, v in valued.items()
        },
    }


@transaction.atomic
def session_run(*, actor: User, session: PrioritisationSession) -> Run:
    """Store the run's input now and queue the engine: the page shows its progress, and the
    result (then its robustness) lands when the background worker is done. Asking again while
    an identical run is still pending returns that run instead of queueing the work twice."""
    city_policy.require(actor, session.city, Level.EDIT, EDITORS_ONLY)
    # The city's row, locked to the commit: runs pressed at once are counted against the
    # city's limit, numbered and compared with those pending one after the other, never
    # side by side (which let a city exceed its limit and two runs take one number).
    city = City.objects.select_for_update().get(pk=session.city_id)
    candidates = {c.code for c in session.candidates.all()}
    if not candidates:
        raise ValidationError(_("Choose at least one candidate action before running."))
    if too_many := _too_many_candidates(len(candidates)):
        raise ValidationError(too_many)
    # A locked candidate may have been removed from the city since the session was set up.
    for field, label in (("must_include", _("locked in")), ("must_exclude", _("locked out"))):
        gone = [code for code in getattr(session, field) if code not in candidates]
        if gone:
            raise ValidationError(
                _(
                    "%(codes)s is %(lock)s but no longer among the session's candidates: "
                    "change the session first."
                )
                % {"codes": ", ".join(gone), "lock": label}
            )
    data = build_input(session)
    # A second click while the same run is still waiting or working would only repeat it.
    for pending in session.runs.filter(status__in=PENDING):
        if pending.input == data:
            return pending
    # One city cannot fill the queue: a few runs waiting or working at a time, then wait.
    waiting = Run.objects.filter(session__city=city, status__in=PENDING).count()
    cap = settings.RECAP_PENDING_RUNS_PER_CITY
    if waiting >= cap:
        raise ValidationError(
            _(
                "%(city)s already has %(n)d runs waiting or being computed, the most at once. "
                "Wait for one to finish, or cancel one."
            )
            % {"city": city.name, "n": waiting}
        )
    last = session.runs.aggregate(n=Max("number"))["n"] or 0
    run = Run.objects.create(session=session, number=last + 1, input=data, created_by=actor)
    audit(actor=actor, verb="session.run", target=run, city=session.city)
    # Queued in the same transaction as the run: the worker never sees one without the other.
    # (An immediate backend, as in the tests, computes it here and now.)
    run_enqueue(run)
    run.refresh_from_db()
    return run


@transaction.atomic
def run_cancel(*, actor: User, run: Run) -> str:
    """Stop a run: one still queued is cancelled at once; one being computed is asked to stop
    and its worker stops it within a second or so. Returns 'cancelled' or 'stopping'."""
    city_policy.require(actor, run.session.city, Level.EDIT, EDITORS_ONLY)
    outcome = work_cancel(Run, run.pk)
    if outcome is None:
        raise ValidationError(
            _("Run %(n)d has already finished: there is nothing to cancel.") % {"n": run.number}
        )
    audit(actor=actor, verb="run.cancel", target=run, city=run.session.city)
    run.refresh_from_db()
    return outcome


@transaction.atomic
def robustness_cancel(*, actor: User, job: RobustnessJob) -> str:
    """Stop a robustness computation, as `run_cancel` does a run."""
    city_policy.require(actor, job.run.session.city, Level.EDIT, EDITORS_ONLY)
    outcome = work_cancel(RobustnessJob, job.pk)
    if outcome is None:
        raise ValidationError(_("This computation has already finished."))
    audit(actor=actor, verb="robustness.cancel", target=job, city=job.run.session.city)
    job.refresh_from_db()
    return outcome
