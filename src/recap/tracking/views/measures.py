"""A city's small-scale measures: the list, one measure with its dated history and evidence,
the forms that write them (the city's editors), and the evidence files, served as what their
bytes are to whoever may read the measure or the value they back."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.core.downloads import document_response
from recap.core.forms import add_service_errors
from recap.core.rates import WRITE_RATE
from recap.core.uploads import upload_too_large

from .. import selectors
from ..extensions import MEASURE_NOTES
from ..forms import EvidenceForm, MeasureForm, StatusForm
from ..measures import evidence_add, evidence_remove, measure_save, measure_status
from ..models import Evidence, Measure
from ..policies import evidence_readable


def _measure(request: HttpRequest, slug: str, pk: int, level: Level) -> tuple[City, Measure]:
    city = city_get_for_user(user=request.user, slug=slug, level=level)
    return city, selectors.city_measure_get(city=city, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def measure_list(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    form = MeasureForm(request.POST or None, city=city)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the city's editors change its measures."))
        if form.is_valid():
            try:
                measure = measure_save(actor=request.user, city=city, data=_data(form))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Measure added."))
                return redirect("measures:detail", slug=city.slug, pk=measure.pk)
    measures = selectors.city_measures(city=city)
    return render(
        request,
        "tracking/measures.html",
        {"city": city, "measures": measures, "form": form, "can_edit": can_edit},
        status=400 if request.method == "POST" else 200,
    )


def _data(form: MeasureForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "description": data["description"],
        "hazards": list(data["hazards"]),
        "action": data["action"],
        "cost": data["cost"],
        "co_finance": data["co_finance"],
        "co_financers": data["co_financers"],
        "beneficiaries": data["beneficiaries"] or 0,
        "beneficiaries_breakdown": data["breakdown"],
        "on": data.get("on"),
    }


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def measure_detail(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, measure = _measure(request, slug, pk, Level.VIEW)
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    form = MeasureForm(request.POST or None, instance=measure, city=city)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the city's editors change its measures."))
        if form.is_valid():
            try:
                measure_save(actor=request.user, city=city, data=_data(form), measure=measure)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("measures:detail", slug=city.slug, pk=measure.pk)
        measure.refresh_from_db()
    return render(
        request,
        "tracking/measure.html",
        {
            "city": city,
            "measure": measure,
            "history": measure.history.select_related("by").order_by("-on", "-pk"),
            "measure_notes": MEASURE_NOTES,  # what other apps say of it (extensions.py)
            "evidence": measure.evidence.all(),
            "form": form,
            "status_form": StatusForm(initial={"status": measure.status}),
            "evidence_form": EvidenceForm(),
            "can_edit": can_edit,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def measure_status_view(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, measure = _measure(request, slug, pk, Level.EDIT)
    form = StatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(
                " ".join(
                    f"{form.fields[f].label}: {e}" for f, es in form.errors.items() for e in es
                )
            )
        data = form.cleaned_data
        measure_status(
            actor=request.user,
            measure=measure,
            status=data["status"],
            on=data["on"],
            note=data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Status recorded."))
    return redirect("measures:detail", slug=city.slug, pk=measure.pk)


def upload_of(request: HttpRequest) -> tuple[str, bytes, str] | str:
    """The evidence file of a POST (title, bytes, name), or the sentence saying what is wrong."""
    files = request.FILES  # parsed here: the size handler marks the request as it reads
    if upload_too_large(request):
        return _("The file is larger than 5 MB.")
    form = EvidenceForm(request.POST, files)
    if not form.is_valid():
        return " ".join(str(e) for errors in form.errors.values() for e in errors)
    upload = form.cleaned_data["file"]
    return (
        form.cleaned_data["title"],
        upload.read(settings.RECAP_UPLOAD_MAX_BYTES),
        upload.name or "",
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def measure_evidence_add(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, measure = _measure(request, slug, pk, Level.EDIT)
    upload = upload_of(request)
    if isinstance(upload, str):
        messages.error(request, upload)
        return redirect("measures:detail", slug=city.slug, pk=measure.pk)
    title, data, filename = upload
    try:
        evidence_add(actor=request.user, measure=measure, title=title, data=data, filename=filename)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Evidence added."))
    return redirect("measures:detail", slug=city.slug, pk=measure.pk)


@login_required
@require_POST
def evidence_remove_view(request: SignedInRequest, pk: int) -> HttpResponse:
    evidence = _readable_evidence(request, pk)
    back = _evidence_home(evidence)
    try:
        evidence_remove(actor=request.user, evidence=evidence)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Evidence removed."))
    return redirect(back)


def _readable_evidence(request: HttpRequest, pk: int) -> Evidence:
    evidence = selectors.evidence_get(pk=pk)
    if not evidence_readable(request.user, evidence):
        raise Http404("No such file")
    return evidence


def _evidence_home(evidence: Evidence) -> str:
    if evidence.measure is not None:
        return reverse(
            "measures:detail",
            kwargs={"slug": evidence.measure.city.slug, "pk": evidence.measure_id},
        )
    assert evidence.update is not None
    if evidence.update.city is not None:
        return reverse("results:city", kwargs={"slug": evidence.update.city.slug})
    return reverse("results:dashboard")


@login_required
@require_GET
def evidence_file(request: SignedInRequest, pk: int) -> FileResponse:
    """The file as a download (never inline), served as what its bytes are; `?thumbnail=1`
    gives an image's thumbnail, inline."""
    evidence = _readable_evidence(request, pk)
    return document_response(evidence, thumbnail=request.GET.get("thumbnail") == "1")
