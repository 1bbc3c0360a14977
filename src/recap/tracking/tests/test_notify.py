"""A reported value approved or returned reaches whoever reported it and the city's
coordinators by e-mail (the reason with a return), in their language, with the value and its
period written their way and a link to its row on the site's public address; never the one who
decided, another city, someone inactive, without an address or no longer reporting for it;
nothing when the decision rolls back."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings

from recap.accounts.models import Membership, Role, User
from recap.testing import World, make_user
from recap.tracking.models import Indicator, IndicatorUpdate
from recap.tracking.services import update_decide, update_save, update_submit

pytestmark = pytest.mark.django_db

D = datetime.date
SITE = "https://recap.example.org"


class RolledBackError(Exception):
    """Raised inside a transaction to roll it back."""


@pytest.fixture
def sent(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    @contextmanager
    def capture() -> Iterator[list[Any]]:
        mail.outbox.clear()
        outbox: list[Any] = []
        with override_settings(RECAP_SITE_URL=SITE):
            with django_capture_on_commit_callbacks(execute=True):
                yield outbox
            outbox.extend(mail.outbox)

    return capture


def reported(
    actor: User, indicator: Indicator, city: Any, value: str = "1234.5"
) -> IndicatorUpdate:
    update = update_save(
        actor=actor,
        indicator=indicator,
        city=city,
        period_start=D(2023, 1, 1),
        period_end=D(2023, 3, 31),
        value=Decimal(value),
    )
    return update_submit(actor=actor, update=update)


def to(outbox: list[Any]) -> set[str]:
    assert all(len(m.to) == 1 for m in outbox)
    return {m.to[0].split("@")[0] for m in outbox}


def test_an_approval_reaches_the_reporter_and_the_citys_coordinator(
    world: World, framework: dict[str, Indicator], sent: Any
) -> None:
    # Kigali's other people: an editor who did not report it, one who left, one with no address.
    left, silent = make_user("left_a", is_active=False), make_user("silent_a")
    User.objects.filter(pk=silent.pk).update(email="")
    for person in (left, silent):
        Membership.objects.create(user=person, role=Role.CITY_COORDINATOR, city=world.city_a)
    update = reported(world.users["editor_a"], framework["reached"], world.city_a)
    with sent() as outbox:
        update_decide(actor=world.users["manager"], update=update, approve=True)
    assert to(outbox) == {"editor_a", "coordinator_a"}  # not the manager, not Rajshahi
    body = outbox[0].body
    assert outbox[0].subject.startswith("Approved: “People reached")
    assert "1,234.5" in body and "Jan. 1, 2023" in body and "March 31, 2023" in body
    assert f"{SITE}/cities/kigali/workspace/results/#update-{update.pk}" in body
    assert "Why:" not in body


def test_a_return_says_why_and_reaches_no_one_who_no_longer_reports(
    world: World, framework: dict[str, Indicator], sent: Any
) -> None:
    editor = make_user("editor_moved")
    membership = Membership.objects.create(user=editor, role=Role.CITY_EDITOR, city=world.city_a)
    update = reported(editor, framework["reached"], world.city_a)
    membership.delete()  # moved on: no longer reports for Kigali
    with sent() as outbox:
        update_decide(
            actor=world.users["manager"], update=update, approve=False, reason="Count adults only."
        )
    assert to(outbox) == {"coordinator_a"}
    assert outbox[0].subject.startswith("Returned: “People reached")
    assert "Why: Count adults only." in outbox[0].body


def test_a_programme_value_goes_to_its_reporting_manager_not_the_deciding_one(
    world: World, framework: dict[str, Indicator], sent: Any
) -> None:
    second = make_user("second_manager")
    Membership.objects.create(user=second, role=Role.PROGRAMME_MANAGER, programme=world.programme)
    update = reported(world.users["manager"], framework["exchanges"], None, value="3")
    with sent() as outbox:
        update_decide(actor=second, update=update, approve=True)
    assert to(outbox) == {"manager"}
    outcome = framework["exchanges"].outcome_id
    assert f"{SITE}/programme/results/#outcome-{outcome}" in outbox[0].body
    assert "the programme" in outbox[0].subject


def test_each_reads_it_in_their_own_language(
    world: World, framework: dict[str, Indicator], sent: Any
) -> None:
    User.objects.filter(pk=world.users["coordinator_a"].pk).update(language="fr")
    update = reported(world.users["editor_a"], framework["reached"], world.city_a)
    with sent() as outbox:
        update_decide(actor=world.users["manager"], update=update, approve=True)
    by = {m.to[0].split("@")[0]: m for m in outbox}
    french, english = by["coordinator_a"].body, by["editor_a"].body
    # The indicator's French name, the number and the dates written the French way.
    indicator = Indicator.objects.get(pk=framework["reached"].pk)
    assert indicator.name_fr and indicator.name_fr in french and indicator.name_en in english
    assert "1\xa0234,5" in french and "1,234.5" in english
    assert "1 janvier 2023" in french and "31 mars 2023" in french
    assert "Jan. 1, 2023" in english


def test_nothing_is_sent_when_the_decision_rolls_back(
    world: World, framework: dict[str, Indicator], sent: Any
) -> None:
    update = reported(world.users["editor_a"], framework["reached"], world.city_a)

    def decided_then_rolled_back() -> None:
        with transaction.atomic():
            update_decide(actor=world.users["manager"], update=update, approve=True)
            raise RolledBackError

    with sent() as outbox, pytest.raises(RolledBackError):
        decided_then_rolled_back()
    assert outbox == []
    update.refresh_from_db()
    assert update.status == IndicatorUpdate.Status.SUBMITTED


def test_a_refused_decision_sends_nothing(
    world: World, framework: dict[str, Indicator], sent: Any
) -> None:
    update = reported(world.users["editor_a"], framework["reached"], world.city_a)
    with sent() as outbox:
        with pytest.raises(Exception, match="Say why"):
            update_decide(actor=world.users["manager"], update=update, approve=False)
        with pytest.raises(Exception, match="Only the programme's manager"):
            update_decide(actor=world.users["editor_b"], update=update, approve=True)
    assert outbox == []
