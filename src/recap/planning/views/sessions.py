from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.policies import city_policy
from recap.cities.selectors import city_get_for_user
from recap.engine import derive_weights
from recap.engine.value import CRITERIA

from .. import selectors
from ..forms import FutureForm, PairwiseForm, SessionForm, StakeholderForm, SwingForm
from ..futures import future_remove, future_set, hazards_to_add, register_of
from ..models import PrioritisationSession
from ..selectors import (
    package_list,
)
from ..services import (
    session_create,
    session_update,
    stakeholder_weights_set,
)
from ..wording import consistency_advice
from .lookups import session_of


@login_required
@require_http_methods(["GET", "POST"])
def session_list(request: SignedInRequest, slug: str) -> HttpResponse:
    city = city_get_for_user(user=request.user, slug=slug, level=Level.VIEW)
    can_edit = city_policy.allows(request.user, city, Level.EDIT)
    form = None
    if can_edit:
        form = SessionForm(
            request.POST if request.method == "POST" else None, city=city, user=request.user
        )
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


@login_required
@require_POST
def stakeholder_add(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    _city, session = session_of(request, slug, pk, Level.EDIT)
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
@require_http_methods(["GET", "POST"])
def session_edit(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, session = session_of(request, slug, pk, Level.EDIT)
    initial = SessionForm.initial_for(session)
    form = SessionForm(
        request.POST if request.method == "POST" else None,
        city=city,
        user=request.user,
        initial=initial,
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
@require_POST
def weights_ahp(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    _city, session = session_of(request, slug, pk, Level.EDIT)
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
def weights_swing(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    _city, session = session_of(request, slug, pk, Level.EDIT)
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


@login_required
@require_POST
def future_add(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, session = session_of(request, slug, pk, Level.EDIT)
    register = register_of(city)
    form = FutureForm(request.POST, hazards=register, others=hazards_to_add(register))
    if not form.is_valid():
        # The form is on another page: each error goes back named by its field's label.
        messages.error(
            request,
            " ".join(
                f"{form.fields[name].label}: {e}" if name in form.fields else str(e)
                for name, errors in form.errors.items()
                for e in errors
            ),
        )
        return redirect(session.get_absolute_url() + "#futures-title")
    try:
        future_set(
            actor=request.user,
            session=session,
            name=form.cleaned_data["name"],
            hazards=form.changes(),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The future was saved. The next run weighs it."))
    return redirect(session.get_absolute_url() + "#futures-title")


@login_required
@require_POST
def future_delete(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    _city, session = session_of(request, slug, pk, Level.EDIT)
    try:
        future_remove(actor=request.user, session=session, name=request.POST.get("name", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The future was removed."))
    return redirect(session.get_absolute_url() + "#futures-title")
