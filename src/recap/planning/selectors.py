from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.http import Http404
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from recap.accounts.types import Reader
from recap.cities.models import City
from recap.engine import derive_weights
from recap.engine.value import CRITERIA

from .labels import RESOURCE_LABELS, criterion_label, sector_label
from .models import (
    ActionPackage,
    PackageVersion,
    PrioritisationSession,
    RobustnessJob,
    Run,
    StakeholderWeights,
)
from .policies import package_policy, run_policy, session_policy
from .readouts import package_readout
from .wording import bounds_text, cannot_text, kept_out_text, status_text

# Stakeholders whose shares for one criterion differ by this much or more disagree enough
# for the workshop to discuss it before relying on the average.
WIDE_SPREAD = 0.15


def session_list(*, user: Reader, city: City) -> list[PrioritisationSession]:
    sessions = session_policy.queryset(user).filter(city=city)
    return list(sessions.select_related("city").prefetch_related("candidates", "runs"))


def session_get(*, user: Reader, city: City, pk: int) -> PrioritisationSession:
    try:
        return session_policy.queryset(user).select_related("city").get(city=city, pk=pk)
    except PrioritisationSession.DoesNotExist as exc:
        raise Http404("No such session") from exc


def run_get(*, user: Reader, session: PrioritisationSession, number: int) -> Run:
    try:
        return run_policy.queryset(user).get(session=session, number=number)
    except Run.DoesNotExist as exc:
        raise Http404("No such run") from exc


def robustness_job_get(*, user: Reader, city: City, pk: int) -> RobustnessJob:
    """A robustness job of one of the city's runs the user may see; anything else is a 404."""
    runs = run_policy.queryset(user).filter(session__city=city)
    try:
        return RobustnessJob.objects.select_related("run__session__city").get(pk=pk, run__in=runs)
    except RobustnessJob.DoesNotExist as exc:
        raise Http404("No such computation") from exc


def _worst_case(package: dict[str, Any], resources: list[Any]) -> list[Any] | None:
    """Per resource of the usage table (its order), the worst-case use and its Γ (0: none);
    None for a run without Γ."""
    robust = package.get("robust") or {}
    if not robust.get("worst_case_usage"):
        return None
    worst, gamma = robust["worst_case_usage"], robust.get("gamma", {})
    return [
        {
            "name": u.name,
            "used": u.used,
            "limit": u.limit,
            "worst": worst.get(u.code),
            "gamma": gamma.get(u.code, 0),
        }
        for u in resources
    ]


def run_view(run: Run) -> dict[str, Any]:
    """A stored run arranged for its page: the package by phase, ranking, reasons, frontier."""
    result = run.outcome
    readout = package_readout(run)
    actions = readout.actions
    package = result["package"]
    selected = set(package["selected"])
    explanations = result.get("explanations", {})
    ranking = [
        {
            "rank": i + 1,
            "code": code,
            "name": actions[code].name,
            "value": actions[code].value,
            "selected": code in selected,
            "phase": actions[code].phase,
            "why": explanations.get(code, {}),
            "why_out": kept_out_text(explanations.get(code, {})),
            "why_cannot": cannot_text(code, explanations.get(code, {})),
            "why_bounds": bounds_text(explanations.get(code, {})),
            "first_rank": (result.get("rank_robustness") or {})
            .get("first_rank_acceptability", {})
            .get(code),
        }
        for i, code in enumerate(result["ranking"])
    ]
    return {
        "status_text": status_text(package),
        "by_phase": readout.by_phase,
        "ranking": ranking,
        "usage": readout.resources,
        # With Γ: each resource's use if the Γ largest overruns of the package happen at once.
        "worst_case": _worst_case(package, readout.resources),
        "package": package,
        "frontiers": result.get("frontiers", {}),
    }


