"""Nothing lost when a disk dies (issue #19, item 13): the demo, backed up with `recap backup`
while a writer is busy, comes back with `recap restore` into an empty installation with every
row, every file and the same pages; a restore refuses an installation that is not empty and an
archive that is damaged.

As in test_workers.py, each installation is a database of its own (a SQLite file, or a fresh
PostgreSQL database when the suite runs on PostgreSQL) read only through `recap` commands
(`processes.Installation`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from processes import Installation, fresh_databases, wait_for

#: Every table: its rows and a digest of their contents, in the database's own order.
TABLES = """
import hashlib, json
from django.db import connection
out = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        if table.startswith("learning_search_fts"):
            continue  # SQLite's full-text shadow tables: rebuilt from their source table
        cursor.execute(f'SELECT * FROM "{table}"')
        rows = sorted(repr(row) for row in cursor.fetchall())
        out[table] = [len(rows), hashlib.sha256("\\n".join(rows).encode()).hexdigest()]
print(json.dumps(out))
"""
FILES = """
import hashlib, json
from pathlib import Path
from django.conf import settings
root = Path(settings.MEDIA_ROOT)
print(json.dumps({p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                  for p in root.rglob("*") if p.is_file()}))
"""
PAGES = """
import json, re
from django.test import Client
from recap.accounts.models import User
pages = {}
for who, urls in {"": ["/", "/offices/", "/lessons/", "/cities/kigali/", "/search/?q=flood"],
                  "programme.manager": ["/me/", "/pipeline/", "/programme/results/",
                                        "/programme/results/framework/",
                                        "/cities/kigali/workspace/"]}.items():
    client = Client(HTTP_HOST="127.0.0.1")
    if who:
        client.force_login(User.objects.get(username=who))
    for url in urls:
        response = client.get(url)
        # Tokens and nonces are new in every response: everything else must be the same.
        text = re.sub(
            r'(nonce|value)="[^"]*"|"X-CSRFToken": "[^"]*"', "", response.content.decode()
        )
        pages[who + url] = [response.status_code, text]
print(json.dumps(pages))
"""
#: Writes audit events until told to stop (a file appears), at most 120 s.
WRITER = """
import os, time
from pathlib import Path
from recap.accounts.models import AuditEvent, User
admin = User.objects.get(username="admin")
stop, count = Path({stop!r}), Path({count!r})
n, until = 0, time.monotonic() + 120
while not stop.exists() and time.monotonic() < until:
    AuditEvent.objects.create(actor=admin, verb="drill.write", detail={{"n": n}})
    n += 1
    count.with_suffix(".tmp").write_text(str(n))
    os.replace(count.with_suffix(".tmp"), count)  # read whole or not at all
"""


@pytest.fixture
def installations(tmp_path: Path) -> Iterator[tuple[Installation, Installation]]:
    with (
        fresh_databases("recap_backup") as database,
        Installation(tmp_path / "live", database()) as live,
        Installation(tmp_path / "new", database()) as new,
    ):
        yield live, new


def test_the_demo_comes_back_whole_from_a_backup_taken_while_writing(
    installations: tuple[Installation, Installation], tmp_path: Path
) -> None:
    live, new = installations
    live.run("migrate", "-v", "0")
    live.run("demo")
    stop, count = tmp_path / "stop", tmp_path / "count"
    writer = live.start("shell", "-c", WRITER.format(stop=str(stop), count=str(count)))

    def twenty_written() -> bool:
        written = count.exists() and int(count.read_text()) >= 20
        assert written or writer.poll() is None, "the writer stalled"
        return written

    try:
        wait_for(twenty_written, 60, "the writer stalled", interval=0.1)
        archive = tmp_path / "recap.tar.gz"
        made = live.run("backup", str(archive))
        written_during = int(count.read_text())
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0, live.errors(writer, 2000)
    assert "files (" in made.stdout

    restored = new.run("restore", str(archive))
    assert "restored" in restored.stdout

    before, after = live.shell(TABLES), new.shell(TABLES)
    assert set(before) == set(after)
    events = "accounts_auditevent"
    different = {t for t in before if before[t] != after[t]} - {events}
    assert different == set(), different  # every row of every other table, as it was
    # The writer's table: a snapshot between its first rows and its last.
    assert (
        20
        <= after[events][0] - (before[events][0] - int(count.read_text()))
        <= (int(count.read_text()))
    )
    assert written_during >= 20
    assert live.shell(FILES) == new.shell(FILES) != {}  # every file, byte for byte
    live_pages, new_pages = live.shell(PAGES), new.shell(PAGES)
    for url, (status, text) in live_pages.items():
        assert status == 200, url
        assert new_pages[url] == [status, text], url  # the same pages


def test_a_restore_refuses_what_it_must(
    installations: tuple[Installation, Installation], tmp_path: Path
) -> None:
    live, new = installations
    live.run("migrate", "-v", "0")
    archive = tmp_path / "recap.tar.gz"
    live.run("backup", str(archive))
    again = live.run("backup", str(archive), check=False)
    assert again.returncode != 0 and "exists already" in again.stderr
    # Not into an installation that holds data.
    refused = live.run("restore", str(archive), check=False)
    assert refused.returncode != 0 and "not empty" in refused.stderr
    # Not a damaged archive, nor something that is not a backup.
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    for bad, words in [(damaged, "cannot be read"), (tmp_path / "none.tar.gz", "No such file")]:
        done = new.run("restore", str(bad), check=False)
        assert done.returncode != 0 and words in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
