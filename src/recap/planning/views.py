from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.core.downloads import spreadsheet_response
from recap.core.htmx import login_required_htmx
from recap.engine import derive_weights
from recap.engine.value import CRITERIA

from . import selectors
from .forms import PairwiseForm, SessionForm, StakeholderForm, SwingForm
from .labels import resource_label
from .models import ActionPackage, PackageVersion, PrioritisationSession, RobustnessJob, Run
from .packages import package_adjust, package_endorse, package_save
from .readouts import version_readout
from .report import package_pdf, package_xlsx
from .selectors import (
    package_get,
    package_list,
    robustness_applies,
    robustness_latest,
    version_robustness,
    version_robustness_applies,
)
from .services import (
    robustness_cancel,
    run_cancel,
    session_create,
    session_run,
    session_update,
    stakeholder_weights_set,
)
from .tasks import robustness_queue
from .wording import consistency_advice, constraints_summary


@login_required
@require_http_methods(["GET", "POST"])
def session_list(request: HttpRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    form = None
    if can_edit:
        form = SessionForm(request.POST if request.method == "POST" else None, city=city)
    if request.method == "POST":
        city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
        assert form is not None  # only editors get past the line above
        saved = _save_session(
            request,
            form,
            lambda **values: session_create(actor=request.user, city=city, **values),
            _("The session was created. Run the engine when you are ready."),
        )
        if saved is not None:
            return saved
    return render(
        request,
        "planning/list.html",
        {
            "city": city,
            "sessions": selectors.session_list(user=request.user, city=city),
            "packages": package_list(user=request.user, city=city),
            "form": form,
        },
        status=400 if form is not None and form.errors else 200,
    )


def _save_session(
    request: HttpRequest,
    form: SessionForm,
    save: Callable[..., PrioritisationSession],
    done: str,
) -> HttpResponse | None:
    """Create or change a session from a valid form; None (the form then holds the errors)
    when the form or the service refuses it."""
    if not form.is_valid():
        return None
    try:
        session = save(candidates=list(form.cleaned_data["candidates"]), **form.session_values())
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    messages.success(request, done)
    return redirect(session.get_absolute_url())


RANKING_ROWS = 100


def _session_page(request: HttpRequest, slug: str, pk: int, number: int | None) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
    runs = list(session.runs.all())
    run = (
        selectors.run_get(user=request.user, session=session, number=number)
        if number
        else (runs[0] if runs else None)
    )
    view = selectors.run_view(run) if run and run.is_done else None
    ranking_total = len(view["ranking"]) if view else 0
    if view and request.GET.get("rows") != "all":
        # A long ranking opens on its leading rows and every chosen action; the rest on demand.
        view["ranking"] = [r for r in view["ranking"] if r["rank"] <= RANKING_ROWS or r["selected"]]
    charts = {
        resource_label(name): selectors.frontier_chart(f["points"])
        for name, f in (view["frontiers"].items() if view else [])
    }
    return render(
        request,
        "planning/detail.html",
        {
            "city": city,
            "session": session,
            "runs": runs,
            "run": run,
            "view": view,
            "charts": charts,
            "stakeholders": session.stakeholders.all(),
            "spread": selectors.stakeholder_spread(session),
            "constraints": constraints_summary(session),
            "stakeholder_form": StakeholderForm(),
            "pairwise_form": PairwiseForm(auto_id="ahp_%s"),
            "swing_form": SwingForm(auto_id="swing_%s"),
            "can_edit": city_policy.allows(request.user, city, Level.EDIT),
            "robustness": robustness_context(run, robustness_latest(run)) if run and view else {},
            "ranking_total": ranking_total,
            "ranking_rows": RANKING_ROWS,
            "robustness_applies": bool(run and view and robustness_applies(run)),
        },
    )


@login_required
@require_GET
def session_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _session_page(request, slug, pk, None)


@login_required
@require_GET
def run_detail(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    return _session_page(request, slug, pk, number)


@login_required
@require_POST
@ratelimit(key="user", rate=lambda g, r: settings.RECAP_API_RUN_RATE, method="POST")  # type: ignore[untyped-decorator]
def run_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Queue a run; a person may queue as many an hour as through the API."""
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
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
def run_cancel_view(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
    run = selectors.run_get(user=request.user, session=session, number=number)
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


@login_required
@require_POST
def robustness_cancel_view(request: HttpRequest, slug: str, job: int) -> HttpResponse:
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


@login_required_htmx
@require_GET
def run_status(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    """The progress of a run, polled by its page; once it is done, the page reloads itself."""
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
    run = selectors.run_get(user=request.user, session=session, number=number)
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
def stakeholder_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
    form = StakeholderForm(request.POST)
    if form.is_valid():
        try:
            stakeholder_weights_set(
                actor=request.user,
                session=session,
                name=form.cleaned_data["name"],
                weights=form.weights(),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The stakeholder's weights were saved."))
    else:
        messages.error(
            request, _("Give the stakeholder a name and a weight of 0 to 100 for every criterion.")
        )
    return redirect(session.get_absolute_url())


@login_required
@require_POST
def package_save_view(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
    run = selectors.run_get(user=request.user, session=session, number=number)
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
def package_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    package = package_get(user=request.user, city=city, pk=pk)
    versions = list(package.versions.select_related("created_by"))
    current = versions[0]
    readout = version_readout(current)
    return render(
        request,
        "planning/package.html",
        {
            "city": city,
            "package": package,
            "versions": versions,
            "current": current,
            "by_phase": readout.by_phase,
            "totals": readout.phase_cost,
            "candidates": readout.candidates,
            "can_edit": city_policy.allows(request.user, city, Level.EDIT),
            "can_endorse": city_policy.allows(request.user, city, Level.COORDINATE),
            "robustness": _package_robustness(package, current),
        },
    )


@login_required
@require_POST
def package_adjust_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    package = package_get(user=request.user, city=city, pk=pk)
    try:
        version = package_adjust(
            actor=request.user,
            package=package,
            lock_in=request.POST.getlist("lock_in"),
            lock_out=request.POST.getlist("lock_out"),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Version %(n)d: the rest of the package was re-optimised.") % {"n": version.number},
        )
    return redirect(package.get_absolute_url())


@login_required
@require_POST
def package_endorse_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.COORDINATE)
    package = package_get(user=request.user, city=city, pk=pk)
    try:
        package_endorse(
            actor=request.user, package=package, rationale=request.POST.get("rationale", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The package is endorsed."))
    return redirect(package.get_absolute_url())


@login_required
@require_GET
def package_pdf_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    package = package_get(user=request.user, city=city, pk=pk)
    response = HttpResponse(package_pdf(package, user=request.user), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{city.slug}-package-{package.pk}.pdf"'
    return response


@login_required
@require_GET
def package_xlsx_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    package = package_get(user=request.user, city=city, pk=pk)
    return spreadsheet_response(
        package_xlsx(package, user=request.user),
        file_format="xlsx",
        stem=f"{city.slug}-package-{package.pk}",
    )


@login_required
@require_POST
def robustness_start(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
    run = selectors.run_get(user=request.user, session=session, number=number)
    if not run.is_done:
        messages.error(request, _("This run has not finished yet."))
    else:
        _robustness_start(request, run, applies=robustness_applies(run))
    return redirect("planning:run", slug=city.slug, pk=session.pk, number=run.number)


def _robustness_start(
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
def robustness_status(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
    run = selectors.run_get(user=request.user, session=session, number=number)
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
    if job is not None and job.result:
        names = {a["id"]: a["name"] for a in run.input["problem"]["actions"]}
        probs = job.result["selection_probability"]
        rows = sorted(
            ({"code": c, "name": names.get(c, c), "p": p} for c, p in probs.items()),
            key=lambda r: (-r["p"], r["code"]),
        )
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
        "rows": rows,
        "status_url": urls[0],
        "start_url": urls[1],
        "cancel_url": cancel_url,
        # Where a cancelled computation's page returns to: the run's page by default.
        "back_url": reverse(
            "planning:run", args=(run.session.city.slug, run.session.pk, run.number)
        ),
    }


def _package_robustness(
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
def package_robustness_start(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    package = package_get(user=request.user, city=city, pk=pk)
    current = package.current
    assert current is not None
    if version_robustness_applies(current):  # adjusted by hand: the version's own
        _robustness_start(request, current.run, current, applies=True)
    else:
        _robustness_start(request, current.run, applies=robustness_applies(current.run))
    return redirect(package.get_absolute_url())


@login_required_htmx
@require_GET
def package_robustness_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    package = package_get(user=request.user, city=city, pk=pk)
    context = _package_robustness(package)
    context["can_edit"] = city_policy.allows(request.user, city, Level.EDIT)
    return render(request, "planning/partials/_robustness.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
    initial = SessionForm.initial_for(session)
    form = SessionForm(
        request.POST if request.method == "POST" else None, city=city, initial=initial
    )
    if request.method == "POST":
        saved = _save_session(
            request,
            form,
            lambda **values: session_update(actor=request.user, session=session, **values),
            _("The session was changed. Earlier runs keep their own settings."),
        )
        if saved is not None:
            return saved
    return render(
        request,
        "planning/edit.html",
        {"city": city, "session": session, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def runs_compare_view(request: HttpRequest, slug: str, pk: int, a: int, b: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
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


@login_required
@require_POST
def weights_ahp(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
    form = PairwiseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the stakeholder a name and answer every comparison."))
        return redirect(session.get_absolute_url())
    out = derive_weights({"method": "ahp", "criteria": list(CRITERIA), "pairwise": form.matrix()})
    weights = {c: round(100 * w, 2) for c, w in out["weights"].items()}
    stakeholder_weights_set(
        actor=request.user, session=session, name=form.cleaned_data["name"], weights=weights
    )
    if out["consistent"]:
        messages.success(
            request,
            _("Weights saved from the comparisons. %(advice)s")
            % {"advice": consistency_advice(out)},
        )
    else:
        messages.warning(
            request,
            _("Weights saved, but check them: %(advice)s") % {"advice": consistency_advice(out)},
        )
    return redirect(session.get_absolute_url())


@login_required
@require_POST
def weights_swing(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    session = selectors.session_get(user=request.user, city=city, pk=pk)
    form = SwingForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(session.get_absolute_url())
    out = derive_weights(
        {
            "method": "swing",
            "criteria": list(CRITERIA),
            "swing": {c: form.cleaned_data[f"s_{c}"] for c in CRITERIA},
        }
    )
    weights = {c: round(100 * w, 2) for c, w in out["weights"].items()}
    stakeholder_weights_set(
        actor=request.user, session=session, name=form.cleaned_data["name"], weights=weights
    )
    messages.success(request, _("Weights saved from the swings."))
    return redirect(session.get_absolute_url())
