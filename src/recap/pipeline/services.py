"""Writes of the project pipeline: the directory of facilities and funders, loaded from a file
in the repository (checked in full first: one wrong value and nothing is written)."""

from __future__ import annotations

import datetime
import json
from importlib import resources
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from recap.catalogue.models import Sector

from .models import Facility, PreparationStage

CHOICES: dict[str, set[str]] = {
    "applicant_types": set(Facility.ApplicantType.values),
    "sectors": set(Sector.values),
    "climate_objectives": set(Facility.ClimateObjective.values),
    "stages_supported": set(PreparationStage.values),
    "support_types": set(Facility.SupportType.values),
}
ONE_OF: dict[str, set[str]] = {
    "country_rule": set(Facility.CountryRule.values),
    "minimum_stage": {"", *PreparationStage.values},
    "call_window": set(Facility.CallWindow.values),
}
TICKETS = ("ticket_min_usd", "ticket_typical_usd", "ticket_max_usd")
TEXTS = ("applicants", "cofinancing", "endorsements", "country_note")
REQUIRED = ("code", "name", "operators", "url", "source", "values")


def _checked(value: Any, where: str) -> str | None:
    if value is None:
        return None
    try:
        day = datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{where}: 'checked' must be a date (YYYY-MM-DD) or null.") from None
    return day.isoformat()


def value_problem(field: str, value: Any) -> str:
    """What is wrong with one value of a field ("" if nothing)."""
    if field in CHOICES:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "a list of codes"
        unknown = sorted(set(value) - CHOICES[field])
        allowed = ", ".join(sorted(CHOICES[field]))
        return f"unknown {', '.join(unknown)} (one of {allowed})" if unknown else ""
    if field in ONE_OF:
        allowed = ", ".join(sorted(ONE_OF[field]))
        return "" if value in ONE_OF[field] else f"{value!r} is not one of {allowed}"
    if field in TICKETS:
        whole = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return "" if value is None or whole else "a whole number of US dollars, or null"
    if field == "countries":
        codes = isinstance(value, list) and all(
            isinstance(c, str) and len(c) == 2 and c.isalpha() and c.isupper() for c in value
        )
        return "" if codes else "a list of two-letter country codes such as RW"
    return "text" if field in TEXTS and not isinstance(value, str) else ""


def sources_problem(sources: Any) -> str:
    """What is wrong with a facility's `sources` as typed in the admin ("" if nothing)."""
    shape = 'an object: each field to {"source": …, "checked": YYYY-MM-DD or null}'
    if not isinstance(sources, dict) or not all(isinstance(v, dict) for v in sources.values()):
        return shape
    for field, entry in sources.items():
        if not isinstance(entry.get("source", ""), str):
            return f"{field}: the source is text"
        try:
            _checked(entry.get("checked"), field)
        except ValidationError as exc:
            return " ".join(exc.messages)
    return ""


