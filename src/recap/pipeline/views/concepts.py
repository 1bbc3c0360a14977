"""A city's project concepts: its list with each one's tasks, the record, its editing, its moves
through the stages (the buttons are the gates' own, with what is missing beside a closed one),
its matches to facilities, its sharing, and its threads with funders."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.core.downloads import (
    document_response,
)
from recap.core.forms import add_service_errors, checked, told
from recap.core.rates import WRITE_RATE
from recap.core.rendering import document_download
from recap.core.uploads import upload_too_large
from recap.planning.selectors import package_get

from .. import concepts as svc
from .. import selectors
from ..completeness import completeness
from ..concept_page import concept_page
from ..forms import (
    ROW_SETS,
    AttachmentForm,
    ConceptForm,
    FeedbackForm,
    MoveForm,
    ReplyForm,
    ReviewForm,
    StartBlankForm,
    StartFromPackageForm,
)
from ..matching import Match, matches_for
from ..models import CLOSED, ProjectConcept, Stage
from ..money import concept_money
from ..outputs import concept_pdf, concept_xlsx
from ..policies import funder_facility_ids, is_insider
from ..reviews import (
    may_review,
    review_revise,
    review_submit,
)
from ..stages import needed_label, next_tasks


def concept_of(
    request: HttpRequest, slug: str, pk: int, level: Level = Level.VIEW
) -> tuple[City, ProjectConcept]:
    """The concept at this address, for the city's team and the programme (its manager, its
    reviewers from other cities). Funders read shared concepts on their own pages."""
    city = selectors.city_by_slug(slug)
    concept = selectors.concept_get(user=request.user, city=city, pk=pk)  # 404 if not visible
    user = request.user
    if not is_insider(user, city):
        raise Http404("No such concept")
    if level > Level.VIEW and not city_policy.allows(user, city, level):
        raise PermissionDenied(_("Your role in this city does not allow this."))
    return city, concept


def funder_detour(
    request: HttpRequest, slug: str, pk: int, to: str, **kwargs: Any
) -> HttpResponse | None:
    """A funder (not of the city's team or programme) who follows a concept's city address (a
    link passed on, a bookmark) to a concept shared with its facility is sent to the same thing
    on the funders' pages; None for anyone else, who goes on to `concept_of`."""
    city = selectors.city_by_slug(slug)
    if is_insider(request.user, city) or not funder_facility_ids(request.user):
        return None
    concept = selectors.concept_get(user=request.user, city=city, pk=pk)  # 404 unless shared
    return HttpResponseRedirect(reverse(to, kwargs={"pk": concept.pk, **kwargs}))


@login_required
@require_GET
def concept_list(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    concepts = list(selectors.with_gate_data(selectors.concept_list(user=request.user, city=city)))
    rows = [(c, next_tasks(c), concept_money(c)) for c in concepts]
    return render(
        request,
        "pipeline/concepts/list.html",
        {
            "city": city,
            "rows": rows,
            "can_edit": city_policy.allows(request.user, city, Level.EDIT),
            "form": StartBlankForm(),
        },
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def concept_new(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    form = StartBlankForm(request.POST)
    if form.is_valid():
        try:
            concept = svc.concept_start_blank(
                actor=request.user, city=city, title=form.cleaned_data["title"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return redirect("concepts:edit", slug=city.slug, pk=concept.pk)
    else:
        messages.error(request, _("Give the concept a title."))
    return redirect("concepts:list", slug=city.slug)


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def concept_start(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    """From the package's page: a concept from some of its actions."""
    city = city_get_for_user(user=request.user, slug=slug, level=Level.EDIT)
    package = package_get(user=request.user, city=city, pk=pk)
    version = package.current
    if version is None:
        raise Http404("No version")
    form = StartFromPackageForm(request.POST, choices=[(code, code) for code in version.selected])
    if not form.is_valid():
        messages.error(request, _("Choose at least one action of the package."))
        return redirect(package)
    try:
        concept = svc.concept_start(
            actor=request.user,
            version=version,
            codes=form.cleaned_data["actions"],
            title=form.cleaned_data["title"],
            duplicate_ok=form.cleaned_data["duplicate_ok"],
        )
    except svc.DuplicateConceptError as exc:
        # Nothing made: the page names the concept that covers these actions and asks.
        return render(
            request,
            "pipeline/concepts/start_duplicate.html",
            {
                "city": city,
                "package": package,
                "existing": exc.existing,
                "actions": form.cleaned_data["actions"],
                "title": form.cleaned_data["title"],
            },
            status=409,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(package)
    messages.success(request, _("Concept %(ref)s started.") % {"ref": concept.reference})
    return redirect("concepts:edit", slug=city.slug, pk=concept.pk)


@login_required
@require_GET
def concept_detail(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    if detour := funder_detour(request, slug, pk, "board:shared_detail"):
        return detour
    city, concept = concept_of(request, slug, pk)
    context = concept_page(request.user, city, concept)
    forms = {
        "reply_form": ReplyForm(),
        "feedback_form": FeedbackForm(),
        "attachment_form": AttachmentForm(),
    }
    return render(request, "pipeline/concepts/detail.html", context | forms)


@login_required
@require_GET
def concept_matches(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, concept = concept_of(request, slug, pk)
    matches: list[Match] = matches_for(concept, list(selectors.facility_list()))
    rows = [(m, completeness(concept, m.facility)) for m in matches]
    return render(
        request,
        "pipeline/concepts/matches.html",
        {
            "city": city,
            "c": concept,
            # Those it may apply to first, best fit first; the ruled-out ones after, whatever
            # their score (a score says nothing where a rule shuts the concept out).
            "rows": [(m, record) for m, record in rows if not m.failed],
            "ruled_out": [(m, record) for m, record in rows if m.failed],
            "can_edit": city_policy.allows(request.user, city, Level.EDIT)
            and concept.stage not in CLOSED,
        },
    )


def _row_data(formset: Any) -> list[dict[str, Any]]:
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        rows.append({k: v for k, v in data.items() if k not in ("id", "DELETE")})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def concept_edit(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, concept = concept_of(request, slug, pk, Level.EDIT)
    if concept.stage in CLOSED:
        messages.error(request, _("This concept is closed: it can no longer be changed."))
        return redirect(concept)
    data = request.POST if request.method == "POST" else None
    form = ConceptForm(data, instance=concept)
    formsets = {
        key: (
            formset_class(data, prefix=key, queryset=getattr(concept, related).all()),
            title,
        )
        for key, (formset_class, related, title) in ROW_SETS.items()
    }
    if (
        request.method == "POST"
        and form.is_valid()
        and all(fs.is_valid() for fs, _t in formsets.values())
    ):
        values = {name: form.cleaned_data[name] for name in svc.EDITABLE}
        rows = {ROW_SETS[key][1]: _row_data(fs) for key, (fs, _t) in formsets.items()}
        try:
            with transaction.atomic():
                svc.concept_save(
                    actor=request.user,
                    concept=selectors.concept_fresh(concept),
                    values=values,
                    rows=rows,
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(concept)
    return render(
        request,
        "pipeline/concepts/edit.html",
        {
            "city": city,
            "c": concept,
            "form": form,
            # Each row set with its anchor (the related name) and the stage that needs it.
            "formsets": [
                (fs, title, ROW_SETS[key][1], needed_label(ROW_SETS[key][1]))
                for key, (fs, title) in formsets.items()
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def concept_move(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    _city, concept = concept_of(request, slug, pk)
    with told(request) as outcome:
        data = checked(MoveForm(request.POST), _("Keep the reason to 500 characters."))
        moved = svc.concept_move(
            actor=request.user, concept=concept, to=data["to"], reason=data["reason"]
        )
    if outcome.ok:
        messages.success(
            request,
            _("%(ref)s is now: %(stage)s.")
            % {"ref": moved.reference, "stage": moved.get_stage_display().lower()},
        )
    if request.POST.get("next") == "board":
        return redirect("board:board")
    return redirect(concept)


@login_required
@require_POST
def concept_share(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    _city, concept = concept_of(request, slug, pk)
    facility = selectors.facility_get(request.POST.get("facility", "")[:40])
    try:
        svc.concept_share(actor=request.user, concept=concept, facility=facility)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Shared with %(f)s.") % {"f": facility.name})
    return redirect(concept)


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def concept_reply(request: SignedInRequest, slug: str, pk: int, code: str) -> HttpResponse:
    _city, concept = concept_of(request, slug, pk, Level.EDIT)
    facility = selectors.facility_get(code)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(concept)
    try:
        svc.city_reply(
            actor=request.user, concept=concept, facility=facility, text=form.cleaned_data["text"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Reply sent to %(f)s.") % {"f": facility.name})
    return redirect(concept)


def package_concept_form(package: Any) -> StartFromPackageForm | None:
    """The form the package's page offers to start a concept (endorsed packages only)."""
    version = package.current
    if version is None or package.status != "endorsed":
        return None
    return StartFromPackageForm(choices=[(c, c) for c in version.selected])


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def concept_review(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    """A reviewer scores the concept against the rubrics and comments for the city."""
    city, concept = concept_of(request, slug, pk)
    if not may_review(request.user, concept):
        raise PermissionDenied(_("Only the programme's reviewers from other cities review this."))
    rubrics = selectors.rubrics()
    mine = concept.reviews.filter(reviewer_id=request.user.pk, round=concept.review_round).first()
    initial: dict[str, Any] = {}
    if mine is not None:
        initial = {"comment": mine.comment} | {
            f"score:{r}:{c}": str(v) for r, given in mine.scores.items() for c, v in given.items()
        }
    form = ReviewForm(request.POST or None, rubrics=rubrics, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            review_submit(
                actor=request.user,
                concept=concept,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Review saved; the city can read your comments."))
            return redirect(concept)
    return render(
        request,
        "pipeline/concepts/review.html",
        {"city": city, "c": concept, "form": form, "open": concept.stage == Stage.DRAFTED},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def concept_revise(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    """The manager sends the concept back to its city with feedback (a new review round)."""
    _city, concept = concept_of(request, slug, pk)
    with told(request, done=_("Sent back to the city to revise.")):
        data = checked(
            FeedbackForm(request.POST),
            _("Write the feedback the city will read (up to 5,000 characters)."),
        )
        review_revise(actor=request.user, concept=concept, feedback=data["feedback"])
    return redirect(concept)


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def concept_attach(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    _city, concept = concept_of(request, slug, pk, Level.EDIT)
    files = request.FILES  # parsed here: the size handler marks the request as it reads
    if upload_too_large(request):
        messages.error(request, _("The file is larger than 5 MB."))
        return redirect(concept)
    form = AttachmentForm(request.POST, files)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(concept)
    upload = form.cleaned_data["file"]
    try:
        svc.attachment_add(
            actor=request.user,
            concept=concept,
            role=form.cleaned_data["role"],
            title=form.cleaned_data["title"],
            data=upload.read(settings.RECAP_UPLOAD_MAX_BYTES),
            filename=upload.name or "",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Document added."))
    return redirect(concept)


@login_required
@require_GET
def concept_document(request: SignedInRequest, slug: str, pk: int, doc: int) -> HttpResponseBase:
    if detour := funder_detour(request, slug, pk, "board:shared_document", doc=doc):
        return detour
    _city, concept = concept_of(request, slug, pk)
    return document_response(get_object_or_404(concept.attachments, pk=doc))


@login_required
@require_POST
def concept_detach(request: SignedInRequest, slug: str, pk: int, doc: int) -> HttpResponse:
    _city, concept = concept_of(request, slug, pk, Level.EDIT)
    attachment = get_object_or_404(concept.attachments, pk=doc)
    with told(request, done=_("Document removed.")):
        svc.attachment_remove(actor=request.user, attachment=attachment)
    return redirect(concept)


@login_required
@require_GET
def concept_pdf_view(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    if detour := funder_detour(request, slug, pk, "board:shared_pdf"):
        detour["Location"] += f"?{request.GET.urlencode()}" if request.GET else ""
        return detour
    _city, concept = concept_of(request, slug, pk)
    return document_download(
        request,
        lambda language: concept_pdf(concept, language=language),
        stem=f"{concept.reference}-concept-note",
        kind="pdf",
    )


@login_required
@require_GET
def concept_xlsx_view(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    _city, concept = concept_of(request, slug, pk)
    return document_download(
        request,
        lambda language: concept_xlsx(concept, language=language),
        stem=f"{concept.reference}-concept",
        kind="xlsx",
    )
