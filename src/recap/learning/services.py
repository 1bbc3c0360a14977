"""Writes of lessons: a city's editors draft and submit; the programme's manager publishes or
returns with a reason; every step audited. A published lesson is public."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from recap.accounts.access import Level
from recap.accounts.selectors import city_people
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.core.content import set_edited
from recap.core.mail import Addressee, mail_each, reachable, site_link
from recap.core.stored_files import atomic_with_files

from .models import LESSON_MOVES, Exchange, ExchangeMessage, Lesson, PeerList, PeerOverride
from .policies import editing_city_ids, may_publish, may_set_matches, writing_city

EDITORS_ONLY = gettext_lazy("Only the city's editors write its lessons.")
TEXTS = ("title", "summary", "context", "what_was_done", "results", "differently", "partners")
LINKS = ("hazards", "actions", "measures", "concepts")


@transaction.atomic
def lesson_save(
    *, actor: User, city: City, data: dict[str, Any], lesson: Lesson | None = None
) -> Lesson:
    """A new draft, or a change to a draft or a returned lesson. Measures and concepts must be
    the city's own."""
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    if lesson is not None and (lesson.city_id != city.pk):
        raise PermissionDenied(EDITORS_ONLY)
    # The lesson as saved, locked: a submission or a decision made meanwhile is seen here,
    # and a bound form may already have written the texts it showed.
    stored = Lesson.objects.select_for_update().get(pk=lesson.pk) if lesson is not None else None
    if lesson is not None and (
        not LESSON_MOVES.editable(lesson.status) or stored is None or stored.status != lesson.status
    ):
        raise ValidationError(_("A submitted or published lesson can no longer be changed."))
    for name in ("measures", "concepts"):
        if any(item.city_id != city.pk for item in data.get(name) or []):
            raise ValidationError({name: _("Choose the city's own.")})
    lesson = lesson or Lesson(city=city, created_by=actor)
    for name in TEXTS:
        if name in data:  # in the editor's language; a text left as shown stays where it is
            set_edited(lesson, stored, name, (data[name] or "").strip())
    for name in ("kind", "cost_usd"):
        if name in data:
            setattr(lesson, name, data[name])
    lesson.full_clean()
    if stored is None:
        lesson.save()
    else:  # only what this editor wrote: a concurrent change to anything else stays
        lesson.save(update_fields=_written(data))
    for name in LINKS:
        if name in data:
            getattr(lesson, name).set(data[name] or [])
    audit(actor=actor, verb="lesson.save", target=lesson, city=city)
    return lesson


def _written(data: dict[str, Any]) -> list[str]:
    """The columns `lesson_save` writes for `data`: each text in both languages (one of them
    is the editor's; the other is put back as saved), the kind and the cost."""
    names = [name for name in TEXTS if name in data]
    columns = [f"{name}_{code}" for name in names for code, _label in settings.LANGUAGES]
    return [*names, *columns, *(n for n in ("kind", "cost_usd") if n in data), "updated_at"]


def _lesson_locked(lesson: Lesson) -> Lesson:
    # Who published it is read after the lock (a join would show the row before the wait).
    return Lesson.objects.select_for_update().get(pk=lesson.pk)


@transaction.atomic
def lesson_submit(*, actor: User, lesson: Lesson) -> Lesson:
    city_policy.require(actor, lesson.city, Level.EDIT, EDITORS_ONLY)
    fresh = _lesson_locked(lesson)
    move = LESSON_MOVES.check("submit", seen=lesson.status, fresh=fresh.status)
    lesson.status, lesson.return_reason = move.to, ""
    lesson.save(update_fields=["status", "return_reason", "updated_at"])
    audit(actor=actor, verb="lesson.submit", target=lesson, city=lesson.city)
    return lesson


