"""A run's or a package version's robustness panel: starting, polling and cancelling the
computation, and the panel's contents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.core.htmx import login_required_htmx

from .. import selectors
from ..models import ActionPackage, PackageVersion, RobustnessJob, Run
from ..readouts import robustness_readout
from ..selectors import (
    robustness_applies,
    robustness_latest,
    version_robustness,
    version_robustness_applies,
)
from ..services import (
    robustness_cancel,
)
from ..tasks import robustness_queue
from ..wording import weights_moved_text
from .lookups import package_of, run_of


@login_required
@require_POST
def robustness_cancel_view(request: SignedInRequest, slug: str, job: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    found = selectors.robustness_job_get(user=request.user, city=city, pk=job)
    try:
        outcome = robustness_cancel(actor=request.user, job=found)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The robustness computation was cancelled.")
            if outcome == "cancelled"
            else _("The robustness computation is stopping."),
        )
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    session = found.run.session
    return redirect("planning:run", slug=city.slug, pk=session.pk, number=found.run.number)


@login_required
@require_POST
def robustness_start(request: SignedInRequest, slug: str, pk: int, number: int) -> HttpResponse:
    city, session, run = run_of(request, slug, pk, number, Level.EDIT)
    if not run.is_done:
        messages.error(request, _("This run has not finished yet."))
    else:
        robustness_start_and_say(request, run, applies=robustness_applies(run))
    return redirect("planning:run", slug=city.slug, pk=session.pk, number=run.number)


def robustness_start_and_say(
    request: HttpRequest, run: Run, version: PackageVersion | None = None, *, applies: bool
) -> None:
    """Queue robustness (a run's optimum, or a version's own) and say what happened."""
    if not applies:
        messages.error(request, _("This run has no package to test: robustness does not apply."))
    elif robustness_queue(run, version) is None:
        # A second click while one is under way would only queue the same work twice.
        messages.info(request, _("Robustness is being computed; this page shows its progress."))
    else:
        messages.success(request, _("Robustness is being computed; this page shows its progress."))


@login_required_htmx
@require_GET
def robustness_status(request: SignedInRequest, slug: str, pk: int, number: int) -> HttpResponse:
    city, _session, run = run_of(request, slug, pk, number, Level.VIEW)
    context = robustness_context(run, robustness_latest(run))
    context["can_edit"] = city_policy.allows(request.user, city, Level.EDIT)
    return render(request, "planning/partials/_robustness.html", context)


def robustness_context(
    run: Run, job: RobustnessJob | None, *, urls: tuple[str, str] | None = None
) -> dict[str, object]:
    """The robustness panel for one job of `run` (its optimum's, or a package version's):
    the actions by how often they are chosen, and where the panel polls and starts (`urls`:
    status and start; by default the run's own)."""
    rows = []
    never = 0
    found = robustness_readout(job)
    if job is not None and found is not None:
        names = {a["id"]: a["name"] for a in run.input["problem"]["actions"]}
        probs = found.selection_probability
        # Every action chosen at least once, and those locked by hand (a lock out reads 0%);
        # the candidates never chosen are counted, not listed (hundreds, at a thousand).
        locked = set(job.version.lock_in + job.version.lock_out) if job.version else set()
        rows = sorted(
            (
                {"code": c, "name": names.get(c, c), "p": p}
                for c, p in probs.items()
                if p > 0 or c in locked
            ),
            key=lambda r: (-r["p"], r["code"]),
        )
        never = len(probs) - len(rows)
    if urls is None:
        args = (run.session.city.slug, run.session.pk, run.number)
        urls = (
            reverse("planning:robustness_status", args=args),
            reverse("planning:robustness_start", args=args),
        )
    cancel_url = (
        reverse("planning:robustness_cancel", args=(run.session.city.slug, job.pk))
        if job is not None and job.status in (job.Status.QUEUED, job.Status.RUNNING)
        else ""
    )
    return {
        "job": job,
        "moved": weights_moved_text(run.input),
        "rows": rows,
        "never": never,
        "status_url": urls[0],
        "start_url": urls[1],
        "cancel_url": cancel_url,
        # Where a cancelled computation's page returns to: the run's page by default.
        "back_url": reverse(
            "planning:run", args=(run.session.city.slug, run.session.pk, run.number)
        ),
    }


def package_robustness_panel(
    package: ActionPackage, current: PackageVersion | None = None
) -> dict[str, object]:
    """A package's robustness panel is its current version's, polled and started here: the
    version's own when it was adjusted by hand ("version"), else the run's optimum it was
    saved from ("run"). A version adjusted before it had robustness of its own shows the
    run's in the meantime, saying so ("stand_in"), as the report does."""
    current = current or package.current
    assert current is not None
    shown = version_robustness(current)
    args = (package.city.slug, package.pk)
    urls = (
        reverse("planning:package_robustness_status", args=args),
        reverse("planning:package_robustness_start", args=args),
    )
    context = robustness_context(current.run, shown.job, urls=urls)
    context |= {
        "back_url": package.get_absolute_url(),
        "applies": version_robustness_applies(current) or robustness_applies(current.run),
        "basis": shown.basis,
        "version_number": current.number,
        "run_number": current.run.number,
    }
    return context


@login_required
@require_POST
def package_robustness_start(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    _city, package = package_of(request, slug, pk, Level.EDIT)
    current = package.current
    assert current is not None
    if version_robustness_applies(current):  # adjusted by hand: the version's own
        robustness_start_and_say(request, current.run, current, applies=True)
    else:
        robustness_start_and_say(request, current.run, applies=robustness_applies(current.run))
    return redirect(package.get_absolute_url())


@login_required_htmx
@require_GET
def package_robustness_status(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, package = package_of(request, slug, pk, Level.VIEW)
    context = package_robustness_panel(package)
    context["can_edit"] = city_policy.allows(request.user, city, Level.EDIT)
    return render(request, "planning/partials/_robustness.html", context)
