from __future__ import annotations

import base64
import html
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from recap.assessments.models import Answer, Assessment, Framework, Question
from recap.assessments.selectors import compare, dimension_results, gaps
from recap.assessments.services import (
    AnswerInput,
    answers_save,
    assessment_complete,
    assessment_start,
    framework_load_shipped,
)
from recap.catalogue.services import catalogue_load_shipped
from recap.hazards.services import hazard_taxonomy_load
from recap.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def frameworks(world: World) -> dict[str, Framework]:
    framework_load_shipped()
    hazard_taxonomy_load()
    catalogue_load_shipped()
    return {f.code: f for f in Framework.objects.all()}


def test_three_frameworks_load_with_their_questions(frameworks: dict[str, Framework]) -> None:
    counts = {code: Question.objects.filter(framework=f).count() for code, f in frameworks.items()}
    assert counts == {
        "ten-essentials-preliminary": 47,
        "public-health-addendum": 25,
        "seven-qualities": 21,
    }
    q = Question.objects.filter(framework=frameworks["ten-essentials-preliminary"]).first()
    assert q is not None and set(q.levels) == {"0", "1", "2", "3"}
    framework_load_shipped()  # loading again changes nothing
    assert Question.objects.count() == 93


def start(world: World, fw: Framework, actor: str = "editor_a") -> Assessment:
    return assessment_start(
        actor=world.users[actor], city=world.city_a, framework=fw, title="Baseline"
    )


def answer_all(world: World, a: Assessment, score_of: object) -> None:
    questions = Question.objects.filter(framework=a.framework)
    answers_save(
        actor=world.users["editor_a"],
        assessment=a,
        answers={q.code: AnswerInput(score=score_of(q)) for q in questions},
    )  # type: ignore[operator]


def test_results_gaps_and_completion(world: World, frameworks: dict[str, Framework]) -> None:
    fw = frameworks["seven-qualities"]
    a = start(world, fw)
    with pytest.raises(ValidationError, match="21 of 21 questions have no score yet"):
        assessment_complete(actor=world.users["editor_a"], assessment=a)
    answer_all(world, a, lambda q: 0 if q.dimension.code == "Q-INC" else 3)
    results = {r.dimension.code: r for r in dimension_results(a)}
    assert results["Q-INC"].mean == 0 and results["Q-ROB"].share == 1.0
    assert all(r.answered == r.total == 3 for r in results.values())
    found = gaps(a)
    assert {g.question.dimension.code for g in found} == {"Q-INC"}
    assert all(
        g.actions and all(x.code.startswith(tuple(g.question.action_prefixes)) for x in g.actions)
        for g in found
    )
    assessment_complete(actor=world.users["editor_a"], assessment=a)
    a.refresh_from_db()
    assert a.status == "completed" and a.completed_at is not None
    with pytest.raises(ValidationError, match="completed"):
        answers_save(actor=world.users["editor_a"], assessment=a, answers={})


def test_scores_outside_the_scale_and_unknown_questions_are_refused(
    world: World, frameworks: dict[str, Framework]
) -> None:
    a = start(world, frameworks["seven-qualities"])
    code = Question.objects.filter(framework=a.framework).first().code  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as exc:
        answers_save(
            actor=world.users["editor_a"],
            assessment=a,
            answers={code: AnswerInput(score=4), "NOPE": AnswerInput(score=1)},
        )
    assert set(exc.value.message_dict) == {code, "NOPE"}
    assert not Answer.objects.exists()


def test_comparison_shows_progress(world: World, frameworks: dict[str, Framework]) -> None:
    fw = frameworks["seven-qualities"]
    first, second = start(world, fw), start(world, fw)
    answer_all(world, first, lambda q: 1)
    answer_all(world, second, lambda q: 2 if q.dimension.code == "Q-FLX" else 1)
    rows = {r.dimension.code: r.change for r in compare(first, second)}
    assert rows["Q-FLX"] == 1 and rows["Q-ROB"] == 0
    other = assessment_start(
        actor=world.users["editor_a"],
        city=world.city_a,
        framework=frameworks["public-health-addendum"],
        title="Health",
    )
    with pytest.raises(ValueError, match="same framework"):
        compare(first, other)


@pytest.mark.parametrize("actor", ["editor_b", "viewer_a", "manager", "funder"])
def test_only_the_citys_editors_start_or_answer(
    world: World, frameworks: dict[str, Framework], actor: str
) -> None:
    with pytest.raises(PermissionDenied):
        start(world, frameworks["seven-qualities"], actor=actor)
    a = start(world, frameworks["seven-qualities"])
    with pytest.raises(PermissionDenied):
        answers_save(actor=world.users[actor], assessment=a, answers={})


