"""Small-scale measures and the evidence behind what is reported.

Contract:
- `measure_save(actor, city, data, measure=None)`: the city's editors write a measure (hazards
  from the taxonomy, the package action from the city's own candidates, cost and co-finance,
  people reached with a breakdown by sex and age band that adds up). A new measure starts its
  dated history on the day it was planned (given, never assumed); that day can be corrected.
- `measure_status(actor, measure, status, on, note)`: a dated step; dates run forward, none in
  the future; "implemented" sets the implementation date.
- `evidence_add(actor, measure=… | update=…, title, data, filename)`: a photo (PNG, JPEG, WebP)
  or a PDF, its type read from its bytes (`core.documents`), at most `RECAP_UPLOAD_MAX_BYTES`,
  `EVIDENCE_MAX` per measure or value; images get a PNG thumbnail. `evidence_remove` undoes it.
"""

from __future__ import annotations

import datetime
import io
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.catalogue.models import CandidateAction
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.core.stored_files import atomic_with_files
from recap.hazards.models import HazardType

from .models import MEASURE_MOVES, Evidence, IndicatorUpdate, Measure, MeasureStatusChange
from .policies import may_report

EDITORS_ONLY = gettext_lazy("Only the city's editors change its measures.")
EVIDENCE_KINDS = ("pdf", "png", "jpeg", "webp")
EVIDENCE_MAX = 20
THUMBNAIL_SIZE = (480, 360)
BENEFICIARY_DIMENSIONS = ("sex", "age_band")
NOTE_MAX = 2000


def _breakdown(raw: Any, total: int) -> dict[str, dict[str, int]]:
    from .models import AgeBand, Sex

    categories = {"sex": set(Sex.values), "age_band": set(AgeBand.values)}
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise ValidationError({"beneficiaries_breakdown": _("A breakdown is given per dimension.")})
    clean: dict[str, dict[str, int]] = {}
    for dimension, parts in raw.items():
        if dimension not in BENEFICIARY_DIMENSIONS or not isinstance(parts, dict):
            raise ValidationError(
                {"beneficiaries_breakdown": _("Break down by sex or age band only.")}
            )
        clean[dimension] = {}
        for category, number in parts.items():
            if category not in categories[dimension]:
                raise ValidationError(
                    {
                        "beneficiaries_breakdown": _("%(c)s is not a category of %(d)s.")
                        % {"c": str(category)[:40], "d": dimension}
                    }
                )
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise ValidationError(
                    {"beneficiaries_breakdown": _("%(c)s: a whole number.") % {"c": category}}
                )
            clean[dimension][category] = number
        if sum(clean[dimension].values()) != total:
            raise ValidationError(
                {
                    "beneficiaries_breakdown": _(
                        "The %(d)s breakdown adds up to %(s)s, not the %(t)s people reached."
                    )
                    % {"d": dimension, "s": sum(clean[dimension].values()), "t": total}
                }
            )
    return clean


@transaction.atomic
def measure_save(
    *, actor: User, city: City, data: dict[str, Any], measure: Measure | None = None
) -> Measure:
    """`data`: title, description, hazards (HazardType list), action (a candidate of the city,
    or None), cost, co_finance, co_financers, beneficiaries, beneficiaries_breakdown, and `on`,
    the day it was planned (its first step: required for a new measure, never taken to be
    today; changed later, it stays on or before every later step); `note` describes a new
    measure's first step."""
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    if measure is not None and measure.city_id != city.pk:
        raise PermissionDenied(EDITORS_ONLY)
    action = data.get("action")
    if action is not None and (
        not isinstance(action, CandidateAction) or action.city_id != city.pk
    ):
        raise ValidationError({"action": _("Choose one of the city's own candidate actions.")})
    hazards = list(data.get("hazards") or [])
    if any(not isinstance(h, HazardType) for h in hazards):
        raise ValidationError({"hazards": _("Choose hazards from the taxonomy.")})
    new = measure is None
    measure = measure or Measure(city=city, created_by=actor)
    for name in ("title", "description", "cost", "co_financers"):
        if name in data:
            setattr(measure, name, data[name] if data[name] is not None or name == "cost" else "")
    measure.co_finance = data.get("co_finance") or 0
    measure.beneficiaries = data.get("beneficiaries") or 0
    measure.beneficiaries_breakdown = _breakdown(
        data.get("beneficiaries_breakdown"), measure.beneficiaries
    )
    measure.action = action
    measure.full_clean()
    measure.save()
    measure.hazards.set(hazards)
    on = data.get("on")
    if new or on is not None:
        _planned_on(actor, measure, on, data.get("note", ""), new=new)
    audit(actor=actor, verb="measure.save", target=measure, city=city)
    return measure


