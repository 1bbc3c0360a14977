"""Action packages: saved from a run, adjusted by locking actions in or out (the rest is
re-optimised on the run's own input), versioned, and endorsed by the city's coordinator."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recap.accounts.access import Level
from recap.accounts.services import audit
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


@transaction.atomic
def package_save(*, actor: Any, run: Run, name: str, rationale: str = "") -> ActionPackage:
    city = run.session.city
    city_policy.require(actor, city, Level.EDIT, _("Only the city's editors can save a package."))
    _check_rationale(rationale)
    if not run.is_done:
        raise ValidationError(_("This run has not finished yet."))
    if run.outcome["package"]["status"] == "infeasible":
        raise ValidationError(_("This run found no package that meets every constraint."))
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
    *, actor: Any, package: ActionPackage, lock_in: list[str], lock_out: list[str], note: str = ""
) -> PackageVersion:
    """Lock actions in or out and re-optimise the rest. The package goes back to draft."""
    city_policy.require(
        actor, package.city, Level.EDIT, _("Only the city's editors can adjust a package.")
    )
    current = package.current
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
    if package.status == ActionPackage.Status.ENDORSED:
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


@transaction.atomic
def package_endorse(*, actor: Any, package: ActionPackage, note: str) -> ActionPackage:
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
    if package.status == ActionPackage.Status.ENDORSED:
        raise ValidationError(_("This package is already endorsed."))
    package.endorsement_note = note
    package.status = ActionPackage.Status.ENDORSED
    package.endorsed_by = actor
    package.endorsed_at = timezone.now()
    package.save(update_fields=["endorsement_note", "status", "endorsed_by", "endorsed_at"])
    audit(actor=actor, verb="package.endorse", target=package, city=package.city)
    return package
