"""Background work of the prioritisation: each run of the engine, then the package's
robustness over many re-optimisations. Both report progress to the database."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from recap.engine.robustness import package_robustness

from .compute import problem_valued, stakeholder_blends
from .models import RobustnessJob, Run


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
    within ±50 % of the one used. Actions locked in or out by hand (a package version) stay so
    in every re-optimisation."""
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
        spec["weight_ranges"] = {
            c: [0.5 * w, 1.5 * w] for c, w in zip(criteria, run_input["weights"], strict=True)
        }
    return spec


@task()
def run_compute(run_id: int) -> None:
    from .services import run_execute  # services queues this task: imported here, not above

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
        status=RobustnessJob.Status.RUNNING
    )
    if not claimed:
        return

    def progress(done: int, total: int) -> None:
        RobustnessJob.objects.filter(pk=job.pk).update(done=done)

    try:
        version = job.version
        spec = robustness_spec(
            job.run.input,
            job.run.outcome["values"],
            samples=job.samples,
            lock_in=version.lock_in if version else (),
            lock_out=version.lock_out if version else (),
        )
        result = package_robustness(spec, progress=progress)
    except Exception as exc:
        RobustnessJob.objects.filter(pk=job.pk, status=RobustnessJob.Status.RUNNING).update(
            status=RobustnessJob.Status.FAILED,
            failure=RobustnessJob.Failure.ERROR,
            error=f"{type(exc).__name__}: {exc}"[:500],
        )
        raise
    # Only a job still running takes its result: one marked failed meanwhile stays so.
    RobustnessJob.objects.filter(pk=job.pk, status=RobustnessJob.Status.RUNNING).update(
        status=RobustnessJob.Status.DONE, result=result, done=job.samples
    )