def _planned_on(
    actor: User, measure: Measure, on: datetime.date | None, note: str, *, new: bool
) -> None:
    """Date the measure's first step (a new one's is written): named, never in the future, and
    never after a later step."""
    if on is None:
        raise ValidationError({"on": _("Say when the measure was agreed.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("Not in the future.")})
    if new:
        MeasureStatusChange.objects.create(
            measure=measure, status=measure.status, on=on, note=note, by=actor
        )
        return
    steps = list(measure.history.order_by("on", "pk"))
    if not steps:  # a measure made before steps were kept: its first step now
        MeasureStatusChange.objects.create(
            measure=measure, status=Measure.Status.PLANNED, on=on, note=note, by=actor
        )
        return
    first, later = steps[0], steps[1:]
    if later and on > later[0].on:
        raise ValidationError(
            {
                "on": _(
                    "Planned on %(p)s would come after the next step, %(s)s on %(d)s: "
                    "date it on or before %(d)s."
                )
                % {
                    "p": on.isoformat(),
                    "s": later[0].get_status_display(),
                    "d": later[0].on.isoformat(),
                }
            }
        )
    if first.on != on:
        MeasureStatusChange.objects.filter(pk=first.pk).update(on=on)


@transaction.atomic
def measure_status(
    *, actor: User, measure: Measure, status: str, on: datetime.date, note: str = ""
) -> MeasureStatusChange:
    city_policy.require(actor, measure.city, Level.EDIT, EDITORS_ONLY)
    # One step at a time per measure: dates compared with the last step hold when two arrive.
    Measure.objects.select_for_update().filter(pk=measure.pk).first()
    if status not in Measure.Status.values or not MEASURE_MOVES.allows(status, measure.status):
        raise ValidationError({"status": _("Choose a status.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("Not in the future.")})
    last = measure.history.order_by("-on", "-pk").first()
    if last is not None and on < last.on:
        raise ValidationError(
            {
                "on": _(
                    "A step on %(on)s would come before the last one, %(s)s on %(d)s: date it "
                    "on or after %(d)s."
                )
                % {"on": on.isoformat(), "s": last.get_status_display(), "d": last.on.isoformat()}
            }
        )
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("Keep it to %(n)s characters.") % {"n": NOTE_MAX}})
    measure.status = status
    measure.implemented_on = on if status == Measure.Status.IMPLEMENTED else None
    measure.full_clean()
    measure.save(update_fields=["status", "implemented_on", "updated_at"])
    change = MeasureStatusChange.objects.create(
        measure=measure, status=status, on=on, note=note.strip(), by=actor
    )
    audit(
        actor=actor,
        verb="measure.status",
        target=measure,
        city=measure.city,
        detail={"status": status, "on": on.isoformat()},
    )
    return change


def _may_attach(
    actor: User, measure: Measure | None, update: IndicatorUpdate | None
) -> City | None:
    """Who adds evidence: the measure's city editors; for a value, whoever reports it, while
    it is a draft or returned."""
    if measure is not None:
        city_policy.require(actor, measure.city, Level.EDIT, EDITORS_ONLY)
        return measure.city
    assert update is not None
    if not may_report(actor, update.indicator, update.city):
        raise PermissionDenied(_("You do not report this indicator for this place."))
    if not update.editable:
        raise ValidationError(_("A submitted or approved value can no longer be changed."))
    return update.city


def _thumbnail(data: bytes) -> bytes:
    """A PNG of at most `THUMBNAIL_SIZE`; an image cut short or damaged inside is refused."""
    try:
        with Image.open(io.BytesIO(data)) as original:
            small = ImageOps.exif_transpose(original)
            small.thumbnail(THUMBNAIL_SIZE)
            if small.mode not in ("RGB", "RGBA"):
                small = small.convert("RGBA")
            out = io.BytesIO()
            small.save(out, format="PNG", optimize=True)
    except Exception:  # whatever Pillow raises on a damaged image is a refusal
        raise ValidationError(
            {"file": _("The image is damaged or cut short: save it again and upload it.")}
        ) from None
    return out.getvalue()


@atomic_with_files()
def evidence_add(
    *,
    actor: User,
    title: str,
    data: bytes,
    filename: str,
    measure: Measure | None = None,
    update: IndicatorUpdate | None = None,
) -> Evidence:
    if (measure is None) == (update is None):
        raise ValueError("evidence belongs to a measure or to a reported value")
    city = _may_attach(actor, measure, update)
    owner = measure if measure is not None else update
    assert owner is not None
    type(owner).objects.select_for_update().filter(pk=owner.pk).first()  # count, then add
    if owner.evidence.count() >= EVIDENCE_MAX:
        raise ValidationError(
            {"file": _("At most %(n)s files: remove one first.") % {"n": EVIDENCE_MAX}}
        )
    evidence = Evidence(
        measure=measure,
        update=update,
        title=((title or "").strip() or PurePath(filename).stem)[:200],
        uploaded_by=actor,
    )
    kind = evidence.accept(data, filename, kinds=EVIDENCE_KINDS)
    # The thumbnail first: an image that only breaks when decoded is refused before any file
    # is written.
    small = _thumbnail(data) if kind != "pdf" else None
    evidence.keep(data, **({"thumbnail": ("thumbnail.png", small)} if small else {}))
    audit(
        actor=actor,
        verb="evidence.add",
        target=owner,
        city=city,
        detail={"title": evidence.title, "kind": kind, "size": len(data)},
    )
    return evidence


@transaction.atomic
def evidence_remove(*, actor: User, evidence: Evidence) -> None:
    city = _may_attach(actor, evidence.measure, evidence.update)
    owner = evidence.measure or evidence.update
    assert owner is not None
    audit(
        actor=actor,
        verb="evidence.remove",
        target=owner,
        city=city,
        detail={"title": evidence.title},
    )
    evidence.delete()  # its files follow once this commits (`core.apps`)
