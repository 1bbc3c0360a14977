"""French to the last word (issue #21): every page of the demo, read in French by each role,
shows no English but content marked as being in another language.

The demo is built once for the module. Each role signs in, picks French, and walks the site from
the pages it starts on, following every same-site link (GET only; no sign-out, admin, API or
language switch), one page per URL shape (ids stand for any id). The visible text of each page
(its title, the text of its elements, and the labels a screen reader reads: `title`,
`aria-label`, `placeholder`, `alt`) is searched for English words; text inside an element whose
`lang` is not French, or marked `translate="no"` or `data-untranslated`, is content in another
language and is skipped. The downloads a French reader takes away (the concept note and the
donor report as PDF, the results workbook) are read the same way."""

from __future__ import annotations

import io
import re
import zipfile
from collections import deque
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.template.loader import get_template
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from recap.accounts.models import User
from recap.core.templatetags.content import english as mark_english
from recap.core.templatetags.content import english_parts
from recap.learning.peers import _language_name
from recap.pipeline.models import ProjectConcept, Stage
from recap.tracking.models import DonorReport, Indicator, Outcome

#: English words that are not French words too (so "a", "on", "or", "but", "date", "page",
#: "action", "budget", "note", "question", "report", "comment", "concepts", "candidates" and
#: "programme" are not here),
#: and the interface words of the site.
_ENGLISH_WORDS = """
    the and of with your to for not yet this that these those from by is are was were be been
    has have had will would can could should must may into about after before between than
    then there their they them our we you it its which who what when where why how all any
    each every some more most other only own same such both few many much no nor off out over
    under again further once here just also very in at if up back submit start managed add
    edit save delete remove cancel show hide view open close next previous search sign log
    upload download name status review reviews reviewer reviewers funder funders city
    cities project projects team teams member members people settings help yes none lesson
    lessons outcome outcomes indicator indicators target targets baseline value values
    progress training trainings workshop package packages pipeline mark marked
    presented preparation offices hazard hazards risk risks shocks
    stresses assessment framework weight weights run runs results result new old since until
    overdue approved rejected draft drafted pending returned shared funded submitted received
    decided endorsed chosen selected home work my role roles owner manager coordinator editor
    viewer staff cost costs year years month months day days week weeks today yesterday
    tomorrow measures measure small scale learning exchange exchanges peer peers problem
    problems answer answers comments reply replies send filter filters clear apply
    """
ENGLISH = frozenset(_ENGLISH_WORDS.split())
#: Names that read as English words but are names, whatever the language (META, PROJECTS and
#: VOTES are the section names of a pabulib `.pb` file, written so in every language).
NOT_ENGLISH = frozenset(
    {"ReCAP", "HTMX", "IATI", "OC4IDS", "XLSX", "CSV", "PDF", "GIZ", "META", "PROJECTS", "VOTES"}
)
WORD = re.compile(r"[^\W\d_]+")  # letters, accented ones too; apostrophes split words

