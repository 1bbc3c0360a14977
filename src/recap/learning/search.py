"""One search over what the programme knows: published lessons, catalogue actions, measures and
project concepts, in English and French, ranked, with filters by hazard, sector and country.

- Each record has a `SearchDocument` in both languages (`index`), written when the record is
  saved or its links change (signals in `apps.py`) and rebuilt whole by `index_rebuild`
  (`recap search_index`, the demo, and after migrating an empty index).
- SQLite (the default): an FTS5 table mirrors the documents (migration 0004); ranked by bm25,
  titles weighing ten times the text; each query word is cut to its English and French stems
  (Snowball), which match on the beginning of a word.
- PostgreSQL: full-text search over a stored, GIN-indexed vector of the same columns
  (migration 0005), English columns with the English dictionary and French ones with the
  French, the query read in both; ranked by `ts_rank`.
- What a reader gets is what they may read: published lessons (and their own city's), active
  catalogue actions, and only the measures and concepts their policies open to them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import snowballstemmer  # type: ignore[import-untyped]  # no stubs published
from django.db import connection, transaction
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from recap.accounts.types import Reader
from recap.catalogue.models import CatalogueAction
from recap.core.content import reader_language
from recap.pipeline.models import ProjectConcept
from recap.pipeline.policies import is_insider, project_concept_policy
from recap.tracking.models import Measure
from recap.tracking.policies import measure_policy

from .models import Lesson, SearchDocument
from .policies import lesson_queryset

Kind = SearchDocument.Kind
MAX_QUERY = 200
MAX_TERMS = 12
LIMIT = 50
WORD = re.compile(r"\w+", re.UNICODE)


def _texts(obj: Any, fields: Iterable[str], language: str) -> str:
    with translation.override(language):
        return "\n".join(str(getattr(obj, f) or "") for f in fields)


def _own(obj: Any, fields: Iterable[str], language: str) -> str:
    """The record's own text in `language`, no stand-in from the other."""
    return "\n".join(str(getattr(obj, f"{f}_{language}", None) or "") for f in fields)


def _document(kind: str, obj: Any) -> dict[str, Any] | None:
    """The searchable fields of one record, or None when it is not to be found at all."""
    if kind == Kind.LESSON:
        if obj.status != Lesson.Status.PUBLISHED:
            return None  # drafts and submitted lessons are found on their city's pages
        body = ("context", "what_was_done", "results", "differently", "partners")
        return {
            "city": obj.city,
            "country_id": obj.city.country_id,
            "hazards": [h.code for h in obj.hazards.all()],
            "sectors": sorted({s for a in obj.actions.all() for s in a.sectors}),
            "url": obj.get_absolute_url(),
            **{f"title_{lang}": _own(obj, ["title"], lang) for lang in ("en", "fr")},
            **{f"summary_{lang}": _own(obj, ["summary"], lang) for lang in ("en", "fr")},
            **{f"body_{lang}": _own(obj, body, lang) for lang in ("en", "fr")},
        }
    if kind == Kind.ACTION:
        if not obj.is_active:
            return None
        return {
            "city": None,
            "country_id": None,
            "hazards": sorted(obj.hazards),
            "sectors": list(obj.sectors),
            "url": obj.get_absolute_url(),
            **{f"title_{lang}": _own(obj, ["title"], lang) for lang in ("en", "fr")},
            **{f"summary_{lang}": _own(obj, ["summary"], lang) for lang in ("en", "fr")},
            **{
                f"body_{lang}": "\n".join(
                    [_own(obj, ["description"], lang), *(getattr(obj, f"kpis_{lang}") or [])]
                )
                for lang in ("en", "fr")
            },
        }
    # Measures and concepts are written in their city's language, not translated: their text
    # goes in as English, and searching reads every column in both languages anyway.
    if kind == Kind.MEASURE:
        return {
            "city": obj.city,
            "country_id": obj.city.country_id,
            "hazards": [h.code for h in obj.hazards.all()],
            "sectors": sorted(obj.action.sectors) if obj.action_id else [],
            "url": reverse("measures:detail", kwargs={"slug": obj.city.slug, "pk": obj.pk}),
            "title_en": obj.title,
            "summary_en": obj.description[:300],
            "body_en": obj.description,
        }
    return {
        "city": obj.city,
        "country_id": obj.city.country_id,
        "hazards": list(obj.hazards or []),
        "sectors": [obj.sector, *(obj.sub_sectors or [])] if obj.sector else [],
        "url": obj.get_absolute_url(),
        "title_en": obj.title,
        "summary_en": obj.summary[:300],
        "body_en": "\n".join([obj.summary, obj.problem, obj.objectives]),
    }


