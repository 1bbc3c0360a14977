"""Page weight: what each page of the product costs on the wire, on a first visit and on a
repeat visit, for every role, against the budget for 3G (60 KB first, 20 KB repeat).

Usage:  .venv/bin/python -m benchmarks.pageweight [--settings production|dev] [--role NAME ...]
        [--scale CITIES]

A fresh database in a temporary directory (SQLite), the demo loaded into it, and each demo
person signed in (the Django test client, in this process: nothing listens on a port) fetching
every page their role uses with `Accept-Encoding: gzip`; with `--scale`, at a network's size
(`demo.scale`: the board, the funder's list and the results fill up). The settings are production's by
default (`collectstatic` run first: hashed, precompressed static files, as a deployment serves
them), or `dev` (what `make demo` serves).

- first visit: the page's HTML and every asset it names (style sheets, scripts, images and the
  icon, and what the style sheets name), as sent: body and headers;
- repeat visit: the HTML again, and of each asset only what a browser must ask again: nothing
  if its `Cache-Control` keeps it a day or more, a 304 answer's headers if it has a validator
  (ETag, Last-Modified), else the whole asset;
- baseline, in the same run: the first visit with no compression (`Accept-Encoding: identity`).

It prints a table per role (a `*` marks a figure over its budget), the static assets with their
cache headers, and the pages over budget. It exits 0 whatever it finds: it reports, it does not
judge.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FIRST_BUDGET = 60 * 1024
REPEAT_BUDGET = 20 * 1024
FRESH_FOR = 24 * 3600  # an asset kept this long is not asked for again on a repeat visit
ASSET = re.compile(
    r"""<(?:link[^>]*\bhref|script[^>]*\bsrc|img[^>]*\bsrc)=["'](/[^"'#?]*(?:\?[^"'#]*)?)["']""",
    re.I,
)
CSS_URL = re.compile(r"""url\(\s*["']?(?!data:)([^"')]+)["']?\s*\)""")
LINK_REL = re.compile(r"""<link[^>]*\brel=["']([^"']+)["'][^>]*>""", re.I)


def configure(settings_name: str) -> str:
    """Environment for the chosen settings, before Django starts; returns the var directory."""
    var = tempfile.mkdtemp(prefix="recap-pageweight-")
    os.environ["RECAP_VAR_DIR"] = var
    os.environ.pop("DATABASE_URL", None)  # a fresh SQLite file of its own
    os.environ["DJANGO_SETTINGS_MODULE"] = f"recap.settings.{settings_name}"
    if settings_name == "production":
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
        os.environ["ALLOWED_HOSTS"] = "localhost,127.0.0.1"
        os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    return var


@dataclass
class Fetched:
    status: int
    wire: int  # bytes as sent: status line, headers, body
    body: bytes  # decompressed
    headers: dict[str, str]


@dataclass
class PageWeight:
    role: str
    path: str
    status: int
    html: int
    first: int
    repeat: int
    raw_first: int
    assets: list[str] = field(default_factory=list)


def wire_size(response: Any, body: bytes) -> tuple[int, dict[str, str]]:
    headers = {k.lower(): v for k, v in response.items()}
    cookies = "".join(f"Set-Cookie: {c.OutputString()}\r\n" for c in response.cookies.values())
    head = f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in response.items()) + cookies + "\r\n"
    return len(head.encode()) + len(body), headers


def fetch(client: Any, path: str, *, gzip_ok: bool = True, **extra: str) -> Fetched:
    response = client.get(
        path, HTTP_ACCEPT_ENCODING="gzip" if gzip_ok else "identity", secure=True, **extra
    )
    sent = (
        b"".join(response.streaming_content)  # a file response (WhiteNoise)
        if getattr(response, "streaming", False)
        else response.content
    )
    wire, headers = wire_size(response, sent)
    body = gzip.decompress(sent) if headers.get("content-encoding") == "gzip" else sent
    return Fetched(response.status_code, wire, body, headers)


