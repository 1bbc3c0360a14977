from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from recap.accounts.models import ApiToken
from recap.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_lands_on_my_work_with_my_cities_only(client: Client, world: World) -> None:
    response = login(client, "editor_a")
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    body = client.get("/me/").content.decode()
    assert "Kigali" in body
    assert "Rajshahi" not in body
    assert "City editor" in body


def test_programme_manager_sees_all_programme_cities(client: Client, world: World) -> None:
    login(client, "manager")
    body = client.get("/me/").content.decode()
    assert "Kigali" in body and "Rajshahi" in body and "Hidden Town" not in body


def test_login_follows_next_but_never_off_site(client: Client, world: World) -> None:
    response = client.post(
        "/accounts/login/",
        {"username": "editor_a", "password": PASSWORD, "next": "/cities/kigali/workspace/"},
    )
    assert response["Location"] == "/cities/kigali/workspace/"
    client.logout()
    response = client.post(
        "/accounts/login/",
        {"username": "editor_a", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/me/"


def test_wrong_password_says_so_without_saying_which_part(client: Client, world: World) -> None:
    response = login(client, "editor_a", "wrong")
    assert response.status_code == 200
    body = response.content.decode()
    # Said once, in the error summary at the top, which links to the username.
    assert 'class="error-summary"' in body and 'href="#id_username"' in body
    assert body.count("Please enter a correct username and password.") == 1


def test_login_is_throttled_after_five_failures(client: Client, world: World) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "editor_a", "wrong").status_code == 200
    response = login(client, "editor_a", "wrong")
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    # Even the right password is refused while the lock holds.
    assert login(client, "editor_a").status_code == 429
    # Another account from the same address is not locked.
    assert login(client, "editor_b").status_code == 302


def test_passwords_are_hashed_with_argon2id_at_owasps_parameters_outside_tests() -> None:
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from recap.accounts.hashers import Argon2idPasswordHasher
    from recap.settings import base

    assert base.PASSWORD_HASHERS[0] == "recap.accounts.hashers.Argon2idPasswordHasher"
    hasher = Argon2idPasswordHasher()
    encoded = hasher.encode("floods-and-heat-2026", hasher.salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify("floods-and-heat-2026", encoded)
    # A hash made with Django's heavier defaults still verifies, and is upgraded at sign-in.
    older = Argon2PasswordHasher().encode("floods-and-heat-2026", hasher.salt())
    assert hasher.verify("floods-and-heat-2026", older) and hasher.must_update(older)
    assert not hasher.must_update(encoded)


def test_sessions_expire() -> None:
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_logout_needs_post(client: Client, world: World) -> None:
    client.force_login(world.users["editor_a"])
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/me/").status_code == 302


def test_password_change(client: Client, world: World) -> None:
    client.force_login(world.users["editor_a"])
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "floods-and-heat-2026",
            "new_password2": "floods-and-heat-2026",
        },
    )
    assert response.status_code == 302
    world.users["editor_a"].refresh_from_db()
    assert world.users["editor_a"].check_password("floods-and-heat-2026")


def test_password_reset_by_email(client: Client, world: World) -> None:
    response = client.post("/accounts/password_reset/", {"email": "editor_a@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"/accounts/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body)
    assert link is not None
    form_url = client.get(link.group(0))["Location"]
    response = client.post(
        form_url, {"new_password1": "new-rains-2026-x", "new_password2": "new-rains-2026-x"}
    )
    assert response.status_code == 302
    assert login(client, "editor_a", "new-rains-2026-x").status_code == 302


def test_password_reset_for_unknown_address_reveals_nothing(client: Client, world: World) -> None:
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0


def test_tokens_page_shows_a_new_token_once(client: Client, world: World) -> None:
    client.force_login(world.users["editor_a"])
    body = client.post("/me/tokens/", {"name": "sheet", "days": "30"}).content.decode()
    key = re.search(r'id="new-token">(recap_[^<]+)<', body)
    assert key is not None
    assert key.group(1) not in client.get("/me/tokens/").content.decode()
    assert ApiToken.objects.get().name == "sheet"


@pytest.mark.parametrize(
    "data", [{"name": "", "days": "30"}, {"name": "x", "days": "0"}, {"name": "x", "days": "abc"}]
)
def test_token_form_rejects_bad_input(client: Client, world: World, data: dict[str, str]) -> None:
    client.force_login(world.users["editor_a"])
    response = client.post("/me/tokens/", data)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not ApiToken.objects.exists()
