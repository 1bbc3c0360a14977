"""A city's implementation plan in its workspace: the plan (every action with its status), one
action (who, when, milestones, indicators, progress and its approval, history), the plan's
history, and the coordinator's start, publish and windows. Each write goes through
`services`; a refusal re-draws the page with the error beside its field (status 400)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.forms import BaseForm, Form
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.models import City
from recap.cities.selectors import city_get_for_user
from recap.core.downloads import document_response
from recap.core.forms import add_service_errors
from recap.core.rates import WRITE_RATE
from recap.core.uploads import upload_too_large
from recap.planning.models import ActionPackage

from .. import selectors, services
from ..forms import (
    DecideForm,
    IndicatorForm,
    MilestoneForm,
    MoveForm,
    PlanForm,
    ProgressForm,
    PublishForm,
    ReachedForm,
    StatusForm,
    WindowsForm,
)
from ..models import ImplementationPlan, Milestone, PlanAction, PlanChange, ProgressReport
from ..policies import may_approve, may_coordinate, may_edit
from ..status import STATES

HISTORY_PAGE = 50


def _plan(
    request: HttpRequest, slug: str, level: Level = Level.VIEW
) -> tuple[City, ImplementationPlan]:
    city = city_get_for_user(user=request.user, slug=slug, level=level)
    plan = selectors.plan_of(city)
    if plan is None:
        raise Http404("No implementation plan")
    return city, plan


def _filters(
    request: HttpRequest, rows: list[selectors.ActionRow]
) -> tuple[list[selectors.ActionRow], dict[str, str]]:
    chosen = {k: request.GET.get(k, "") for k in ("state", "sector", "hazard")}
    if chosen["state"] in STATES:
        rows = [r for r in rows if r.status.state == chosen["state"]]
    if chosen["sector"]:
        rows = [r for r in rows if chosen["sector"] in (r.action.candidate.sectors or [])]
    if chosen["hazard"]:
        rows = [r for r in rows if chosen["hazard"] in (r.action.candidate.hazards or {})]
    return rows, chosen


@login_required
@require_GET
def plan_home(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    plan = selectors.plan_of(city)
    if plan is None:
        endorsed = (
            ActionPackage.objects.filter(city=city, status=ActionPackage.Status.ENDORSED)
            .order_by("-endorsed_at", "-pk")
            .first()
        )
        return render(
            request,
            "implementation/no_plan.html",
            {"city": city, "endorsed": endorsed, "can_start": may_coordinate(request.user, city)},
        )
    all_rows = selectors.plan_rows([plan])[plan.pk]
    rows, chosen = _filters(request, all_rows)
    return render(
        request,
        "implementation/plan.html",
        {
            "city": city,
            "plan": plan,
            "rows": rows,
            "summary": selectors.summary(all_rows),
            "chosen": chosen,
            "states": list(STATES.items()),
            "can_edit": may_edit(request.user, city),
            "can_coordinate": may_coordinate(request.user, city),
            "can_approve": may_approve(request.user, city),
            "waiting": [
                (r, report)
                for r in all_rows
                for report in r.waiting
                if report.created_by_id != request.user.pk
            ],
            "publish_form": PublishForm(initial={"public": plan.public}),
            "windows_form": WindowsForm(
                initial={
                    "short_term_ends": plan.short_term_ends,
                    "medium_term_ends": plan.medium_term_ends,
                }
            ),
        },
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def plan_start(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.COORDINATE)
    raw = request.POST.get("package", "")
    package = get_object_or_404(ActionPackage, city=city, pk=int(raw) if raw.isdigit() else 0)
    try:
        services.plan_start(actor=request.user, package=package)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The implementation plan is started: plan each action."))
    return redirect("implementation:plan", slug=city.slug)


def _action(
    request: HttpRequest, slug: str, pk: int
) -> tuple[City, ImplementationPlan, PlanAction]:
    city, plan = _plan(request, slug)
    action = get_object_or_404(
        PlanAction.objects.select_related("candidate", "plan").prefetch_related(
            Prefetch("milestones", Milestone.objects.order_by("due", "pk"))
        ),
        plan=plan,
        pk=pk,
    )
    return city, plan, action


def _action_page(
    request: SignedInRequest,
    city: City,
    plan: ImplementationPlan,
    action: PlanAction,
    status: int = 200,
    **forms: BaseForm,
) -> HttpResponse:
    (row,) = selectors.plan_rows([plan], action_ids=[action.pk])[plan.pk]
    programme_ids = list(city.programmes.values_list("pk", flat=True))
    page_forms: dict[str, Any] = {
        "plan_form": PlanForm(instance=action),
        "status_form": StatusForm(
            initial={"status": action.set_status, "reason": action.status_reason}
        ),
        "milestone_form": MilestoneForm(),
        "progress_form": ProgressForm(initial={"percent": action.progress}),
        "indicator_form": IndicatorForm(programme_ids=programme_ids),
        "decide_form": DecideForm(),
    } | forms
    reports = action.reports.select_related("created_by", "decided_by").order_by("-on", "-pk")
    return render(
        request,
        "implementation/action.html",
        {
            "city": city,
            "plan": plan,
            "action": action,
            "row": row,
            "reports": reports,
            "history": action.changes.select_related("by")[:HISTORY_PAGE],
            "can_edit": may_edit(request.user, city) and not action.closed_reason,
            "can_approve": may_approve(request.user, city),
            **page_forms,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def action_detail(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, plan, action = _action(request, slug, pk)
    if request.method == "GET":
        return _action_page(request, city, plan, action)
    if not may_edit(request.user, city):
        raise PermissionDenied(_("Only the city's editors change its implementation plan."))
    form = PlanForm(request.POST, instance=PlanAction.objects.get(pk=action.pk))
    if form.is_valid():
        values = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            services.action_plan(
                actor=request.user, action=action, values=values, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("implementation:action", slug=city.slug, pk=action.pk)
    return _action_page(request, city, plan, action, 400, plan_form=form)


def _post(  # noqa: PLR0917 - the one helper every small form of the page goes through
    request: SignedInRequest,
    slug: str,
    pk: int,
    form_class: type[Form],
    name: str,
    write: Any,
    done: str,
    *,
    approve: bool = False,
    **form_kwargs: Any,
) -> HttpResponse:
    """One of the action page's small forms: validated, written by `write(action, data)`,
    or the page again with the errors beside their fields."""
    city, plan, action = _action(request, slug, pk)
    if approve and not may_approve(request.user, city):
        raise PermissionDenied(
            _("The city's coordinator or the programme's manager approves progress.")
        )
    if not approve and not may_edit(request.user, city):
        raise PermissionDenied(_("Only the city's editors change its implementation plan."))
    form = form_class(request.POST, request.FILES, **form_kwargs)
    if upload_too_large(request):
        form.add_error(None, _("The file is too large."))
    elif form.is_valid():
        try:
            write(action, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("implementation:action", slug=city.slug, pk=action.pk)
    return _action_page(request, city, plan, action, 400, **{name: form})


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def action_status(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    return _post(
        request,
        slug,
        pk,
        StatusForm,
        "status_form",
        lambda a, d: services.action_status_set(
            actor=request.user, action=a, status=d["status"], reason=d["reason"]
        ),
        _("Status saved."),
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def milestone_add(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    return _post(
        request,
        slug,
        pk,
        MilestoneForm,
        "milestone_form",
        lambda a, d: services.milestone_add(
            actor=request.user, action=a, title=d["title"], due=d["due"]
        ),
        _("Milestone added."),
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def milestone_reached(request: SignedInRequest, slug: str, pk: int, milestone: int) -> HttpResponse:
    def write(action: PlanAction, data: dict[str, Any]) -> None:
        m = get_object_or_404(Milestone, action=action, pk=milestone)
        services.milestone_reached(actor=request.user, milestone=m, on=data["on"])

    return _post(request, slug, pk, ReachedForm, "reached_form", write, _("Milestone reached."))


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def milestone_move(request: SignedInRequest, slug: str, pk: int, milestone: int) -> HttpResponse:
    def write(action: PlanAction, data: dict[str, Any]) -> None:
        m = get_object_or_404(Milestone, action=action, pk=milestone)
        services.milestone_move(
            actor=request.user, milestone=m, due=data["due"], reason=data["reason"]
        )

    return _post(request, slug, pk, MoveForm, "move_form", write, _("Milestone moved."))


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def progress_add(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    def write(action: PlanAction, data: dict[str, Any]) -> None:
        upload = data.get("evidence")
        services.progress_report(
            actor=request.user,
            action=action,
            percent=data["percent"],
            on=data["on"],
            note=data["note"],
            setback_reason=data["setback_reason"],
            evidence=(upload.read(), upload.name) if upload else None,
        )

    return _post(
        request,
        slug,
        pk,
        ProgressForm,
        "progress_form",
        write,
        _("Progress reported: it counts once someone else approves it."),
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def progress_decide(request: SignedInRequest, slug: str, pk: int, report: int) -> HttpResponse:
    move = request.POST.get("move", "")
    if move not in ("approve", "return"):
        raise Http404("No such decision")

    def write(action: PlanAction, data: dict[str, Any]) -> None:
        r = get_object_or_404(ProgressReport, action=action, pk=report)
        services.progress_decide(
            actor=request.user,
            report=r,
            move=move,
            reason=data["reason"],
            seen=request.POST.get("seen") or r.status,
        )

    done = _("Progress approved.") if move == "approve" else _("Progress returned.")
    return _post(request, slug, pk, DecideForm, "decide_form", write, done, approve=True)


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def indicator_add(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    programme_ids = list(city.programmes.values_list("pk", flat=True))
    return _post(
        request,
        slug,
        pk,
        IndicatorForm,
        "indicator_form",
        lambda a, d: services.indicator_add(actor=request.user, action=a, values=d),
        _("Indicator added."),
        programme_ids=programme_ids,
    )


@login_required
@require_GET
def progress_evidence(
    request: SignedInRequest, slug: str, pk: int, report: int
) -> HttpResponseBase:
    """A progress report's evidence, as a download, to whoever reads the plan."""
    *_unused, action = _action(request, slug, pk)
    found = get_object_or_404(ProgressReport, action=action, pk=report)
    return document_response(found)


