"""A strict, bounded reader of the open pabulib `.pb` format (participatory-budgeting votes).

Contract: `parse_pabulib(text)` returns a `PbInstance` or raises `ProblemError(path, message)`
where `path` names the section, the line (1-based, in the text given) and the field, e.g.
`PROJECTS line 12, cost: must be a number >= 0 (got '12k')`. Nothing is guessed or coerced
beyond what the format itself allows (a decimal comma in money, `None` for an empty cell).

The format (Stolicki, Szufa and Talmon, "Pabulib: A Participatory Budgeting Library",
arXiv:2012.06539; https://pabulib.org/format): UTF-8 text in three sections, in this order,
each opened by a line holding only its name and then a header line, cells separated by `;`
(a cell may be quoted CSV-style):

- META, header `key;value`: `budget` and `vote_type` (approval, choose-1, cumulative, scoring,
  ordinal) are required; `num_projects` / `num_votes`, when given, must match the sections.
- PROJECTS, header with `project_id` and `cost`; `category`/`categories` and `target`/`targets`
  are comma lists; every other column (name, votes, district, subunit...) is kept as a string.
- VOTES, header with `voter_id` and `vote` (a comma list of project ids, in rank order for
  ordinal ballots); `points` (a comma list as long as `vote`) is required for cumulative and
  scoring ballots. Other columns (age, sex...) are kept as strings.

Bounds: at most `max_chars` characters, `max_projects` projects and `max_votes` ballots.
Money and points are exact (`fractions.Fraction`): rules are computed in exact arithmetic.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from .errors import ProblemError

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
MAX_CHARS = 50_000_000
MAX_PROJECTS = 5_000
MAX_VOTES = 2_000_000
_SECTIONS = ("meta", "projects", "votes")
_AMOUNT = re.compile(r"\d{1,30}(?:[.,]\d{1,30})?")
_POINTS = re.compile(r"-?\d{1,30}(?:\.\d{1,30})?")
_CATEGORY_KEYS = ("category", "categories")
_TARGET_KEYS = ("target", "targets")


@dataclass(frozen=True)
class PbProject:
    id: str
    cost: Fraction
    categories: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    #: Every other column of the PROJECTS section (name, votes, district...), as written.
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PbBallot:
    voter_id: str
    #: Project ids in the order written (the rank order for ordinal ballots).
    projects: tuple[str, ...]
    #: One number per project for cumulative and scoring ballots; None otherwise.
    points: tuple[Fraction, ...] | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)

    def utility(self, project: str) -> Fraction:
        """What this ballot gives `project`: 1 if approved (approval), its points (cumulative,
        scoring), 0 if absent. Ordinal ballots have no utility here."""
        if self.points is None:
            return Fraction(1) if project in self.projects else Fraction(0)
        for p, pts in zip(self.projects, self.points, strict=True):
            if p == project:
                return pts
        return Fraction(0)


@dataclass(frozen=True)
class PbInstance:
    meta: Mapping[str, str]
    vote_type: str
    budget: Fraction
    projects: tuple[PbProject, ...]
    ballots: tuple[PbBallot, ...]

    @property
    def index(self) -> dict[str, PbProject]:
        return {p.id: p for p in self.projects}

    @property
    def is_approval(self) -> bool:
        return self.vote_type in ("approval", "choose-1")


def _amount(text: str, where: str, what: str = "a number >= 0") -> Fraction:
    cell = text.strip()
    if not _AMOUNT.fullmatch(cell):
        raise ProblemError(where, f"must be {what} (got {cell[:40]!r})")
    return Fraction(cell.replace(",", "."))


def _points(text: str, where: str, *, signed: bool) -> Fraction:
    cell = text.strip()
    if not _POINTS.fullmatch(cell) or (not signed and cell.startswith("-")):
        kind = "a number" if signed else "a number >= 0"
        raise ProblemError(where, f"must be {kind} (got {cell[:40]!r})")
    return Fraction(cell)


def _list(cell: str) -> tuple[str, ...]:
    if cell.strip().lower() in ("", "none"):
        return ()
    return tuple(entry.strip() for entry in cell.split(","))


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(text.splitlines(), delimiter=";")
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as err:
        raise ProblemError(f"line {reader.line_num}", f"unreadable: {err}") from None


def _header(row: list[str], line: int, section: str, needed: tuple[str, ...]) -> list[str]:
    names = [c.strip() for c in row]
    seen: set[str] = set()
    for k, name in enumerate(names):
        if not name:
            raise ProblemError(f"{section} line {line}", f"column {k + 1} has no name")
        if name in seen:
            raise ProblemError(f"{section} line {line}, {name}", "column named twice")
        seen.add(name)
    for name in needed:
        if name not in seen:
            raise ProblemError(f"{section} line {line}", f"header must have a '{name}' column")
    return names


_NEEDED = {
    "meta": ("key", "value"),
    "projects": ("project_id", "cost"),
    "votes": ("voter_id", "vote"),
}


@dataclass
class _Sections:
    """The three sections' data rows, each with its line number, keyed by header."""

    meta: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    projects: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    votes: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def _sections(text: str, max_projects: int, max_votes: int) -> _Sections:
    out = _Sections()
    limits = {"meta": 10_000, "projects": max_projects, "votes": max_votes}
    section = ""
    done: list[str] = []
    header: list[str] | None = None
    for line, row in _rows(text):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) == 1 and row[0].strip().lower() in _SECTIONS:
            name = row[0].strip().lower()
            if len(done) >= len(_SECTIONS) or name != _SECTIONS[len(done)]:
                raise ProblemError(
                    f"line {line}",
                    f"section {name.upper()} out of place: sections are META, PROJECTS, VOTES, "
                    "each once, in that order",
                )
            section, header = name, None
            done.append(name)
            continue
        if not section:
            raise ProblemError(f"line {line}", "text before the META section")
        where = section.upper()
        if header is None:
            header = _header(row, line, where, _NEEDED[section])
            if section == "meta" and header != ["key", "value"]:
                raise ProblemError(f"META line {line}", "header must be exactly 'key;value'")
            continue
        if len(row) != len(header):
            raise ProblemError(
                f"{where} line {line}", f"has {len(row)} cells; the header has {len(header)}"
            )
        rows: list[tuple[int, dict[str, str]]] = getattr(out, section)
        if len(rows) >= limits[section]:
            raise ProblemError(f"{where} line {line}", f"more than {limits[section]} {section}")
        rows.append((line, dict(zip(header, row, strict=True))))
    for name in _SECTIONS:
        if name not in done:
            raise ProblemError(name.upper(), "section is missing")
    return out