#: Links that change something, leave the site or are not pages are not followed.
SKIP = ("/accounts/logout", "/i18n/", "/admin/", "/api/", "/static/", "/media/", "mailto:")
#: Pages that are files, not HTML (they are read by the download test).
DOWNLOADS = re.compile(r"\.(pdf|xlsx|csv|json|xml|zip|ics)$|/(export|download)s?/|/pdf/|/xlsx/")
_VOID = "area base br col embed hr img input link meta param source track wbr"
VOID = frozenset(_VOID.split())
HIDDEN = frozenset({"script", "style", "template", "noscript", "svg", "code", "kbd", "samp"})
LABELS = ("title", "aria-label", "placeholder", "alt")
#: What people write and name, in whatever language they write it: the interface around it is
#: French, the records are theirs (the demo's are in English). Shipped texts (the funding
#: facilities' eligibility, the review rubrics, the offices' directory) are not here: a page
#: shows them in French or marks them as English.
WRITTEN = {
    "accounts.User": ("username", "first_name", "last_name", "email"),
    "cities.Organisation": ("name",),
    "cities.City": ("name",),
    "cities.Programme": ("name", "short_name"),
    "pipeline.Facility": ("name",),
    "tracking.Training": ("title", "trainers", "topics"),
    "tracking.Participant": ("name", "department"),
    "tracking.Measure": ("title", "description", "co_financers"),
    "tracking.MeasureStatusChange": ("note",),
    "tracking.Evidence": ("title",),
    "tracking.IndicatorUpdate": ("comment", "return_reason"),
    "pipeline.ProjectConcept": (
        "title",
        "location",
        "applicant",
        "lead_department",
        "contact_name",
        "summary",
        "problem",
        "objectives",
        "sector",
        "vulnerable_groups",
        "plan_fit",
        "scalability",
        "council_reference",
        "national_endorsement",
    ),
    "implementation.PlanAction": (
        "lead_department",
        "contact_name",
        "partners",
        "status_reason",
        "closed_reason",
    ),
    "implementation.Milestone": ("title",),
    "implementation.ActionIndicator": ("name", "unit"),
    "implementation.ProgressReport": ("note", "setback_reason", "return_reason"),
    "implementation.PlanChange": ("before", "after", "reason"),
    "pipeline.FundingSource": ("name",),
    "pipeline.ResultIndicator": ("name", "unit"),
    "pipeline.Study": ("name",),
    "pipeline.ConceptMove": ("reason",),
    "pipeline.FunderMessage": ("text",),
    "pipeline.ConceptReview": ("comment",),
    "pipeline.ReviewDecision": ("feedback",),
    "pipeline.Allocation": ("name", "rationale"),
    "votes.Vote": ("title", "description"),
    "votes.VoteProject": ("title", "description", "district"),
    "votes.Decision": ("rationale",),
    "hazards.CityHazard": ("affected_groups", "affected_areas", "evidence"),
    "catalogue.CandidateAction": (
        "title",
        "description",
        "lead_department",
        "partners",
        "feasibility_notes",
    ),
    "assessments.Assessment": ("title", "respondents"),
    "assessments.Answer": ("evidence", "comment"),
    "planning.PrioritisationSession": ("title", "futures"),
    "planning.StakeholderWeights": ("name",),
    "planning.ActionPackage": ("name", "rationale", "endorsement_note"),
    "planning.PackageVersion": ("note",),
    "learning.Lesson": ("return_reason",),
    "learning.PeerOverride": ("note",),
    "learning.Exchange": ("subject",),
    "learning.ExchangeMessage": ("body",),
}
#: At most this many pages per role: the walk covers the shapes, not every record.
CAP = 220

ROLES = (
    None,  # an anonymous visitor
    "programme.manager",
    "reviewer",
    "funder",
    "kigali.coordinator",
    "kigali.editor",
    "rajshahi.coordinator",
)


class VisibleText(HTMLParser):
    """The text a French reader sees or hears, minus content marked as another language's."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.parts: list[str] = []
        self.hrefs: list[str] = []

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.hrefs.append(found["href"] or "")
        lang = found.get("lang")
        skip = (
            self.skipping
            or tag in HIDDEN
            or (lang is not None and not lang.startswith("fr") and tag != "html")
            or found.get("translate") == "no"
            or "data-untranslated" in found
            or "hidden" in found
        )
        if not skip:
            self.parts.extend(found[a] or "" for a in LABELS if found.get(a))
            if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
                self.parts.append(found["value"] or "")
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.parts.append(" ".join(data.split()))


def english(text: str) -> bool:
    return any(
        w.lower() in ENGLISH and w not in NOT_ENGLISH for w in WORD.findall(text) if len(w) > 1
    )


def _texts(value: Any) -> Iterator[str]:
    """The texts in a field: itself, or the strings inside a JSON field (a future's name)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif value:
        yield str(value)


def written() -> re.Pattern[str]:
    """What people wrote in the database (`WRITTEN`), as one pattern: the pages' own words are
    what is left once it is taken out. Only texts with an English word need taking out."""
    texts: set[str] = set()
    for label, fields in WRITTEN.items():
        for row in apps.get_model(label).objects.values_list(*fields):
            for value in (text for v in row for text in _texts(v)):
                for line in value.splitlines():
                    # A list typed with semicolons (partners) is shown one name at a time.
                    for part in [line, *line.split(";")]:
                        if len(part.strip()) > 3 and english(part):
                            texts.add(" ".join(part.split()))
    alternatives = sorted(texts, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in alternatives) or "(?!)")


