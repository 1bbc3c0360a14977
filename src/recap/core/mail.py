"""E-mails that tell a person about a decision they wait for: one per person (no one sees
another's address), each written in the language that person chose on the site, linking to
the page on the site's public address (`RECAP_SITE_URL`, never the address a worker happens to
run on).

Contract: `site_link(path)` → the absolute address of a page; `mail_each(people, compose,
language=…)` → how many e-mails went. `compose(person)` is called with the person's language
active, so every gettext, stage label, `formats.date_format` and `number_format` inside it
speaks that language. A server that refuses one address does not stop the others (the refusal
is logged). Callers queue the sending after their transaction commits (`transaction.on_commit`
then a task on the "short" queue), so a write that rolls back tells no one.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q, QuerySet
from django.utils import translation

logger = logging.getLogger(__name__)


class Addressee(Protocol):
    pk: Any
    email: str
    language: str


def site_link(path: str) -> str:
    """`path` (a page's absolute URL, with its #anchor) on the site's public address."""
    return settings.RECAP_SITE_URL.rstrip("/") + path


def reachable(*groups: QuerySet[Any], besides: Iterable[int | None] = ()) -> QuerySet[Any]:
    """Of the people in any of `groups`, those an e-mail reaches: active, with an address,
    each once, in a stable order; never those in `besides` (whoever made the decision)."""
    anyone = Q(pk__in=[])
    for group in groups:
        anyone |= Q(pk__in=group.values("pk"))
    return (
        get_user_model()
        .objects.filter(anyone, is_active=True)
        .exclude(email="")
        .exclude(pk__in=[pk for pk in besides if pk is not None])
        .order_by("email", "pk")
    )


def mail_each(
    people: Iterable[Addressee],
    compose: Callable[[Addressee], tuple[str, str]],
    *,
    language: str | None = None,
) -> int:
    """Send each person the (subject, body) `compose` writes for them, in their own language
    (else `language`, the one the decision was made in, else the site's)."""
    sent = 0
    connection = None
    try:
        for person in people:
            with translation.override(person.language or language or settings.LANGUAGE_CODE):
                subject, body = compose(person)
            # One line: the subject goes into a header.
            message = EmailMessage(" ".join(subject.split()), body, None, [person.email])
            if connection is None:
                connection = get_connection()
                connection.open()
            message.connection = connection
            try:
                sent += message.send()
            except (OSError, smtplib.SMTPException):
                logger.exception("e-mail to user %s not sent", person.pk)
    finally:
        if connection is not None:
            connection.close()
    return sent