def _meta(rows: list[tuple[int, dict[str, str]]]) -> tuple[dict[str, str], dict[str, int]]:
    meta: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line, cells in rows:
        key, value = cells["key"].strip(), cells["value"].strip()
        if not key:
            raise ProblemError(f"META line {line}", "key must not be empty")
        if key in meta:
            raise ProblemError(
                f"META line {line}, {key}", f"given twice (first on line {lines[key]})"
            )
        meta[key], lines[key] = value, line
    return meta, lines


def _projects(rows: list[tuple[int, dict[str, str]]]) -> list[PbProject]:
    projects: list[PbProject] = []
    ids: set[str] = set()
    for line, cells in rows:
        where = f"PROJECTS line {line}"
        pid = cells["project_id"].strip()
        if not pid:
            raise ProblemError(f"{where}, project_id", "must not be empty")
        if "," in pid:
            raise ProblemError(f"{where}, project_id", "must not contain ','")
        if pid in ids:
            raise ProblemError(f"{where}, project_id", f"{pid!r} given twice")
        ids.add(pid)
        cost = _amount(cells["cost"], f"{where}, cost")
        categories: tuple[str, ...] = ()
        targets: tuple[str, ...] = ()
        attributes: dict[str, str] = {}
        for key, value in cells.items():
            if key in ("project_id", "cost"):
                continue
            if key in _CATEGORY_KEYS:
                categories = _list(value)
            elif key in _TARGET_KEYS:
                targets = _list(value)
            elif value.strip().lower() != "none":
                attributes[key] = value.strip()
        projects.append(PbProject(pid, cost, categories, targets, attributes))
    return projects


