"""The package report as a hostile package name meets it."""

from __future__ import annotations

import io
from pathlib import Path

from django.test import Client
from pypdf import PdfReader

from recap.core.tests.test_pdf import image_count
from recap.planning.models import PrioritisationSession
from recap.planning.packages import package_save
from recap.planning.services import session_run
from recap.testing import PNG, Beacon, World


def test_a_package_name_cannot_reach_into_the_reports_css(
    client: Client, world: World, session: PrioritisationSession, beacon: Beacon, tmp_path: Path
) -> None:
    local = tmp_path / "secret.png"
    local.write_bytes(PNG)
    # Closes the CSS string and rule it would land in, then asks for a remote and a local image.
    # (A newline ends the CSS string; the braces close the margin box and the @page rule.)
    name = (
        f"Plan\n}} }} body {{ background-image: url({beacon.url}/pkg) }} "
        f"h1 {{ background-image: url(file://{local}) }} .x {{ x: y"
    )
    run = session_run(actor=world.users["editor_a"], session=session)
    package = package_save(actor=world.users["editor_a"], run=run, name=name)
    client.force_login(world.users["viewer_a"])
    response = client.get(
        f"/cities/kigali/workspace/prioritisation/packages/{package.pk}/report.pdf"
    )
    assert response.status_code == 200
    assert beacon.hits == []  # the server fetched nothing
    assert image_count(response.content) == 0  # and embedded no file of its own
    pages = PdfReader(io.BytesIO(response.content)).pages
    # The name is printed as text: in the title and in every page's footer.
    assert "background-image" in pages[0].extract_text()
    assert all("Plan" in page.extract_text() and "} }" in page.extract_text() for page in pages)
