"""Lessons: the public list and printable page of published ones; a city's lessons with the
form to draft and submit them; the programme's list of those waiting to be published."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.core.content import missing, reader_language
from recap.core.forms import add_service_errors, checked, told
from recap.core.rates import WRITE_RATE
from recap.pipeline.selectors import concept_queryset
from recap.tracking.policies import measure_policy

from .. import selectors
from ..exchanges import community_figures
from ..forms import DecisionForm, LessonForm
from ..models import Lesson
from ..policies import lesson_queryset, publishable_city_ids
from ..services import TEXTS, lesson_decide, lesson_save, lesson_submit


def _data(form: LessonForm) -> dict[str, object]:
    return {name: form.cleaned_data[name] for name in form.Meta.fields}


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    hazard = selectors.hazard_by_code(request.GET.get("hazard") or "")
    lessons = selectors.published_lessons(hazard=hazard)
    return render(
        request,
        "learning/public_list.html",
        {
            "lessons": lessons,
            "hazard": hazard,
            "hazards": selectors.hazards_with_lessons(),
        },
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A lesson's page, printable; a draft is a 404 to whoever may not see it."""
    lesson = get_object_or_404(
        lesson_queryset(request.user)
        .select_related("city__country")
        .prefetch_related("hazards", "actions", "measures", "concepts"),
        pk=pk,
    )
    # A linked concept is named only to whoever may read it (the pipeline's own policy): a
    # published lesson does not make a city's concept public.
    concepts = concept_queryset(user=request.user).filter(
        pk__in=[c.pk for c in lesson.concepts.all()]
    )
    # Measures have no public page: each is a link for whoever may open it in its city's
    # workspace, plain text for everyone else.
    openable = set(
        measure_policy.queryset(request.user)
        .filter(pk__in=[m.pk for m in lesson.measures.all()])
        .values_list("pk", flat=True)
    )
    here = reader_language()
    return render(
        request,
        "learning/detail.html",
        {
            "lesson": lesson,
            "concepts": concepts,
            "measures": [(m, m.pk in openable) for m in lesson.measures.all()],
            # Texts shown in the other language, marked as such (and read out in it).
            "stand_in": missing(lesson, TEXTS, here),
            "other": "en" if here == "fr" else "fr",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def city_lessons(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    form = LessonForm(request.POST or None, city=city)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the city's editors write its lessons."))
        if form.is_valid():
            try:
                lesson = lesson_save(actor=request.user, city=city, data=_data(form))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Lesson saved as a draft."))
                return redirect("lessons:city_edit", slug=city.slug, pk=lesson.pk)
    return render(
        request,
        "learning/city_list.html",
        {
            "city": city,
            "lessons": lesson_queryset(request.user).filter(city=city).order_by("status", "title"),
            "form": form,
            "can_edit": can_edit,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def city_edit(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    lesson = get_object_or_404(lesson_queryset(request.user), pk=pk, city=city)
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    form = LessonForm(request.POST or None, instance=lesson, city=city)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the city's editors write its lessons."))
        try:
            if "submit" in request.POST:
                lesson_submit(actor=request.user, lesson=lesson)
                messages.success(request, _("Submitted to the programme for publication."))
                return redirect("lessons:city_edit", slug=city.slug, pk=lesson.pk)
            if form.is_valid():
                lesson_save(actor=request.user, city=city, data=_data(form), lesson=lesson)
                messages.success(request, _("Saved."))
                return redirect("lessons:city_edit", slug=city.slug, pk=lesson.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
        lesson.refresh_from_db()
    return render(
        request,
        "learning/city_edit.html",
        {"city": city, "lesson": lesson, "form": form, "can_edit": can_edit},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def programme_list(request: SignedInRequest) -> HttpResponse:
    from recap.pipeline.policies import programme_reader

    if not programme_reader(request.user):
        raise PermissionDenied(_("The programme's lessons are the programme's."))
    publishable = publishable_city_ids(request.user)
    lessons = (
        lesson_queryset(request.user)
        .exclude(status=Lesson.Status.DRAFT)
        .select_related("city__country")
        .order_by("status", "-updated_at")
    )
    from recap.tracking.policies import programmes_read

    programme = programmes_read(request.user).first()
    return render(
        request,
        "learning/programme_list.html",
        {
            "lessons": lessons,
            "can_publish": {lesson.pk for lesson in lessons if lesson.city_id in publishable},
            "community": community_figures(programme) if programme else [],
        },
    )


@login_required
@require_POST
@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)  # type: ignore[untyped-decorator]
def decide(request: SignedInRequest, pk: int) -> HttpResponse:
    lesson = get_object_or_404(lesson_queryset(request.user), pk=pk)
    with told(request, done=_("Decided.")):
        data = checked(DecisionForm(request.POST), _("Choose to publish or return it."))
        lesson_decide(
            actor=request.user, lesson=lesson, publish=data["publish"], reason=data["reason"]
        )
    return redirect("lessons:programme")