@transaction.atomic
def lesson_decide(*, actor: User, lesson: Lesson, publish: bool, reason: str = "") -> Lesson:
    """The programme's manager publishes a submitted lesson (it becomes public) or returns it
    to the city as a draft with a reason; a published one can be withdrawn the same way."""
    if not may_publish(actor, lesson):
        raise PermissionDenied(_("Only the programme's manager publishes lessons."))
    # Locked, and decided only while it is as the manager saw it: of two decisions at once,
    # the second waits for the first and is refused, naming who decided.
    fresh = _lesson_locked(lesson)
    if fresh.status != lesson.status:
        if fresh.status == Lesson.Status.PUBLISHED:
            by = fresh.published_by
            raise ValidationError(
                _("This lesson was just published by %(who)s.")
                % {"who": (by.get_full_name() or by.username) if by else _("someone")}
            )
        raise ValidationError(_("This lesson was just changed by someone else: read it again."))
    move = LESSON_MOVES.check(
        "publish" if publish else "return", seen=lesson.status, fresh=fresh.status
    )
    reason = LESSON_MOVES.reason(move, reason)
    lesson.status, lesson.return_reason = move.to, "" if publish else reason[:2000]
    if publish:
        lesson.published_at, lesson.published_by = timezone.now(), actor
    else:
        lesson.published_at = None
    lesson.save(
        update_fields=["status", "return_reason", "published_at", "published_by", "updated_at"]
    )
    audit(
        actor=actor,
        verb="lesson.publish" if publish else "lesson.return",
        target=lesson,
        city=lesson.city,
        detail={"reason": lesson.return_reason},
    )
    return lesson


# --- Exchanges between cities --------------------------------------------------------------

MESSAGE_MAX = 5000
OPEN_PER_DAY = 20  # new exchanges a city may open in a day: a bounded refusal past it


@atomic_with_files()
def exchange_start(
    *,
    actor: User,
    from_city: City,
    to_city: City,
    kind: str,
    subject: str,
    body: str,
    lesson: Lesson | None = None,
    attachment: tuple[bytes, str] | None = None,
) -> Exchange:
    """A city's editor asks a peer city a question or proposes a call, a visit or a document.
    The peer city's editors are told by e-mail and see it under "My work"."""
    if from_city.pk not in editing_city_ids(actor):
        raise PermissionDenied(_("Only the city's editors write for it."))
    errors: dict[str, str] = {}
    if to_city.pk == from_city.pk:
        errors["to_city"] = _("Choose another city than your own.")
    elif not (to_city.is_public or city_policy.allows(actor, to_city, Level.VIEW)):
        errors["to_city"] = _("Choose a city from the list.")
    if kind not in Exchange.Kind.values:
        errors["kind"] = _("Choose a kind of exchange from the list.")
    # One line: the subject goes into e-mail headers.
    subject, body = " ".join((subject or "").split()), (body or "").strip()
    if not subject:
        errors["subject"] = _("Say what the exchange is about.")
    if not body:
        errors["body"] = _("Write your question or proposal.")
    if len(body) > MESSAGE_MAX:
        errors["body"] = _("Keep the message under %(n)s characters.") % {"n": MESSAGE_MAX}
    if lesson is not None and lesson.status != Lesson.Status.PUBLISHED:
        errors["lesson"] = _("Choose a published lesson.")
    if errors:
        raise ValidationError(errors)
    message = _prepared(from_city, actor, body, attachment)
    since = timezone.now() - datetime.timedelta(days=1)
    if Exchange.objects.filter(from_city=from_city, created_at__gte=since).count() >= OPEN_PER_DAY:
        raise ValidationError(_("Your city opened many exchanges today: try again tomorrow."))
    now = timezone.now()
    exchange = Exchange(
        from_city=from_city,
        to_city=to_city,
        kind=kind,
        subject=subject[:200],
        lesson=lesson,
        created_by=actor,
        last_message_at=now,
        awaiting=to_city,
    )
    exchange.full_clean()
    exchange.save()
    _send(message, exchange, attachment)
    audit(actor=actor, verb="exchange.start", target=exchange, city=from_city)
    exchange_notify(exchange, message)
    return exchange


