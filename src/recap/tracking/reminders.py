"""The weekly reminder digest: each person responsible for something late or waiting gets one
e-mail a week listing it, in the language they last chose on the site.

What each person is told:
- a city's editors and coordinators: the city-level indicators their city has not reported
  within the indicator's interval, and their city's values the programme returned;
- a programme's manager: the programme-level indicators not reported in time, and the values
  that wait for their approval;
- what apps above this one add (`digest_source_register`: implementation plans' late and
  at-risk actions), so that this module never imports them.

Contract: `digest_items(user, as_of)` → the lines for one person; `reminders_send(as_of)` →
how many people were sent a digest; a person gets at most one a week (`ReminderSent`), so
running it twice sends nothing more. `reminder_digest` is the background task: it sends, then
queues itself for next Monday at 06:00; `reminders_schedule()` (run as a worker starts) makes
sure one is queued.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from recap.accounts.models import Membership, Role
from recap.accounts.types import Reader, User
from recap.cities.models import City
from recap.core.mail import site_link

from .models import Indicator, IndicatorUpdate, ReminderSent
from .progress import late_places

SEND_HOUR = 6
#: The values waiting for approval "My work" lists one by one (the dashboard has them all).
WAITING_LISTED = 30
logger = logging.getLogger(__name__)


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _late(as_of: datetime.date) -> list[tuple[Indicator, int | None]]:
    """(indicator, city id or None for the programme) for every late place."""
    out = []
    indicators = Indicator.objects.filter(kind=Indicator.Kind.REPORTED).select_related(
        "outcome__programme"
    )
    for indicator in indicators:
        for late in late_places(indicator, as_of):
            out.append((indicator, late.city.pk if late.city else None))
    return out


@dataclass(frozen=True)
class WorkItem:
    text: str
    path: str  # where to act on it, on the site
    kind: str = "late"  # late | returned | waiting: the heading it goes under on "My work"


#: What other apps add to the digest: `fn(user, as_of)` gives that person's lines.
DigestSource = Callable[[User, datetime.date], list[WorkItem]]
_SOURCES: list[DigestSource] = []


def digest_source_register(source: DigestSource) -> None:
    """Add `source`'s lines to everyone's digest (an app above this one calls it in its
    AppConfig.ready, which may run more than once). A source costs the same queries however
    much it finds, as `work_items` does."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def work_items(
    user: User,
    as_of: datetime.date,
    late: list[Any] | None = None,
    *,
    each_value: bool = False,
    others: bool = True,
) -> list[WorkItem]:
    """What `user` is responsible for that is late or waits: the digest's lines, and the
    "My work" panel's, each with the page to act on it. A manager is told of the late places
    of their programmes' cities too, and of the values waiting for their approval: as one
    count in the digest, one line each (`each_value`) on "My work". `others` adds the lines
    of the registered sources (`digest_source_register`); My work's results panel leaves
    them out, since those apps have panels of their own."""
    memberships = list(Membership.objects.filter(user=user).select_related("city", "programme"))
    cities = {
        m.city_id: m.city
        for m in memberships
        if m.city_id and m.city and m.role in (Role.CITY_EDITOR, Role.CITY_COORDINATOR)
    }
    managed = {m.programme_id for m in memberships if m.role == Role.PROGRAMME_MANAGER}
    if not cities and not managed:
        return []  # responsible for nothing: a viewer, a reviewer, a funder
    late = _late(as_of) if late is None else late
    dashboard = reverse("results:dashboard")
    names: dict[int, str] = {}
    slugs: dict[int, str] = {}
    if managed:
        for pk, name, slug in City.objects.filter(programmes__in=managed).values_list(
            "pk", "name", "slug"
        ):
            names[pk], slugs[pk] = name, slug
    items = []
    late_cities: dict[int, list[str]] = {}
    for indicator, city_id in late:
        if city_id is not None and city_id in cities:
            city = cities[city_id]
            items.append(
                WorkItem(
                    _("%(city)s has not reported “%(name)s” in the last %(days)s days.")
                    % {"city": city.name, "name": indicator.name, "days": indicator.interval_days},
                    reverse("results:city", kwargs={"slug": city.slug}),
                )
            )
        elif city_id is not None and indicator.outcome.programme_id in managed:
            late_cities.setdefault(city_id, []).append(indicator.name)
        elif city_id is None and indicator.outcome.programme_id in managed:
            items.append(
                WorkItem(
                    _("The programme has not reported “%(name)s” in the last %(days)s days.")
                    % {"name": indicator.name, "days": indicator.interval_days},
                    dashboard,
                )
            )
    # The manager's late places: one line a city, however many of its indicators are late.
    for city_id, indicators in sorted(late_cities.items(), key=lambda kv: names.get(kv[0], "")):
        items.append(
            WorkItem(
                ngettext(
                    "%(city)s is late with %(n)s indicator: %(names)s.",
                    "%(city)s is late with %(n)s indicators: %(names)s.",
                    len(indicators),
                )
                % {
                    "city": names.get(city_id, ""),
                    "n": len(indicators),
                    "names": "; ".join(indicators),
                },
                reverse("results:city", kwargs={"slug": slugs.get(city_id, "")}),
            )
        )
    if others:
        for source in _SOURCES:
            items += source(user, as_of)
    # A returned value stays to do until a later value for its place and period replaces it.
    later = IndicatorUpdate.objects.filter(
        indicator=OuterRef("indicator"),
        city=OuterRef("city"),
        period_start__lte=OuterRef("period_end"),
        period_end__gte=OuterRef("period_start"),
        created_at__gt=OuterRef("created_at"),
    )
    returned = (
        IndicatorUpdate.objects.filter(city__in=cities, status=IndicatorUpdate.Status.RETURNED)
        .exclude(Exists(later))
        .select_related("indicator", "city")
    )
    items += [
        WorkItem(
            _("Returned for %(city)s: “%(name)s”, %(a)s to %(b)s. Why: %(reason)s")
            % {
                "city": u.city.name if u.city else "",
                "name": u.indicator.name,
                "a": formats.date_format(u.period_start, "DATE_FORMAT"),
                "b": formats.date_format(u.period_end, "DATE_FORMAT"),
                "reason": u.return_reason,
            },
            reverse("results:city", kwargs={"slug": u.city.slug}) if u.city else dashboard,
            "returned",
        )
        for u in returned
    ]
    waiting_values = IndicatorUpdate.objects.filter(
        indicator__outcome__programme__in=managed, status=IndicatorUpdate.Status.SUBMITTED
    ).exclude(created_by=user)  # four eyes: what they reported, another manager approves
    if each_value:
        items += [
            WorkItem(
                _("“%(name)s” for %(place)s, %(a)s to %(b)s: %(value)s")
                % {
                    "name": u.indicator.name,
                    "place": u.city.name if u.city else _("the programme"),
                    "a": formats.date_format(u.period_start, "DATE_FORMAT"),
                    "b": formats.date_format(u.period_end, "DATE_FORMAT"),
                    "value": formats.number_format(u.value, use_l10n=True, force_grouping=True),
                },
                f"{dashboard}#update-{u.pk}",
                "waiting",
            )
            for u in waiting_values.select_related("indicator", "city").order_by("created_at")[
                :WAITING_LISTED
            ]
        ]
        return items
    waiting = waiting_values.count()
    if waiting:
        items.append(
            WorkItem(
                _("%(n)s reported value(s) wait for your approval.") % {"n": waiting},
                dashboard,
                "waiting",
            )
        )
    return items


