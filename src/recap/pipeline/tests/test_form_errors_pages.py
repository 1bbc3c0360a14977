"""The concept's record and a review sent back: the error summary at the top links to each
wrong field (a row of the record's tables named by its table and number, a missing score by its
question), the studies' dates are pickers, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from recap.pipeline.models import ConceptReview, ProjectConcept, Rubric
from recap.planning.models import ActionPackage
from recap.testing import World, concept_at

from .conftest import full_scores, start
from .test_concept_views import _management, record_post

pytestmark = pytest.mark.django_db

SUMMARY = 'class="error-summary"'


def test_the_record_sent_back_lists_its_problems_at_the_top(
    client: Client, world: World, package: ActionPackage
) -> None:
    concept = start(world, package)
    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/concepts/{concept.pk}/edit/"
    page = client.get(url).content.decode()
    assert SUMMARY not in page
    # "Studies done — completed on" is a date picker.
    assert 'type="date" name="studies-0-completed_on"' in page

    bad = record_post(
        contact_email="not-an-address",
        **_management("studies", 1),
        **{"studies-0-name": "Flood model", "studies-0-completed_on": "last spring"},
    )
    response = client.post(url, bad)
    body = response.content.decode()
    assert response.status_code == 400
    summary = body[body.index(SUMMARY) : body.index("</div>", body.index(SUMMARY))]
    assert body.index(SUMMARY) < body.index("<h1")
    assert 'href="#id_contact_email"' in summary and "Enter a valid email address." in summary
    assert 'href="#id_studies-0-completed_on"' in summary
    assert "Studies done, row 1, Completed on — Enter a valid date." in summary
    # The row's error is where its input says it is.
    assert 'id="id_studies-0-completed_on_error"' in body
    concept.refresh_from_db()
    assert concept.contact_email == "" and not concept.studies.exists()


def test_a_review_missing_a_score_names_the_question(client: Client, world: World) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    url = f"{concept.get_absolute_url()}review/"
    client.force_login(world.users["reviewer"])
    assert SUMMARY not in client.get(url).content.decode()
    data: dict[str, Any] = {
        f"score:{r}:{c}": "2" for r, given in full_scores().items() for c in given
    }
    missing = next(k for k in data if k.endswith(":council"))
    rubric, code = missing.split(":")[1:]
    question = next(
        c["question"] for c in Rubric.objects.get(code=rubric).criteria if c["code"] == code
    )
    response = client.post(url, {k: v for k, v in data.items() if k != missing} | {"comment": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert f'href="#id_{missing}_0"' in body  # the question's first radio button
    assert f"{question} — This field is required." in body
    assert 'href="#id_comment"' in body
    assert f'id="id_{missing}_error"' in body
    assert not ConceptReview.objects.exists()
    # Someone who may not review is refused before any form.
    client.force_login(world.users["editor_a"])
    response = client.post(url, data | {"comment": "x"})
    assert response.status_code == 403 and SUMMARY not in response.content.decode()
    assert ProjectConcept.objects.get(pk=concept.pk).review_round == 1
