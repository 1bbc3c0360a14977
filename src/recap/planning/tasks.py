"""Background work of the prioritisation: each run of the engine, then the package's
robustness over many re-optimisations. Both report progress to the database, stop within a
second when cancelled or when their worker shuts down (then going back to the queue), and go
to the queue their size calls for: work on up to `RECAP_LONG_WORK_CANDIDATES` candidates to
'short', larger work to 'long', so a worker kept for short work never waits behind a long run.
Within a queue, a city's first piece of pending work comes before another city's second.

Also here: the e-mail telling a city's coordinators that a package awaits their endorsement
(queued with the change that calls for it, sent by a worker)."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from recap.accounts.models import Role
from recap.accounts.selectors import city_people
from recap.core.mail import Addressee, mail_each, reachable, site_link
from recap.core.models import WorkStatus
from recap.core.work import (
    claimer_id,
    stop_check,
    work_cancel_requested,
    work_failed,
    work_stopped,
)
from recap.engine.errors import Stopped
from recap.engine.robustness import package_robustness

from .charts import run_frontiers
from .compute import compute_run, problem_valued, stakeholder_blends
from .models import ActionPackage, PackageVersion, PrioritisationSession, RobustnessJob, Run
from .selectors import (
    locks_of,
    robustness_applies,
    robustness_latest,
    version_robustness_applies,
)

log = logging.getLogger(__name__)
PENDING = (WorkStatus.QUEUED, WorkStatus.RUNNING)


def work_queue(run_input: dict[str, Any]) -> str:
    """'long' for work on more than `RECAP_LONG_WORK_CANDIDATES` candidates, else 'short'."""
    size = len(run_input["problem"]["actions"])
    return "long" if size > settings.RECAP_LONG_WORK_CANDIDATES else "short"


def work_priority(city_id: int) -> int:
    """0 for a city's only pending piece of work, -1 when it has another one, and so on:
    the queue takes higher priorities first, so cities take turns."""
    pending = (
        Run.objects.filter(session__city_id=city_id, status__in=PENDING).count()
        + RobustnessJob.objects.filter(run__session__city_id=city_id, status__in=PENDING).count()
    )
    return max(-100, min(0, 1 - pending))


def run_enqueue(run: Run) -> None:
    run_compute.using(
        queue_name=work_queue(run.input), priority=work_priority(run.session.city_id)
    ).enqueue(run.pk)


def robustness_enqueue(job: RobustnessJob) -> None:
    robustness_compute.using(
        queue_name=work_queue(job.run.input), priority=work_priority(job.run.session.city_id)
    ).enqueue(job.pk)


def robustness_spec(
    run_input: dict[str, Any],
    values: dict[str, float],
    *,
    samples: int,
    lock_in: list[str] | tuple[str, ...] = (),
    lock_out: list[str] | tuple[str, ...] = (),
) -> dict[str, Any]:
    """The engine's robustness input for a run. With two or more stakeholders, the weights move
    within their spread: the engine draws its samples from as many random blends of their own
    weightings (uniform over every mix of them, seeded), not from the few weightings alone,
    which with three people allowed at most three packages. Otherwise every weight is free
    within the session's spread (±50 % unless set) of the one used. Actions locked in or out
    by hand (a package version) stay so in every re-optimisation."""
    criteria = run_input["criteria"]
    spec: dict[str, Any] = {
        "problem": problem_valued(run_input, values, lock_in, lock_out),
        "criteria": criteria,
        "scores": run_input["scores"],
        "weights": run_input["weights"],
        "samples": samples,
        "seed": 1,
        "time_limit": 10,
    }
    people = run_input.get("stakeholders") or {}
    if len(people) >= 2:
        spec["weight_samples"] = stakeholder_blends(people, samples)
    else:
        spread = run_input.get("weight_spread", PrioritisationSession.DEFAULT_SPREAD / 100)
        spec["weight_ranges"] = {
            c: [(1 - spread) * w, (1 + spread) * w]
            for c, w in zip(criteria, run_input["weights"], strict=True)
        }
    return spec


def endorsement_requested(package: ActionPackage) -> None:
    """A package awaits endorsement (saved, or back to draft after a change): its city's
    coordinators are told by e-mail, each in the language they last chose on the site (or the
    one the package was saved in); "My work" lists it for them too (planning.dashboard)."""
    endorsement_mail.using(queue_name="short").enqueue(package.pk, translation.get_language())


@task()
def endorsement_mail(package_id: int, language: str | None) -> None:
    package = (
        ActionPackage.objects.select_related("city", "created_by").filter(pk=package_id).first()
    )
    if package is None or package.status != ActionPackage.Status.DRAFT:
        return  # deleted, or endorsed meanwhile: nothing awaits anyone
    coordinators = city_people(city_id=package.city_id, roles=(Role.CITY_COORDINATOR,))

    def compose(person: Addressee) -> tuple[str, str]:
        # Each in the language they chose on the site; else in the one the package was saved in.
        subject = _("%(city)s: a package awaits your endorsement") % {"city": package.city.name}
        body = _(
            "%(who)s saved the package “%(name)s” for %(city)s. It awaits your "
            "endorsement:\n\n%(url)s\n\nYou see it under “My work” too."
        ) % {
            "who": package.created_by.display_name if package.created_by else _("Someone"),
            "name": package.name,
            "city": package.city.name,
            "url": site_link(package.get_absolute_url()),
        }
        return subject, body

    # One message per person: no coordinator sees another's address.
    mail_each(reachable(coordinators), compose, language=language)


@task()
def run_compute(run_id: int) -> None:
    run = Run.objects.filter(pk=run_id).first()
    if run is not None:  # a run deleted meanwhile (with its session) has nothing left to do
        run_execute(run)


@task()
def robustness_compute(job_id: int) -> None:
    job = RobustnessJob.objects.select_related("run", "version").filter(pk=job_id).first()
    if job is not None:
        robustness_execute(job)


def robustness_execute(job: RobustnessJob) -> None:
    """Compute a queued robustness job with progress; a job no longer queued is left alone."""
    claimed = RobustnessJob.objects.filter(pk=job.pk, status=RobustnessJob.Status.QUEUED).update(
        status=RobustnessJob.Status.RUNNING, worker_id=claimer_id()
    )
    if not claimed:
        return

    def progress(done: int, total: int) -> None:
        RobustnessJob.objects.filter(pk=job.pk).update(done=done)

    should_stop = stop_check(lambda: work_cancel_requested(RobustnessJob, job.pk))

    try:
        version = job.version
        spec = robustness_spec(
            job.run.input,
            job.run.outcome["values"],
            samples=job.samples,
            lock_in=version.lock_in if version else (),
            lock_out=version.lock_out if version else (),
        )
        result = package_robustness(spec, progress=progress, should_stop=should_stop)
    except Stopped:
        if work_stopped(RobustnessJob, job.pk, again={"done": 0}) == "queued":
            robustness_enqueue(job)
        return
    except Exception as exc:
        work_failed(RobustnessJob, job.pk, exc)
        raise
    # Only a job still running takes its result: one marked failed meanwhile stays so.
    RobustnessJob.objects.filter(pk=job.pk, status=RobustnessJob.Status.RUNNING).update(
        status=RobustnessJob.Status.DONE, result=result, done=job.samples
    )


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


def partial_writer(run_pk: int) -> Any:
    """Stores what a run has before its explanations (package, ranking, frontier), so its page
    shows the package while every action is being explained."""

    def partial(result: dict[str, Any]) -> None:
        if Run.objects.filter(pk=run_pk, status=Run.Status.RUNNING).update(result=result):
            charts_draw_ahead(run_pk)

    return partial


def charts_draw_ahead(run_pk: int) -> None:
    """Draws a run's frontier charts in every language while the worker has the run, so that
    no page waits for matplotlib (a page draws one itself only if the cache has lost it). A
    chart that cannot be drawn is logged and left to the page: it never fails the run."""
    run = Run.objects.filter(pk=run_pk).first()
    if run is None or not run.result:
        return
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            try:
                run_frontiers(run)
            except Exception:  # drawing is a courtesy to the page, not part of the run
                log.exception("could not draw the charts of run %s ahead", run_pk)


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
            result = compute_run(
                run.input, progress_writer(run.pk), should_stop, partial=partial_writer(run.pk)
            )
        except Stopped:
            fresh = {"stage": "", "done": 0, "total": 0, "result": None}
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
        work_failed(Run, run.pk, exc)
        raise


@transaction.atomic
def version_robustness_queue(version: PackageVersion) -> RobustnessJob | None:
    """A new version adjusted by hand: queue its robustness unless a version of the same run
    with the same locks has it done or under way, and drop what the package's earlier versions
    still had waiting in the queue (superseded: nobody will look at it)."""
    locks = locks_of(version)
    for job in (
        RobustnessJob.objects.filter(
            version__package=version.package, status=RobustnessJob.Status.QUEUED
        )
        .exclude(version=version)
        .select_related("version")
    ):
        if job.version is not None and locks_of(job.version) != locks:
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