@atomic_with_files()
def exchange_reply(
    *, actor: User, exchange: Exchange, body: str, attachment: tuple[bytes, str] | None = None
) -> ExchangeMessage:
    exchange = (
        Exchange.objects.select_for_update()
        .select_related("from_city", "to_city")
        .get(pk=exchange.pk)
    )
    city = writing_city(actor, exchange)
    if city is None:
        raise PermissionDenied(_("Only the two cities' editors write in an exchange."))
    if exchange.is_closed:
        raise ValidationError(_("This exchange is closed."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write your reply.")})
    if len(body) > MESSAGE_MAX:
        raise ValidationError(
            {"body": _("Keep the message under %(n)s characters.") % {"n": MESSAGE_MAX}}
        )
    message = _prepared(city, actor, body, attachment)
    _send(message, exchange, attachment)
    other = exchange.to_city if city.pk == exchange.from_city_id else exchange.from_city
    exchange.last_message_at, exchange.awaiting = message.created_at, other
    exchange.save(update_fields=["last_message_at", "awaiting"])
    audit(actor=actor, verb="exchange.reply", target=exchange, city=city)
    exchange_notify(exchange, message)
    return message


#: What a city may share in an exchange: documents and photos (type read from the bytes).
ATTACHMENT_KINDS = ("pdf", "docx", "xlsx", "png", "jpeg", "webp")


def _prepared(
    city: City, actor: User, body: str, attachment: tuple[bytes, str] | None
) -> ExchangeMessage:
    """A message with its document (if any) accepted: a file that is not a document of the
    kinds shared is refused on the "attachment" field before anything is written."""
    message = ExchangeMessage(city=city, author=actor, body=body)
    if attachment is not None:
        message.accept(*attachment, kinds=ATTACHMENT_KINDS)
    return message


def _send(
    message: ExchangeMessage, exchange: Exchange, attachment: tuple[bytes, str] | None
) -> None:
    message.exchange = exchange
    if attachment is not None:
        message.keep(attachment[0])
    else:
        message.save()


@transaction.atomic
def exchange_close(*, actor: User, exchange: Exchange) -> Exchange:
    city = writing_city(actor, exchange)
    if city is None:
        raise PermissionDenied(_("Only the two cities' editors write in an exchange."))
    exchange.is_closed, exchange.awaiting = True, None
    exchange.save(update_fields=["is_closed", "awaiting"])
    audit(actor=actor, verb="exchange.close", target=exchange, city=city)
    return exchange


def exchange_notify(exchange: Exchange, message: ExchangeMessage) -> None:
    """The other city's editors and coordinators are told by e-mail (after the commit, in
    the background, each in their own language), quoting `message`: the one just written,
    not whichever is the latest when the task runs."""
    language = translation.get_language()
    exchange_pk, city_pk, message_pk = exchange.pk, message.city_id, message.pk
    transaction.on_commit(
        lambda: exchange_mail.using(queue_name="short").enqueue(
            exchange_pk, city_pk, language, message_pk
        )
    )


@task()
def exchange_mail(
    exchange_id: int, writer_id: int, language: str | None, message_id: int | None = None
) -> int:
    exchange = (
        Exchange.objects.select_related("from_city", "to_city").filter(pk=exchange_id).first()
    )
    if exchange is None:
        return 0
    if message_id is not None:  # the message that asked for this e-mail, and its city
        last = exchange.messages.filter(pk=message_id).first()
        if last is None:  # gone with its exchange's documents
            return 0
        writer_id = last.city_id
    else:  # queued before messages were named
        last = exchange.messages.order_by("-created_at", "-pk").first()
    other = exchange.to_city if writer_id == exchange.from_city_id else exchange.from_city
    writer = exchange.from_city if other.pk == exchange.to_city_id else exchange.to_city
    editors = city_people(city_id=other.pk)
    url = site_link(exchange.get_absolute_url())

    def compose(person: Addressee) -> tuple[str, str]:
        subject = _("%(city)s wrote to %(other)s: %(subject)s") % {
            "city": writer.name,
            "other": other.name,
            "subject": exchange.subject,
        }
        body = _(
            "%(city)s wrote in the exchange “%(subject)s”:\n\n%(text)s\n\nReply in ReCAP: "
            "%(url)s\n\nYou see it under “My work” too."
        ) % {
            "city": writer.name,
            "subject": exchange.subject,
            "text": last.body if last else "",
            "url": url,
        }
        return subject, body

    return mail_each(reachable(editors), compose, language=language)


@transaction.atomic
def match_override(
    *, actor: User, city: City, peer: City, kind: str, action: str, note: str = ""
) -> PeerOverride | None:
    """The programme's manager pins or hides a match of one of its cities; action "" clears."""
    if not may_set_matches(actor, city):
        raise PermissionDenied(_("Only the programme's manager pins or hides matches."))
    if kind not in PeerList.values or action not in ("", *PeerOverride.Action.values):
        raise ValidationError(_("Choose pin, hide or clear for one of the two lists."))
    if peer.pk == city.pk:
        raise ValidationError(_("A city is not its own peer."))
    PeerOverride.objects.filter(city=city, peer=peer, kind=kind).delete()
    override = None
    if action:
        override = PeerOverride.objects.create(
            city=city, peer=peer, kind=kind, action=action, note=note.strip()[:300], set_by=actor
        )
    audit(
        actor=actor,
        verb="peer.override",
        target=city,
        city=city,
        detail={"peer": peer.pk, "kind": kind, "action": action or "clear"},
    )
    return override
