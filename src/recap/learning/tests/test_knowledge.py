"""Search across knowledge in both languages (FTS5 on SQLite, full-text search on PostgreSQL:
the same tests run on both), what each reader may find, and content in two languages: shipped
content complete in French, the mark on a stand-in, edits kept to the editor's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.utils import translation
from django.utils.html import escape

from recap.assessments.models import Dimension, Framework, Question
from recap.assessments.services import framework_load_shipped as frameworks_load_shipped
from recap.catalogue.models import CatalogueAction
from recap.catalogue.services import catalogue_load_shipped
from recap.cities.services import city_profile_update
from recap.core.content import missing
from recap.hazards.models import HazardType
from recap.hazards.services import hazard_taxonomy_load
from recap.learning.models import Lesson, SearchDocument
from recap.learning.search import index, index_rebuild, search, terms
from recap.learning.services import lesson_decide, lesson_save, lesson_submit
from recap.testing import World, make_world
from recap.tracking.models import Indicator, Measure, Outcome
from recap.tracking.selectors import framework_dump
from recap.tracking.services import framework_load, framework_load_shipped

pytestmark = pytest.mark.django_db

#: Every translated field of what ships, by model.
SHIPPED: list[tuple[Any, tuple[str, ...]]] = [
    (CatalogueAction, ("title", "summary", "description", "prerequisites", "kpis")),
    (HazardType, ("name", "description")),
    (Framework, ("name", "description")),
    (Dimension, ("name", "description")),
    (Question, ("criterion_name", "text", "help", "levels")),
    (Outcome, ("title",)),
    (Indicator, ("name", "unit")),
]


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def shipped(world: World) -> World:
    hazard_taxonomy_load()
    catalogue_load_shipped()
    frameworks_load_shipped()
    framework_load_shipped(world.programme)  # the programme's results framework
    return world


def test_everything_that_ships_is_in_french(shipped):
    untranslated = [
        f"{model.__name__} {getattr(obj, 'code', obj.pk)}: {field}"
        for model, fields in SHIPPED
        for obj in model.objects.all()
        for field in missing(obj, fields, "fr")
    ]
    assert untranslated == [], (
        f"{len(untranslated)} shipped texts have no French: {untranslated[:20]}"
    )
    # And the check can fail: a text without French is reported.
    action = CatalogueAction.objects.get(code="HLT-01")
    action.summary_fr = ""
    assert missing(action, ["title", "summary"], "fr") == ["summary"]


def test_french_levels_keep_the_english_keys(shipped):
    for question in Question.objects.all():
        assert set(question.levels_fr) == set(question.levels_en), question.code


def test_the_reader_gets_their_language_and_a_marked_stand_in_otherwise(shipped):
    action = CatalogueAction.objects.get(code="WAT-01")
    template = Template('{% load content %}{{ action|content:"title" }}')
    with translation.override("fr"):
        assert action.title == action.title_fr != action.title_en
        assert template.render(Context({"action": action})) == escape(action.title_fr)
        action.title_fr = None
        shown = template.render(Context({"action": action}))
    assert shown.startswith(
        f'<span lang="en">{escape(action.title_en)}</span> <abbr class="untranslated"'
    )
    with translation.override("en"):
        assert template.render(Context({"action": action})) == escape(action.title_en)


def test_an_edit_goes_to_the_editor_language_and_a_stand_in_left_as_shown_is_not_copied(world):
    editor = world.users["editor_a"]
    with translation.override("en"):
        lesson = lesson_save(
            actor=editor,
            city=world.city_a,
            data={
                "title": "Drains",
                "summary": "S",
                "context": "C",
                "what_was_done": "W",
                "results": "R",
            },
        )
    with translation.override("fr"):
        # The French editor sees the English as a stand-in; changes the title only.
        lesson_save(
            actor=editor,
            city=world.city_a,
            lesson=lesson,
            data={
                "title": "Caniveaux",
                "summary": "S",
                "context": "C",
                "what_was_done": "W",
                "results": "R",
            },
        )
    lesson.refresh_from_db()
    assert (lesson.title_en, lesson.title_fr) == ("Drains", "Caniveaux")
    assert (lesson.summary_en, lesson.summary_fr) == ("S", None)
    city = world.city_a
    city.summary, city.context = "Capital", "Hills"
    city.save()
    with translation.override("fr"):
        city_profile_update(actor=editor, city=city, summary="Capitale", context="Hills")
    city.refresh_from_db()
    assert (city.summary_en, city.summary_fr, city.context_fr) == ("Capital", "Capitale", None)


def test_the_results_framework_file_carries_french_both_ways(shipped):
    dumped = framework_dump(shipped.programme)
    assert all("title_fr" in o for o in dumped["outcomes"])
    assert all("name_fr" in i for o in dumped["outcomes"] for i in o["indicators"])
    dumped["outcomes"][0]["title_fr"] = "x" * 301
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="title_fr"):
        framework_load(programme=shipped.programme, data=dumped)


# --- Search ------------------------------------------------------------------------------


def _published(world: World, **texts: Any) -> Lesson:
    editor = world.users["editor_b"]
    with translation.override("en"):
        lesson = lesson_save(
            actor=editor,
            city=world.city_b,
            data={
                "title": "Warning the riverbank wards",
                "summary": "Volunteers pass on the flood warning.",
                "context": "The river floods the wards.",
                "what_was_done": "Forty volunteers trained.",
                "results": "2,100 people reached shelters.",
                "hazards": [HazardType.objects.get(code="flood_riverine")],
            },
        )
    lesson_submit(actor=editor, lesson=lesson)
    lesson_decide(actor=world.users["manager"], lesson=lesson, publish=True)
    Lesson.objects.filter(pk=lesson.pk).update(**texts)
    return lesson


def test_search_finds_in_both_languages_ranked_with_filters(shipped):
    lesson = _published(
        shipped,
        title_fr="Alerter les quartiers des berges",
        summary_fr="Des volontaires relaient l'alerte de crue.",
        context_fr="Le fleuve inonde les quartiers.",
    )
    index_rebuild()
    anonymous = AnonymousUser()
    with translation.override("fr"):
        hits = search(anonymous, "inondation")  # "inonde" in the text: one stem
        assert any(h.url == lesson.get_absolute_url() for h in hits)
        french = search(anonymous, "alerter berges")
        assert french[0].title == "Alerter les quartiers des berges"
        assert not french[0].untranslated
    english = search(anonymous, "riverbank wards")
    assert english[0].url == lesson.get_absolute_url()
    assert english[0].title == "Warning the riverbank wards"
    # Ranked: a word in a title weighs more than one in the text.
    flood = search(anonymous, "flood")
    assert len(flood) >= 3 and flood == sorted(flood, key=lambda h: -h.rank)
    # Filters: by hazard, by sector, by country, by kind.
    by_hazard = search(anonymous, "", hazard="flood_riverine")
    assert {h.kind for h in by_hazard} >= {"lesson", "action"}
    assert all(
        " flood_riverine " in d.hazards
        for d in SearchDocument.objects.filter(url__in=[h.url for h in by_hazard])
    )
    health = search(anonymous, "", sector="health", kinds=["action"])
    assert health and all(h.kind == "action" for h in health)
    assert search(anonymous, "riverbank", country=shipped.country_a.pk) == []
    assert search(anonymous, "riverbank", country=shipped.country_b.pk)[0].city == "Rajshahi"


def test_search_finds_only_what_the_reader_may_read(shipped):
    draft = Lesson.objects.create(
        city=shipped.city_a,
        title="Secret drainage draft",
        summary="S",
        context="C",
        what_was_done="W",
        results="R",
        status="published",
    )
    measure = Measure.objects.create(city=shipped.city_a, title="Drainage kiosk measure")
    index_rebuild()
    Lesson.objects.filter(pk=draft.pk).update(status="draft")
    index("lesson", draft.pk)  # a lesson taken back is dropped from the index
    assert not SearchDocument.objects.filter(kind="lesson", ref=draft.pk).exists()
    anonymous = AnonymousUser()
    assert [h.kind for h in search(anonymous, "drainage kiosk")] == []
    assert [h.title for h in search(shipped.users["viewer_a"], "drainage kiosk")] == [
        "Drainage kiosk measure"
    ]
    assert search(shipped.users["editor_b"], "drainage kiosk") == []  # another city's
    assert measure.pk


def test_search_input_is_words_only_and_bounded(shipped):
    index_rebuild()
    anonymous = AnonymousUser()
    for nasty in ['"', "*", 'flood" OR title_en:*', "NEAR(a b)", "'); DROP TABLE x; --", "^x"]:
        search(anonymous, nasty)  # no error: syntax never reaches FTS5 or tsquery
    assert terms("a " * 500) == ["a"] * 12
    assert search(anonymous, "") == []
    assert search(anonymous, "zzzqqqxxx") == []


def test_records_follow_their_changes_into_the_index(world, django_capture_on_commit_callbacks):
    hazard_taxonomy_load()
    with django_capture_on_commit_callbacks(execute=True):
        measure = Measure.objects.create(city=world.city_a, title="Green corridor")
    assert SearchDocument.objects.get(kind="measure", ref=measure.pk).title_en == "Green corridor"
    with django_capture_on_commit_callbacks(execute=True):
        measure.hazards.add(HazardType.objects.get(code="extreme_heat"))
    assert " extreme_heat " in SearchDocument.objects.get(kind="measure", ref=measure.pk).hazards
    with django_capture_on_commit_callbacks(execute=True):
        measure.delete()
    assert not SearchDocument.objects.filter(kind="measure").exists()


def test_the_search_page(client, shipped):
    index_rebuild()
    page = client.get("/search/", {"q": "flood", "kind": "action"})
    # The words found are marked in what the page shows.
    assert page.status_code == 200 and "Community <mark>flood</mark> early warning" in page.text
    french = client.get("/search/", {"q": "inondation"}, headers={"accept-language": "fr"})
    assert french.status_code == 200
    bad = client.get("/search/", {"hazard": "not-a-hazard"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.text


def test_a_lesson_page_marks_what_is_not_in_the_reader_language(client, shipped):
    lesson = _published(shipped, title_fr="Alerter les quartiers des berges")
    french = client.get(lesson.get_absolute_url(), headers={"accept-language": "fr"})
    assert "Alerter les quartiers des berges" in french.text
    assert '<p class="lead" lang="en">Volunteers pass on the flood warning.</p>' in french.text
    english = client.get(lesson.get_absolute_url(), headers={"accept-language": "en"})
    assert (
        "Warning the riverbank wards" in english.text
        and 'lang="fr"' not in english.text.split("<main")[1]
    )


def test_a_french_editor_changing_one_field_in_the_form_leaves_the_others_english_only(
    client, world
):
    editor = world.users["editor_a"]
    with translation.override("en"):
        lesson = lesson_save(
            actor=editor,
            city=world.city_a,
            data={
                "title": "Drains",
                "summary": "Sum EN",
                "context": "Ctx EN",
                "what_was_done": "W",
                "results": "R",
            },
        )
    client.force_login(editor)
    page = client.post(
        f"/cities/kigali/workspace/lessons/{lesson.pk}/",
        {
            "kind": "lesson",
            "title": "Caniveaux",
            "summary": "Sum EN",
            "context": "Ctx EN",
            "what_was_done": "W",
            "results": "R",
        },
        headers={"accept-language": "fr"},
    )
    assert page.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.title_en, lesson.title_fr) == ("Drains", "Caniveaux")
    assert (lesson.summary_fr, lesson.context_fr, lesson.results_fr) == (None, None, None)


def test_a_catalogue_sheet_round_trip_in_french_keeps_both_languages(shipped):
    from recap.catalogue.services import (
        catalogue_export,
        catalogue_import_apply,
        catalogue_import_plan,
    )

    before = dict(CatalogueAction.objects.values_list("code", "title_fr"))
    with translation.override("fr"):
        data = catalogue_export(file_format="csv")
        plan = catalogue_import_plan(data=data, filename="catalogue.csv")
        assert (len(plan.updated), len(plan.unchanged)) == (0, 66)
        catalogue_import_apply(plan=plan)
    assert dict(CatalogueAction.objects.values_list("code", "title_fr")) == before
    assert "Solar street lights around health centres" in data.decode("utf-8")


def test_a_framework_file_without_french_keeps_the_french_held(shipped):
    dumped = framework_dump(shipped.programme)
    for outcome in dumped["outcomes"]:
        outcome.pop("title_fr")
        for indicator in outcome["indicators"]:
            indicator.pop("name_fr"), indicator.pop("unit_fr")
    framework_load(programme=shipped.programme, data=dumped)
    assert not Outcome.objects.filter(title_fr__isnull=True).exists()
    assert not Indicator.objects.filter(name_fr__isnull=True).exists()


def test_links_added_from_the_other_side_reach_the_index(world, django_capture_on_commit_callbacks):
    hazard_taxonomy_load()
    with django_capture_on_commit_callbacks(execute=True):
        measure = Measure.objects.create(city=world.city_a, title="Shade trees")
    heat = HazardType.objects.get(code="extreme_heat")
    with django_capture_on_commit_callbacks(execute=True):
        heat.measure_set.add(measure)  # from the hazard's side
    assert " extreme_heat " in SearchDocument.objects.get(kind="measure", ref=measure.pk).hazards


def test_the_admin_edits_each_translated_text_in_both_languages(client, shipped):
    client.force_login(shipped.users["admin"])
    action = CatalogueAction.objects.get(code="WAT-01")
    page = client.get(f"/admin/catalogue/catalogueaction/{action.pk}/change/")
    assert page.status_code == 200
    assert 'name="title_en"' in page.text and 'name="title_fr"' in page.text
    for url in (
        "/admin/cities/country/",
        f"/admin/cities/city/{shipped.city_a.pk}/change/",
        "/admin/hazards/hazardtype/",
        "/admin/learning/lesson/add/",
        "/admin/tracking/indicator/",
        "/admin/tracking/outcome/",
        "/admin/assessments/framework/",
    ):
        assert client.get(url).status_code == 200, url


def test_a_stand_in_sent_back_with_browser_line_endings_is_still_left_as_shown(client, world):
    from recap.cities.models import City

    City.objects.filter(pk=world.city_a.pk).update(
        context_en="Line one.\nLine two.\n\nPara two.", context_fr=None, summary_en="Capital"
    )
    client.force_login(world.users["editor_a"])
    page = client.post(
        "/cities/kigali/workspace/profile/",
        {"summary": "Capitale", "context": "Line one.\r\nLine two.\r\n\r\nPara two."},
        headers={"accept-language": "fr"},
    )
    assert page.status_code == 302
    city = City.objects.get(pk=world.city_a.pk)
    assert (city.summary_fr, city.context_fr) == ("Capitale", None)


def test_only_the_city_own_team_gives_consent_to_share(world):
    from django.core.exceptions import ValidationError

    city = world.city_a
    with pytest.raises(ValidationError) as refused:
        city_profile_update(actor=world.users["admin"], city=city, shares_with_peers=True)
    assert "shares_with_peers" in refused.value.message_dict
    city_profile_update(actor=world.users["editor_a"], city=city, shares_with_peers=True)
    city.refresh_from_db()
    assert city.shares_with_peers
    # The admin may still change the rest of the profile, consent left as it is.
    city_profile_update(actor=world.users["admin"], city=city, summary="S", shares_with_peers=True)


def test_a_huge_text_is_indexed_in_part_and_never_breaks_indexing(
    world, django_capture_on_commit_callbacks
):
    words = " ".join(f"word{i}" for i in range(200_000))  # about 1.4 MB of distinct words
    with django_capture_on_commit_callbacks(execute=True):
        measure = Measure.objects.create(
            city=world.city_a, title="Long", description=words + " needle"
        )
    document = SearchDocument.objects.get(kind="measure", ref=measure.pk)
    assert len(document.body_en) == 100_000
    assert index_rebuild() >= 1
    assert [h.title for h in search(world.users["editor_a"], "word1")][:1] == ["Long"]


def test_clearing_links_from_the_hazard_side_reaches_the_index(
    world, django_capture_on_commit_callbacks
):
    hazard_taxonomy_load()
    heat = HazardType.objects.get(code="extreme_heat")
    with django_capture_on_commit_callbacks(execute=True):
        measure = Measure.objects.create(city=world.city_a, title="Shade")
        measure.hazards.add(heat)
    with django_capture_on_commit_callbacks(execute=True):
        heat.measure_set.clear()
    assert SearchDocument.objects.get(kind="measure", ref=measure.pk).hazards == ""