@login_required
@require_GET
def plan_history(request: SignedInRequest, slug: str) -> HttpResponse:
    city, plan = _plan(request, slug)
    changes = PlanChange.objects.filter(plan=plan).select_related("by", "action")
    page = Paginator(changes, HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "implementation/history.html", {"city": city, "plan": plan, "page": page}
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def plan_publish(request: SignedInRequest, slug: str) -> HttpResponse:
    city, plan = _plan(request, slug, Level.COORDINATE)
    form = PublishForm(request.POST)
    form.is_valid()
    services.plan_publish(
        actor=request.user, plan=plan, public=bool(form.cleaned_data.get("public"))
    )
    messages.success(
        request,
        _("The plan is public.")
        if form.cleaned_data.get("public")
        else _("The plan is no longer public."),
    )
    return redirect("implementation:plan", slug=city.slug)


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def plan_windows(request: SignedInRequest, slug: str) -> HttpResponse:
    city, plan = _plan(request, slug, Level.COORDINATE)
    form = WindowsForm(request.POST)
    if form.is_valid():
        try:
            services.plan_windows(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The windows are saved."))
            return redirect("implementation:plan", slug=city.slug)
    messages.error(
        request,
        " ".join(
            f"{form.fields[f].label if f in form.fields else ''}: {e}".lstrip(": ")
            for f, es in form.errors.items()
            for e in es
        ),
    )
    return redirect("implementation:plan", slug=city.slug)
