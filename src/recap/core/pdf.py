"""Every PDF the platform makes goes through `render_pdf`: WeasyPrint with a URL fetcher that
serves the project's own static files and refuses everything else.

Why: a report's HTML holds text people typed (a package name, a rationale). Should any of it
ever reach a place WeasyPrint reads as a URL, the server must not fetch it: no http(s) request
to anywhere (the server's network is not the reader's), no `file:` path (the server's files are
not the reader's), no `data:` either. Templates name their static files with `{% static %}`;
those resolve against `STATIC_BASE`, a host under `.invalid` that can never be reached, and the
fetcher reads them through Django's static file finders, nowhere else. Images drawn for one
report (charts) are handed to `render_pdf` by name and named in the HTML as `charts/<name>`;
the fetcher serves those from memory.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

#: Relative URLs in a report resolve against this; only URLs under it are ever served.
STATIC_BASE = "https://static.recap.invalid/"
ALLOWED_SUFFIXES = {".css", ".png", ".jpg", ".jpeg", ".svg", ".woff", ".woff2", ".ttf", ".otf"}


class RefusedUrlError(ValueError):
    """A report asked for a URL outside the project's static files."""


def static_path(url: str) -> Path:
    """The file behind one of the project's static URLs, or `RefusedUrlError`."""
    if not url.startswith(STATIC_BASE):
        raise RefusedUrlError(f"not one of the project's static files: {url[:200]}")
    parts = urlsplit(url)
    prefix = settings.STATIC_URL
    if not parts.path.startswith(prefix) or parts.query or parts.fragment:
        raise RefusedUrlError(f"not one of the project's static files: {url[:200]}")
    relative = unquote(parts.path[len(prefix) :])
    if ".." in Path(relative).parts or relative.startswith("/"):
        raise RefusedUrlError(f"not one of the project's static files: {url[:200]}")
    found = finders.find(relative)
    if not found or isinstance(found, list):
        raise RefusedUrlError(f"no such static file: {relative[:200]}")
    path = Path(found).resolve()
    if path.suffix.lower() not in ALLOWED_SUFFIXES:
        raise RefusedUrlError(f"not a file type a report uses: {relative[:200]}")
    return path


#: A report names the images drawn for it (`render_pdf(images=...)`) under this.
DRAWN_BASE = STATIC_BASE + "charts/"


def _weasyprint() -> Any:
    """WeasyPrint, imported so that it leaves Pillow as it found it. On import it tells Pillow,
    for the whole process, to accept images cut short (`ImageFile.LOAD_TRUNCATED_IMAGES`), which
    would make an upload's check (`core.documents`) depend on whether the worker that took it
    had drawn a PDF before. Every image a report draws is ReCAP's own, so the switch is turned
    back off."""
    import weasyprint
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint


def _fetcher(images: Mapping[str, bytes]) -> Any:
    _weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """WeasyPrint's fetcher, narrowed to the project's static files and the SVG images
        drawn for this report."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(DRAWN_BASE):
                name = url[len(DRAWN_BASE) :]
                if name not in images:
                    raise RefusedUrlError(f"no such image drawn for this report: {name[:200]}")
                return URLFetcherResponse(
                    url, images[name], headers={"Content-Type": "image/svg+xml"}
                )
            path = static_path(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, path.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticOnlyFetcher()


def render_pdf(html: str, *, images: Mapping[str, bytes] | None = None) -> bytes:
    """The PDF of an HTML document rendered by a Django template; `images` are SVG drawn for it,
    by the name the HTML gives them (`<img src="charts/NAME">`)."""
    document = _weasyprint().HTML(
        string=html, base_url=STATIC_BASE, url_fetcher=_fetcher(images or {})
    )
    pdf: bytes = document.write_pdf()
    return pdf
