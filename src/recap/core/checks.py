"""Checks of the deployment (`recap check --deploy`): every e-mail ReCAP sends links to a page
on `RECAP_SITE_URL`, so a site that serves people must say its real, public address there,
over HTTPS. The default (http://127.0.0.1:8000) only works on the machine that runs the demo;
`recap serve` and `make demo` set it to the address they serve on."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

DEFAULT_SITE_URL = "http://127.0.0.1:8000"


@register(Tags.security, deploy=True)
def site_url_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A warning when, DEBUG off, links in e-mails would lead nowhere or over plain HTTP."""
    if settings.DEBUG:
        return []
    url = str(getattr(settings, "RECAP_SITE_URL", "") or "").strip()
    parts = urlsplit(url)
    if not url or url.rstrip("/") == DEFAULT_SITE_URL or not parts.netloc:
        return [
            CheckWarning(
                f"RECAP_SITE_URL is {url or 'empty'!r}: links in e-mails lead to the "
                "machine ReCAP runs on, not to the site people reach.",
                hint="Set RECAP_SITE_URL to the site's public address "
                "(e.g. https://recap.example.org).",
                id="recap.W001",
            )
        ]
    if parts.scheme != "https":
        return [
            CheckWarning(
                f"RECAP_SITE_URL ({url}) is not HTTPS: links in e-mails go over plain HTTP.",
                hint="Serve the site over HTTPS and set RECAP_SITE_URL to its https:// address.",
                id="recap.W002",
            )
        ]
    return []
