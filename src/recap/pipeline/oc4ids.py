"""A concept as an Open Contracting for Infrastructure Data Standard (OC4IDS) project, in a
project package, for funders' and governments' systems that read the standard.

Contract: `project_package(concepts, uri=None)` returns a JSON-ready project package (OC4IDS
0.9, checked against 0.9.5) with one project per concept, or raises `NotConfigured` while the
deployment has no registered project identifier prefix (RECAP_OC4IDS_PREFIX, `oc4ids-` and six
letters or digits, which begins every project `id`). The package's `uri` is where it is served:
a single concept's package is its API route; a package of several says its own `uri`. Its
`license` and `publicationPolicy` come from the settings, when set.

Only fields whose meaning ReCAP's record really holds are filled: identity (`id`, `title`,
`description`, `purpose`, `status`, `type`), where (`locations`), how much (`budget`), who
(`parties`, `publicAuthority`), what it documents (`documents`: each with its `url` and a
`documentType` from OC4IDS's documentType codelist), what it measures (`metrics`), and ReCAP's
own sectors, hazards and climate objectives as `additionalClassifications` under ReCAP schemes
(not OC4IDS's sector codelist, whose codes do not map one to one). The status maps ReCAP's
stages onto OC4IDS's closed projectStatus codelist.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from recap.core.documents import KINDS
from recap.core.mail import site_link

from .models import ConceptAttachment, ProjectConcept, Stage
from .money import concept_money
from .record import concept_hazards, concept_sectors

VERSION = "0.9"
#: ReCAP's stages on OC4IDS's projectStatus codelist.
STATUS = {
    Stage.CANDIDATE: "identification",
    Stage.DRAFTED: "identification",
    Stage.SCREENED: "identification",
    Stage.SUBMITTED: "identification",
    Stage.PRESENTED: "identification",
    Stage.PREPARATION: "preparation",
    Stage.FINANCED: "implementation",
    Stage.COMPLETED: "completion",  # 0.9.5's code: 'completed' is no longer on the list
    Stage.CANCELLED: "cancelled",
    Stage.WITHDRAWN: "cancelled",
    Stage.REJECTED: "cancelled",
    Stage.ON_HOLD: "identification",
}
#: ReCAP's new / rehabilitation / expansion on OC4IDS's projectType codelist.
TYPE = {"new": "construction", "rehabilitation": "rehabilitation", "expansion": "expansion"}
FORMATS = {kind: mime for kind, (mime, _names) in KINDS.items()}
#: A concept's documents on OC4IDS's documentType codelist. The council's decision is recorded
#: as a meeting's minutes; a study is the feasibility study; a letter of endorsement and other
#: papers are part of the project's planning documentation; a photo or map, an illustration.
DOCUMENT_TYPES = {
    ConceptAttachment.Role.COUNCIL: "minutes",
    ConceptAttachment.Role.STUDY: "feasibilityStudy",
    ConceptAttachment.Role.ENDORSEMENT: "projectPlan",
    ConceptAttachment.Role.PHOTO: "illustration",
    ConceptAttachment.Role.OTHER: "projectPlan",
}
#: A registered OC4IDS project identifier prefix.
PREFIX = re.compile(r"oc4ids-[a-z0-9]{6}")


class NotConfigured(ImproperlyConfigured):
    """The deployment has no registered OC4IDS prefix: the export is refused."""


def _prefix() -> str:
    prefix: str = settings.RECAP_OC4IDS_PREFIX.strip()
    if not PREFIX.fullmatch(prefix):
        raise NotConfigured(
            "OC4IDS project identifiers begin with the publisher's registered prefix "
            "('oc4ids-' and six lowercase letters or digits), and RECAP_OC4IDS_PREFIX is "
            + (f"{prefix!r}, not one." if prefix else "not set (in the environment).")
        )
    return prefix


def project(concept: ProjectConcept) -> dict[str, Any]:
    money = concept_money(concept)
    city = concept.city
    authority = {"id": f"recap-city-{city.pk}", "name": concept.applicant or f"{city.name}"}
    parties: list[dict[str, Any]] = [
        {
            "id": authority["id"],
            "name": authority["name"],
            "roles": ["publicAuthority"],
            "address": {"locality": city.name, "countryName": city.country.name},
            **(
                {"contactPoint": {"name": concept.contact_name, "email": concept.contact_email}}
                if concept.contact_name or concept.contact_email
                else {}
            ),
        }
    ]
    for i, source in enumerate(concept.funding_sources.all(), start=1):
        if source.status in ("secured", "committed"):
            parties.append({"id": f"funder-{i}", "name": source.name, "roles": ["funder"]})
    out: dict[str, Any] = {
        "id": f"{_prefix()}-{concept.reference}",
        "updated": concept.updated_at.isoformat(),
        "title": concept.title,
        "status": STATUS[Stage(concept.stage)],
        "publicAuthority": authority,
        "parties": parties,
    }
    if concept.summary or concept.problem:
        out["description"] = "\n\n".join(t for t in (concept.summary, concept.problem) if t)
    if concept.objectives:
        out["purpose"] = concept.objectives
    if concept.kind in TYPE:
        out["type"] = TYPE[concept.kind]
    if concept.location:
        out["locations"] = [{"id": "1", "description": concept.location}]
    if money.total:
        # The source actions' costs are in US$; a total typed on the concept, in its currency.
        currency = "USD" if money.from_actions else concept.currency
        out["budget"] = {"amount": {"amount": money.total, "currency": currency}}
    classifications = [
        {"scheme": "ReCAP-sector", "id": code} for code in concept_sectors(concept)
    ] + [{"scheme": "ReCAP-hazard", "id": code} for code in concept_hazards(concept)]
    classifications += [
        {"scheme": "ReCAP-climate-objective", "id": code} for code in concept.climate_objectives
    ]
    if classifications:
        out["additionalClassifications"] = classifications
    documents = [
        {
            "id": str(d.pk),
            "title": d.title,
            "description": str(ConceptAttachment.Role(d.role).label),
            "documentType": DOCUMENT_TYPES[ConceptAttachment.Role(d.role)],
            "url": site_link(reverse("concepts:document", args=[city.slug, concept.pk, d.pk])),
            "format": FORMATS[d.kind_of_file],
            "dateModified": d.uploaded_at.isoformat(),
        }
        for d in concept.attachments.all()
    ]
    if documents:
        out["documents"] = documents
    metrics = [
        {
            "id": str(i),
            "title": m.name,
            "observations": [
                {"id": f"{i}-baseline", "measure": float(m.baseline), "unit": {"name": m.unit}},
                {"id": f"{i}-target", "measure": float(m.target), "unit": {"name": m.unit}},
            ],
        }
        for i, m in enumerate(concept.indicators.all(), start=1)
    ]
    if metrics:
        out["metrics"] = metrics
    return out


def project_package(concepts: list[ProjectConcept], uri: str | None = None) -> dict[str, Any]:
    """The package of these concepts; `uri`, where it is served, is needed for more than one
    (one concept's package is served by its API route)."""
    if uri is None:
        if len(concepts) != 1:
            raise ValueError("a package of several concepts says where it is served (uri)")
        uri = site_link(reverse("api:concept_oc4ids", args=[concepts[0].pk]))
    projects = [project(c) for c in concepts]
    policies = {
        "license": settings.RECAP_OC4IDS_LICENSE.strip(),
        "publicationPolicy": settings.RECAP_OC4IDS_PUBLICATION_POLICY.strip(),
    }
    return {
        "uri": uri,
        "publishedDate": timezone.now().isoformat(),
        "version": VERSION,
        "publisher": {"name": "ReCAP"},
        **{key: value for key, value in policies.items() if value},
        "projects": projects,
    }
