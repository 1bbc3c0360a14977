"""The concept note PDF and the harmonised XLSX, opened and read back."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from recap.pipeline.models import ProjectConcept
from recap.pipeline.outputs import concept_pdf, concept_xlsx
from recap.planning.models import ActionPackage
from recap.testing import Beacon, World

from .conftest import fill, start

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil")'


@pytest.fixture
def concept(world: World, package: ActionPackage) -> ProjectConcept:
    concept = start(world, package, n=2)
    return fill(
        world,
        concept,
        title="Green drainage corridors",
        rows={
            "funding_sources": [
                {"kind": "own", "name": "City budget", "amount": 250_000, "status": "secured"},
                {"kind": "grant", "name": HOSTILE, "amount": 300_000, "status": "sought"},
            ],
            "preparation_costs": [{"item": "feasibility", "amount": 180_000}],
            "indicators": [
                {
                    "name": "Households protected",
                    "unit": "households",
                    "baseline": 0,
                    "target": 17000,
                }
            ],
            "studies": [],
        },
    )


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_concept_note_in_english_and_french(
    world: World, concept: ProjectConcept, beacon: Beacon
) -> None:
    # Text a person typed, pointing at a server: it must stay text in the PDF.
    fill(world, concept, location=f'</style><img src="{beacon.url}/x.png"> Nyabugogo')
    english = text_of(concept_pdf(concept, language="en"))
    assert "Project concept note" in english and "Green drainage corridors" in english
    assert "RW-KIGALI-001" in english and "Still to find" in english
    assert "Households protected" in english and "17,000" in english
    assert "City budget" in english and "Flash floods cut the city" in english
    french = text_of(concept_pdf(concept, language="fr"))
    assert "Note de concept de projet" in french and "Reste à trouver" in french
    # What a person typed stays text: no request leaves the server (the beacon hears none).
    assert beacon.hits == []
    assert "Nyabugogo" in english


def test_harmonised_xlsx_reads_back(concept: ProjectConcept) -> None:
    book = load_workbook(io.BytesIO(concept_xlsx(concept)))
    assert book.sheetnames == [
        "Concept",
        "Funding sources",
        "Preparation costs",
        "Result indicators",
        "Studies done",
        "Source actions",
    ]
    fields = {
        row[0]: row[1] for row in book["Concept"].iter_rows(values_only=True) if row and row[0]
    }
    assert fields["Reference"] == "RW-KIGALI-001"
    assert fields["Applicant organisation"] == "City of Kigali"
    assert fields["Applicant type"] == "Local government"
    assert fields["Total cost"] == sum(s.candidate.local_cost_usd for s in concept.sources.all())
    assert fields["Secured"] == 250_000
    funding = list(book["Funding sources"].iter_rows(values_only=True))
    assert funding[2][1] == "'" + HOSTILE  # a formula typed as a name stays text
    assert len(list(book["Source actions"].iter_rows(values_only=True))) == 3
    french = load_workbook(io.BytesIO(concept_xlsx(concept, language="fr")))
    assert "Sources de financement" in french.sheetnames


def test_downloads_from_the_page(
    client: Client, world: World, concept: ProjectConcept, tmp_path: Path
) -> None:
    client.force_login(world.users["viewer_a"])
    pdf = client.get(f"{concept.get_absolute_url()}concept-note.pdf?lang=fr")
    assert pdf["Content-Type"] == "application/pdf"
    assert "RW-KIGALI-001-concept-note-fr.pdf" in pdf["Content-Disposition"]
    xlsx = client.get(f"{concept.get_absolute_url()}concept.xlsx?lang=xx")  # unknown: English
    assert "RW-KIGALI-001-concept-en" in xlsx["Content-Disposition"]
    client.force_login(world.users["editor_b"])
    assert client.get(f"{concept.get_absolute_url()}concept-note.pdf").status_code == 404
    # Rendered to an image, the first page is not blank (pdftoppm, where installed).
    if pdftoppm := shutil.which("pdftoppm"):
        (tmp_path / "note.pdf").write_bytes(pdf.content)
        subprocess.run(
            [
                pdftoppm,
                "-png",
                "-r",
                "40",
                "-f",
                "1",
                "-l",
                "1",
                str(tmp_path / "note.pdf"),
                str(tmp_path / "p"),
            ],
            check=True,
        )
        assert list(tmp_path.glob("p*.png"))
