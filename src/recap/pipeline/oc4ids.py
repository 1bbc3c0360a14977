"""A concept as an Open Contracting for Infrastructure Data Standard (OC4IDS) project, in a
project package, for funders' and governments' systems that read the standard.

Contract: `project_package(concepts)` returns a JSON-ready project package (OC4IDS 0.9) with
one project per concept. Only fields whose meaning ReCAP's record really holds are filled:
identity (`id`, `title`, `description`, `purpose`, `status`, `type`), where (`locations`), how
much (`budget`), who (`parties`, `publicAuthority`), what it documents (`documents`), what it
measures (`metrics`), and ReCAP's own sectors, hazards and climate objectives as
`additionalClassifications` under ReCAP schemes (not OC4IDS's sector codelist, whose codes do
not map one to one). The status maps ReCAP's stages onto OC4IDS's projectStatus codelist.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from recap.core.documents import KINDS

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
    Stage.COMPLETED: "completed",
    Stage.CANCELLED: "cancelled",
    Stage.WITHDRAWN: "cancelled",
    Stage.REJECTED: "cancelled",
    Stage.ON_HOLD: "identification",
}
#: ReCAP's new / rehabilitation / expansion on OC4IDS's projectType codelist.
TYPE = {"new": "construction", "rehabilitation": "rehabilitation", "expansion": "expansion"}
FORMATS = {kind: mime for kind, (mime, _names) in KINDS.items()}


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
        "id": f"recap-{concept.reference}",
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


def project_package(concepts: list[ProjectConcept]) -> dict[str, Any]:
    return {
        "uri": f"{settings.RECAP_SITE_URL.rstrip('/')}/api/v1/pipeline/oc4ids",
        "publishedDate": timezone.now().isoformat(),
        "version": VERSION,
        "publisher": {"name": "ReCAP"},
        "projects": [project(c) for c in concepts],
    }