def _entry(raw: Any, k: int) -> tuple[dict[str, Any], list[str]]:
    """One entry of the file as the model's fields, and what is wrong with it."""
    if not isinstance(raw, dict):
        return {}, [f"entry {k + 1}: an object with {', '.join(REQUIRED)}"]
    where = f"entry {k + 1} ({raw.get('code', 'no code')})"
    errors = [f"{where}: '{key}' is missing" for key in REQUIRED if key not in raw]
    errors += [
        f"{where}: '{key}' is text"
        for key in ("code", "name", "operators", "url", "source")
        if key in raw and not isinstance(raw[key], str)
    ]
    if errors:
        return {}, errors
    values, notes = raw["values"], raw.get("notes") or {}
    if not isinstance(values, dict) or not isinstance(notes, dict):
        return {}, [f"{where}: 'values' and 'notes' are objects"]
    missing = [f for f in (*Facility.SOURCED, "country_note") if f not in values]
    extra = sorted(set(values) - {*Facility.SOURCED, "country_note"})
    stray_notes = sorted(set(notes) - {*Facility.SOURCED, "url"})
    if missing:
        errors.append(f"{where}: no value for {', '.join(missing)} (null or empty if unknown)")
    if extra or stray_notes:
        errors.append(f"{where}: unknown field(s) {', '.join(extra + stray_notes)}")
    errors += [
        f"{where}, {field}: {problem}"
        for field in values
        if (problem := value_problem(field, values[field]))
    ]
    overrides = raw.get("field_sources") or {}
    if not isinstance(overrides, dict) or not all(isinstance(v, dict) for v in overrides.values()):
        return {}, [f"{where}: 'field_sources' maps fields to {{source, checked}}"]
    if sorted(set(overrides) - set(Facility.SOURCED)):
        errors.append(
            f"{where}: field_sources for unknown field(s) "
            f"{', '.join(sorted(set(overrides) - set(Facility.SOURCED)))}"
        )
    try:
        checked = _checked(raw.get("checked"), where)
        sources = {
            field: {
                "source": str((overrides.get(field) or {}).get("source") or raw["source"]),
                "checked": _checked((overrides.get(field) or {}).get("checked", checked), where),
                "note": str(notes.get(field, "")),
            }
            for field in Facility.SOURCED
        }
    except ValidationError as exc:
        errors += exc.messages
        sources = {}
    if notes.get("url"):
        sources["url"] = {"source": raw["url"], "checked": None, "note": str(notes["url"])}
    if errors:
        return {}, errors
    fields = {
        "name": str(raw["name"]),
        "operators": str(raw["operators"]),
        "url": str(raw["url"]),
        **{field: values[field] for field in (*Facility.SOURCED, "country_note")},
        "sources": sources,
    }
    return {"code": str(raw["code"]), **fields}, []


def facility_directory_load(data: Any) -> int:
    """Every entry of a directory file (`{"facilities": [...]}`), created or brought up to date
    by code; returns how many. Checked in full first: a file with any error writes nothing and
    raises a ValidationError naming each entry and field."""
    entries = data.get("facilities") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValidationError("The file needs a non-empty list under 'facilities'.")
    rows, errors = [], []
    for k, raw in enumerate(entries):
        row, problems = _entry(raw, k)
        rows.append(row)
        errors += problems
    codes = [r["code"] for r in rows if r]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        errors.append(f"code used twice: {', '.join(twice)}")
    for row in rows if not errors else []:
        try:  # the model's own limits too (lengths, the address), before anything is written
            Facility(**row).full_clean(validate_unique=False)
        except ValidationError as exc:
            errors += [
                f"{row['code']}, {field}: {' '.join(messages)}"
                for field, messages in exc.message_dict.items()
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for row in rows:
            code = row.pop("code")
            Facility.objects.update_or_create(code=code, defaults=row)
    return len(rows)


def facilities_load_shipped() -> int:
    """The directory that ships with ReCAP (pipeline/data/facilities.json)."""
    raw = resources.files("recap.pipeline").joinpath("data/facilities.json").read_text("utf-8")
    return facility_directory_load(json.loads(raw))


def criteria_problem(criteria: Any) -> str:
    """What is wrong with a rubric's criteria as typed in the admin ("" if nothing): a
    non-empty list of {"code", "question", "guidance"}, each code once."""
    if not isinstance(criteria, list) or not criteria:
        return 'a non-empty list of {"code": …, "question": …, "guidance": …}'
    codes = []
    for c in criteria:
        if not isinstance(c, dict) or not all(
            isinstance(v := c.get(k), str) and v.strip() for k in ("code", "question")
        ):
            return "each criterion needs a code and a question (text)"
        if not isinstance(c.get("guidance", ""), str):
            return f"{c['code']}: the guidance is text"
        codes.append(c["code"])
    doubled = sorted({c for c in codes if codes.count(c) > 1})
    return f"codes used twice: {', '.join(doubled)}" if doubled else ""
