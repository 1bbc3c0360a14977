"""The package report as a hostile package name meets it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader

from recap.core.tests.test_pdf import image_count
from recap.planning.models import PrioritisationSession
from recap.planning.packages import package_save
from recap.planning.services import (
    session_run,
)
from recap.planning.tests.conftest import CODES, endorsed
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


def test_pdf_report_opens_and_lists_the_package(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    import io

    from pypdf import PdfReader

    package = endorsed(world, session)
    client.force_login(world.users["viewer_a"])
    response = client.get(
        f"/cities/kigali/workspace/prioritisation/packages/{package.pk}/report.pdf"
    )  # type: ignore[attr-defined]
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Kigali package" in text and "endorsed by coordinator_a" in text
    for code in package.current.selected:  # type: ignore[attr-defined]
        assert code in text
    assert "Method and weights" in text and "Why leading actions were left out" in text
    # Robustness: each action's share of the 200 re-optimisations, as computed after the run.
    assert "How robust the package is" in text and "re-optimised the package 200 times" in text
    probs = package.current.run.robustness_jobs.get().result["selection_probability"]  # type: ignore[attr-defined]
    assert f"{round(100 * probs['DRM-01'])}%" in text
    client.force_login(world.users["editor_b"])
    assert (
        client.get(
            f"/cities/kigali/workspace/prioritisation/packages/{package.pk}/report.pdf"
        ).status_code
        == 404
    )  # type: ignore[attr-defined]


def test_xlsx_report_has_the_package_ranking_and_weights(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    import io

    from openpyxl import load_workbook

    package = endorsed(world, session)
    client.force_login(world.users["viewer_a"])
    response = client.get(
        f"/cities/kigali/workspace/prioritisation/packages/{package.pk}/report.xlsx"
    )  # type: ignore[attr-defined]
    book = load_workbook(io.BytesIO(response.content))
    # Then what overruns would do (its candidates have cost ranges from their classes).
    assert book.sheetnames == [
        "Package",
        "Ranking",
        "Weights",
        "Robustness",
        "Budget risk",
        "Price of robustness",
    ]
    codes = [row[0].value for row in book["Package"].iter_rows(min_row=2)]
    assert sorted(codes) == sorted(package.current.selected)  # type: ignore[attr-defined]
    assert book["Ranking"].max_row == len(CODES) + 1
    # Robustness computed after the run: every action in the package, with its share.
    shares = {r[0].value: (r[2].value, r[3].value) for r in book["Robustness"].iter_rows(min_row=2)}
    job = package.current.run.robustness_jobs.get()  # type: ignore[union-attr]
    probs = job.result["selection_probability"]
    for code in package.current.selected:  # type: ignore[union-attr]
        assert shares[code] == ("yes", round(probs[code], 4))


def test_package_report_command(
    tmp_path: object, world: World, session: PrioritisationSession
) -> None:
    from pathlib import Path

    from django.core.management.base import CommandError

    target = Path(str(tmp_path)) / "kigali.pdf"
    with pytest.raises(CommandError, match="has no endorsed package yet"):
        call_command("package", "report", "--city", "kigali", "-o", str(target))
    endorsed(world, session)
    call_command("package", "report", "--city", "kigali", "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="no city with the short name"):
        call_command("package", "report", "--city", "atlantis", "-o", str(target))
    with pytest.raises(CommandError, match=r"give a \.pdf or \.xlsx"):
        call_command("package", "report", "--city", "kigali", "-o", str(target.with_suffix(".doc")))
    # A French report for a French-speaking city team; an unknown language is refused.
    from pypdf import PdfReader

    french = Path(str(tmp_path)) / "kigali-fr.pdf"
    call_command("package", "report", "--city", "kigali", "-o", str(french), "--language", "fr")
    text = " ".join(p.extract_text() for p in PdfReader(french).pages)
    assert "Méthode et pondérations" in text and "Method and weights" not in text
    with pytest.raises(CommandError, match="--language: 'xx' is not one of en, fr"):
        call_command("package", "report", "--city", "kigali", "-o", str(french), "--language", "xx")


def test_xlsx_words_are_in_the_readers_language(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    import io

    from openpyxl import load_workbook

    package = endorsed(world, session)
    client.force_login(world.users["viewer_a"])
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    response = client.get(
        f"/cities/kigali/workspace/prioritisation/packages/{package.pk}/report.xlsx"
    )
    book = load_workbook(io.BytesIO(response.content))
    words = {row[2].value for row in book["Robustness"].iter_rows(min_row=2)}
    assert words <= {"oui", "non"} and "oui" in words
    assert {row[4].value for row in book["Robustness"].iter_rows(min_row=2)} == {
        "optimum du calcul 1"
    }
    assert book["Weights"]["A2"].value == "Session (utilisés)"
    assert {row[4].value for row in book["Ranking"].iter_rows(min_row=2)} == {"oui", "non"}
