"""What the tests check the OC4IDS export with: the project schema a registry package ships
(ocdskit's sdist: 0.9.0-beta), brought up to OC4IDS 0.9.5 where the two differ for what ReCAP
exports, the 0.9.5 project package schema's rules, and lib-cove-oc4ids's own checks (its
additional_checks.py, from libcoveoc4ids 0.9.1's wheel). `make install` brings both files to
var/oc4ids/ with scripts/ensure-oc4ids-schema; nothing of them is committed.

No registry package ships OC4IDS 0.9.5's schema or codelists. The differences written here are
0.9.5's (https://standard.open-contracting.org/infrastructure/0.9/en/reference/codelists/ and
its changelog), for the fields ReCAP fills: the closed projectStatus and projectType codelists,
a document's `id` (a string), and the package (`uri`, `license` and `publicationPolicy` as
URIs, `version` as major.minor, at least one project). documentType is an open codelist, so
the schema does not close it: the codes ReCAP uses are checked against the list below.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from jsonschema import Draft4Validator, FormatChecker

VAR = Path(os.environ.get("RECAP_OC4IDS_DIR", Path(settings.BASE_DIR) / "var" / "oc4ids"))
SCHEMA = VAR / "project-schema.json"
CHECKS = VAR / "libcoveoc4ids_additional_checks.py"
MISSING = "is missing: run make install (scripts/ensure-oc4ids-schema)"

#: OC4IDS 0.9.5's closed codelists for the project's status and type.
PROJECT_STATUS = [
    "identification",
    "preparation",
    "implementation",
    "completion",
    "maintenance",
    "decommissioning",
    "decommissioned",
    "cancelled",
]
PROJECT_TYPE = ["construction", "rehabilitation", "replacement", "expansion", "decommissioning"]
#: The documentType codes (0.9.5's open codelist) that ReCAP's documents may take.
DOCUMENT_TYPES = {"minutes", "feasibilityStudy", "projectPlan", "illustration"}

FORMATS = FormatChecker()


@FORMATS.checks("uri", raises=ValueError)
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc) and not any(c.isspace() for c in value)


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


def project_schema() -> dict[str, Any]:
    """The registry's project schema with 0.9.5's differences."""
    assert SCHEMA.exists(), f"{SCHEMA} {MISSING}"
    schema: dict[str, Any] = json.loads(SCHEMA.read_text("utf-8"))
    schema["properties"]["status"]["enum"] = PROJECT_STATUS
    schema["properties"]["type"]["enum"] = PROJECT_TYPE
    schema["definitions"]["Document"]["properties"]["id"]["type"] = "string"
    schema["definitions"]["Document"]["properties"]["id"]["minLength"] = 1
    return schema


def package_schema() -> dict[str, Any]:
    """OC4IDS 0.9.5's project package schema, its projects checked by the project schema."""
    uri = {"type": ["string", "null"], "format": "uri"}
    project = project_schema()
    # One schema: the project's definitions at the root, where its "#/definitions/…" point.
    item = {k: v for k, v in project.items() if k not in ("id", "$schema", "definitions")}
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "definitions": project["definitions"],
        "type": "object",
        "required": ["uri", "publisher", "publishedDate", "projects", "version"],
        "properties": {
            "uri": {"type": "string", "format": "uri"},
            "publishedDate": {"type": "string", "format": "date-time"},
            "version": {"type": "string", "pattern": r"^(\d+\.)(\d+)$"},
            "projects": {
                "type": "array",
                "minItems": 1,
                "items": item,
                "uniqueItems": True,
            },
            "publisher": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "scheme": {"type": ["string", "null"]},
                    "uid": {"type": ["string", "null"]},
                    "uri": uri,
                },
                "required": ["name"],
                "minProperties": 1,
            },
            "license": uri,
            "publicationPolicy": uri,
        },
    }


def validator(schema: dict[str, Any]) -> Draft4Validator:
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=FORMATS)


def lib_cove_checks() -> ModuleType:
    assert CHECKS.exists(), f"{CHECKS} {MISSING}"
    spec = importlib.util.spec_from_file_location("libcoveoc4ids_additional_checks", CHECKS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _flatten(data: dict[str, Any], path: str = "") -> Iterator[tuple[str, Any]]:
    """libcoveocds's flatten_dict (0.16.4), which lib-cove-oc4ids runs its checks on."""
    for key, value in data.items():
        if not value:
            yield f"{path}/{key}", value
        elif isinstance(value, dict):
            yield from _flatten(value, f"{path}/{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    yield from _flatten(item, f"{path}/{key}/{i}")
                else:
                    yield f"{path}/{key}/{i}", item
        else:
            yield f"{path}/{key}", value


def cove_problems(checks: ModuleType, package: dict[str, Any]) -> list[dict[str, Any]]:
    """What lib-cove-oc4ids's conformance and additional checks find, as it runs them."""
    flat = dict(_flatten(package))
    return [
        result
        for function in [*checks.CONFORMANCE_CHECKS, *checks.ADDITIONAL_CHECKS]
        for result in function(package, flat)
    ]