@dataclass(frozen=True)
class WeightsUsed:
    """The weights a run uses (or used), as shares by criterion, and where they come from:
    the average of `stakeholders` people's own weights, or the session's (stakeholders 0).
    `people`: each stakeholder's shares by criterion, where known (a stored run)."""

    shares: dict[str, float]
    stakeholders: int
    people: dict[str, dict[str, float]] = field(default_factory=dict)


def weight_shares(weights: dict[str, float]) -> list[float]:
    """Weights (points, each criterion's or 0) as shares summing to 1, in CRITERIA order."""
    total = sum(weights.get(c, 0.0) for c in CRITERIA)
    return [weights.get(c, 0.0) / total for c in CRITERIA]


def next_run_weights(
    session: PrioritisationSession, people: list[StakeholderWeights] | None = None
) -> WeightsUsed:
    """The weights the session's next run will use: once any stakeholder has entered weights,
    their average replaces the session's own (`people`: the stakeholders, if already read)."""
    if people is None:
        people = list(session.stakeholders.all())
    if people:
        vectors = [weight_shares(p.weights) for p in people]
        shares = [sum(col) / len(vectors) for col in zip(*vectors, strict=True)]
    else:
        shares = weight_shares(session.weights)
    return WeightsUsed(dict(zip(CRITERIA, shares, strict=True)), len(people))


def run_weights(run: Run) -> WeightsUsed:
    """The weights a run used, and each stakeholder's, as stored with it (page, PDF, XLSX)."""
    data = run.input
    people = {
        name: dict(zip(data["criteria"], w, strict=True))
        for name, w in (data.get("stakeholders") or {}).items()
    }
    return WeightsUsed(
        dict(zip(data["criteria"], data["weights"], strict=True)), len(people), people
    )


def stakeholder_spread(session: PrioritisationSession) -> dict[str, Any] | None:
    """Each stakeholder's weights as shares, the average the run will use, and the spread
    (lowest to highest share) of every criterion, from the engine's own aggregation."""
    people = list(session.stakeholders.all())
    if not people:
        return None
    out = derive_weights(
        {
            "method": "direct",
            "criteria": list(CRITERIA),
            "stakeholders": [
                {"id": p.name, "weights": {c: p.weights.get(c, 0.0) for c in CRITERIA}}
                for p in people
            ],
        }
    )
    rows = []
    for c in CRITERIA:
        spread = out["spread"][c]
        rows.append(
            {
                "criterion": c,
                "named": [(p.name, out["stakeholders"][p.name]["weights"][c]) for p in people],
                "used": out["weights"][c],
                "low": spread["min"],
                "high": spread["max"],
                "wide": spread["max"] - spread["min"] >= WIDE_SPREAD,
            }
        )
    return {"people": people, "rows": rows}


def runs_compare(a: Run, b: Run) -> dict[str, Any]:
    """Two runs side by side: every setting (those that differ marked), the total value, and
    each action in or out of either package."""

    def whole(x: float) -> str:
        return number_format(x, decimal_pos=0, use_l10n=True, force_grouping=True)

    def settings(run: Run) -> dict[str, str]:
        problem = run.input["problem"]
        out = {str(_("Total value")): number_format(run.outcome["package"]["objective"], 1)}
        for name, limit in problem["resources"].items():
            out[str(RESOURCE_LABELS.get(name, name))] = whole(limit)
        for c, w in zip(run.input.get("criteria", []), run.input.get("weights", []), strict=False):
            out[str(_("Weight: %(c)s") % {"c": criterion_label(c)})] = f"{round(100 * w)}%"
        out[str(_("Largest package size"))] = str(problem.get("max_actions") or "—")
        out[str(_("Minimum actions per sector"))] = (
            ", ".join(
                f"{n} × {sector_label(sec)}"
                for sec, n in sorted(problem.get("min_per_sector", {}).items())
            )
            or "—"
        )
        out[str(_("Must be in"))] = ", ".join(problem.get("must_include", [])) or "—"
        out[str(_("Must be left out"))] = ", ".join(problem.get("must_exclude", [])) or "—"
        return out

    left, right = settings(a), settings(b)
    # Every setting either run has (a run made before a criterion existed lacks its weight).
    labels = list(left) + [k for k in right if k not in left]
    setting_rows = [
        {
            "label": k,
            "a": left.get(k, "—"),
            "b": right.get(k, "—"),
            "changed": left.get(k, "—") != right.get(k, "—"),
        }
        for k in labels
    ]
    chosen_a, chosen_b = (
        set(a.outcome["package"]["selected"]),
        set(b.outcome["package"]["selected"]),
    )
    names = {x["id"]: x["name"] for run in (a, b) for x in run.input["problem"]["actions"]}
    rows = [
        {"code": code, "name": names[code], "a": code in chosen_a, "b": code in chosen_b}
        for code in sorted(names)
    ]
    return {
        "settings": setting_rows,
        "rows": rows,
        "changed": [r for r in rows if r["a"] != r["b"]],
    }


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


