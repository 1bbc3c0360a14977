"""Who is told, by e-mail, that the programme approved or returned a reported value: whoever
reported it (drafted, changed or submitted it, `reporter_ids`) while they still report for its
place, and the city's coordinators; never whoever decided. A returned value's e-mail says why.
The link goes to the value's row on the city's results page (a programme-level value: its
outcome on the programme's results page).

Queued once the decision commits (a decision that rolls back tells no one), sent in the
background on the "short" queue, each in the reader's language, with the value and its period
written the reader's way (`core.mail`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django_tasks import task

from recap.accounts.models import Role
from recap.accounts.selectors import city_people
from recap.core.mail import mail_each, reachable, site_link

from .models import IndicatorUpdate
from .policies import may_report, reporter_ids
from .templatetags.figures import figure


def update_decided_notify(update: IndicatorUpdate) -> None:
    language = translation.get_language()
    pk = update.pk
    transaction.on_commit(
        lambda: update_decided_mail.using(queue_name="short").enqueue(pk, language)
    )


def update_link(update: IndicatorUpdate) -> str:
    """Where the value is read: its row on its city's results page, or its outcome's table on
    the programme's results page."""
    if update.city is not None:
        path = reverse("results:city", kwargs={"slug": update.city.slug})
        return site_link(f"{path}#update-{update.pk}")
    return site_link(f"{reverse('results:dashboard')}#outcome-{update.indicator.outcome_id}")


def update_recipients(update: IndicatorUpdate) -> Any:
    users = get_user_model().objects
    reporters = [
        person
        for person in users.filter(pk__in=reporter_ids(update))
        if may_report(person, update.indicator, update.city)
    ]
    groups = [users.filter(pk__in=[p.pk for p in reporters])]
    if update.city_id is not None:
        groups.append(city_people(city_id=update.city_id, roles=(Role.CITY_COORDINATOR,)))
    return reachable(*groups, besides=[update.decided_by_id])


@task()
def update_decided_mail(update_id: int, language: str | None) -> int:
    update = (
        IndicatorUpdate.objects.select_related(
            "indicator__outcome__programme", "city", "decided_by"
        )
        .filter(pk=update_id)
        .first()
    )
    if update is None or update.status not in (
        IndicatorUpdate.Status.APPROVED,
        IndicatorUpdate.Status.RETURNED,
    ):
        return 0  # gone, or changed again meanwhile: its decision is no longer news
    approved = update.status == IndicatorUpdate.Status.APPROVED
    url = update_link(update)
    who = update.decided_by.display_name if update.decided_by else ""

    def compose(person: Any) -> tuple[str, str]:
        words = {
            "name": update.indicator.name,  # in the reader's language where it has one
            "place": update.city.name if update.city else _("the programme"),
            "value": f"{figure(update.value)} {update.indicator.unit}".strip(),
            "start": formats.date_format(update.period_start, "DATE_FORMAT"),
            "end": formats.date_format(update.period_end, "DATE_FORMAT"),
            "who": who or _("The programme's manager"),
            "reason": update.return_reason,
            "url": url,
        }
        if approved:
            subject = _("Approved: “%(name)s” for %(place)s") % words
            body = (
                _(
                    "%(who)s approved the value reported for “%(name)s”, %(place)s, %(start)s to "
                    "%(end)s: %(value)s. It counts in the programme's results from now.\n\n"
                    "See it in ReCAP: %(url)s"
                )
                % words
            )
        else:
            subject = _("Returned: “%(name)s” for %(place)s") % words
            body = (
                _(
                    "%(who)s returned the value reported for “%(name)s”, %(place)s, %(start)s to "
                    "%(end)s: %(value)s.\n\nWhy: %(reason)s\n\nCorrect it and submit it again in "
                    "ReCAP: %(url)s"
                )
                % words
            )
        return subject, body

    return mail_each(update_recipients(update), compose, language=language)
