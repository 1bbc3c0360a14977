"""Each e-mail of an exchange quotes the message that asked for it, under its own city's
name, however many replies came in before the background worker sent them (it ran after all
of them: the e-mails used to quote the latest message, some under the other city's name)."""

from __future__ import annotations

import pytest
from django.core import mail

from recap.learning.services import exchange_reply, exchange_start
from recap.testing import World

pytestmark = pytest.mark.django_db


def test_quick_replies_each_quote_their_own_message(
    world: World, django_capture_on_commit_callbacks
) -> None:
    kigali, rajshahi = world.users["editor_a"], world.users["editor_b"]
    # The e-mails are queued when each write commits and sent later: here all after the last.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        exchange = exchange_start(
            actor=kigali,
            from_city=world.city_a,
            to_city=world.city_b,
            kind="question",
            subject="Kiosk prices",
            body="Message 1 from Kigali",
        )
        exchange_reply(actor=rajshahi, exchange=exchange, body="Message 2 from Rajshahi")
        exchange_reply(actor=kigali, exchange=exchange, body="Message 3 from Kigali")
        exchange_reply(actor=rajshahi, exchange=exchange, body="Message 4 from Rajshahi")
    mail.outbox.clear()
    for callback in queued:
        callback()
    sent = [(m.to[0], m.subject, m.body) for m in mail.outbox]
    rajshahi_email = world.users["editor_b"].email
    kigali_team = {world.users[n].email for n in ("editor_a", "coordinator_a")}
    # Message k went to the other city's team, quoting message k, in its writer's name.
    expected = {1: "Kigali", 2: "Rajshahi", 3: "Kigali", 4: "Rajshahi"}
    for k, city in expected.items():
        quoting = [s for s in sent if f"Message {k} from" in s[2]]
        readers = kigali_team if city == "Rajshahi" else {rajshahi_email}
        assert {s[0] for s in quoting} == readers, k
        assert all(s[1].startswith(f"{city} wrote to") for s in quoting), k
        assert all(f"Message {j} from" not in s[2] for s in quoting for j in expected if j != k)
    assert len(sent) == 2 * 1 + 2 * 2  # Rajshahi's one editor twice; Kigali's two twice
