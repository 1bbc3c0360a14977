"""Take screenshots of a running ReCAP (default http://127.0.0.1:8000) with Debian's Chromium.

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL] [OUT_DIR] [PATH ...]
Signs in as kigali.editor (or AS_USER; demo password) for paths under /me/, /pipeline/ or a
workspace, or for every path when AS_USER is set. WIDTH (in CSS
pixels, default 1280) sets the viewport, e.g. WIDTH=375 for a phone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "var/screenshots")
    paths = sys.argv[3:] or ["/", "/cities/", "/cities/kigali/", "/offices/", "/report-a-problem/"]
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        width = int(os.environ.get("WIDTH", "1280"))
        page = browser.new_page(viewport={"width": width, "height": 900})
        user = os.environ.get("AS_USER", "")
        if language := os.environ.get("LANGUAGE_CODE", ""):  # e.g. fr: the pages in French
            page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        if user or any(
            "/me/" in path or "workspace" in path or "/pipeline/" in path for path in paths
        ):
            page.goto(base + "/accounts/login/")
            page.fill("#id_username", user or "kigali.editor")
            page.fill("#id_password", "resilient-demo")
            page.click("main form button[type=submit]")
        for path in paths:
            page.goto(base + path)
            name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