MODELS: dict[str, Any] = {
    Kind.LESSON: Lesson,
    Kind.ACTION: CatalogueAction,
    Kind.MEASURE: Measure,
    Kind.CONCEPT: ProjectConcept,
}
RELATED: dict[str, tuple[list[str], list[str]]] = {
    Kind.LESSON: (["city"], ["hazards", "actions"]),
    Kind.ACTION: ([], []),
    Kind.MEASURE: (["city", "action"], ["hazards"]),
    Kind.CONCEPT: (["city"], []),
}


def _rows(kind: str, pks: Iterable[int] | None = None) -> QuerySet[Any]:
    select, prefetch = RELATED[kind]
    rows: QuerySet[Any] = MODELS[kind].objects.select_related(*select).prefetch_related(*prefetch)
    return rows if pks is None else rows.filter(pk__in=list(pks))


#: The most text of one field a document holds: enough to find a record by any of its words,
#: bounded so that one huge text cannot break indexing (PostgreSQL refuses a tsvector over 1 MB).
TEXT_MAX = {"title": 300, "summary": 2_000, "body": 100_000}


def _save(kind: str, obj: Any) -> None:
    fields = _document(kind, obj)
    if fields is None:
        SearchDocument.objects.filter(kind=kind, ref=obj.pk).delete()
        return
    for name, value in fields.items():
        if isinstance(value, str) and (part := name.rsplit("_", 1)[0]) in TEXT_MAX:
            fields[name] = value[: TEXT_MAX[part]]
    fields["hazards"] = " " + " ".join(fields["hazards"]) + " " if fields["hazards"] else ""
    fields["sectors"] = " " + " ".join(fields["sectors"]) + " " if fields["sectors"] else ""
    SearchDocument.objects.update_or_create(kind=kind, ref=obj.pk, defaults=fields)


def index(kind: str, pk: int) -> None:
    """Bring one record's document up to date (or drop it, if the record is gone or hidden)."""
    obj = _rows(kind, [pk]).first()
    if obj is None:
        SearchDocument.objects.filter(kind=kind, ref=pk).delete()
    else:
        _save(kind, obj)


def index_later(kind: str, pk: int) -> None:
    """After the surrounding transaction commits (so links set after the save are read)."""
    transaction.on_commit(lambda: index(kind, pk))


@transaction.atomic
def index_rebuild() -> int:
    SearchDocument.objects.all().delete()
    count = 0
    for kind in MODELS:
        for obj in _rows(kind).iterator(chunk_size=500):
            _save(kind, obj)
            count += 1
    return SearchDocument.objects.count()


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: str
    title: str
    summary: str
    url: str
    city: str
    untranslated: bool
    rank: float


def terms(query: str) -> list[str]:
    """The words of a query (letters and digits only: no search syntax gets through)."""
    return WORD.findall((query or "")[:MAX_QUERY].lower())[:MAX_TERMS]


def _readable(user: Reader) -> Q:
    """The documents `user` may read, by each record's own policy."""
    return (
        Q(kind=Kind.ACTION)
        | Q(kind=Kind.LESSON, ref__in=lesson_queryset(user).values("pk"))
        | Q(kind=Kind.MEASURE, ref__in=measure_policy.queryset(user).values("pk"))
        | Q(kind=Kind.CONCEPT, ref__in=project_concept_policy.queryset(user).values("pk"))
    )


def search_facets(user: Reader) -> tuple[list[str], list[int]]:
    """What the filters may offer `user`: the kinds of record and the countries among the
    documents they may read, so that no choice can only ever find nothing (a visitor is not
    offered measures or concepts; a three-country programme offers three countries)."""
    readable = SearchDocument.objects.filter(_readable(user))
    kinds = set(readable.values_list("kind", flat=True).distinct())
    countries = readable.filter(country_id__isnull=False).values_list("country_id", flat=True)
    return [k for k in Kind.values if k in kinds], sorted(set(countries))


def search(
    user: Reader,
    query: str,
    *,
    hazard: str = "",
    sector: str = "",
    country: int | None = None,
    kinds: Iterable[str] = (),
    limit: int = LIMIT,
) -> list[Hit]:
    words = terms(query)
    documents = SearchDocument.objects.filter(_readable(user)).select_related("city")
    if hazard:
        documents = documents.filter(hazards__contains=f" {hazard} ")
    if sector:
        documents = documents.filter(sectors__contains=f" {sector} ")
    if country:
        documents = documents.filter(country_id=country)
    kinds = [k for k in kinds if k in Kind.values]
    if kinds:
        documents = documents.filter(kind__in=kinds)
    if not words:
        if not (hazard or sector or country or kinds):
            return []
        ranked = [(d, 0.0) for d in documents.order_by("kind", "title_en")[:limit]]
    elif connection.vendor == "postgresql":
        ranked = _postgresql(documents, words, limit)
    else:
        ranked = _sqlite(documents, words, limit)
    insider: dict[int, bool] = {}

    def url(document: SearchDocument) -> str:
        """A concept's page for whoever reads its whole record; a funder's own page for a
        funder, who reads it only as shared with their facility."""
        city = document.city
        if document.kind != Kind.CONCEPT or city is None:
            return document.url
        if city.pk not in insider:
            insider[city.pk] = is_insider(user, city)
        if insider[city.pk]:
            return document.url
        return reverse("board:shared_detail", args=[document.ref])

    return [_hit(d, rank, url(d)) for d, rank in ranked]