#: An English decimal point ("2.0 sur 3": French writes 2,0) or thousands comma ("US$ 410,000",
#: "1,200,000": French writes 410 000; "24,375" alone may be French), and an ISO date read in
#: a French sentence ("depuis le 2026-11-15": prose says "le 15 novembre 2026"; tables keep
#: ISO dates).
NOT_FRENCH = re.compile(
    r"(?<![\w.])(?<![A-Z] )\d+\.\d+(?![\w.])"
    r"|(?:US\$ |(?<![\w.,]))\d{1,3}(?:,\d{3}){2,}(?!\w|,\d)|US\$ \d{1,3},\d{3}(?!\w|,\d)"
    r"|\b(?:le|du|au|depuis|ici|avant|après) \d{4}-\d\d-\d\d\b"
)


URL = re.compile(r"\bhttps?://\S+")  # an address is not a sentence


def english_in(parts: list[str], content: re.Pattern[str]) -> list[str]:
    """The fragments of `parts` holding an English word, or a number or a date written the
    English way, outside what people wrote."""
    return [
        part[:120]
        for part in parts
        if english(text := URL.sub(" ", content.sub(" ", part))) or NOT_FRENCH.search(text)
    ]


def same_site(hrefs: list[str]) -> list[str]:
    out = []
    for raw in hrefs:
        url = unescape(raw).split("#")[0]
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith(SKIP):
            continue
        if DOWNLOADS.search(parts.path):
            continue
        out.append(url)
    return out


def shape(url: str) -> str:
    """A URL with its ids (and query values) stood for: one page per shape is enough."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<id>", parts.path)
    path = re.sub(r"/[0-9a-f]{8,}(?=/|$)", "/<key>", path)
    keys = sorted({kv.split("=")[0] for kv in parts.query.split("&") if kv})
    return path + ("?" + "&".join(keys) if keys else "")


def walk(client: Client, starts: tuple[str, ...], content: re.Pattern[str]) -> dict[str, list[str]]:
    """Every page shape reachable from `starts`: its URL → the English fragments on it."""
    queue = deque(starts)
    seen: set[str] = set()
    english: dict[str, list[str]] = {}
    while queue and len(seen) < CAP:
        url = queue.popleft()
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        response = client.get(url)
        if response.status_code >= 500:
            english[url] = [f"answered {response.status_code}"]
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        reader = VisibleText()
        reader.feed(response.content.decode())
        if fragments := english_in(reader.parts, content):
            english[url] = sorted(set(fragments))
        queue.extend(u for u in same_site(reader.hrefs) if shape(u) not in seen)
    return english


def french_client(username: str | None) -> Client:
    client = Client(raise_request_exception=False)
    if username:
        client.force_login(User.objects.get(username=username))
    client.cookies["django_language"] = "fr"
    return client


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}\n    " + "\n    ".join(frags) for url, frags in found.items())


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The demo, built once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("username", ROLES, ids=lambda u: u or "visitor")
def test_every_page_reads_french(demo: None, db: None, username: str | None) -> None:
    starts = ("/", "/me/") if username else ("/",)  # home, and My work
    found = walk(french_client(username), starts, written())
    assert not found, f"English on French pages for {username or 'a visitor'}:\n{report(found)}"


def xlsx_text(data: bytes) -> str:
    """Every text cell of a workbook (shared and inline strings), one line each."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        xml = "".join(
            book.read(n).decode()
            for n in book.namelist()
            if n == "xl/sharedStrings.xml" or n.startswith("xl/worksheets/")
        )
    return "\n".join(unescape(t) for t in re.findall(r"<t[^>]*>([^<]*)</t>", xml))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    """Lines joined: a PDF wraps a long name over two lines."""
    return " ".join(text.split())


def interface_words(template: str) -> list[str]:
    """The English of a template's `{% translate %}` tags that French says otherwise."""
    source = Path(get_template(template).template.origin.name).read_text("utf-8")  # type: ignore[attr-defined]
    with translation.override("fr"):
        return [m for m in re.findall(r'{% translate "([^"]{4,})" %}', source) if gettext(m) != m]