def max_age(headers: dict[str, str]) -> int:
    found = re.search(r"max-age=(\d+)", headers.get("cache-control", ""))
    return int(found.group(1)) if found else 0


class Assets:
    """Each static asset fetched once, both ways, with what a repeat visit costs of it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.seen: dict[str, tuple[int, int, int, dict[str, str]]] = {}

    def of(self, path: str) -> tuple[int, int, int, dict[str, str]]:
        """(gzip wire bytes, identity wire bytes, repeat-visit bytes, headers) of `path`."""
        if path not in self.seen:
            got = fetch(self.client, path)
            raw = fetch(self.client, path, gzip_ok=False)
            if got.status != 200:
                repeat = got.wire
            elif max_age(got.headers) >= FRESH_FOR:
                repeat = 0
            elif "etag" in got.headers or "last-modified" in got.headers:
                check = {}
                if "etag" in got.headers:
                    check["HTTP_IF_NONE_MATCH"] = got.headers["etag"]
                if "last-modified" in got.headers:
                    check["HTTP_IF_MODIFIED_SINCE"] = got.headers["last-modified"]
                repeat = fetch(self.client, path, **check).wire
            else:
                repeat = got.wire
            self.seen[path] = (got.wire, raw.wire, repeat, got.headers)
            if path.endswith(".css") and got.status == 200:
                for url in CSS_URL.findall(got.body.decode("utf-8", "replace")):
                    self.of(url if url.startswith("/") else path.rsplit("/", 1)[0] + "/" + url)
        return self.seen[path]

    def closure(self, paths: Iterable[str]) -> list[str]:
        """`paths` and what their style sheets name, each once."""
        out: list[str] = []
        for path in paths:
            self.of(path)
            out.append(path)
            if path.endswith(".css"):
                body = fetch(self.client, path).body.decode("utf-8", "replace")
                for url in CSS_URL.findall(body):
                    full = url if url.startswith("/") else path.rsplit("/", 1)[0] + "/" + url
                    if full not in out:
                        out.append(full)
        return list(dict.fromkeys(out))


def referenced(html: str) -> list[str]:
    """The same-site assets a page names: style sheets, icons, scripts and images (not links
    to other pages, not data: URLs, which are in the HTML already)."""
    found = []
    for match in ASSET.finditer(html):
        tag = match.group(0).lower()
        if tag.startswith("<link"):
            rel = LINK_REL.search(html, match.start())
            if rel is None or not re.search(r"stylesheet|icon|preload", rel.group(1), re.I):
                continue
        found.append(match.group(1))
    return list(dict.fromkeys(found))


def pages_of(role: str) -> list[str]:
    """The pages each demo person uses, found in the demo's data (a page whose record the demo
    lacks is left out, and the table says nothing of it)."""
    from django.db.models import Q

    from recap.catalogue.models import CatalogueAction
    from recap.implementation.models import ImplementationPlan
    from recap.learning.models import Exchange, Lesson
    from recap.pipeline.models import ProjectConcept
    from recap.planning.models import ActionPackage, PrioritisationSession, Run
    from recap.tracking.models import Training

    kigali = "/cities/kigali/workspace/"
    session = PrioritisationSession.objects.filter(city__slug="kigali").order_by("pk").first()
    run = Run.objects.filter(session=session).order_by("number").first()
    package = ActionPackage.objects.filter(session__city__slug="kigali").order_by("pk").first()
    kigali_concept = ProjectConcept.objects.filter(city__slug="kigali").order_by("pk").first()
    drafted = ProjectConcept.objects.filter(stage="drafted").order_by("pk").first()
    shared = ProjectConcept.objects.filter(shares__isnull=False).order_by("pk").first()
    lesson = Lesson.objects.filter(status="published").order_by("pk").first()
    exchange = (
        Exchange.objects.filter(Q(from_city__slug="kigali") | Q(to_city__slug="kigali"))
        .order_by("pk")
        .first()
    )
    training = Training.objects.order_by("pk").first()
    action = CatalogueAction.objects.order_by("code").first()
    public_plan = (
        ImplementationPlan.objects.filter(public=True, city__is_public=True)
        .select_related("city")
        .order_by("pk")
        .first()
    )

    def maybe(obj: Any, path: str) -> list[str]:
        return [path] if obj is not None else []

    public = [
        "/",
        "/cities/",
        "/cities/kigali/",
        "/offices/",
        "/catalogue/",
        *maybe(action, f"/catalogue/{action.code if action else ''}/"),
        "/facilities/",
        "/lessons/",
        *maybe(lesson, f"/lessons/{lesson.pk if lesson else 0}/"),
        *maybe(public_plan, f"/cities/{public_plan.city.slug if public_plan else ''}/plan/"),
        "/search/?q=flood",
        "/accounts/login/",
        "/report-a-problem/",
    ]
    editor = [
        "/me/",
        kigali,
        kigali + "hazards/",
        kigali + "candidates/",
        kigali + "assessments/",
        kigali + "prioritisation/",
        *maybe(session, f"{kigali}prioritisation/{session.pk if session else 0}/"),
        *maybe(
            run,
            f"{kigali}prioritisation/{session.pk if session else 0}/runs/"
            f"{run.number if run else 0}/",
        ),
        *maybe(package, package.get_absolute_url() if package else ""),
        kigali + "concepts/",
        *maybe(kigali_concept, kigali_concept.get_absolute_url() if kigali_concept else ""),
        kigali + "measures/",
        kigali + "results/",
        kigali + "lessons/",
        kigali + "peers/",
        kigali + "exchanges/",
        *maybe(exchange, f"/exchanges/{exchange.pk if exchange else 0}/"),
        "/search/?q=flood",
    ]
    manager = [
        "/me/",
        "/pipeline/",
        "/programme/results/",
        "/programme/results/framework/",
        "/programme/trainings/",
        *maybe(training, f"/programme/trainings/{training.pk if training else 0}/"),
        "/programme/reports/",
        "/programme/lessons/",
        *maybe(kigali_concept, kigali_concept.get_absolute_url() if kigali_concept else ""),
        *maybe(drafted, drafted.get_absolute_url() if drafted else ""),
        kigali + "peers/",
        "/search/?q=flood",
    ]
    return {
        "visitor": public,
        "kigali.editor": editor,
        "kigali.coordinator": [
            "/me/",
            kigali,
            *maybe(package, package.get_absolute_url() if package else ""),
            kigali + "team/",
        ],
        "kigali.viewer": ["/me/", kigali, kigali + "hazards/"],
        "rajshahi.editor": [
            "/me/",
            "/cities/rajshahi/workspace/",
            "/cities/rajshahi/workspace/peers/",
        ],
        "sebkha.editor": ["/me/", "/cities/sebkha/workspace/"],
        "programme.manager": manager,
        "reviewer": [
            "/me/",
            "/pipeline/",
            *maybe(drafted, drafted.get_absolute_url() if drafted else ""),
            "/programme/results/",
            "/search/?q=flood",
        ],
        "funder": [
            "/me/",
            "/pipeline/shared/",
            *maybe(shared, f"/pipeline/shared/{shared.pk if shared else 0}/"),
            "/facilities/",
        ],
        "admin": ["/me/", "/pipeline/", "/programme/results/"],
    }.get(role, [])


def measure(role: str, assets: Assets, client: Any) -> list[PageWeight]:
    rows = []
    for path in pages_of(role):
        client.get(path, secure=True)  # warm: charts drawn and cached, templates loaded
        page = fetch(client, path)
        raw = fetch(client, path, gzip_ok=False)
        names = assets.closure(referenced(page.body.decode("utf-8", "replace")))
        first = page.wire + sum(assets.of(a)[0] for a in names)
        raw_first = raw.wire + sum(assets.of(a)[1] for a in names)
        repeat = page.wire + sum(assets.of(a)[2] for a in names)
        rows.append(PageWeight(role, path, page.status, page.wire, first, repeat, raw_first, names))
    return rows


def kb(n: int) -> str:
    return f"{n / 1024:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", choices=["production", "dev"], default="production")
    parser.add_argument("--role", action="append", help="only these roles (repeatable)")
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        metavar="CITIES",
        help="also add this many synthetic cities, each with 5 candidates, 10 concepts and a "
        "year of values (the board, the lists and the results at a network's size)",
    )
    args = parser.parse_args()
    var = configure(args.settings)

    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # the table says which failed
    from django.core.management import call_command
    from django.test import Client

    from recap.accounts.models import User
    from recap.demo.load import demo_load

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if args.settings == "production":
        call_command("collectstatic", interactive=False, verbosity=0)
    demo_load()
    if args.scale:
        from recap.demo.scale import demo_scale, demo_scale_programme

        demo_scale(cities=args.scale, candidates=5)
        demo_scale_programme(cities=args.scale)
    roles = args.role or [
        "visitor",
        "kigali.editor",
        "kigali.coordinator",
        "kigali.viewer",
        "rajshahi.editor",
        "sebkha.editor",
        "programme.manager",
        "reviewer",
        "funder",
        "admin",
    ]
    print(
        f"settings: recap.settings.{args.settings}; the demo"
        + (f" and {args.scale} synthetic cities" if args.scale else "")
        + f" in {var}"
    )
    print(
        f"budget: first visit {FIRST_BUDGET // 1024} KB, repeat visit {REPEAT_BUDGET // 1024} KB "
        "(* over); KB as sent, gzip accepted; 'no gzip' is the first visit uncompressed\n"
    )
    everything: list[PageWeight] = []
    asset_client = Client(HTTP_HOST="localhost", raise_request_exception=False)
    assets = Assets(asset_client)
    for role in roles:
        client = Client(HTTP_HOST="localhost", raise_request_exception=False)
        if role != "visitor":
            client.force_login(User.objects.get(username=role))
        rows = measure(role, assets, client)
        everything += rows
        print(f"## {role}\n")
        print("| page | status | HTML KB | first visit KB | repeat visit KB | no gzip KB |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            over_first = "*" if r.first > FIRST_BUDGET else ""
            over_repeat = "*" if r.repeat > REPEAT_BUDGET else ""
            print(
                f"| {r.path} | {r.status} | {kb(r.html)} | {kb(r.first)}{over_first} | "
                f"{kb(r.repeat)}{over_repeat} | {kb(r.raw_first)} |"
            )
        print()
    print("## static assets\n")
    print("| asset | KB gzip | KB identity | repeat KB | Cache-Control |")
    print("|---|---|---|---|---|")
    for path, (wire, raw, repeat, headers) in sorted(assets.seen.items()):
        print(
            f"| {path} | {kb(wire)} | {kb(raw)} | {kb(repeat)} | "
            f"{headers.get('cache-control', '(none)')} |"
        )
    over = [r for r in everything if r.first > FIRST_BUDGET or r.repeat > REPEAT_BUDGET]
    errors = [r for r in everything if r.status != 200]
    heaviest = max(everything, key=lambda r: r.first)
    print(
        f"\n{len(everything)} pages for {len(roles)} roles; heaviest first visit "
        f"{heaviest.path} ({heaviest.role}) {kb(heaviest.first)} KB; "
        f"heaviest repeat {kb(max(r.repeat for r in everything))} KB"
    )
    print(
        "over budget: "
        + (", ".join(f"{r.path} ({r.role})" for r in over) or "none")
        + "; not 200: "
        + (", ".join(f"{r.path} ({r.role}) {r.status}" for r in errors) or "none")
    )


if __name__ == "__main__":
    main()
