"""Writes of project concepts: started from an endorsed package's actions (or blank), filled in
by the city, moved through their stages by the gates in `stages`, shared with facilities, and
answered by funders. Every write checks who is asking and is audited."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.accounts.types import Reader, User
from recap.catalogue.models import CandidateAction, Sector
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.core.stored_files import atomic_with_files
from recap.planning.models import ActionPackage, PackageVersion
from recap.planning.readouts import version_readout

from .models import (
    CLOSED,
    SECTIONS,
    ConceptAction,
    ConceptAttachment,
    ConceptMove,
    ConceptShare,
    Facility,
    FunderMessage,
    FundingSource,
    PreparationCost,
    ProjectConcept,
    ResultIndicator,
    Stage,
    Study,
)
from .notify import funder_message_notify, made_by_programme, move_notify
from .policies import funder_facility_ids, is_manager_of, require
from .reviews import record_decision
from .stages import Actor, Move, moves_from
from .texts import checked_text

EDITORS_ONLY = gettext_lazy("Only the city's editors can change its project concepts.")
REASON_MAX = 500
MESSAGE_MAX = 2000
#: The most concepts a city may hold (a thousand clicks on "start" stop here).
PER_CITY_MAX = 200

#: What `concept_update` writes (the record's sections); the stage, the reference and the
#: provenance are not among them.
EDITABLE = tuple(name for _title, names in SECTIONS for name in names)


def may_act(user: Reader, concept: ProjectConcept, actor: Actor) -> bool:
    city = concept.city
    if actor == Actor.EDITOR:
        return city_policy.allows(user, city, Level.EDIT)
    if actor == Actor.COORDINATOR:
        return city_policy.allows(user, city, Level.COORDINATE)
    if actor == Actor.MANAGER:
        return is_manager_of(user, city.pk)
    return city_policy.allows(user, city, Level.COORDINATE) or is_manager_of(user, city.pk)


ACTOR_WORDS = {
    Actor.EDITOR: gettext_lazy("the city's editors"),
    Actor.COORDINATOR: gettext_lazy("the city's coordinator"),
    Actor.MANAGER: gettext_lazy("the programme's manager"),
    Actor.CITY_OR_MANAGER: gettext_lazy("the city's coordinator or the programme's manager"),
}


def _next_reference(city: City) -> str:
    prefix = f"{city.country.iso2}-{city.slug[:12].upper()}-"
    taken = ProjectConcept.objects.filter(reference__startswith=prefix).count()
    return f"{prefix}{taken + 1:03d}"


def _create(concept: ProjectConcept) -> ProjectConcept:
    """Save a new concept under the city's next reference (retried if another request took
    it in between)."""
    if ProjectConcept.objects.filter(city=concept.city).count() >= PER_CITY_MAX:
        raise ValidationError(
            _("A city can hold at most %(n)s project concepts.") % {"n": PER_CITY_MAX}
        )
    for _attempt in range(3):
        concept.reference = _next_reference(concept.city)
        try:
            with transaction.atomic():
                concept.save()
            return concept
        except IntegrityError:
            concept.pk = None
    raise ValidationError(_("Two concepts were started at once; please try again."))


def _record_move(concept: ProjectConcept, to: str, actor: User, reason: str = "") -> ConceptMove:
    return ConceptMove.objects.create(
        concept=concept,
        from_stage="" if concept._state.adding else concept.stage,
        to_stage=to,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )


def concept_covering(city: City, codes: list[str]) -> ProjectConcept | None:
    """The city's open concept started from exactly these actions (of any version of any of
    its packages), if there is one: a second would be the same project twice."""
    wanted = sorted(set(codes))
    for concept in (
        ProjectConcept.objects.filter(city=city, sources__code__in=wanted)
        .exclude(stage__in=CLOSED)
        .distinct()
        .prefetch_related("sources")
        .order_by("pk")
    ):
        if sorted(a.code for a in concept.sources.all()) == wanted:
            return concept
    return None


class DuplicateConceptError(ValidationError):
    """A concept would repeat an open one of the city (`existing`): asked to confirm first."""

    def __init__(self, existing: ProjectConcept) -> None:
        super().__init__(
            _("%(ref)s already covers exactly these actions.") % {"ref": existing.reference}
        )
        self.existing = existing


@transaction.atomic
def concept_start(
    *,
    actor: User,
    version: PackageVersion,
    codes: list[str],
    title: str = "",
    duplicate_ok: bool = False,
) -> ProjectConcept:
    """A concept from actions of an endorsed package's current version. The actions stay
    the source of their title, sector, hazards, cost and phase (read, not copied); their value
    and the cost the package was chosen with are kept as they were in the run. If an open
    concept of the city already covers exactly these actions, `DuplicateConceptError` names it,
    unless `duplicate_ok` (the person saw it and wants another)."""
    city = version.package.city
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    # The package's row, locked: starts at once from it follow each other, so that the
    # same actions pressed twice find the concept the first press made (and are told of it).
    package = ActionPackage.objects.select_for_update().get(pk=version.package_id)
    if package.status != ActionPackage.Status.ENDORSED:
        raise ValidationError(_("Only an endorsed package's actions can start a concept."))
    current = package.current
    if current is None or current.pk != version.pk:
        raise ValidationError(_("This is not the package's current version."))
    codes = sorted(set(codes))
    if not codes:
        raise ValidationError({"actions": _("Choose at least one action of the package.")})
    stray = sorted(set(codes) - set(version.selected))
    if stray:
        raise ValidationError(
            {"actions": _("Not in this package: %(c)s.") % {"c": ", ".join(stray)}}
        )
    if not duplicate_ok and (existing := concept_covering(city, codes)):
        raise DuplicateConceptError(existing)
    candidates = {c.code: c for c in CandidateAction.objects.filter(city=city, code__in=codes)}
    gone = sorted(set(codes) - set(candidates))
    if gone:
        raise ValidationError(
            {
                "actions": _("No longer among the city's candidate actions: %(c)s.")
                % {"c": ", ".join(gone)}
            }
        )
    readout = version_readout(version)
    first = candidates[codes[0]]
    title = title.strip() or (
        first.title
        if len(codes) == 1
        else _("%(t)s and %(n)d more") % {"t": first.title, "n": len(codes) - 1}
    )
    concept = ProjectConcept(
        city=city,
        title=title[:200],
        stage=Stage.CANDIDATE,
        package_version=version,
        lead_department=first.lead_department,
        created_by=actor,
    )
    concept.full_clean(exclude=["reference"])
    _create(concept)
    for code in codes:
        line = readout.actions[code]
        ConceptAction.objects.create(
            concept=concept,
            candidate=candidates[code],
            code=code,
            cost_in_run=round(line.cost),
            value_in_run=round(line.value, 2),
        )
    ConceptMove.objects.create(concept=concept, to_stage=Stage.CANDIDATE, actor=actor)
    audit(
        actor=actor,
        verb="concept.start",
        target=concept,
        city=city,
        detail={"package": package.pk, "version": version.number, "actions": codes},
    )
    return concept


@transaction.atomic
def concept_start_blank(*, actor: User, city: City, title: str) -> ProjectConcept:
    """A concept that comes from no package (it says so on its page)."""
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    concept = ProjectConcept(
        city=city, title=title.strip(), stage=Stage.CANDIDATE, created_by=actor
    )
    concept.full_clean(exclude=["reference"])
    _create(concept)
    ConceptMove.objects.create(concept=concept, to_stage=Stage.CANDIDATE, actor=actor)
    audit(actor=actor, verb="concept.start_blank", target=concept, city=city)
    return concept


def _check_lists(values: dict[str, Any]) -> None:
    allowed = {
        "sub_sectors": set(Sector.values),
        "climate_objectives": set(Facility.ClimateObjective.values),
    }
    for field, codes in allowed.items():
        if field in values:
            value = values[field]
            if not isinstance(value, list) or not set(value) <= codes:
                raise ValidationError({field: _("Choose from the list.")})
    if len(values.get("sub_sectors") or []) > 2:
        raise ValidationError({"sub_sectors": _("At most two sub-sectors.")})
    if "sector" in values and values["sector"] not in ("", *Sector.values):
        raise ValidationError({"sector": _("Choose from the list.")})
    currency = values.get("currency")
    if currency is not None and not (
        isinstance(currency, str)
        and len(currency) == 3
        and currency.isascii()
        and currency.isupper()
    ):
        raise ValidationError({"currency": _("A three-letter code such as USD, EUR or RWF.")})


@transaction.atomic
def concept_update(*, actor: User, concept: ProjectConcept, **values: Any) -> ProjectConcept:
    city_policy.require(actor, concept.city, Level.EDIT, EDITORS_ONLY)
    if concept.stage in CLOSED:
        raise ValidationError(
            _("This concept is closed (%(s)s).") % {"s": concept.get_stage_display()}
        )
    for field in values:
        if field not in EDITABLE:
            raise ValueError(f"not an editable field: {field}")
    _check_lists(values)
    changed = sorted(f for f, v in values.items() if getattr(concept, f) != v)
    for field, value in values.items():
        setattr(concept, field, value)
    concept.full_clean()
    concept.save()
    if changed:
        audit(
            actor=actor,
            verb="concept.update",
            target=concept,
            city=concept.city,
            detail={"fields": changed},
        )
    return concept


def _find_move(concept: ProjectConcept, to: str) -> Move:
    for move in moves_from(concept):
        if move.to == to:
            return move
    raise ValidationError(
        _("A concept that is %(from)s cannot move to %(to)s.")
        % {
            "from": concept.get_stage_display().lower(),
            "to": str(dict(Stage.choices).get(to, to)).lower(),
        }
    )


@transaction.atomic
def concept_move(
    *, actor: User, concept: ProjectConcept, to: str, reason: str = ""
) -> ProjectConcept:
    """Move the concept to `to` if its stage allows that move, `actor` may make it, and its
    gate is open; otherwise refuse, naming what is missing."""
    concept = (
        ProjectConcept.objects.select_for_update()
        .select_related("city__country")
        .get(pk=concept.pk)
    )
    move = _find_move(concept, to)
    if not may_act(actor, concept, move.by):
        raise PermissionDenied(_("Only %(who)s can do this.") % {"who": ACTOR_WORDS[move.by]})
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason to %(n)s characters.") % {"n": REASON_MAX}}
        )
    missing = move.gate(concept)
    if missing:
        raise ValidationError(
            _("Not yet: %(missing)s.") % {"missing": "; ".join(missing)}, code="gate"
        )
    if move.needs_reason and not reason:
        raise ValidationError({"reason": _("Say why (the city and the programme will read it).")})
    recorded = _record_move(concept, move.to, actor, reason)
    record_decision(concept, move.to, actor, reason)
    previous = concept.stage
    concept.held_from = previous if move.to == Stage.ON_HOLD else ""
    concept.stage = move.to
    concept.stage_since = timezone.now()
    if move.to == Stage.SUBMITTED and concept.submitted_on is None:
        concept.submitted_on = timezone.localdate()
    concept.save(update_fields=["stage", "held_from", "stage_since", "submitted_on", "updated_at"])
    audit(
        actor=actor,
        verb="concept.move",
        target=concept,
        city=concept.city,
        detail={"from": previous, "to": move.to, "reason": reason},
    )
    if made_by_programme(actor, concept, move):
        move_notify(recorded)  # the city waits on the programme's decisions
    return concept


@transaction.atomic
def concept_share(*, actor: User, concept: ProjectConcept, facility: Facility) -> ConceptShare:
    """Share a submitted concept with a facility: its funders can then read it and answer."""
    require(
        may_act(actor, concept, Actor.CITY_OR_MANAGER),
        _("Only the city's coordinator or the programme's manager can share a concept."),
    )
    if concept.stage not in ProjectConcept.SUBMITTED_STAGES or concept.stage in CLOSED:
        raise ValidationError(_("Only a concept submitted to the pipeline can be shared."))
    share, made = ConceptShare.objects.get_or_create(
        concept=concept, facility=facility, defaults={"shared_by": actor}
    )
    if made:
        audit(
            actor=actor,
            verb="concept.share",
            target=concept,
            city=concept.city,
            detail={"facility": facility.code},
        )
    return share


def _check_text(text: str) -> str:
    return checked_text(text, field="text", limit=MESSAGE_MAX, empty=_("Write something."))


@transaction.atomic
def funder_message(
    *, actor: User, concept: ProjectConcept, facility: Facility, kind: str, text: str
) -> FunderMessage:
    """A funder's question or expression of interest on a concept shared with its facility.
    An expression of interest is made once per facility (asking again changes nothing)."""
    if kind not in (FunderMessage.Kind.QUESTION, FunderMessage.Kind.INTEREST):
        raise ValidationError({"kind": _("Choose a question or an expression of interest.")})
    require(
        facility.pk in funder_facility_ids(actor)
        and concept.shares.filter(facility=facility).exists()
        and concept.stage not in CLOSED,
        _("Only a funder this concept was shared with can write here, while it is open."),
    )
    text = _check_text(text)
    if kind == FunderMessage.Kind.INTEREST:
        existing = concept.funder_messages.filter(facility=facility, kind=kind).first()
        if existing is not None:
            return existing
    message = FunderMessage.objects.create(
        concept=concept, facility=facility, kind=kind, text=text, author=actor
    )
    audit(
        actor=actor,
        verb=f"concept.funder_{kind}",
        target=concept,
        city=concept.city,
        detail={"facility": facility.code},
    )
    funder_message_notify(message)  # the city's team is told
    return message


@transaction.atomic
def city_reply(
    *, actor: User, concept: ProjectConcept, facility: Facility, text: str
) -> FunderMessage:
    """The city's answer to a facility's thread on its concept."""
    city_policy.require(actor, concept.city, Level.EDIT, EDITORS_ONLY)
    if (
        not concept.funder_messages.filter(facility=facility)
        .exclude(kind=FunderMessage.Kind.REPLY)
        .exists()
    ):
        raise ValidationError(_("This facility has not written about this concept."))
    message = FunderMessage.objects.create(
        concept=concept,
        facility=facility,
        kind=FunderMessage.Kind.REPLY,
        text=_check_text(text),
        author=actor,
    )
    audit(
        actor=actor,
        verb="concept.reply",
        target=concept,
        city=concept.city,
        detail={"facility": facility.code},
    )
    funder_message_notify(message)  # the funder's people are told
    return message


ROW_MODELS: dict[str, tuple[type[Any], tuple[str, ...]]] = {
    "funding_sources": (FundingSource, ("kind", "name", "amount", "status")),
    "preparation_costs": (PreparationCost, ("item", "amount")),
    "indicators": (ResultIndicator, ("name", "unit", "baseline", "target")),
    "studies": (Study, ("name", "completed_on")),
}
ROWS_MAX = 30


@transaction.atomic
def concept_save(
    *,
    actor: User,
    concept: ProjectConcept,
    values: dict[str, Any],
    rows: dict[str, list[dict[str, Any]]] | None = None,
) -> ProjectConcept:
    """The record and its rows in one go: each kind of row given replaces the concept's rows
    of that kind (all checked before any is written)."""
    concept = concept_update(actor=actor, concept=concept, **values)
    changed = []
    for name, new in (rows or {}).items():
        model, fields = ROW_MODELS[name]
        if len(new) > ROWS_MAX:
            raise ValidationError({name: _("At most %(n)s rows.") % {"n": ROWS_MAX}})
        objects = [model(concept=concept, **{f: row[f] for f in fields}) for row in new]
        for obj in objects:
            obj.full_clean(exclude=["concept"])
        old = [tuple(getattr(o, f) for f in fields) for o in getattr(concept, name).all()]
        if old != [tuple(getattr(o, f) for f in fields) for o in objects]:
            getattr(concept, name).all().delete()
            model.objects.bulk_create(objects)
            changed.append(name)
    if changed:
        audit(
            actor=actor,
            verb="concept.rows",
            target=concept,
            city=concept.city,
            detail={"rows": changed},
        )
    return concept


ATTACHMENTS_MAX = 30


@atomic_with_files()
def attachment_add(
    *, actor: User, concept: ProjectConcept, role: str, title: str, data: bytes, filename: str
) -> ConceptAttachment:
    """A document for the concept, accepted only if its bytes are a PDF, XLSX, DOCX or image
    and its name says the same (`core.documents`)."""
    city_policy.require(actor, concept.city, Level.EDIT, EDITORS_ONLY)
    if concept.stage in CLOSED:
        raise ValidationError(_("This concept is closed: it can no longer be changed."))
    if role not in ConceptAttachment.Role.values:
        raise ValidationError({"role": _("Choose what the document is.")})
    title = (title or "").strip() or PurePath(filename).stem[:200]
    if concept.attachments.count() >= ATTACHMENTS_MAX:
        raise ValidationError(
            _("A concept holds at most %(n)s documents; remove one first.") % {"n": ATTACHMENTS_MAX}
        )
    attachment = ConceptAttachment(concept=concept, role=role, title=title[:200], uploaded_by=actor)
    kind = attachment.accept(data, filename)
    attachment.keep(data)
    audit(
        actor=actor,
        verb="concept.attach",
        target=concept,
        city=concept.city,
        detail={"title": attachment.title, "kind": kind, "size": len(data)},
    )
    return attachment


@transaction.atomic
def attachment_remove(*, actor: User, attachment: ConceptAttachment) -> None:
    concept = attachment.concept
    city_policy.require(actor, concept.city, Level.EDIT, EDITORS_ONLY)
    if concept.stage in CLOSED:
        raise ValidationError(_("This concept is closed: it can no longer be changed."))
    audit(
        actor=actor,
        verb="concept.detach",
        target=concept,
        city=concept.city,
        detail={"title": attachment.title},
    )
    attachment.delete()  # its file follows once this commits (`core.apps`)
