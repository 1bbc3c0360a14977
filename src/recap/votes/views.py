"""A city's resident votes: the list (and a new vote), a `.pb` import with its preview, one
vote (its ballot, opening and closing, voting codes), the rules side by side with the decision,
and the public ballot page residents vote on with a one-time code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.core.client import client_address
from recap.core.forms import add_service_errors
from recap.core.mail import site_link
from recap.core.rates import WRITE_RATE
from recap.core.services import pending_import_save, pending_import_take
from recap.core.uploads import upload_too_large

from . import selectors
from .forms import (
    BallotForm,
    CodeForm,
    CodesForm,
    DecisionForm,
    ImportForm,
    ProjectForm,
    VoteForm,
)
from .imports import EDITORS_ONLY, MAX_BYTES, CheckedFile, pb_import_apply, pb_import_check
from .models import Vote
from .outcomes import RULES, outcome_with_minimums, outcomes_request
from .services import (
    CodeError,
    ballot_cast,
    code_digest,
    codes_make,
    project_add,
    project_remove,
    vote_close,
    vote_create,
    vote_decide,
    vote_open,
)

#: What one address may send to the public ballot page, and how many wrong or spent codes it
#: may type for one vote (a polling station's kiosk or a mobile network shares one address;
#: a good code is never refused for the others' mistakes).
BALLOT_RATE = "60/10m"
WRONG_CODE_RATE = "30/h"
#: How often one person asks for a new set of minimums (each is an exact solve).
MINIMUMS_RATE = "60/h"
#: The session key listing the votes this browser cast a ballot in (for the thanks page).
CAST_KEY = "votes.cast"


def _vote(request: HttpRequest, slug: str, pk: int, level: Level) -> tuple[City, Vote]:
    city = city_get_for_user(user=request.user, slug=slug, level=level)
    return city, selectors.city_vote_get(city=city, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def vote_list(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    form = VoteForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(EDITORS_ONLY)
        if form.is_valid():
            try:
                vote = vote_create(actor=request.user, city=city, data=form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Vote created. Put its projects on the ballot."))
                return redirect("votes:detail", slug=city.slug, pk=vote.pk)
    return render(
        request,
        "votes/list.html",
        {
            "city": city,
            "votes": selectors.city_votes(city=city),
            "form": form,
            "can_edit": can_edit,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def vote_import(request: SignedInRequest, slug: str) -> HttpResponse:
    """Upload → preview → confirm: the file is checked in full first; a refused file writes
    nothing and the page names the line; the preview waits on the server until confirmed."""
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    scope = f"votes.import.{city.pk}"
    context: dict[str, Any] = {"city": city, "max_mb": MAX_BYTES // (1024 * 1024)}
    if request.method == "POST" and "confirm" in request.POST:
        with transaction.atomic():
            pending = pending_import_take(
                user=request.user, scope=scope, reference=request.POST["confirm"]
            )
            if pending is None:
                messages.error(
                    request,
                    _("This preview was already saved or has expired. Upload the file again."),
                )
                return redirect("votes:import", slug=city.slug)
            payload = pending.payload
            try:
                vote = pb_import_apply(
                    actor=request.user,
                    city=city,
                    checked=CheckedFile(**payload["checked"]),
                    title=payload["title"],
                    currency=payload["currency"],
                )
            except ValidationError as exc:
                transaction.set_rollback(True)
                messages.error(request, " ".join(exc.messages))
                return redirect("votes:import", slug=city.slug)
        messages.success(request, _("Vote imported: its rules are being computed side by side."))
        return redirect("votes:results", slug=city.slug, pk=vote.pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    context["form"] = form
    if request.method == "POST" and upload_too_large(request):
        too_large = _("The file is larger than %(n)d MB.") % {"n": MAX_BYTES // (1024 * 1024)}
        return render(request, "votes/import.html", context | {"errors": [too_large]}, status=413)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(MAX_BYTES + 1)
        try:
            checked = pb_import_check(data, upload.name or "votes.pb")
        except ValidationError as exc:
            return render(
                request, "votes/import.html", context | {"errors": exc.messages}, status=400
            )
        title = form.cleaned_data["title"].strip() or checked.description or checked.filename
        currency = form.cleaned_data["currency"].strip().upper()
        if not currency.isalpha():
            form.add_error("currency", _("A three-letter currency code (MRU, USD, EUR)."))
        else:
            pending = pending_import_save(
                user=request.user,
                scope=scope,
                filename=checked.filename,
                data=data,
                payload={"checked": checked.__dict__, "title": title, "currency": currency},
            )
            context |= {"checked": checked, "pending": pending, "title": title}
            context["currency"] = currency
    return render(request, "votes/import.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def vote_detail(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, vote = _vote(request, slug, pk, Level.VIEW)
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    return _detail(request, city, vote, can_edit)


def _detail(
    request: HttpRequest,
    city: City,
    vote: Vote,
    can_edit: bool,
    *,
    project_form: ProjectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    codes = vote.codes.all()
    return render(
        request,
        "votes/detail.html",
        {
            "city": city,
            "vote": vote,
            "projects": vote.projects.select_related("action"),
            "can_edit": can_edit,
            "project_form": project_form or ProjectForm(city=city),
            "codes_form": CodesForm(),
            "codes_made": codes.count(),
            "codes_used": codes.filter(used=True).count(),
            "ballots": vote.ballots.count(),
            "public_url": site_link(
                reverse("ballot:vote", kwargs={"slug": city.slug, "pk": vote.pk})
            ),
            "decision": selectors.current_decision(vote=vote),
        },
        status=status,
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def vote_project_add(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, vote = _vote(request, slug, pk, Level.EDIT)
    form = ProjectForm(request.POST, city=city)
    if form.is_valid():
        try:
            project_add(actor=request.user, vote=vote, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Project added to the ballot."))
            return redirect("votes:detail", slug=city.slug, pk=vote.pk)
    return _detail(request, city, vote, True, project_form=form, status=400)


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def vote_project_remove(request: SignedInRequest, slug: str, pk: int, project: int) -> HttpResponse:
    city, vote = _vote(request, slug, pk, Level.EDIT)
    item = vote.projects.filter(pk=project).first()
    if item is None:
        messages.error(request, _("This project is no longer on the ballot."))
    else:
        try:
            project_remove(actor=request.user, vote=vote, project=item)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Project removed from the ballot."))
    return redirect("votes:detail", slug=city.slug, pk=vote.pk)


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def vote_open_view(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    done = _("The vote is open: residents vote with their codes.")
    return _status_change(request, slug, pk, vote_open, done, then="votes:detail")


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def vote_close_view(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    done = _("The vote is closed: its rules are being computed side by side.")
    return _status_change(request, slug, pk, vote_close, done, then="votes:results")


def _status_change(
    request: SignedInRequest,
    slug: str,
    pk: int,
    change: Callable[..., Any],
    done: str,
    *,
    then: str,
) -> HttpResponse:
    """Open or close a vote: on success say so and go to `then`; a refusal is said on the
    vote's page."""
    city, vote = _vote(request, slug, pk, Level.EDIT)
    try:
        change(actor=request.user, vote=vote)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("votes:detail", slug=city.slug, pk=vote.pk)
    messages.success(request, done)
    return redirect(then, slug=city.slug, pk=vote.pk)


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def vote_codes(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    """The codes, once: a page to print and cut (never stored in clear, never shown again)."""
    city, vote = _vote(request, slug, pk, Level.EDIT)
    form = CodesForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(
                " ".join(str(e) for errors in form.errors.values() for e in errors)
            )
        codes = codes_make(actor=request.user, vote=vote, count=form.cleaned_data["count"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("votes:detail", slug=city.slug, pk=vote.pk)
    response = render(
        request,
        "votes/codes.html",
        {
            "city": city,
            "vote": vote,
            "codes": codes,
            "public_url": site_link(
                reverse("ballot:vote", kwargs={"slug": city.slug, "pk": vote.pk})
            ),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _minimums(request: HttpRequest, vote: Vote) -> tuple[list[dict[str, Any]], list[Any]]:
    """Minimums per district read from the query (`min_<n>`, n the district's place in the
    list), with the districts to show in the form."""
    districts = sorted(set(vote.projects.exclude(district="").values_list("district", flat=True)))
    rows, asked = [], []
    for n, district in enumerate(districts):
        raw = request.GET.get(f"min_{n}", "").strip()
        value = int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= 2 else 0
        value = value if 0 < value <= 50 else 0
        rows.append({"name": f"min_{n}", "district": district, "value": value or ""})
        if value:
            asked.append({"field": "district", "value": district, "projects": value})
    return asked, rows


@login_required
@require_GET
def vote_results(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, vote = _vote(request, slug, pk, Level.VIEW)
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    if not vote.has_results:
        messages.info(request, _("The rules are set side by side once the vote is closed."))
        return redirect("votes:detail", slug=city.slug, pk=vote.pk)
    outcomes_request(vote)
    asked, minimum_rows = _minimums(request, vote)
    extra = None
    if asked:
        if is_ratelimited(
            request, group="votes.minimums", key="user", rate=MINIMUMS_RATE, increment=True
        ):
            return render(request, "errors/429.html", status=429)
        extra = outcome_with_minimums(vote, asked)
    return _results_page(
        request, city, vote, can_edit=can_edit, extra=extra, asked=asked, rows=minimum_rows
    )


def _results_page(
    request: SignedInRequest,
    city: City,
    vote: Vote,
    *,
    can_edit: bool,
    extra: Any = None,
    asked: Any = None,
    rows: Any = None,
    posted: DecisionForm | None = None,
) -> HttpResponse:
    """The rules side by side and the decision form (`posted`, sent back with its errors and
    what was typed, when a decision was refused)."""
    table = selectors.side_by_side(vote=vote, extra=extra)
    choices = [
        (c["key"], str(c["rule"].name) if c["rule"] else _("Most approvals, with your minimums"))
        for c in table["columns"]
        if c["outcome"] is not None and c["outcome"].state == "done"
    ]
    form = DecisionForm(choices=choices) if can_edit else None
    if can_edit and posted is not None:
        form = DecisionForm(posted.data, choices=choices)
        form.is_valid()
        for field, errors in posted.errors.items():
            for error in errors:
                if error not in form.errors.get(field, []):
                    form.add_error(field if field in form.fields else None, error)
    return render(
        request,
        "votes/results.html",
        {
            "city": city,
            "vote": vote,
            "table": table,
            "asked": asked,
            "minimum_rows": rows if rows is not None else _minimums(request, vote)[1],
            "can_edit": can_edit,
            "decision_form": form,
            "decision": selectors.current_decision(vote=vote),
            "history": vote.decisions.select_related("decided_by"),
            "rules": RULES,
        },
        status=400 if posted is not None else 200,
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def vote_decide_view(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, vote = _vote(request, slug, pk, Level.EDIT)
    if not vote.has_results:
        messages.error(request, _("The rules are set side by side once the vote is closed."))
        return redirect("votes:detail", slug=city.slug, pk=vote.pk)
    keys = [(k, k) for k in vote.outcomes.filter(state="done").values_list("key", flat=True)]
    form = DecisionForm(request.POST, choices=keys)
    if not form.is_valid():  # sent back with what was typed, each error by its field
        return _results_page(request, city, vote, can_edit=True, posted=form)
    try:
        decision = vote_decide(
            actor=request.user,
            vote=vote,
            key=form.cleaned_data["rule"],
            rationale=form.cleaned_data["rationale"],
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _results_page(request, city, vote, can_edit=True, posted=form)
    messages.success(
        request,
        _("Decision saved: %(n)d projects become small-scale measures.")
        % {"n": len(decision.selected)},
    )
    return redirect("votes:results", slug=city.slug, pk=vote.pk)


@login_required
@require_GET
def vote_file(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    """The `.pb` file an imported vote came from, as it was read."""
    _city, vote = _vote(request, slug, pk, Level.VIEW)
    file = getattr(vote, "file", None)
    if file is None:
        raise PermissionDenied(_("This vote was cast in ReCAP: it has no file."))
    response = HttpResponse(file.text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    name = "".join(c for c in file.filename if c.isalnum() or c in "._-") or "votes.pb"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------------------------
# The public ballot page


def _ballot_rate(group: str, request: HttpRequest) -> str:
    return BALLOT_RATE


@never_cache  # a kiosk's back button must not bring back a code, or a ballot, from the cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_ballot_rate, method="POST", block=True)  # type: ignore[untyped-decorator]
def ballot_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Residents vote here with a one-time code, without an account: the code first, then the
    ballot (the code carried along, checked again when the ballot is sent). A closed vote says
    so; a draft is a 404."""
    vote = selectors.public_vote_get(user=request.user, slug=slug, pk=pk)
    context: dict[str, Any] = {"vote": vote, "city": vote.city}
    if vote.status != Vote.Status.OPEN:
        return render(request, "votes/ballot_closed.html", context, status=410)
    if request.method == "GET":
        return render(request, "votes/ballot.html", context | {"code_form": CodeForm()})
    projects = list(vote.projects.order_by("pk"))
    context["projects"] = projects
    if "projects_sent" not in request.POST:
        return _code_step(request, vote, context)
    return _ballot_step(request, vote, context)


def _code_step(request: HttpRequest, vote: Vote, context: dict[str, Any]) -> HttpResponse:
    """The code typed: the ballot if it is a good one, else the code form with why."""
    code_form = CodeForm(request.POST)
    if code_form.is_valid():
        refusal = _code_refusal(vote, code_form.cleaned_data["code"])
        if refusal is None:
            form = BallotForm(
                initial={"code": code_form.cleaned_data["code"]},
                projects=context["projects"],
                currency=vote.currency,
            )
            return render(request, "votes/ballot.html", context | {"ballot_form": form})
        if _too_many_wrong_codes(request, vote):
            return render(request, "errors/429.html", status=429)
        code_form.add_error("code", refusal)
    return render(request, "votes/ballot.html", context | {"code_form": code_form}, status=400)


def _ballot_step(request: HttpRequest, vote: Vote, context: dict[str, Any]) -> HttpResponse:
    """The ballot sent: cast, or shown again with why (a code found wrong or spent meanwhile
    goes back to the code form, and counts against the sender)."""
    form = BallotForm(request.POST, projects=context["projects"], currency=vote.currency)
    if form.is_valid():
        try:
            ballot_cast(
                vote=vote, code=form.cleaned_data["code"], keys=form.cleaned_data["projects"]
            )
        except CodeError as exc:
            if _too_many_wrong_codes(request, vote):
                return render(request, "errors/429.html", status=429)
            code_form = CodeForm(request.POST)
            code_form.is_valid()
            add_service_errors(code_form, exc)
            return render(
                request, "votes/ballot.html", context | {"code_form": code_form}, status=400
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Post, then redirect: a reload of the thanks page sends nothing again. The session
            # remembers which votes this browser cast a ballot in, and nothing of the ballot.
            cast = set(request.session.get(CAST_KEY, []))
            request.session[CAST_KEY] = sorted(cast | {vote.pk})
            return redirect("ballot:thanks", slug=vote.city.slug, pk=vote.pk)
    return render(request, "votes/ballot.html", context | {"ballot_form": form}, status=400)


@never_cache
@require_GET
def ballot_thanks(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """After a ballot is cast (this browser's session says so); anyone else is sent to the
    ballot page."""
    vote = selectors.public_vote_get(user=request.user, slug=slug, pk=pk)
    if vote.pk not in request.session.get(CAST_KEY, []):
        return redirect("ballot:vote", slug=vote.city.slug, pk=vote.pk)
    return render(request, "votes/ballot_thanks.html", {"vote": vote, "city": vote.city})


def _code_refusal(vote: Vote, code: str) -> str | None:
    found = vote.codes.filter(digest=code_digest(code)).first()
    if found is None:
        return _("This is not a code for this vote. Check it and type it again.")
    if found.used:
        return _("This code has already been used to vote.")
    return None


def _too_many_wrong_codes(request: HttpRequest, vote: Vote) -> bool:
    """Counts a wrong or spent code against its sender for this vote; True past the limit."""

    def key(_group: str, request: HttpRequest) -> str:
        return f"{client_address(request)}:{vote.pk}"

    return bool(
        is_ratelimited(request, group="votes.code", key=key, rate=WRONG_CODE_RATE, increment=True)
    )