def test_editor_of_b_can_neither_see_nor_change_a_draft(
    client: Client, world: World, frameworks: dict[str, Framework]
) -> None:
    a = start(world, frameworks["seven-qualities"])
    client.force_login(world.users["editor_b"])
    for url in [
        f"/cities/kigali/workspace/assessments/{a.pk}/",
        f"/cities/kigali/workspace/assessments/{a.pk}/answer/",
        f"/cities/rajshahi/workspace/assessments/{a.pk}/",
        f"/cities/rajshahi/workspace/assessments/{a.pk}/answer/",
    ]:
        assert client.get(url).status_code == 404, url
    q = Question.objects.filter(framework=a.framework).first()
    response = client.post(
        f"/cities/rajshahi/workspace/assessments/{a.pk}/answer/", {f"score__{q.code}": "3"}
    )  # type: ignore[union-attr]
    assert response.status_code == 404
    assert not Answer.objects.exists()


def test_answer_page_saves_and_shows_radar_and_gaps(
    client: Client, world: World, frameworks: dict[str, Framework]
) -> None:
    a = start(world, frameworks["seven-qualities"])
    client.force_login(world.users["editor_a"])
    page = client.get(f"/cities/kigali/workspace/assessments/{a.pk}/answer/")
    assert page.status_code == 200
    questions = list(Question.objects.filter(framework=a.framework))
    data = {f"score__{q.code}": "0" if i < 2 else "2" for i, q in enumerate(questions)}
    data[f"evidence__{questions[0].code}"] = "No inventory of critical assets exists."
    response = client.post(
        f"/cities/kigali/workspace/assessments/{a.pk}/answer/", data | {"complete": "1"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == "completed"
    assert Answer.objects.get(assessment=a, question=questions[0]).evidence.startswith(
        "No inventory"
    )
    body = client.get(f"/cities/kigali/workspace/assessments/{a.pk}/").content.decode()
    # The profile: a radar chart as an image whose words give every dimension's mean.
    chart = re.search(
        r'<img class="chart radar" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', body
    )
    assert chart is not None
    svg = base64.b64decode(chart.group(1)).decode()
    results = dimension_results(a)
    for r in results:
        assert f">{r.dimension.code}</text>" in svg  # each axis labelled, as text
        assert f"{r.dimension.code} {r.mean:.1f}" in html.unescape(chart.group(2))
    assert questions[0].text in body  # a gap
    bad = client.post(f"/cities/kigali/workspace/assessments/{a.pk}/answer/", {})
    assert bad.status_code == 302  # completed: read-only, back to the results


def test_answer_page_rejects_a_score_off_the_scale(
    client: Client, world: World, frameworks: dict[str, Framework]
) -> None:
    a = start(world, frameworks["seven-qualities"])
    client.force_login(world.users["editor_a"])
    q = Question.objects.filter(framework=a.framework).first()
    response = client.post(
        f"/cities/kigali/workspace/assessments/{a.pk}/answer/", {f"score__{q.code}": "7"}
    )  # type: ignore[union-attr]
    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_answers_go_out_to_a_spreadsheet_and_come_back_into_a_draft(
    client: Client, world: World, frameworks: dict[str, Framework]
) -> None:
    import io

    from openpyxl import load_workbook

    from recap.assessments.spreadsheet import answers_export, answers_import_plan
    from recap.core.tabular import TableError

    a = start(world, frameworks["seven-qualities"])
    book = load_workbook(io.BytesIO(answers_export(a)))
    sheet = book["Answers"]
    assert sheet.max_row == 22  # header and 21 questions, with their text for the workshop
    for row in range(2, 23):
        sheet.cell(row=row, column=4, value=2)
    sheet.cell(row=2, column=5, value="Minutes of the 2025 review")
    out = io.BytesIO()
    book.save(out)
    client.force_login(world.users["editor_a"])
    upload = io.BytesIO(out.getvalue())
    upload.name = "answers.xlsx"
    preview = client.post(f"/cities/kigali/workspace/assessments/{a.pk}/upload/", {"file": upload})
    assert "21 to add, 0 to change." in preview.content.decode()
    assert not Answer.objects.exists()
    client.post(
        f"/cities/kigali/workspace/assessments/{a.pk}/upload/",
        {"confirm": str(preview.context["pending"].pk)},
    )
    assert Answer.objects.filter(assessment=a, score=2).count() == 21
    sheet.cell(row=3, column=4, value=9)
    bad = io.BytesIO()
    book.save(bad)
    with pytest.raises(TableError, match="row 3, column 'score': must be at most 3"):
        answers_import_plan(a, data=bad.getvalue(), filename="answers.xlsx")
    assessment_complete(actor=world.users["editor_a"], assessment=a)
    with pytest.raises(TableError, match="completed"):
        answers_import_plan(a, data=out.getvalue(), filename="answers.xlsx")


def test_api_assessments_and_candidates(
    client: Client, world: World, frameworks: dict[str, Framework]
) -> None:
    from recap.catalogue.candidates import candidate_adopt
    from recap.catalogue.models import CatalogueAction

    a = start(world, frameworks["seven-qualities"])
    answer_all(world, a, lambda q: 2)
    candidate_adopt(
        actor=world.users["editor_a"],
        city=world.city_a,
        source=CatalogueAction.objects.get(code="WAT-01"),
    )
    client.force_login(world.users["viewer_a"])
    data = client.get(f"/api/v1/cities/{world.city_a.pk}/assessments").json()
    assert data[0]["title"] == "Baseline"
    assert {d["code"]: d["mean"] for d in data[0]["dimensions"]}["Q-ROB"] == 2.0
    candidates = client.get(f"/api/v1/cities/{world.city_a.pk}/candidates").json()
    assert [c["code"] for c in candidates] == ["WAT-01"]
    assert 0 < candidates[0]["value"] <= 100
    client.force_login(world.users["editor_b"])
    assert client.get(f"/api/v1/cities/{world.city_a.pk}/assessments").status_code == 404
    assert client.get(f"/api/v1/cities/{world.city_a.pk}/candidates").status_code == 404


def test_radar_in_french_words_its_figures_in_french_and_stays_valid_svg(
    client: Client, world: World, frameworks: dict[str, Framework]
) -> None:
    """The chart's words follow the reader's language (French writes 2,0); its SVG needs plain
    numbers whatever the language."""
    from defusedxml import ElementTree

    a = start(world, frameworks["seven-qualities"])
    answer_all(world, a, lambda q: 2)
    client.force_login(world.users["viewer_a"])
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    body = client.get(f"/cities/kigali/workspace/assessments/{a.pk}/").content.decode()
    found = re.search(
        r'<img class="chart radar" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', body
    )
    assert found is not None
    alt = html.unescape(found.group(2))
    assert alt.startswith("Diagramme en radar") and " 2,0" in alt and " 2.0" not in alt
    svg = ElementTree.fromstring(base64.b64decode(found.group(1)))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert {"1", "2", "3"} <= set(texts)  # a ring per whole score, labelled


def test_a_framework_of_fewer_than_three_dimensions_shows_its_table_without_a_radar(
    client: Client, world: World
) -> None:
    """A radar of one or two axes encloses nothing (and none at all cannot be drawn): the page
    says why there is no profile and keeps the table, for an empty framework too."""
    from recap.assessments.models import Dimension

    framework = Framework.objects.create(code="mini", name="Mini", version="1")
    a = Assessment.objects.create(city=world.city_a, framework=framework, title="Draft")
    client.force_login(world.users["viewer_a"])
    for count in (0, 2, 3):
        for n in range(framework.dimensions.count(), count):
            Dimension.objects.create(framework=framework, code=f"D{n}", name=f"Dim {n}", order=n)
        response = client.get(f"/cities/kigali/workspace/assessments/{a.pk}/")
        assert response.status_code == 200
        body = response.content.decode()
        assert ('class="chart radar"' in body) is (count >= 3)
        assert ("three dimensions or more" in body) is (count < 3)


def test_confirming_an_import_after_completion_changes_nothing(
    client: Client, world: World, frameworks: dict[str, Framework]
) -> None:
    import io

    from recap.assessments.spreadsheet import answers_export

    a = start(world, frameworks["seven-qualities"])
    client.force_login(world.users["editor_a"])
    upload = io.BytesIO(answers_export(a))
    upload.name = "answers.xlsx"
    preview = client.post(f"/cities/kigali/workspace/assessments/{a.pk}/upload/", {"file": upload})
    answer_all(world, a, lambda q: 1)
    assessment_complete(actor=world.users["editor_a"], assessment=a)
    response = client.post(
        f"/cities/kigali/workspace/assessments/{a.pk}/upload/",
        {"confirm": str(preview.context["pending"].pk)},
        follow=True,
    )
    assert response.status_code == 200
    assert "completed" in response.content.decode()
    assert Answer.objects.filter(assessment=a, score=1).count() == 21