STEMMERS = [snowballstemmer.stemmer("english"), snowballstemmer.stemmer("french")]


def _stems(word: str) -> list[str]:
    """A word's English and French stems ("inondation" → "inond", "flooding" → "flood"), so
    that a prefix match finds the word's other forms; a stem under 3 letters is the word."""
    stems = {stem for s in STEMMERS if len(stem := s.stemWord(word)) >= 3} or {word}
    return sorted(stems)


def _sqlite(documents: QuerySet[SearchDocument], words: list[str], limit: int) -> list[Any]:
    # Every word, each as any of its stems on the beginning of a word in the text.
    match = " AND ".join(
        "(" + " OR ".join(f'"{stem}"*' for stem in _stems(word)) + ")" for word in words
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid, bm25(learning_search_fts, 10.0, 10.0, 3.0, 3.0, 1.0, 1.0) "
            "FROM learning_search_fts WHERE learning_search_fts MATCH %s",
            [match],
        )
        scores = {row: -score for row, score in cursor.fetchall()}  # bm25: lower is better
    # What the reader may read, by id only; then only the rows shown are fetched whole.
    readable = documents.filter(pk__in=list(scores)).values_list("pk", flat=True)
    shown = sorted(readable, key=lambda pk: (-scores[pk], pk))[:limit]
    rows = {d.pk: d for d in documents.filter(pk__in=shown).select_related("city")}
    return [(rows[pk], scores[pk]) for pk in shown]


#: The query, read with both dictionaries; matched against the stored, indexed vector
#: (`search`, a generated column: migration 0005).
PG_QUERY = "(plainto_tsquery('english', %s) || plainto_tsquery('french', %s))"


def _postgresql(documents: QuerySet[SearchDocument], words: list[str], limit: int) -> list[Any]:
    text = " ".join(words)
    found = (
        documents.annotate(
            # Constant SQL; the words go in as bound parameters.
            rank=RawSQL(f"ts_rank(learning_searchdocument.search, {PG_QUERY})", (text, text)),  # noqa: S611
        )
        .filter(
            RawSQL(  # noqa: S611 - constant SQL, bound parameters
                f"learning_searchdocument.search @@ {PG_QUERY}",
                (text, text),
                output_field=BooleanField(),
            )
        )
        .order_by("-rank", "title_en")[:limit]
    )
    return [(d, float(d.rank)) for d in found]


def _hit(document: SearchDocument, rank: float, url: str) -> Hit:
    here = reader_language()
    other = "fr" if here == "en" else "en"
    title = getattr(document, f"title_{here}") or getattr(document, f"title_{other}")
    summary = getattr(document, f"summary_{here}") or getattr(document, f"summary_{other}")
    translated = bool(getattr(document, f"title_{here}"))
    return Hit(
        kind=document.kind,
        kind_label=str(Kind(document.kind).label),
        title=title,
        summary=summary,
        url=url,
        city=document.city.name if document.city else "",
        # Measures and concepts are in their city's own words: no translation is expected.
        untranslated=not translated and document.kind in (Kind.LESSON, Kind.ACTION),
        rank=round(rank, 4),
    )


def _fold(text: str) -> str:
    """Lower case without accents, as the index compares words ("Inondées" → "inondees")."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c)
    )


def highlight(text: str, query: str) -> SafeString:
    """`text` escaped, with each word the query found marked (`<mark>`): a word that begins
    with one of the query words' stems, as the search matched it (a stem under 3 letters only
    as the whole word). The text is cut into words first and every piece is escaped on its
    own, so neither the text nor the query can put markup on the page."""
    stems = {_fold(stem) for word in terms(query) for stem in (word, *_stems(word))}
    if not stems:
        return escape(text)
    out, last = [], 0
    for found in WORD.finditer(text):
        word = _fold(found.group())
        if any(word.startswith(s) if len(s) >= 3 else word == s for s in stems):
            out.append(escape(text[last : found.start()]))
            out.append(format_html("<mark>{}</mark>", found.group()))
            last = found.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped
