"""A changed password takes the person's API tokens with it, whatever path changed it; one
person holds a bounded number of tokens; password resets cannot flood a mailbox."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings

from recap.accounts.models import ApiToken, AuditEvent
from recap.accounts.services import api_token_authenticate, api_token_create, api_token_revoke
from recap.testing import PASSWORD, World

NEW = "floods-and-heat-2026"


def _api(client: Client, key: str) -> int:
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code


def test_changing_the_password_on_the_site_revokes_every_token_and_says_so(
    client: Client, world: World
) -> None:
    user = world.users["editor_a"]
    _t1, key1 = api_token_create(user=user, name="sheet")
    _t2, key2 = api_token_create(user=user, name="script")
    assert _api(client, key1) == 200
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert "Your 2 API tokens were revoked with the old password" in response.content.decode()
    assert _api(Client(), key1) == 401 and _api(Client(), key2) == 401
    assert set(ApiToken.objects.values_list("revoked_because", flat=True)) == {"password"}
    assert AuditEvent.objects.filter(verb="api_token.revoke_all", target_id=user.pk).exists()
    page = client.get("/me/tokens/").content.decode()
    assert page.count("revoked when your password changed") == 2


def test_a_reset_by_e_mail_revokes_them_too(client: Client, world: World) -> None:
    _t, key = api_token_create(user=world.users["editor_a"], name="sheet")
    client.post("/accounts/password_reset/", {"email": "editor_a@example.org"})
    link = re.search(r"/accounts/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body)
    assert link is not None
    form_url = client.get(link.group(0))["Location"]
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW}, follow=True)
    assert "Your API token was revoked with the old password" in response.content.decode()
    assert _api(client, key) == 401


@pytest.mark.parametrize("path", ["admin", "command"])
def test_any_other_way_of_changing_it_is_caught_when_the_token_is_used(
    world: World, path: str
) -> None:
    user = world.users["editor_a"]
    token, key = api_token_create(user=user, name="sheet")
    if path == "admin":
        user.set_password(NEW)
        user.save()
    else:

        class Answers:
            def __init__(self) -> None:
                self.asked = 0

            def __call__(self, prompt: str = "") -> str:
                self.asked += 1
                return NEW

        import getpass

        original = getpass.getpass
        getpass.getpass = Answers()  # type: ignore[assignment]
        try:
            call_command("changepassword", "editor_a", verbosity=0)
        finally:
            getpass.getpass = original
    assert api_token_authenticate(key) is None
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_because == "password"
    # A token made after the change works.
    user.refresh_from_db()
    _new, fresh = api_token_create(user=user, name="again")
    assert api_token_authenticate(fresh) == user


@override_settings(RECAP_API_TOKENS_PER_PERSON=3)
def test_one_person_holds_a_bounded_number_of_tokens(client: Client, world: World) -> None:
    user = world.users["editor_a"]
    made = [api_token_create(user=user, name=f"t{k}")[0] for k in range(3)]
    with pytest.raises(ValidationError, match="You have 3 active tokens"):
        api_token_create(user=user, name="one too many")
    client.force_login(user)
    page = client.post("/me/tokens/", {"name": "one too many", "days": "30"}).content.decode()
    assert "You have 3 active tokens, the most one person may have. Revoke one first." in page
    assert ApiToken.objects.filter(user=user).count() == 3
    api_token_revoke(user=user, token=made[0])  # revoked ones do not count
    api_token_create(user=user, name="now fine")
    # Another person is not limited by this one's tokens.
    api_token_create(user=world.users["editor_b"], name="theirs")


@override_settings(RECAP_RESET_EMAIL_RATE="3/h")
def test_password_resets_are_limited_per_address_and_per_mailbox(world: World) -> None:
    client = Client()
    statuses = [
        client.post("/accounts/password_reset/", {"email": "editor_a@example.org"}).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    # From other addresses, the same mailbox is still limited...
    other = client.post(
        "/accounts/password_reset/", {"email": "EDITOR_A@example.org "}, REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 429
    # ...while another person's reset from there goes through.
    fine = client.post(
        "/accounts/password_reset/", {"email": "editor_b@example.org"}, REMOTE_ADDR="10.9.9.9"
    )
    assert fine.status_code == 302
    assert len(mail.outbox) == 4


def _migrate(target: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_tokens_made_before_the_stamp_keep_working_after_the_upgrade(world: World) -> None:
    user = world.users["editor_a"]
    token, key = api_token_create(user=user, name="older")
    try:
        _migrate([("accounts", "0001_initial")])
        _migrate([("accounts", "0002_api_token_password_stamp")])
        # Read with today's models, so with every later migration applied too.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        token.refresh_from_db()
        assert token.password_stamp != ""
        assert api_token_authenticate(key) == user
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
