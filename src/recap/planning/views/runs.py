from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.policies import city_policy
from recap.core.htmx import login_required_htmx

from .. import selectors
from ..charts import run_frontiers
from ..forms import FutureForm, PairwiseForm, StakeholderForm, SwingForm
from ..futures import described, hazards_to_add, register_of
from ..models import Run
from ..packages import package_save
from ..selectors import (
    robustness_applies,
    robustness_latest,
)
from ..services import (
    run_cancel,
    session_run,
)
from ..tasks import PENDING
from ..uncertainty import budget_risk_readout, curve_readout, futures_readout
from ..wording import constraints_summary
from .lookups import run_of, session_of
from .robustness import robustness_context

RANKING_ROWS = 100
CANDIDATES_NAMED = 40


def _session_page(request: HttpRequest, slug: str, pk: int, number: int | None) -> HttpResponse:
    city, session = session_of(request, slug, pk, Level.VIEW)
    # The list of runs needs their numbers and statuses, not their stored input and result
    # (hundreds of KB each at a thousand candidates); the run shown is read whole.
    runs = list(session.runs.defer("input", "result"))
    if number is None and runs:
        number = runs[0].number
    run = selectors.run_get(user=request.user, session=session, number=number) if number else None
    # A run shows its package as soon as it has one; its explanations follow while it runs.
    showing = run is not None and run.result is not None and run.status in ("done", "running")
    view = selectors.run_view(run) if run and showing else None
    ranking_total = len(view["ranking"]) if view else 0
    if view and request.GET.get("rows") != "all":
        # A long ranking opens on its leading rows and every chosen action; the rest on demand.
        view["ranking"] = [r for r in view["ranking"] if r["rank"] <= RANKING_ROWS or r["selected"]]
    frontiers = run_frontiers(run) if run and view else []
    stakeholders = list(session.stakeholders.all())
    register = register_of(city)
    # The setup panel names the first few candidates; the rest are on the session's form.
    candidates = list(session.candidates.order_by("code").only("code", "title")[:CANDIDATES_NAMED])
    candidate_count = session.candidates.count()
    return render(
        request,
        "planning/detail.html",
        {
            "city": city,
            "session": session,
            "runs": runs,
            "run": run,
            "view": view,
            "frontiers": frontiers,
            "risk": budget_risk_readout(run) if run and view else None,
            "curve": curve_readout(run) if run and view else None,
            "futures": futures_readout(run) if run and view else None,
            # Its own ids: the stakeholder form below has a "name" field too.
            "future_form": FutureForm(
                hazards=register, others=hazards_to_add(register), auto_id="future_%s"
            ),
            "session_futures": described(session, register),
            "stakeholders": stakeholders,
            "candidates": candidates,
            "candidate_count": candidate_count,
            "candidates_unnamed": candidate_count - len(candidates),
            "next_weights": selectors.next_run_weights(session, stakeholders),
            "run_weights": selectors.run_weights(run) if run and view else None,
            # A run waiting or working: the Run button waits too.
            "pending": next((r for r in runs if r.status in PENDING), None),
            "spread": selectors.stakeholder_spread(session),
            "constraints": constraints_summary(session),
            "stakeholder_form": StakeholderForm(),
            "pairwise_form": PairwiseForm(auto_id="ahp_%s"),
            "swing_form": SwingForm(auto_id="swing_%s"),
            "can_edit": city_policy.allows(request.user, city, Level.EDIT),
            "robustness": robustness_context(run, robustness_latest(run)) if run and view else {},
            "explaining": bool(run and view and not run.is_done),
            "ranking_total": ranking_total,
            "ranking_rows": RANKING_ROWS,
            "robustness_applies": bool(run and view and robustness_applies(run)),
        },
    )


@login_required
@require_GET
def session_detail(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    return _session_page(request, slug, pk, None)


@login_required
@require_GET
def run_detail(request: SignedInRequest, slug: str, pk: int, number: int) -> HttpResponse:
    return _session_page(request, slug, pk, number)


@login_required
@require_POST
@ratelimit(key="user", rate=lambda g, r: settings.RECAP_API_RUN_RATE, method="POST")  # type: ignore[untyped-decorator]
def run_create(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    """Queue a run; a person may queue as many an hour as through the API."""
    city, session = session_of(request, slug, pk, Level.EDIT)
    try:
        run = session_run(actor=request.user, session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(session.get_absolute_url())
    if run.is_done:
        messages.success(request, _("Run %(n)d is ready.") % {"n": run.number})
    elif run.status != Run.Status.FAILED:
        messages.info(
            request,
            _("Run %(n)d is being computed; this page shows its progress.") % {"n": run.number},
        )
    return redirect("planning:run", slug=city.slug, pk=session.pk, number=run.number)


@login_required
@require_POST
def run_cancel_view(request: SignedInRequest, slug: str, pk: int, number: int) -> HttpResponse:
    city, session, run = run_of(request, slug, pk, number, Level.EDIT)
    try:
        outcome = run_cancel(actor=request.user, run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = {
            "cancelled": _("Run %(n)d was cancelled before it started."),
            "stopping": _("Run %(n)d is stopping; this page shows when it has."),
        }[outcome]
        messages.success(request, done % {"n": run.number})
    return redirect("planning:run", slug=city.slug, pk=session.pk, number=run.number)


@login_required_htmx
@require_GET
def run_status(request: SignedInRequest, slug: str, pk: int, number: int) -> HttpResponse:
    """The progress of a run, polled by its page; once it is done, the page reloads itself."""
    city, session, run = run_of(request, slug, pk, number, Level.VIEW)
    response = render(
        request,
        "planning/partials/_run_progress.html",
        {
            "run": run,
            "city": city,
            "session": session,
            "can_edit": city_policy.allows(request.user, city, Level.EDIT),
        },
    )
    if run.is_done and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def package_save_view(request: SignedInRequest, slug: str, pk: int, number: int) -> HttpResponse:
    city, session, run = run_of(request, slug, pk, number, Level.EDIT)
    name = request.POST.get("name", "").strip()
    if not name:
        messages.error(request, _("Give the package a name."))
        return redirect("planning:run", slug=city.slug, pk=session.pk, number=run.number)
    try:
        package = package_save(
            actor=request.user,
            run=run,
            name=name,
            rationale=request.POST.get("rationale", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("planning:run", slug=city.slug, pk=session.pk, number=run.number)
    messages.success(request, _("The package was saved as a draft."))
    return redirect(package.get_absolute_url())


@login_required
@require_GET
def runs_compare_view(request: SignedInRequest, slug: str, pk: int, a: int, b: int) -> HttpResponse:
    city, session = session_of(request, slug, pk, Level.VIEW)
    left = selectors.run_get(user=request.user, session=session, number=a)
    right = selectors.run_get(user=request.user, session=session, number=b)
    if not (left.is_done and right.is_done):
        messages.error(request, _("Only finished runs can be compared."))
        return redirect(session.get_absolute_url())
    return render(
        request,
        "planning/compare.html",
        {
            "city": city,
            "session": session,
            "left": left,
            "right": right,
            "cmp": selectors.runs_compare(left, right),
        },
    )
