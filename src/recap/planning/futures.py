"""Futures of a session: other hazard pictures than today's register, and each candidate's value
in each of them through the same value model.

Contract: a session keeps up to `MAX_FUTURES` futures (`PrioritisationSession.futures`), each a
name and, for the hazards it changes, a likelihood and an impact (1–5): hazards of the city's
register, or hazard types the register lacks (a new epidemic wave in a city that has had none),
which the future adds.
`future_set` / `future_remove` check and write them (the city's editors only, audited; bad
input is a `ValidationError` naming the field). `future_inputs(session, candidates)` gives
what a run stores: the futures (with codes `f1`, `f2`, …; "today" is the register itself) and
each candidate's criterion scores in each. `compute.futures_analysis` turns those into values
under the run's weights and asks the engine for the package with the best worst case and the
one with the least maximum regret.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.catalogue.models import CandidateAction
from recap.catalogue.selectors import city_hazards_for_model
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.engine.value import CRITERIA, Hazard, action_scores
from recap.hazards.models import CityHazard, HazardType

from .models import PrioritisationSession

EDITORS_ONLY = gettext_lazy("Only the city's editors can change the session's futures.")
MAX_FUTURES = 4
NAME_LENGTH = 80
TODAY = "today"


def _checked(
    session: PrioritisationSession, name: str, hazards: dict[str, tuple[int, int]]
) -> dict[str, Any]:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the future a name.")})
    if len(name) > NAME_LENGTH:
        raise ValidationError(
            {"name": _("A future's name has at most %(n)s characters.") % {"n": NAME_LENGTH}}
        )
    registered = {h.id for h in city_hazards_for_model(session.city)}
    known = set(HazardType.objects.filter(is_active=True).values_list("code", flat=True))
    out: dict[str, list[int]] = {}
    for code, (likelihood, impact) in hazards.items():
        if code not in registered and code not in known:
            raise ValidationError(
                {
                    "hazards": _(
                        "%(code)s is neither in the city's hazards register nor a hazard type "
                        "ReCAP offers."
                    )
                    % {"code": code}
                }
            )
        for label, x in ((_("likelihood"), likelihood), (_("impact"), impact)):
            if isinstance(x, bool) or not isinstance(x, int) or not 1 <= x <= 5:
                raise ValidationError(
                    {
                        "hazards": _("%(code)s: the %(what)s is a whole number from 1 to 5.")
                        % {"code": code, "what": label}
                    }
                )
        out[code] = [likelihood, impact]
    return {"name": name, "hazards": out}


@transaction.atomic
def future_set(
    *,
    actor: User,
    session: PrioritisationSession,
    name: str,
    hazards: dict[str, tuple[int, int]],
) -> dict[str, Any]:
    """Add a future, or change the one of that name. At most `MAX_FUTURES` besides today."""
    city_policy.require(actor, session.city, Level.EDIT, EDITORS_ONLY)
    session = PrioritisationSession.objects.select_for_update().get(pk=session.pk)
    future = _checked(session, name, hazards)
    kept = [f for f in session.futures if f["name"].casefold() != future["name"].casefold()]
    if len(kept) >= MAX_FUTURES:
        raise ValidationError(
            {
                "name": _("A session weighs at most %(n)s futures besides today.")
                % {"n": MAX_FUTURES}
            }
        )
    session.futures = [*kept, future]
    session.save(update_fields=["futures", "updated_at"])
    audit(
        actor=actor,
        verb="session.future",
        target=session,
        city=session.city,
        detail={"name": future["name"]},
    )
    return future


@transaction.atomic
def future_remove(*, actor: User, session: PrioritisationSession, name: str) -> None:
    city_policy.require(actor, session.city, Level.EDIT, EDITORS_ONLY)
    session = PrioritisationSession.objects.select_for_update().get(pk=session.pk)
    kept = [f for f in session.futures if f["name"] != name]
    if len(kept) == len(session.futures):
        raise ValidationError({"name": _("The session has no future of that name.")})
    session.futures = kept
    session.save(update_fields=["futures", "updated_at"])
    audit(
        actor=actor,
        verb="session.future.remove",
        target=session,
        city=session.city,
        detail={"name": name},
    )


def _hazards_in(today: list[Hazard], changes: dict[str, list[int]]) -> list[Hazard]:
    """Today's register with the future's changes, and the hazards it adds (stable: a future
    is one picture, not a trend). A hazard the future changed that has since left the register
    is added back: the future still says what that hazard is in it, and its page says the
    hazard is not in today's register."""
    registered = {h.id for h in today}
    return [
        Hazard(h.id, changes[h.id][0], changes[h.id][1], h.trend) if h.id in changes else h
        for h in today
    ] + [Hazard(code, pair[0], pair[1]) for code, pair in changes.items() if code not in registered]


def future_inputs(
    session: PrioritisationSession, candidates: list[CandidateAction]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[float]]]]:
    """The session's futures as a run stores them, and each candidate's criterion scores in
    each (in `CRITERIA` order): the same value model, the future's hazards."""
    if not session.futures:
        return [], {}
    today = city_hazards_for_model(session.city)
    futures = []
    scores: dict[str, dict[str, list[float]]] = {}
    for k, future in enumerate(session.futures, start=1):
        code = f"f{k}"
        hazards = _hazards_in(today, future["hazards"])
        futures.append({"code": code, "name": future["name"], "hazards": future["hazards"]})
        scores[code] = {
            c.code: [
                action_scores(
                    hazards,
                    effectiveness={h: float(e) for h, e in c.hazards.items()},
                    qualities=c.qualities,
                    co_benefits={k: float(v) for k, v in c.co_benefits.items()},
                    feasibility=float(c.feasibility),
                )["scores"][criterion]
                for criterion in CRITERIA
            ]
            for c in candidates
        }
    return futures, scores


def register_of(city: City) -> list[CityHazard]:
    """The city's hazards register, by name: what a future changes."""
    return list(
        CityHazard.objects.filter(city=city).select_related("hazard").order_by("hazard__name")
    )


def hazards_to_add(register: list[CityHazard]) -> list[HazardType]:
    """The hazard types a future may add: those offered to cities that the register lacks."""
    return list(
        HazardType.objects.filter(is_active=True)
        .exclude(pk__in=[h.hazard_id for h in register])
        .order_by("name")
    )


def described(session: PrioritisationSession, register: list[CityHazard]) -> list[dict[str, Any]]:
    """The session's futures for its page: each with the hazards it changes, by name, today's
    likelihood and impact beside the future's."""
    by_code = {h.hazard.code: h for h in register}
    names = dict(HazardType.objects.values_list("code", "name"))
    out = []
    for future in session.futures:
        changes = []
        for code, (likelihood, impact) in future["hazards"].items():
            today = by_code.get(code)
            changes.append(
                {
                    "name": today.hazard.name if today else names.get(code, code),
                    "likelihood": likelihood,
                    "impact": impact,
                    "today": (today.likelihood, today.impact) if today else None,
                }
            )
        out.append({"name": future["name"], "changes": changes})
    return out
