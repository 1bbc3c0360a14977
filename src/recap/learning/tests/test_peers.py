"""Peer matching on hand-made cities where the right answer is known, the programme's pins and
hides, exchanges (who sees, who writes, e-mail, "My work", figures) and their refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from recap.assessments.models import Framework, Question
from recap.assessments.services import (
    AnswerInput,
    answers_save,
    assessment_complete,
    assessment_start,
    framework_load_shipped,
)
from recap.cities.models import City, Country
from recap.hazards.models import CityHazard, HazardType
from recap.hazards.services import hazard_taxonomy_load
from recap.learning.exchanges import community_figures, exchanges_work
from recap.learning.models import Exchange, Lesson, PeerOverride
from recap.learning.peers import matches
from recap.learning.policies import exchange_queryset
from recap.learning.services import (
    exchange_close,
    exchange_reply,
    exchange_start,
    match_override,
)
from recap.testing import World, make_world
from recap.tracking.models import Measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def _city(name: str, country: Country, **profile: Any) -> City:
    profile.setdefault("shares_with_peers", True)
    return City.objects.create(name=name, slug=name.lower(), country=country, **profile)


def _register(city: City, **scores: tuple[int, int]) -> None:
    for code, (likelihood, impact) in scores.items():
        CityHazard.objects.create(
            city=city,
            hazard=HazardType.objects.get(code=code),
            likelihood=likelihood,
            impact=impact,
        )


@pytest.fixture
def towns(world: World) -> dict[str, City]:
    """Four hand-made towns around `me`: a twin (everything the same), a half-match (same
    region and language only), and a far one (nothing in common)."""
    hazard_taxonomy_load()
    africa = Country.objects.create(
        name="Mauritania", iso2="MR", region="africa", income_group="lower_middle"
    )
    asia = Country.objects.create(name="Japan", iso2="JP", region="east_asia", income_group="high")
    africa_low = Country.objects.create(
        name="Niger", iso2="NE", region="africa", income_group="low"
    )
    profile = {"population": 200_000, "population_growth": Decimal("3.0"), "languages": ["fr"]}
    me = _city("Me", africa, **profile)
    twin = _city("Twin", africa, **profile)
    half = _city(
        "Half",
        africa_low,
        population=20_000_000,
        population_growth=Decimal("-2.0"),
        languages=["fr", "ar"],
    )
    far = _city(
        "Far", asia, population=9_000_000, population_growth=Decimal("-1.0"), languages=["en"]
    )
    # The world's own cities stay out of these lists.
    City.objects.filter(pk__in=[world.city_a.pk, world.city_b.pk]).update(is_public=False)
    for city in (me, twin):
        _register(city, flood_coastal=(4, 5), water_insecurity=(3, 4))
    _register(half, earthquake=(2, 5))
    _register(far, earthquake=(3, 5), storm=(2, 2))
    return {"me": me, "twin": twin, "half": half, "far": far}


def test_similar_to_me_ranks_the_twin_at_100_points_and_explains_each_factor(towns):
    found = matches(towns["me"])["similar"]
    assert [m.peer.name for m in found] == ["Twin", "Half"]  # Far has no point: left out
    twin, half = found
    assert twin.score == 100.0
    assert {f.label: f.points for f in twin.factors} == {
        "Hazard profile": 35.0,
        "Main stresses": 15.0,
        "Population": 10.0,
        "Population growth": 5.0,
        "Region": 10.0,
        "Income group": 10.0,
        "Language": 15.0,
    }
    # Half: same region, neighbouring income group, a language in common; nothing else.
    points = {f.label: f.points for f in half.factors}
    assert points == {
        "Hazard profile": 0.0,
        "Main stresses": 0.0,  # it has no main stress
        "Population": 0.0,  # under 300,000 against over 10 million
        "Population growth": 0.0,  # 5 points a year apart
        "Region": 10.0,
        "Income group": 5.0,
        "Language": 15.0,
    }
    assert half.score == 30.0
    details = {f.label: f.detail for f in half.factors}
    assert details["Language"] == "both work in French"
    assert details["Main stresses"] == "no stress scored 8 or more in one of the two registers"


def test_matching_is_deterministic_ties_go_by_name(towns):
    clone = _city("Aaa", towns["twin"].country, population=200_000, languages=["fr"])
    _register(clone, flood_coastal=(4, 5), water_insecurity=(3, 4))
    towns["twin"].population_growth = None
    towns["twin"].save()
    first = [(m.peer.name, m.score) for m in matches(towns["me"])["similar"]]
    assert first == [(m.peer.name, m.score) for m in matches(towns["me"])["similar"]]
    # Twin and Aaa now differ from Me only by an unknown growth: equal scores, by name.
    assert first[:2] == [("Aaa", 95.0), ("Twin", 95.0)]


def _assess(actor: Any, city: City, score_of: dict[str, int], default: int) -> None:
    framework = Framework.objects.get(code="ten-essentials-preliminary")
    assessment = assessment_start(
        actor=actor, city=city, framework=framework, title="Scorecard", respondents="Team"
    )
    answers_save(
        actor=actor,
        assessment=assessment,
        answers={
            q.code: AnswerInput(score=score_of.get(q.dimension.code, default))
            for q in Question.objects.filter(framework=framework).select_related("dimension")
        },
    )
    assessment_complete(actor=actor, assessment=assessment)


def test_can_help_me_adds_the_lead_on_weak_essentials_and_work_on_my_top_hazards(world, towns):
    framework_load_shipped()
    admin = world.users["admin"]
    _assess(admin, towns["me"], {"E01": 0}, default=3)  # weak on E01 only
    _assess(admin, towns["far"], {}, default=3)  # strong everywhere
    _assess(admin, towns["half"], {}, default=1)  # weak everywhere: no help
    flood = HazardType.objects.get(code="flood_coastal")
    for status in ("implemented", "in_progress", "planned"):  # a planned one does not count
        measure = Measure.objects.create(
            city=towns["far"],
            title=f"Dune {status}",
            status=status,
            implemented_on=date(2025, 1, 1) if status == "implemented" else None,
        )
        measure.hazards.add(flood)
    help_list = matches(towns["me"])["help"]
    assert [m.peer.name for m in help_list] == ["Far"]
    far = help_list[0]
    points = {f.label: f.points for f in far.factors}
    # A lead of the whole scale on the one weak essential: 50; two items on the first of my
    # two hazards: 25 in full; nothing on water.
    assert points == {
        "Strong where you are weak: E01 Organise for resilience": 50.0,
        "Has addressed Coastal flooding and storm surge": 25.0,
        "Has addressed Water insecurity": 0.0,
    }
    assert far.score == 75.0
    details = {f.label: f.detail for f in far.factors}
    assert details["Has addressed Coastal flooding and storm surge"] == "2 measures"
    assert details["Strong where you are weak: E01 Organise for resilience"] == (
        "they are strong (3.0 of 3); you have 0.0"
    )


def test_the_programme_pins_and_hides_matches_and_no_one_else_may(world, towns):
    programme = world.programme
    programme.cities.add(towns["me"])
    manager = world.users["manager"]
    match_override(actor=manager, city=towns["me"], peer=towns["far"], kind="similar", action="pin")
    match_override(
        actor=manager, city=towns["me"], peer=towns["twin"], kind="similar", action="hide"
    )
    seen = matches(towns["me"])["similar"]
    assert [(m.peer.name, m.pinned) for m in seen] == [("Far", True), ("Half", False)]
    everything = matches(towns["me"], include_hidden=True)["similar"]
    assert [(m.peer.name, m.hidden) for m in everything] == [
        ("Far", False),
        ("Twin", True),
        ("Half", False),
    ]
    match_override(actor=manager, city=towns["me"], peer=towns["far"], kind="similar", action="")
    assert not PeerOverride.objects.filter(peer=towns["far"]).exists()
    for name in ("editor_a", "reviewer", "funder"):
        with pytest.raises(PermissionDenied):
            match_override(
                actor=world.users[name],
                city=towns["me"],
                peer=towns["far"],
                kind="help",
                action="pin",
            )
    with pytest.raises(ValidationError):
        match_override(
            actor=manager, city=towns["me"], peer=towns["far"], kind="best", action="pin"
        )
    with pytest.raises(ValidationError):
        match_override(actor=manager, city=towns["me"], peer=towns["me"], kind="help", action="pin")
    # A city outside the manager's programme: refused.
    with pytest.raises(PermissionDenied):
        match_override(
            actor=manager, city=towns["far"], peer=towns["me"], kind="help", action="pin"
        )


# --- Exchanges ---------------------------------------------------------------------------


def _ask(world: World, **changes: Any) -> Exchange:
    arguments = {
        "actor": world.users["editor_a"],
        "from_city": world.city_a,
        "to_city": world.city_b,
        "kind": "question",
        "subject": "Kiosk prices",
        "body": "How did you set the price?",
    } | changes
    return exchange_start(**arguments)


def test_an_exchange_is_seen_by_the_two_cities_and_the_programme_only(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        exchange = _ask(world)
    seen_by = {
        name
        for name, user in world.users.items()
        if exchange_queryset(user).filter(pk=exchange.pk).exists()
    }
    assert seen_by == {
        "viewer_a",
        "editor_a",
        "coordinator_a",
        "editor_b",
        "manager",
        "reviewer",
        "reviewer_a",
        "admin",
    }
    from django.contrib.auth.models import AnonymousUser

    assert not exchange_queryset(AnonymousUser()).exists()
    # Rajshahi's editor was told by e-mail, and sees it under "My work".
    assert [m.to for m in mail.outbox] == [[world.users["editor_b"].email]]
    assert "How did you set the price?" in mail.outbox[0].body
    work = exchanges_work(world.users["editor_b"])
    assert work is not None and work["items"][0]["path"] == exchange.get_absolute_url()
    assert exchanges_work(world.users["editor_a"]) is None  # Kigali waits: nothing to do


def test_replies_are_threaded_and_turn_the_wait_around(world, django_capture_on_commit_callbacks):
    exchange = _ask(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        exchange_reply(actor=world.users["editor_b"], exchange=exchange, body="With the traders.")
    exchange.refresh_from_db()
    assert exchange.awaiting_id == world.city_a.pk
    assert [m.city.name for m in exchange.messages.all()] == ["Kigali", "Rajshahi"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        world.users[n].email for n in ("editor_a", "coordinator_a")
    )
    figures = {row["city"].name: row for row in community_figures(world.programme)}
    assert (figures["Kigali"]["started"], figures["Rajshahi"]["received"]) == (1, 1)
    assert figures["Rajshahi"]["answered"] == 1 and figures["Kigali"]["answered"] == 0
    exchange_close(actor=world.users["editor_a"], exchange=exchange)
    with pytest.raises(ValidationError):
        exchange_reply(actor=world.users["editor_b"], exchange=exchange, body="More")


def test_only_the_two_cities_editors_write_and_bad_input_is_named(world):
    exchange = _ask(world)
    for name in ("viewer_a", "manager", "reviewer", "funder"):
        with pytest.raises(PermissionDenied):
            exchange_reply(actor=world.users[name], exchange=exchange, body="Hello")
    with pytest.raises(PermissionDenied):
        _ask(world, actor=world.users["editor_b"])  # writes for Rajshahi, not Kigali
    with pytest.raises(ValidationError) as own:
        _ask(world, to_city=world.city_a)
    assert "to_city" in own.value.message_dict
    with pytest.raises(ValidationError) as hidden:
        _ask(world, to_city=world.hidden)
    assert "to_city" in hidden.value.message_dict
    with pytest.raises(ValidationError) as empty:
        _ask(world, body="   ", subject="", kind="party")
    assert set(empty.value.message_dict) == {"body", "subject", "kind"}
    with pytest.raises(ValidationError) as long:
        exchange_reply(actor=world.users["editor_b"], exchange=exchange, body="x" * 5001)
    assert "body" in long.value.message_dict
    draft = Lesson.objects.create(
        city=world.city_b, title="L", summary="S", context="C", what_was_done="W", results="R"
    )
    with pytest.raises(ValidationError) as lesson:
        _ask(world, lesson=draft)
    assert "lesson" in lesson.value.message_dict
    assert Exchange.objects.count() == 1  # nothing refused was written


def test_a_thousand_clicks_open_a_bounded_number_of_exchanges(world):
    for _ in range(20):
        _ask(world)
    with pytest.raises(ValidationError, match="many exchanges today"):
        _ask(world)
    assert Exchange.objects.count() == 20


def test_exchange_pages_show_the_thread_and_refuse_strangers(client, world):
    exchange = _ask(world)
    client.force_login(world.users["editor_b"])
    page = client.get(exchange.get_absolute_url())
    assert page.status_code == 200 and "How did you set the price?" in page.text
    reply = client.post(exchange.get_absolute_url(), {"body": "By card."})
    assert reply.status_code == 302
    empty = client.post(exchange.get_absolute_url(), {"body": ""})
    assert empty.status_code == 400
    client.force_login(world.users["funder"])
    assert client.get(exchange.get_absolute_url()).status_code == 404
    client.force_login(world.users["manager"])
    assert client.post(exchange.get_absolute_url(), {"body": "Hi"}).status_code == 403
    assert exchange.messages.count() == 2


def test_the_peers_page_lists_both_lists_with_reasons(client, world, towns):
    world.programme.cities.add(towns["me"])
    client.force_login(world.users["manager"])
    page = client.get(f"/cities/{towns['me'].slug}/workspace/peers/")
    assert page.status_code == 200
    assert "Twin" in page.text and "100.0 points" in page.text and "Hazard profile" in page.text
    assert 'name="action" value="pin"' in page.text  # the manager may pin
    client.force_login(world.users["editor_a"])
    assert client.get(f"/cities/{towns['me'].slug}/workspace/peers/").status_code == 404


def test_matching_reads_a_fixed_number_of_queries_however_many_cities(world, towns):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        matches(towns["me"])
    for i in range(30):
        city = _city(f"More{i}", towns["twin"].country, population=50_000 + i, languages=["fr"])
        _register(city, flood_coastal=(3, 3))
    with CaptureQueriesContext(connection) as many:
        assert len(matches(towns["me"], limit=50)["similar"]) == 32
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_programme_sees_exchanges_per_city_on_its_lessons_page(client, world):
    _ask(world)
    client.force_login(world.users["manager"])
    page = client.get("/programme/lessons/")
    assert page.status_code == 200
    assert "Peer community: exchanges per city" in page.text
    row = page.text.split('href="/cities/kigali/workspace/exchanges/">Kigali</a>')[1]
    assert [cell.split("</td>")[0].split(">")[-1] for cell in row.split("<td")[1:4]] == [
        "1",
        "0",
        "0",
    ]


def test_a_city_that_does_not_share_is_matched_on_public_facts_and_names_nothing(world, towns):
    City.objects.filter(pk=towns["twin"].pk).update(shares_with_peers=False)
    twin = next(m for m in matches(towns["me"])["similar"] if m.peer.name == "Twin")
    factors = {f.label: (f.detail, f.points) for f in twin.factors}
    assert factors["Hazard profile"] == ("not shared by this city", 0.0)
    assert factors["Main stresses"] == ("not shared by this city", 0.0)
    assert twin.score == 50.0  # population, growth, region, income, language: all public
    assert "Coastal" not in " ".join(f.detail for f in twin.factors)
    # The reader's own register is read for itself even when it does not share.
    City.objects.filter(pk=towns["me"].pk).update(shares_with_peers=False)
    City.objects.filter(pk=towns["twin"].pk).update(shares_with_peers=True)
    twin = next(m for m in matches(towns["me"])["similar"] if m.peer.name == "Twin")
    assert twin.score == 100.0


def test_matching_gives_the_same_points_in_every_language(world, towns):
    from django.utils import translation

    # Three hazards tied for the top three places with a fourth: the cut is by code.
    _register(towns["me"], drought=(3, 4), extreme_heat=(3, 4))
    for status in ("implemented", "in_progress"):
        measure = Measure.objects.create(
            city=towns["far"],
            title=f"Shade {status}",
            status=status,
            implemented_on=date(2025, 1, 1) if status == "implemented" else None,
        )
        measure.hazards.add(HazardType.objects.get(code="extreme_heat"))
    scores = []
    for language in ("en", "fr"):
        with translation.override(language):
            scores.append([(m.peer.name, m.score) for m in matches(towns["me"])["help"]])
    assert scores[0] == scores[1]


def test_an_exchange_subject_is_one_line_and_its_mail_goes_out(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        exchange = _ask(world, subject="Question\r\nBcc: someone@example.org")
    assert exchange.subject == "Question Bcc: someone@example.org"
    assert len(mail.outbox) == 1 and "\n" not in mail.outbox[0].subject


def test_the_exchange_page_names_a_lesson_only_while_the_reader_may_read_it(client, world):
    lesson = Lesson.objects.create(
        city=world.city_b,
        title="Kiosks",
        summary="S",
        context="C",
        what_was_done="W",
        results="R",
        status="published",
    )
    exchange = _ask(world, lesson=lesson)
    client.force_login(world.users["editor_a"])
    assert "Kiosks" in client.get(exchange.get_absolute_url()).text
    Lesson.objects.filter(pk=lesson.pk).update(status="draft", title="Secret new title")
    assert "Secret new title" not in client.get(exchange.get_absolute_url()).text


def test_a_platform_admin_reads_exchanges_but_does_not_write_for_a_city(world):
    exchange = _ask(world)
    admin = world.users["admin"]
    assert exchange_queryset(admin).filter(pk=exchange.pk).exists()
    with pytest.raises(PermissionDenied):
        exchange_reply(actor=admin, exchange=exchange, body="Hi")
    with pytest.raises(PermissionDenied):
        _ask(world, actor=admin)
    assert exchanges_work(admin) is None


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_document_shared_in_an_exchange_reaches_its_readers_only(
    client, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    exchange = _ask(world)
    client.force_login(world.users["editor_b"])
    reply = client.post(
        exchange.get_absolute_url(),
        {"body": "Our agreement.", "attachment": SimpleUploadedFile("agreement.pdf", PDF)},
    )
    assert reply.status_code == 302
    message = exchange.messages.exclude(file="").get()
    assert (message.filename, message.kind_of_file, message.size) == (
        "agreement.pdf",
        "pdf",
        len(PDF),
    )
    url = f"/exchanges/{exchange.pk}/documents/{message.pk}/"
    assert url in client.get(exchange.get_absolute_url()).text
    client.force_login(world.users["viewer_a"])  # Kigali's viewer reads the exchange
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    for stranger in ("funder", "anonymous"):
        client.logout()
        if stranger != "anonymous":
            client.force_login(world.users[stranger])
        assert client.get(url).status_code in (302, 404)
    # A message without a document, or another exchange's: nothing.
    client.force_login(world.users["viewer_a"])
    first = exchange.messages.order_by("pk").first()
    assert client.get(f"/exchanges/{exchange.pk}/documents/{first.pk}/").status_code == 404


def test_a_document_that_is_not_one_is_refused_by_name_and_nothing_is_written(
    client, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    exchange = _ask(world)
    client.force_login(world.users["editor_b"])
    for name, data in (
        ("script.pdf", b"<script>alert(1)</script>"),  # not what its name says
        ("page.html", b"<html></html>"),
        ("broken.docx", b"PK\x03\x04 not a zip"),
    ):
        page = client.post(
            exchange.get_absolute_url(),
            {"body": "Here", "attachment": SimpleUploadedFile(name, data)},
        )
        assert page.status_code == 400, name
        assert 'id="id_attachment_error"' in page.text, name  # named on its field
    settings.RECAP_UPLOAD_MAX_BYTES = 100
    page = client.post(
        exchange.get_absolute_url(),
        {"body": "Big", "attachment": SimpleUploadedFile("big.pdf", PDF + b"x" * 200)},
    )
    assert page.status_code == 400 and "larger than" in page.text
    assert exchange.messages.count() == 1
    assert not any(tmp_path.rglob("*.pdf"))


def test_document_edge_cases_are_refused_or_missing_never_a_crash(
    client, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    exchange = _ask(world)
    client.force_login(world.users["editor_b"])
    long_name = "a" * 300 + ".pdf"
    client.post(
        exchange.get_absolute_url(),
        {"body": "Long name", "attachment": SimpleUploadedFile(long_name, PDF)},
    )
    message = exchange.messages.exclude(file="").get()
    assert message.filename.endswith(".pdf") and len(message.filename) <= 200
    message.file.storage.delete(message.file.name)  # gone from the disk
    assert client.get(f"/exchanges/{exchange.pk}/documents/{message.pk}/").status_code == 404
    # An oversized file sent before the other fields: a clear refusal, not a crash.
    settings.RECAP_UPLOAD_MAX_BYTES = 100
    page = client.post(
        exchange.get_absolute_url(),
        {"attachment": SimpleUploadedFile("big.pdf", PDF + b"x" * 500), "body": "After"},
    )
    assert page.status_code == 400
    # Deleting the exchange takes its documents off the disk.
    settings.RECAP_UPLOAD_MAX_BYTES = 5 * 1024 * 1024 + 1
    client.post(
        exchange.get_absolute_url(),
        {"body": "Kept", "attachment": SimpleUploadedFile("kept.pdf", PDF)},
    )
    assert any(tmp_path.rglob("*.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        exchange.delete()
    assert not any(tmp_path.rglob("*.pdf"))


def test_a_peer_that_does_not_share_is_not_said_to_have_done_nothing(world, towns):
    City.objects.filter(pk=towns["far"].pk).update(shares_with_peers=False)
    _register(towns["far"], flood_coastal=(1, 1))
    found = {m.peer.name: m for m in matches(towns["me"], limit=50)["help"]}
    assert "Far" not in found  # nothing public to offer: not listed
    lesson = Lesson.objects.create(
        city=towns["far"],
        title="L",
        summary="S",
        context="C",
        what_was_done="W",
        results="R",
        status="published",
    )
    lesson.hazards.add(HazardType.objects.get(code="flood_coastal"))
    far = {m.peer.name: m for m in matches(towns["me"], limit=50)["help"]}["Far"]
    details = {f.label: f.detail for f in far.factors}
    assert details["Has addressed Coastal flooding and storm surge"] == "1 published lesson"
    assert (
        details["Has addressed Water insecurity"] == "no published lesson; the rest is not shared"
    )