def _ballot(line: int, cells: dict[str, str], vote_type: str, ids: set[str]) -> PbBallot:
    where = f"VOTES line {line}"
    vid = cells["voter_id"].strip()
    if not vid:
        raise ProblemError(f"{where}, voter_id", "must not be empty")
    chosen = tuple(p.strip() for p in cells["vote"].split(",")) if cells["vote"].strip() else ()
    seen: set[str] = set()
    for pid in chosen:
        if pid not in ids:
            raise ProblemError(f"{where}, vote", f"names unknown project {pid[:40]!r}")
        if pid in seen:
            raise ProblemError(f"{where}, vote", f"names project {pid!r} twice")
        seen.add(pid)
    if vote_type == "choose-1" and len(chosen) > 1:
        raise ProblemError(f"{where}, vote", "a choose-1 ballot names at most one project")
    points: tuple[Fraction, ...] | None = None
    if vote_type in ("cumulative", "scoring"):
        if "points" not in cells:
            raise ProblemError(f"{where}, points", f"is required for {vote_type} ballots")
        cell = cells["points"].strip()
        raw = cell.split(",") if cell and cell.lower() != "none" else []
        if len(raw) != len(chosen):
            raise ProblemError(
                f"{where}, points", f"has {len(raw)} numbers for {len(chosen)} projects"
            )
        signed = vote_type == "scoring"
        points = tuple(_points(c, f"{where}, points", signed=signed) for c in raw)
    rest = {
        k: val.strip()
        for k, val in cells.items()
        if k not in ("voter_id", "vote", "points") and val.strip().lower() != "none"
    }
    return PbBallot(vid, chosen, points, rest)


def parse_pabulib(
    text: str,
    *,
    max_chars: int = MAX_CHARS,
    max_projects: int = MAX_PROJECTS,
    max_votes: int = MAX_VOTES,
) -> PbInstance:
    """Read one `.pb` file's text. See the module docstring for what is accepted."""
    if not isinstance(text, str):
        raise ProblemError("pb", "must be the text of a .pb file")
    if len(text) > max_chars:
        raise ProblemError("pb", f"is {len(text):,} characters; at most {max_chars:,} are read")
    sections = _sections(text.removeprefix("\ufeff"), max_projects, max_votes)
    meta, meta_lines = _meta(sections.meta)
    projects = _projects(sections.projects)
    vote_type = meta.get("vote_type")
    if vote_type is None:
        raise ProblemError("META, vote_type", "is required")
    if vote_type not in VOTE_TYPES:
        raise ProblemError(
            f"META line {meta_lines['vote_type']}, vote_type",
            f"must be one of {', '.join(VOTE_TYPES)} (got {vote_type[:40]!r})",
        )
    if "budget" not in meta:
        raise ProblemError("META, budget", "is required")
    budget = _amount(meta["budget"], f"META line {meta_lines['budget']}, budget")
    ids = {p.id for p in projects}
    ballots: list[PbBallot] = []
    voters: dict[str, int] = {}
    for line, cells in sections.votes:
        ballot = _ballot(line, cells, vote_type, ids)
        if ballot.voter_id in voters:
            raise ProblemError(
                f"VOTES line {line}, voter_id",
                f"{ballot.voter_id!r} given twice (first on line {voters[ballot.voter_id]})",
            )
        voters[ballot.voter_id] = line
        ballots.append(ballot)
    for key, count, name in (
        ("num_projects", len(projects), "projects"),
        ("num_votes", len(ballots), "votes"),
    ):
        if key in meta:
            where = f"META line {meta_lines[key]}, {key}"
            digits = meta[key].strip()
            if not (digits.isascii() and digits.isdecimal()) or len(digits) > 12:
                raise ProblemError(where, f"must be a whole number (got {meta[key][:40]!r})")
            if int(digits) != count:
                raise ProblemError(where, f"says {meta[key]} but the file has {count} {name}")
    return PbInstance(dict(meta), vote_type, budget, tuple(projects), tuple(ballots))
