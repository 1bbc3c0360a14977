"""The e-mails that tell people of decisions: one each, in each reader's language, linking to
the site's public address; one refused address does not stop the others. And the deployment
check that says when that address would lead nowhere."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext as _

from recap.accounts.models import User
from recap.core.checks import site_url_check
from recap.core.mail import mail_each, reachable, site_link
from recap.testing import World, make_user

pytestmark = pytest.mark.django_db


def test_each_is_written_in_their_language_else_the_acts_else_the_sites(world: World) -> None:
    french, unsaid = world.users["editor_a"], world.users["editor_b"]
    french.language, unsaid.language = "fr", ""
    seen: dict[str, str | None] = {}

    def compose(person: Any) -> tuple[str, str]:
        seen[person.username] = translation.get_language()
        return _("Approved"), "body"  # a word the French catalogue already holds

    assert mail_each([french, unsaid], compose, language=None) == 2
    assert seen == {"editor_a": "fr", "editor_b": "en"}
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["editor_a@example.org"], "Approuvé"),
        (["editor_b@example.org"], "Approved"),
    ]
    mail.outbox.clear()
    mail_each([unsaid], compose, language="fr")  # no language of their own: the act's
    assert seen["editor_b"] == "fr" and mail.outbox[0].subject == "Approuvé"


def test_a_subject_is_one_line() -> None:
    class Person:
        pk, email, language = 1, "someone@example.org", ""

    mail_each([Person()], lambda p: ("Two\nlines", "body"))
    assert mail.outbox[0].subject == "Two lines"


class _Refusing:
    """A mail server that refuses one address."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend()

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        if any("editor_a@example.org" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"editor_a@example.org": (550, b"no")})
        return self.inner.send_messages(messages)


@override_settings(EMAIL_BACKEND=f"{__name__}._Refusing")
def test_one_refused_address_does_not_stop_the_others(world: World) -> None:
    people = [world.users["editor_a"], world.users["editor_b"]]
    assert mail_each(people, lambda p: ("Subject", "body")) == 1
    assert [m.to for m in mail.outbox] == [["editor_b@example.org"]]


def test_reachable_people_are_active_have_an_address_and_did_not_act(world: World) -> None:
    left = make_user("left", is_active=False)
    silent = make_user("silent")
    User.objects.filter(pk=silent.pk).update(email="")
    everyone = User.objects.filter(username__in=["left", "silent", "editor_a", "editor_b"])
    also = User.objects.filter(username="editor_a")  # in two groups: told once
    got = reachable(everyone, also, besides=[world.users["editor_b"].pk, None])
    assert [p.username for p in got] == ["editor_a"]
    assert left.pk and silent.pk


@override_settings(RECAP_SITE_URL="https://recap.example.org/")
def test_links_name_the_sites_public_address() -> None:
    assert site_link("/cities/kigali/#x") == "https://recap.example.org/cities/kigali/#x"


@pytest.mark.parametrize(
    ("url", "debug", "ids"),
    [
        ("http://127.0.0.1:8000", False, ["recap.W001"]),
        ("http://127.0.0.1:8000/", False, ["recap.W001"]),
        ("", False, ["recap.W001"]),
        ("recap.example.org", False, ["recap.W001"]),  # no scheme: not an address at all
        ("http://recap.example.org", False, ["recap.W002"]),
        ("https://recap.example.org", False, []),
        ("http://127.0.0.1:8000", True, []),  # developing: the default is right
    ],
)
def test_the_deployment_check_warns_of_a_site_address_that_leads_nowhere(
    url: str, debug: bool, ids: list[str]
) -> None:
    with override_settings(RECAP_SITE_URL=url, DEBUG=debug):
        assert [w.id for w in site_url_check()] == ids


@override_settings(RECAP_SITE_URL="http://127.0.0.1:8000", DEBUG=False)
def test_the_check_is_a_deployment_check_only() -> None:
    assert "recap.W001" not in {m.id for m in run_checks()}
    assert "recap.W001" in {m.id for m in run_checks(include_deployment_checks=True)}
