from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db
PO = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"


def switch_to_french(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302


def test_language_switch_turns_the_site_french(client: Client, world: object) -> None:
    switch_to_french(client)
    body = client.get("/").content.decode()
    assert '<html lang="fr">' in body
    assert "Ce que nous faisons" in body
    assert "Signaler un problème" in body
    assert "What we are doing" not in body
    # And back again.
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "What we are doing" in client.get("/").content.decode()


def test_browser_language_is_honoured(client: Client) -> None:
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert '<html lang="fr">' in body


def test_switcher_names_the_other_language_in_its_own_language(client: Client) -> None:
    assert 'lang="fr">Français</button>' in client.get("/").content.decode()
    switch_to_french(client)
    assert 'lang="en">English</button>' in client.get("/").content.decode()


def test_french_errors_and_forms(client: Client) -> None:
    switch_to_french(client)
    body = client.post("/report-a-problem/", {"message": ""}).content.decode()
    assert "Please describe the problem." not in body


def _entries(po_text: str) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for each entry of a .po file, header excluded."""
    entries = []
    for block in po_text.split("\n\n"):
        if "msgid" not in block:
            continue
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        msgid = "".join(
            re.findall(r'^(?:msgid|msgid_plural)? ?"(.*)"$', block.split("msgstr")[0], re.M)
        )
        strs = re.split(r"^msgstr(?:\[\d\])? ", block, flags=re.M)[1:]
        msgstrs = ["".join(re.findall(r'"(.*)"', s)) for s in strs]
        if msgid:
            entries.append((msgid, msgstrs, fuzzy))
    return entries


def test_french_translation_is_complete() -> None:
    entries = _entries(PO.read_text("utf-8"))
    assert len(entries) > 200
    untranslated = [m for m, strs, _ in entries if not strs or not all(strs)]
    fuzzy = [m for m, _, f in entries if f]
    assert not untranslated, f"untranslated: {untranslated[:5]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:5]}"


@pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="GNU gettext is installed by make install"
)
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    """makemessages on a copy of the package finds no msgid the committed catalogue lacks."""
    package = Path(settings.LOCALE_PATHS[0]).parent
    copy = tmp_path / "recap"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "tests"))
    django_admin = Path(sys.executable).parent / "django-admin"
    subprocess.run(
        [str(django_admin), "makemessages", "-l", "fr", "--no-obsolete", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {
        m for m, _, _ in _entries((copy / "locale/fr/LC_MESSAGES/django.po").read_text("utf-8"))
    }
    committed = {m for m, _, _ in _entries(PO.read_text("utf-8"))}
    missing = sorted(fresh - committed)
    assert not missing, f"run makemessages and translate: {missing[:5]}"
