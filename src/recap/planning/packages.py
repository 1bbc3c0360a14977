"""Action packages: saved from a run, adjusted by locking actions in or out (the rest is
re-optimised on the run's own input), versioned, and endorsed by the city's coordinator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.cities.policies import city_policy
from recap.engine import optimize, parse_problem

from .compute import problem_valued
from .models import ActionPackage, PackageVersion, Run
from .tasks import endorsement_requested, version_robustness_queue
from .wording import conflict_text

RATIONALE_MAX = 5000
NOTE_MAX = 300


def _check_rationale(rationale: str, field: str = "rationale") -> None:
    if len(rationale) > RATIONALE_MAX:
        raise ValidationError(
            {
                field: _("Keep it to %(n)s characters (it has %(m)s).")
                % {"n": RATIONALE_MAX, "m": len(rationale)}
            }
        )


def _problem(run: Run, lock_in: list[str], lock_out: list[str]) -> Any:
    return parse_problem(problem_valued(run.input, run.outcome["values"], lock_in, lock_out))


def _locked(package: ActionPackage) -> ActionPackage:
    """The package's row, locked to the end of the transaction, as it is now."""
    return (
        ActionPackage.objects.select_for_update(of=("self",))
        .select_related("city")
        .get(pk=package.pk)
    )


@transaction.atomic
def package_save(*, actor: User, run: Run, name: str, rationale: str = "") -> ActionPackage:
    city = run.session.city
    city_policy.require(actor, city, Level.EDIT, _("Only the city's editors can save a package."))
    _check_rationale(rationale)
    if not run.is_done:
        raise ValidationError(_("This run has not finished yet."))
    if run.outcome["package"]["status"] == "infeasible":
        raise ValidationError(_("This run found no package that meets every constraint."))
    # Saved once per run: a second click (or a second editor at the same moment) waits for
    # the first on the run's row and gets the package it made, with no second announcement.
    Run.objects.select_for_update().filter(pk=run.pk).first()
    made = (
        ActionPackage.objects.filter(versions__run=run, versions__number=1).order_by("pk").first()
    )
    if made is not None:
        return made
    package = ActionPackage(
        session=run.session, city=city, name=name, rationale=rationale, created_by=actor
    )
    package.full_clean()
    package.save()
    PackageVersion.objects.create(
        package=package,
        number=1,
        run=run,
        selected=run.outcome["package"]["selected"],
        objective=run.outcome["package"]["objective"],
        status=run.outcome["package"]["status"],
        note=_("Saved from run %(n)d") % {"n": run.number},
        created_by=actor,
    )
    audit(actor=actor, verb="package.save", target=package, city=city, detail={"run": run.number})
    endorsement_requested(package)
    return package


@transaction.atomic
def package_adjust(
    *, actor: User, package: ActionPackage, lock_in: list[str], lock_out: list[str], note: str = ""
) -> PackageVersion:
    """Lock actions in or out and re-optimise the rest. The package goes back to draft."""
    city_policy.require(
        actor, package.city, Level.EDIT, _("Only the city's editors can adjust a package.")
    )
    # Versions are numbered on the package's locked row: adjustments at once follow each
    # other, each on the version the one before made.
    fresh = _locked(package)
    current = fresh.current
    assert current is not None
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {
                "note": _("Keep the note to %(n)s characters (it has %(m)s).")
                % {"n": NOTE_MAX, "m": len(note)}
            }
        )
    known = {a["id"] for a in current.run.input["problem"]["actions"]}
    lock_in, lock_out = sorted(set(lock_in)), sorted(set(lock_out))
    stray = sorted((set(lock_in) | set(lock_out)) - known)
    if stray:
        raise ValidationError(
            _("Not among the session's candidates: %(c)s.") % {"c": ", ".join(stray)}
        )
    both = sorted(set(lock_in) & set(lock_out))
    if both:
        raise ValidationError(
            _("An action cannot be locked both in and out: %(c)s.") % {"c": ", ".join(both)}
        )
    if (
        current.number > 1
        and fresh.status == ActionPackage.Status.DRAFT
        and current.created_by_id == actor.pk
        and (current.lock_in, current.lock_out, current.note) == (lock_in, lock_out, note)
    ):
        return current  # the same adjustment again (a double click): it is made already
    result = optimize(_problem(current.run, lock_in, lock_out), time_limit=30)
    if result.status == "infeasible":
        raise ValidationError(conflict_text(result.conflict, result.reason or ""))
    version = PackageVersion.objects.create(
        package=package,
        number=current.number + 1,
        run=current.run,
        selected=result.selected,
        lock_in=sorted(lock_in),
        lock_out=sorted(lock_out),
        objective=result.objective,
        status=result.status,
        note=note,
        created_by=actor,
    )
    # Its locks change what the weights can move: its own robustness, in the background.
    version_robustness_queue(version)
    if fresh.status == ActionPackage.Status.ENDORSED:
        package.status = ActionPackage.Status.DRAFT
        package.endorsed_by = None
        package.endorsed_at = None
        package.save(update_fields=["status", "endorsed_by", "endorsed_at"])
        # Back to draft: it awaits endorsement again. A draft changed again was announced when
        # it was saved, and "My work" shows its latest version.
        endorsement_requested(package)
    audit(
        actor=actor,
        verb="package.adjust",
        target=package,
        city=package.city,
        detail={"version": version.number, "lock_in": lock_in, "lock_out": lock_out},
    )
    return version


#: What happens when a package is endorsed, filled by apps above this one (the implementation
#: plan follows the endorsed version): called inside the endorsement's transaction.
_ON_ENDORSED: list[Callable[[User, ActionPackage], None]] = []


def endorsed_register(hook: Callable[[User, ActionPackage], None]) -> None:
    if hook not in _ON_ENDORSED:  # ready() may run more than once
        _ON_ENDORSED.append(hook)


@transaction.atomic
def package_endorse(*, actor: User, package: ActionPackage, note: str) -> ActionPackage:
    """The coordinator endorses the package's current version, in words of their own kept
    beside the team's rationale."""
    city_policy.require(
        actor,
        package.city,
        Level.COORDINATE,
        _("Only the city's coordinator can endorse a package."),
    )
    if not note.strip():
        raise ValidationError(
            {"endorsement_note": _("Write down why this package, before endorsing it.")}
        )
    _check_rationale(note, "endorsement_note")
    fresh = _locked(package)
    if fresh.status == ActionPackage.Status.ENDORSED or package.status != fresh.status:
        by = fresh.endorsed_by
        if fresh.status == ActionPackage.Status.ENDORSED and by is not None:
            raise ValidationError(
                _("This package is already endorsed, by %(who)s.")
                % {"who": by.get_full_name() or by.username}
            )
        raise ValidationError(_("This package is already endorsed."))
    package.endorsement_note = note
    package.status = ActionPackage.Status.ENDORSED
    package.endorsed_by = actor
    package.endorsed_at = timezone.now()
    package.save(update_fields=["endorsement_note", "status", "endorsed_by", "endorsed_at"])
    audit(actor=actor, verb="package.endorse", target=package, city=package.city)
    for hook in _ON_ENDORSED:
        hook(actor, package)
    return package
