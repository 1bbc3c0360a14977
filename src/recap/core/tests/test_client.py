"""The client's address behind proxies: lockouts and rate limits are per client, never per
proxy, and a forged X-Forwarded-For counts for nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings

from recap.core.client import client_address
from recap.testing import PASSWORD, World

PROXY = "10.0.0.5"


def _address(remote: str, xff: str | None = None) -> str:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if xff is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = xff
    return client_address(request)


def test_without_proxies_the_header_is_ignored() -> None:
    assert _address("203.0.113.9", "198.51.100.1") == "203.0.113.9"


@override_settings(RECAP_PROXY_HOPS=1)
def test_behind_one_proxy_the_address_it_appended_counts() -> None:
    assert _address(PROXY, "203.0.113.9") == "203.0.113.9"
    # Whatever the client sent is left of what the proxy appended: ignored.
    assert _address(PROXY, "1.2.3.4, 203.0.113.9") == "203.0.113.9"
    assert _address(PROXY, "2001:db8::7") == "2001:db8::7"
    # No header, or one that is not an address list: the connecting address.
    assert _address(PROXY) == PROXY
    assert _address(PROXY, "not an address") == PROXY


@override_settings(RECAP_PROXY_HOPS=2)
def test_behind_two_proxies_the_second_address_from_the_right() -> None:
    assert _address(PROXY, "1.2.3.4, 203.0.113.9, 10.0.0.9") == "203.0.113.9"
    assert _address(PROXY, "203.0.113.9") == PROXY  # too short to have passed both


@override_settings(RECAP_PROXY_HOPS=1, RECAP_TRUSTED_PROXIES=["10.0.0.0/24"])
def test_a_direct_connection_cannot_pose_as_the_proxy() -> None:
    assert _address("10.0.0.5", "203.0.113.9") == "203.0.113.9"
    assert _address("198.51.100.66", "203.0.113.9") == "198.51.100.66"


def _login(client: Client, username: str, password: str, address: str) -> int:
    response = client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )
    return response.status_code


@override_settings(RECAP_PROXY_HOPS=1)
def test_behind_a_proxy_a_lockout_is_the_attackers_alone(world: World) -> None:
    attacker, owner = Client(), Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(attacker, "editor_a", "wrong", "203.0.113.66") == 200
    assert _login(attacker, "editor_a", "wrong", "203.0.113.66") == 429
    assert _login(attacker, "editor_a", PASSWORD, "203.0.113.66") == 429
    # The account's owner, through the same proxy from elsewhere, still signs in.
    assert _login(owner, "editor_a", PASSWORD, "198.51.100.7") == 302


@override_settings(RECAP_PROXY_HOPS=1, RECAP_FEEDBACK_RATE="2/10m")
def test_behind_a_proxy_the_report_limit_is_per_client(client: Client, db: None) -> None:
    def report(address: str) -> int:
        return client.post(
            "/report-a-problem/",
            {"message": "The map does not load."},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=address,
        ).status_code

    assert [report("203.0.113.66") for _ in range(3)] == [302, 302, 429]
    assert report("198.51.100.7") == 302


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RECAP_PROXY_HOPS", "one", "RECAP_PROXY_HOPS must be a whole number of at least 0."),
        (
            "RECAP_TRUSTED_PROXIES",
            "10.0.0.1,proxy.local",
            "RECAP_TRUSTED_PROXIES: 'proxy.local' is not an IP address or network",
        ),
    ],
)
def test_a_wrong_proxy_setting_is_named_at_start(name: str, value: str, message: str) -> None:
    recap = str(Path(sys.executable).parent / "recap")
    env = {**os.environ, name: value, "DJANGO_SETTINGS_MODULE": "recap.settings.dev"}
    done = subprocess.run([recap, "check"], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