def locks_of(version: PackageVersion) -> tuple[list[str], list[str]]:
    return sorted(version.lock_in), sorted(version.lock_out)


def robustness_latest(
    run: Run, version: PackageVersion | None = None, *, done: bool = False
) -> RobustnessJob | None:
    """The newest robustness job of a run's optimum (no version), or of a package version: its
    own, or that of any version of the same run with the same locks (same input, same result),
    so re-making a version does not compute it again. `done`: finished jobs only.

    Reads the run's jobs prefetched with their versions (package_list does) when they are."""
    prefetched = getattr(run, "_prefetched_objects_cache", {}).get("robustness_jobs")
    jobs = list(
        prefetched if prefetched is not None else run.robustness_jobs.select_related("version")
    )
    jobs.sort(key=lambda j: (j.created_at, j.pk), reverse=True)
    if done:
        jobs = [j for j in jobs if j.status == RobustnessJob.Status.DONE]
    if version is None:
        return next((j for j in jobs if j.version_id is None), None)
    locks = locks_of(version)
    return next(
        (j for j in jobs if j.version is not None and locks_of(j.version) == locks),
        None,
    )


def package_list(*, user: Reader, city: City) -> list[ActionPackage]:
    """A city's packages, each with its versions newest first (`versions.all()[0]` is the
    current one), their runs and the runs' robustness jobs, in four queries however many
    there are."""
    newest_first = PackageVersion.objects.select_related("run").order_by("-number")
    jobs = RobustnessJob.objects.select_related("version")
    packages = package_policy.queryset(user).filter(city=city).select_related("session")
    return list(
        packages.prefetch_related(
            Prefetch("versions", queryset=newest_first),
            Prefetch("versions__run__robustness_jobs", queryset=jobs),
        )
    )


def package_get(*, user: Reader, city: City, pk: int) -> ActionPackage:
    try:
        return package_policy.queryset(user).select_related("session", "city").get(city=city, pk=pk)
    except ActionPackage.DoesNotExist as exc:
        raise Http404("No such package") from exc


@dataclass(frozen=True)
class ShownRobustness:
    """Which robustness a package version shows, and why: "version" (its own, computed with
    its locks held), "run" (a version that is its run's optimum shows the run's), or
    "stand_in" (a version adjusted by hand whose own is not there yet shows its run's,
    saying so). `job` may be None: nothing computed yet."""

    basis: str
    job: RobustnessJob | None


def version_robustness(version: PackageVersion, *, done: bool = False) -> ShownRobustness:
    """The one answer to "whose robustness does this version show?", for its page and its
    reports alike (`done`: finished jobs only, as a report wants)."""
    if not version_robustness_applies(version):
        return ShownRobustness("run", robustness_latest(version.run, done=done))
    own = robustness_latest(version.run, version, done=done)
    if own is not None:
        return ShownRobustness("version", own)
    stand_in = robustness_latest(version.run, done=done)
    return ShownRobustness("stand_in" if stand_in is not None else "version", stand_in)
