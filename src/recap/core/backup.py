"""One archive holds everything an installation would lose with its disk: the database and the
uploaded files.

`backup_write(path)` writes a gzipped tar with:
- `manifest.json`: when, which engine, the database's rows per table, every file's size and
  SHA-256;
- the database, consistent at one instant while the site goes on writing: SQLite's online
  backup API (`database.sqlite3`), or `pg_dump --format=custom` for PostgreSQL
  (`database.pgdump`), each a snapshot of a single moment;
- `media/…`: the uploaded files, read through Django's storage API from whichever storage the
  settings choose (the local disk or S3-compatible object storage) after the snapshot, so every
  file a row of it names was there (files are only ever added or removed, never changed; one
  removed in between is listed as missing).

`backup_restore(path)` brings an archive back into an empty installation (no tables, no
uploaded files), refuses anything else with a sentence, checks every file against its SHA-256,
and never writes outside the database and the storage (a name that would leave the storage's
root is refused by the storage API, and the database file is read with tarfile's `data`
filter). Nothing here knows an app: tables and files are found generically.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection

from .stored_files import stored_names

FORMAT = 1
MANIFEST = "manifest.json"
#: The most a manifest may be: a corrupt or hostile archive does not fill the memory.
MANIFEST_MAX = 50 * 1024 * 1024


class BackupError(Exception):
    """A backup or a restore that cannot be done, with a sentence saying why."""


@dataclass(frozen=True)
class Summary:
    tables: int
    rows: int
    files: int
    bytes: int
    missing: list[str]


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups cover SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = os.environ.copy()
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _pg(tool: str, *options: str) -> None:
    """One of PostgreSQL's client tools on the configured database; its own words if it fails."""
    args, env = _pg_env()
    done = subprocess.run(  # noqa: S603 - PostgreSQL's tool, the configured database's settings
        [_tool(tool), *options, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-500:]}")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install PostgreSQL's client tools.")
    return found


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def _sqlite_rows(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        # Names come from the database's own catalogue and are quoted: no text from outside.
        return {n: db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608


def _snapshot(workdir: Path) -> tuple[str, dict[str, int]]:
    """The database at one instant, into `workdir`; its file's name and rows per table."""
    if _engine() == "sqlite":
        source = Path(settings.DATABASES["default"]["NAME"])
        target = workdir / "database.sqlite3"
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)  # the online backup API: one consistent snapshot
        copy.close()
        return target.name, _sqlite_rows(target)
    target = workdir / "database.pgdump"
    _pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", str(target))
    return target.name, {}


def _media_manifest() -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Every stored file's size and SHA-256, read through the storage API; and the names of
    those removed since the listing began."""
    files: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for name in sorted(stored_names()):
        try:
            with default_storage.open(name, "rb") as stream:
                files[name] = {"size": default_storage.size(name), "sha256": _sha256(stream)}
        except FileNotFoundError:  # removed since the walk began
            missing.append(name)
    return files, missing


def _add_media(
    archive: tarfile.TarFile, files: dict[str, dict[str, Any]], missing: list[str]
) -> None:
    """The files of `files` into the archive under `media/`, streamed from the storage; one
    removed since it was hashed moves to `missing`."""
    for name in list(files):
        info = tarfile.TarInfo(f"media/{name}")
        info.size = int(files[name]["size"])
        try:
            with default_storage.open(name, "rb") as stream:
                archive.addfile(info, stream)
        except FileNotFoundError:
            del files[name]
            missing.append(name)


def backup_write(path: Path) -> Summary:
    """The installation as one archive at `path` (written beside it, then moved in place)."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="recap-backup-") as tmp:
        workdir = Path(tmp)
        database, rows = _snapshot(workdir)
        files, missing = _media_manifest()
        manifest = {
            "format": FORMAT,
            "made": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "engine": _engine(),
            "database": database,
            "rows": rows,
            "files": files,
            "missing": missing,
        }
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(workdir / database, arcname=database)
            _add_media(archive, files, missing)
        os.replace(partial, path)
    return Summary(
        tables=len(rows),
        rows=sum(rows.values()),
        files=len(files),
        bytes=sum(int(f["size"]) for f in files.values()),
        missing=missing,
    )


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        raise BackupError("This is not a ReCAP backup: it has no manifest.json.") from None
    if not member.isfile() or member.size > MANIFEST_MAX:
        raise BackupError("The backup's manifest.json is not a file of a sensible size.")
    stream = archive.extractfile(member)
    try:
        manifest = json.loads(stream.read() if stream else b"")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BackupError("The backup's manifest.json is damaged.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"This backup is not in format {FORMAT}, which this version restores.")
    return manifest


def _empty_database() -> bool:
    return not connection.introspection.table_names()


def backup_restore(path: Path) -> Summary:
    """An archive of `backup_write` into this (empty) installation."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No such file: {path}")
    engine = _engine()
    if not _empty_database():
        raise BackupError(
            "The database is not empty: a backup is restored into an empty installation "
            "(a new database, or `recap flush` is not enough: drop and create it)."
        )
    if next(stored_names(), None) is not None:
        raise BackupError("The storage holds uploaded files already: restore into an empty one.")
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = _read_manifest(archive)
            if manifest.get("engine") != engine:
                raise BackupError(
                    f"This backup is of a {manifest.get('engine')} database; this installation "
                    f"uses {engine}."
                )
            with tempfile.TemporaryDirectory(prefix="recap-restore-") as tmp:
                database = str(manifest.get("database", ""))
                if database not in ("database.sqlite3", "database.pgdump"):
                    raise BackupError("The backup names no database file.")
                archive.extract(database, tmp, filter="data")
                _restore_database(Path(tmp) / database)
            files = manifest.get("files") or {}
            for name, facts in files.items():
                _restore_file(archive, str(name), facts)
    except (tarfile.TarError, EOFError, OSError, KeyError) as exc:
        raise BackupError(f"The backup cannot be read: {exc}") from None
    rows = manifest.get("rows") or {}
    return Summary(
        tables=len(rows),
        rows=sum(rows.values()),
        files=len(files),
        bytes=sum(int(f.get("size", 0)) for f in files.values()),
        missing=list(manifest.get("missing") or []),
    )


def _restore_file(archive: tarfile.TarFile, name: str, facts: dict[str, Any]) -> None:
    """One file of the archive onto the storage, under its own name, once its size and
    SHA-256 are those its manifest says."""
    member = archive.getmember(f"media/{name}")
    if not member.isfile() or member.size != facts.get("size"):
        raise BackupError(f"The file {name} is not the size its manifest says.")
    source = archive.extractfile(member)
    if source is None:
        raise BackupError(f"The file {name} cannot be read from the backup.")
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as copy:
        shutil.copyfileobj(source, copy)
        copy.seek(0)
        if _sha256(copy) != facts.get("sha256"):
            raise BackupError(f"The file {name} does not match its checksum.")
        copy.seek(0)
        try:
            stored = default_storage.save(name, File(copy, name=name))
        except SuspiciousOperation:
            raise BackupError(f"The file name {name} would leave the storage.") from None
    if stored != name:
        default_storage.delete(stored)
        raise BackupError(f"The file {name} could not be stored under its own name.")


def _restore_database(dump: Path) -> None:
    if dump.name == "database.sqlite3":
        target = Path(settings.DATABASES["default"]["NAME"])
        connection.close()
        with sqlite3.connect(dump) as db:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("The backup's database fails SQLite's integrity check.")
        db.close()
        for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
            stale.unlink(missing_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dump, target)
        return
    connection.close()
    _pg("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", str(dump))