def digest_items(user: User, as_of: datetime.date, late: list[Any] | None = None) -> list[str]:
    return [item.text for item in work_items(user, as_of, late)]


def results_work(user: Reader) -> dict[str, Any] | None:
    """The "My work" panel of results: what the person should report or decide now."""
    if not user.is_authenticated:
        return None
    items = work_items(user, timezone.localdate(), each_value=True, others=False)
    if not items:
        return None
    return {
        "waiting": [i for i in items if i.kind == "waiting"],
        "returned": [i for i in items if i.kind == "returned"],
        "late": [i for i in items if i.kind == "late"],
    }


def reminders_send(as_of: datetime.date | None = None) -> int:
    as_of = as_of or timezone.localdate()
    week = _monday(as_of)
    late = _late(as_of)
    people = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role__in=(
                Role.CITY_EDITOR,
                Role.CITY_COORDINATOR,
                Role.PROGRAMME_MANAGER,
            ),
        )
        .exclude(email="")
        .exclude(pk__in=ReminderSent.objects.filter(week=week).values("user"))
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for person in people:
        with translation.override(person.language or settings.LANGUAGE_CODE):
            lines = digest_items(person, as_of, late)
            if not lines:
                continue
            subject = _("ReCAP: %(n)s thing(s) to report or decide") % {"n": len(lines)}
            body = "\n".join(
                [
                    _("Hello %(name)s,") % {"name": person.display_name},
                    "",
                    _("This week, as of %(d)s:") % {"d": formats.date_format(as_of, "DATE_FORMAT")},
                    "",
                    *[f"- {line}" for line in lines],
                    "",
                    _("Your work in ReCAP: %(url)s")
                    % {"url": site_link(reverse("accounts:dashboard"))},
                ]
            )
        try:
            with transaction.atomic():  # recorded only if it went: a failure is tried again
                ReminderSent.objects.create(user=person, week=week, items=len(lines))
                send_mass_mail([(subject, body, None, [person.email])])
        except IntegrityError:
            continue  # another run sent this one meanwhile
        except (OSError, smtplib.SMTPException):
            logger.exception("reminder digest to user %s not sent", person.pk)
            continue  # the others still get theirs
        sent += 1
    return sent


def next_run(now: datetime.datetime) -> datetime.datetime:
    """The next Monday 06:00 after `now`, local time (today's, on a Monday before six)."""
    local = timezone.localtime(now)
    monday = _monday(local.date())
    at = local.replace(
        year=monday.year,
        month=monday.month,
        day=monday.day,
        hour=SEND_HOUR,
        minute=0,
        second=0,
        microsecond=0,
    )
    return at if at > local else at + datetime.timedelta(days=7)


@task(queue_name="short")
def reminder_digest() -> int:
    try:
        return reminders_send()
    finally:
        reminders_schedule()


def reminders_schedule() -> bool:
    """Queue the digest for next Monday unless one is already waiting. True if it queued.

    Two workers starting at once may both queue one: each then keeps the earliest queued and
    drops the others, the same one whichever looks, so one digest stays waiting."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    def waiting() -> Any:
        return DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=reminder_digest.module_path
        ).order_by("enqueued_at", "id")

    if not reminder_digest.get_backend().supports_defer or waiting().exists():
        return False  # a queue that runs work at once cannot wait for Monday: use cron
    reminder_digest.using(run_after=next_run(timezone.now())).enqueue()
    keep = waiting().values_list("id", flat=True).first()
    waiting().exclude(id=keep).delete()
    return True
