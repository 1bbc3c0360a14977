from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from recap.accounts.access import Level
from recap.accounts.types import SignedInRequest
from recap.cities.policies import city_policy
from recap.core.rendering import document_download

from ..models import ActionPackage
from ..packages import package_adjust, package_endorse
from ..readouts import version_readout
from ..report import package_pdf, package_xlsx
from ..uncertainty import version_risk
from .lookups import package_of
from .robustness import package_robustness_panel


@login_required
@require_GET
def package_detail(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, package = package_of(request, slug, pk, Level.VIEW)
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
            "run": current.run,
            "by_phase": readout.by_phase,
            "totals": readout.phase_cost,
            "candidates": readout.candidates,
            "chosen": readout.chosen,
            # Any version's own budget risk (one adjusted by hand too): the run's ranges.
            "risk": version_risk(list(current.selected), current.run),
            "can_edit": city_policy.allows(request.user, city, Level.EDIT),
            "can_endorse": city_policy.allows(request.user, city, Level.COORDINATE),
            "robustness": package_robustness_panel(package, current),
        },
    )


@login_required
@require_POST
def package_adjust_view(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    _city, package = package_of(request, slug, pk, Level.EDIT)
    if package.status == ActionPackage.Status.ENDORSED and not request.POST.get("confirm_draft"):
        # An endorsed package goes back to draft: done only once the person has said they know.
        messages.error(
            request,
            _(
                "Nothing was changed: tick “I understand the package returns to draft” to "
                "re-optimise an endorsed package."
            ),
        )
        return redirect(package.get_absolute_url() + "#adjust-title")
    try:
        # One choice per action ("lock:CODE" = "", "in" or "out"); lists of codes as well.
        chosen = {k[5:]: v for k, v in request.POST.items() if k.startswith("lock:")}
        unknown = sorted(c for c, v in chosen.items() if v not in ("", "in", "out"))
        if unknown:
            raise ValidationError(
                _("Choose whether %(c)s may be chosen, must be in or must be left out.")
                % {"c": ", ".join(unknown)}
            )
        version = package_adjust(
            actor=request.user,
            package=package,
            lock_in=request.POST.getlist("lock_in") + [c for c, v in chosen.items() if v == "in"],
            lock_out=request.POST.getlist("lock_out")
            + [c for c, v in chosen.items() if v == "out"],
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
def package_endorse_view(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    _city, package = package_of(request, slug, pk, Level.COORDINATE)
    try:
        package_endorse(
            actor=request.user, package=package, note=request.POST.get("endorsement_note", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The package is endorsed."))
    return redirect(package.get_absolute_url())


@login_required
@require_GET
def package_pdf_view(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, package = package_of(request, slug, pk, Level.VIEW)
    return document_download(
        request,
        lambda language: package_pdf(package, user=request.user, language=language),
        stem=f"{city.slug}-package-{package.pk}",
        kind="pdf",
    )


@login_required
@require_GET
def package_xlsx_view(request: SignedInRequest, slug: str, pk: int) -> HttpResponse:
    city, package = package_of(request, slug, pk, Level.VIEW)
    return document_download(
        request,
        lambda language: package_xlsx(package, language=language),
        stem=f"{city.slug}-package-{package.pk}",
        kind="xlsx",
    )
