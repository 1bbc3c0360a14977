"""Writes for prioritisation: sessions, stakeholders' weights, and runs of the engine.

A run stores the exact engine input (`build_input`) next to its result (`compute_run`, a pure
function of that input), so any earlier run can be reopened and reproduced exactly."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.catalogue.candidates import candidate_values
from recap.catalogue.models import Sector
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.core.work import (
    claimer_id,
    stop_check,
    work_cancel,
    work_cancel_requested,
    work_stopped,
)
from recap.engine.errors import Stopped
from recap.engine.value import CRITERIA

from .compute import compute_run
from .models import (
    PackageVersion,
    PrioritisationSession,
    RobustnessJob,
    Run,
    StakeholderWeights,
)
from .tasks import PENDING, robustness_enqueue, run_enqueue

SESSION_FIELDS = (
    "title",
    "weights",
    "budget_short_usd",
    "budget_medium_usd",
    "staff_fte",
    "min_per_sector",
    "max_actions",
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
    *, actor: Any, city: City, candidates: list[Any], **values: Any
) -> PrioritisationSession:
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    session = _save_settings(PrioritisationSession(city=city, created_by=actor), candidates, values)
    audit(actor=actor, verb="session.create", target=session, city=city)
    return session


@transaction.atomic
def session_update(
    *, actor: Any, session: PrioritisationSession, candidates: list[Any], **values: Any
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
    ) % {"cap": f"{cap:,}", "n": f"{count:,}"}


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
    *, actor: Any, session: PrioritisationSession, name: str, weights: dict[str, float]
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


def _normalised(weights: dict[str, float]) -> list[float]:
    total = sum(weights.get(c, 0.0) for c in CRITERIA)
    return [weights.get(c, 0.0) / total for c in CRITERIA]


def build_input(session: PrioritisationSession) -> dict[str, Any]:
    """Everything a run needs, from the database, as plain JSON."""
    candidates = list(session.candidates.order_by("code"))
    valued = {
        v.candidate.code: v for v in candidate_values(candidates=candidates, city=session.city)
    }
    stakeholders = list(session.stakeholders.all())
    if stakeholders:
        vectors = [_normalised(s.weights) for s in stakeholders]
        weights = [sum(col) / len(vectors) for col in zip(*vectors, strict=True)]
    else:
        weights = _normalised(session.weights)
    actions = []
    for c in candidates:
        budget = "capex_short" if c.phase == "short" else "capex_medium"
        actions.append(
            {
                "id": c.code,
                "name": c.title,
                "value": 0.0,
                "uses": {budget: float(c.local_cost_usd), "staff_fte": float(c.staff_fte)},
                "sector": c.sectors[0] if c.sectors else "",
                # Every sector the action serves counts towards the sector minimums.
                "sectors": list(c.sectors[1:]),
                "phase": c.phase,
            }
        )
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
    return {
        "problem": problem,
        "criteria": list(CRITERIA),
        "weights": weights,
        "stakeholders": {s.name: _normalised(s.weights) for s in stakeholders},
        "scores": {
            code: [v.breakdown["scores"][c] for c in CRITERIA] for code, v in valued.items()
        },
    }


@transaction.atomic
def session_run(*, actor: Any, session: PrioritisationSession) -> Run:
    """Store the run's input now and queue the engine: the page shows its progress, and the
    result (then its robustness) lands when the background worker is done. Asking again while
    an identical run is still pending returns that run instead of queueing the work twice."""
    city_policy.require(actor, session.city, Level.EDIT, EDITORS_ONLY)
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
    city = session.city
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
def run_cancel(*, actor: Any, run: Run) -> str:
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
def robustness_cancel(*, actor: Any, job: RobustnessJob) -> str:
    """Stop a robustness computation, as `run_cancel` does a run."""
    city_policy.require(actor, job.run.session.city, Level.EDIT, EDITORS_ONLY)
    outcome = work_cancel(RobustnessJob, job.pk)
    if outcome is None:
        raise ValidationError(_("This computation has already finished."))
    audit(actor=actor, verb="robustness.cancel", target=job, city=job.run.session.city)
    job.refresh_from_db()
    return outcome


def progress_writer(run_pk: int, every: float = 0.25) -> Any:
    """A `progress(stage, done, total)` that records how far a run has got, for its page to
    poll: the first step of each stage at once, then at most one write per `every` seconds."""
    last: dict[str, Any] = {"stage": None, "at": 0.0}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage != last["stage"] or now - last["at"] >= every:
            last["stage"], last["at"] = stage, now
            Run.objects.filter(pk=run_pk, status=Run.Status.RUNNING).update(
                stage=stage, done=done, total=total
            )

    return progress


def run_execute(run: Run) -> None:
    """Compute a queued run, telling the database how far it has got; then queue its
    robustness. Safe to call twice: a run that is no longer queued is left alone, and a run
    marked failed meanwhile (a stopped worker) is not overwritten. Cancelled, it stops within
    a second; when its worker shuts down, it goes back to the queue."""
    claimed = Run.objects.filter(pk=run.pk, status=Run.Status.QUEUED).update(
        status=Run.Status.RUNNING, worker_id=claimer_id()
    )
    if not claimed:
        return
    started = time.perf_counter()
    should_stop = stop_check(lambda: work_cancel_requested(Run, run.pk))
    try:
        try:
            result = compute_run(run.input, progress_writer(run.pk), should_stop)
        except Stopped:
            fresh = {"stage": "", "done": 0, "total": 0}
            if work_stopped(Run, run.pk, again=fresh) == "queued":
                run_enqueue(run)
            return
        with transaction.atomic():
            # The result and its robustness job appear together: no page sees one alone.
            finished = Run.objects.filter(pk=run.pk, status=Run.Status.RUNNING).update(
                status=Run.Status.DONE,
                result=result,
                seconds=time.perf_counter() - started,
                stage="",
                done=0,
                total=0,
            )
            run.refresh_from_db()
            if finished and robustness_applies(run):
                robustness_queue(run)
    except Exception as exc:
        Run.objects.filter(pk=run.pk, status=Run.Status.RUNNING).update(
            status=Run.Status.FAILED,
            failure=Run.Failure.ERROR,
            error=f"{type(exc).__name__}: {exc}"[:500],
        )
        raise


def robustness_applies(run: Run) -> bool:
    """Robustness asks how often each action would be chosen: it needs a package to test and
    at least two actions to choose between."""
    return (
        run.is_done
        and run.outcome["package"]["status"] != "infeasible"
        and len(run.outcome["values"]) >= 2
    )


def version_robustness_applies(version: PackageVersion) -> bool:
    """A version adjusted by hand has robustness of its own: its locks hold in every sample.
    A version without locks is the run's optimum, whose robustness is the run's."""
    return bool(version.lock_in or version.lock_out) and robustness_applies(version.run)


def _locks(version: PackageVersion) -> tuple[list[str], list[str]]:
    return sorted(version.lock_in), sorted(version.lock_out)


def robustness_latest(
    run: Run, version: PackageVersion | None = None, *, done: bool = False
) -> RobustnessJob | None:
    """The newest robustness job of a run's optimum (no version), or of a package version: its
    own, or that of any version of the same run with the same locks (same input, same result),
    so re-making a version does not compute it again. `done`: finished jobs only."""
    jobs = run.robustness_jobs.order_by("-created_at", "-pk")
    if done:
        jobs = jobs.filter(status=RobustnessJob.Status.DONE)
    if version is None:
        return jobs.filter(version=None).first()
    locks = _locks(version)
    return next(
        (
            j
            for j in jobs.filter(version__isnull=False).select_related("version")
            if j.version is not None and _locks(j.version) == locks
        ),
        None,
    )


@transaction.atomic
def version_robustness_queue(version: PackageVersion) -> RobustnessJob | None:
    """A new version adjusted by hand: queue its robustness unless a version of the same run
    with the same locks has it done or under way, and drop what the package's earlier versions
    still had waiting in the queue (superseded: nobody will look at it)."""
    locks = _locks(version)
    for job in (
        RobustnessJob.objects.filter(
            version__package=version.package, status=RobustnessJob.Status.QUEUED
        )
        .exclude(version=version)
        .select_related("version")
    ):
        if job.version is not None and _locks(job.version) != locks:
            job.delete()  # its task finds no job and does nothing
    if not version_robustness_applies(version):
        return None
    existing = robustness_latest(version.run, version)
    if existing is not None and existing.status != RobustnessJob.Status.FAILED:
        return existing
    return robustness_queue(version.run, version)


@transaction.atomic
def robustness_queue(run: Run, version: PackageVersion | None = None) -> RobustnessJob | None:
    """Queue package robustness for a finished run (or one of its package versions), unless it
    is already queued or running (the run's row is locked meanwhile, so two requests cannot
    both queue it)."""
    Run.objects.select_for_update().filter(pk=run.pk).first()
    latest = robustness_latest(run, version)
    if latest is not None and latest.status in (
        RobustnessJob.Status.QUEUED,
        RobustnessJob.Status.RUNNING,
    ):
        return None
    job = RobustnessJob.objects.create(
        run=run, version=version, samples=settings.RECAP_ROBUSTNESS_SAMPLES
    )
    robustness_enqueue(job)
    return job