def test_downloads_read_french(demo: None, db: None) -> None:
    """The donor report (PDF and XLSX) and a concept note read in French: the results
    framework's words in French, numbers with a decimal comma, and no English interface."""
    client = french_client("programme.manager")
    report = DonorReport.objects.latest("issued_at")
    concept = (
        ProjectConcept.objects.filter(stage__in=[Stage.SUBMITTED, Stage.PRESENTED])
        .select_related("city")
        .first()
    )
    assert concept is not None
    # In both languages (the columns django-modeltranslation adds: `title_en`, `name_fr`).
    words = [
        *Outcome.objects.exclude(title_fr="").values_list("title_en", "title_fr"),
        *Indicator.objects.exclude(name_fr="").values_list("name_en", "name_fr"),
    ]
    assert words
    english_names = [en for en, _fr in words]
    french_names = [fr for _en, fr in words]

    def read(url: str, kind: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, url
        return pdf_text(response.content) if kind == "pdf" else xlsx_text(response.content)

    report_pdf = flat(read(f"/programme/reports/{report.pk}/pdf/", "pdf"))
    report_xlsx = flat(read(f"/programme/reports/{report.pk}/xlsx/", "xlsx"))
    note = flat(
        read(f"/cities/{concept.city.slug}/workspace/concepts/{concept.pk}/concept-note.pdf", "pdf")
    )
    for name, text in (("report PDF", report_pdf), ("report XLSX", report_xlsx)):
        assert not [n for n in english_names if n in text], name
        assert [n for n in french_names if n in text], name
    assert not NOT_FRENCH.findall(report_pdf), "numbers and dates are written the French way"
    for template, text in (
        ("tracking/report_pdf.html", report_pdf),
        ("pipeline/concept_note.html", note),
    ):
        left = [w for w in interface_words(template) if re.search(rf"\b{re.escape(w)}\b", text)]
        assert not left, f"English in the French {template}: {left}"


def test_every_module_uses_names_makemessages_knows() -> None:
    """makemessages finds `gettext_lazy("...")` and `_("...")`, not a name of our own:
    `_lazy("Mark as presented")` stayed out of the catalogue, English on French pages."""
    package = Path(settings.LOCALE_PATHS[0]).parent
    aliased = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if re.search(
            r"import (?:gettext|gettext_lazy|ngettext|ngettext_lazy|pgettext)\w* as (?!_\b)",
            p.read_text("utf-8"),
        )
    ]
    assert not aliased, f"makemessages cannot see these modules' strings: {aliased}"


def test_english_texts_are_marked_for_a_french_reader_and_escaped() -> None:
    """Shipped English (a facility's rules) is marked `lang="en"` inside a French sentence,
    everything escaped; an English reader gets the text unmarked."""

    class Shipped:
        name = "Fund <b>X</b>"
        SHIPPED_IN_ENGLISH = ("endorsements",)
        endorsements = "A letter & a plan"

    sentence = "Il demande : A letter & a plan. Demandez à Fund <b>X</b>."
    with translation.override("fr"):
        marked = english_parts(sentence, Shipped())
        assert marked == (
            'Il demande : <span lang="en">A letter &amp; a plan</span>. '
            'Demandez à <span lang="en">Fund &lt;b&gt;X&lt;/b&gt;</span>.'
        )
        assert mark_english("Run by GIZ") == '<span lang="en">Run by GIZ</span>'
        assert mark_english("<i>") == '<span lang="en">&lt;i&gt;</span>'
    with translation.override("en"):
        assert "<span" not in english_parts(sentence, Shipped())
        assert mark_english("Run by GIZ") == "Run by GIZ"


def test_language_names_are_lower_case_inside_a_french_sentence() -> None:
    with translation.override("fr"):
        assert _language_name("fr") == "français"
    with translation.override("en"):
        assert _language_name("fr") == "French"


def test_dates_in_sentences_are_written_in_words() -> None:
    """One rule for dates: a sentence says "le 30 juin 2024" (`DATE_FORMAT`, the reader's
    locale); tables and lists of records keep ISO dates. A date handed to a translated sentence
    in ISO reads "d'ici le 2024-06-30"."""
    package = Path(settings.LOCALE_PATHS[0]).parent
    iso_in_sentences = [
        f"{path.relative_to(package)}: {tag[:80]}"
        for path in package.rglob("*.html")
        for tag in re.findall(r"\{% blocktranslate[^%]*%\}", path.read_text("utf-8"))
        if 'date:"Y-m-d' in tag
    ]
    assert not iso_in_sentences, iso_in_sentences
