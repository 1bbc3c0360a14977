"""PDFs fetch nothing but the project's own static files, whatever text a report carries."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from recap.core.pdf import STATIC_BASE, RefusedUrlError, render_pdf, static_path
from recap.testing import PNG, Beacon


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_html_that_names_outside_urls_fetches_none_of_them(beacon: Beacon, tmp_path: Path) -> None:
    base = beacon.url
    local = tmp_path / "secret.png"
    local.write_bytes(PNG)
    html = f"""<html><head><style>
      body {{ background-image: url({base}/css) }}
      p {{ background-image: url(file://{local}) }}
    </style><link rel="stylesheet" href="{base}/sheet.css"></head>
    <body><p>Hello</p><img src="{base}/img.png"><img src="file://{local}">
    <img src="data:image/png;base64,iVBORw0KGgo="></body></html>"""
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert beacon.hits == []
    assert image_count(pdf) == 0


def test_the_projects_own_static_files_are_served() -> None:
    path = static_path(STATIC_BASE + settings.STATIC_URL.lstrip("/") + "recap/css/site.css")
    assert path.name == "site.css" and path.is_file()
    html = (
        '<html><head><link rel="stylesheet" href="/static/recap/css/site.css"></head>'
        "<body>x</body></html>"
    )
    assert render_pdf(html).startswith(b"%PDF")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/static/recap/css/site.css",
        "file:///etc/passwd",
        "data:text/css,body{}",
        STATIC_BASE + "static/../../../etc/passwd",
        STATIC_BASE + "static/%2e%2e/%2e%2e/etc/passwd",
        STATIC_BASE + "static/recap/css/site.css?x=1",
        STATIC_BASE + "elsewhere/site.css",
        STATIC_BASE + "static/recap/missing.css",
        STATIC_BASE + "static/vendor/htmx/htmx.min.js",  # a static file, but not for reports
        "https://static.recap.invalid.example.com/static/recap/css/site.css",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(RefusedUrlError):
        static_path(url)


def test_every_pdf_goes_through_render_pdf() -> None:
    """No module but core/pdf.py imports WeasyPrint, so no render can skip the fetcher."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "pdf.py" and path.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.split(".")[0] == "weasyprint" for n in names):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_images_drawn_for_a_report_are_served_by_name_and_nothing_else() -> None:
    from recap.core.charts import line_chart

    chart = line_chart([0, 1, 2], [0, 5, 7], alt="A line", x_label="Budget", y_label="Value")
    html = f'<html><body><img src="charts/{chart.name}"><img src="charts/other.svg"></body></html>'
    pdf = render_pdf(html, images={chart.name: chart.svg.encode()})
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    # The chart is drawn as vectors, its words kept as text; the unknown name is not fetched.
    assert "Budget" in text and "Value" in text
    assert "Budget" not in " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(html))).pages
    )
