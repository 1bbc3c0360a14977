"""The programme's pages and API: the dashboard's filters, a value reported over the API, the
framework downloaded, changed and uploaded by its manager, and My work listing what each person
should report or decide."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from recap.testing import World
from recap.tracking.models import (
    Indicator,
    IndicatorUpdate,
    Participant,
    Training,
)
from recap.tracking.services import (
    framework_load_shipped,
    update_save,
    update_submit,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def test_dashboard_filters(client: Client, world: World) -> None:
    framework_load_shipped(world.programme)
    for city, people in ((world.city_a, 7), (world.city_b, 4)):
        t = Training.objects.create(
            programme=world.programme, title=f"T {city}", held_on=D(2022, 3, 1)
        )
        t.cities.add(city)
        Participant.objects.create(training=t, count=people, city=city)
    client.force_login(world.users["manager"])
    whole = client.get("/programme/results/")
    assert whole.status_code == 200
    rows = {r.progress.indicator.code: r.progress for r in whole.context["o"].rows}
    assert rows["trained"].value == 11 and rows["trained"].trend
    one = client.get("/programme/results/?city=rajshahi&from=2022-01-01")
    rows = {r.progress.indicator.code: r.progress for r in one.context["o"].rows}
    assert rows["trained"].value == 4 and rows["trained"].period_value == 4
    assert [t.people for t in one.context["o"].trainings] == [4]
    for query, words in [
        ("?country=ZZ", "ZZ is not a country of the programme"),
        ("?city=hidden", "hidden is not a city of the programme"),
        ("?from=2024-13-01", "is not a date"),
        ("?from=2024-02-01&to=2024-01-01", "ends before it starts"),
    ]:
        response = client.get("/programme/results/" + query)
        assert response.status_code == 400 and words in response.content.decode(), query


def test_a_value_over_the_api(client: Client, world: World) -> None:
    from recap.accounts.services import api_token_create

    framework_load_shipped(world.programme)
    _token, key = api_token_create(user=world.users["editor_a"], name="t")
    url = f"/api/v1/cities/{world.city_a.pk}/values"
    headers = {"Authorization": f"Bearer {key}"}
    body = {
        "indicator": "reached",
        "period_start": "2024-01-01",
        "period_end": "2024-03-31",
        "value": 10,
        "breakdown": {"sex": {"female": 6, "male": 3}},
    }
    bad = client.post(url, body, content_type="application/json", headers=headers)
    assert bad.status_code == 422 and "adds up to 9, not 10" in bad.content.decode()
    assert not IndicatorUpdate.objects.exists()
    unknown = client.post(
        url, body | {"indicator": "nope"}, content_type="application/json", headers=headers
    )
    assert unknown.status_code == 404
    good = client.post(
        url,
        body | {"breakdown": {"sex": {"female": 6, "male": 4}}, "submit": True},
        content_type="application/json",
        headers=headers,
    )
    assert good.status_code == 201 and good.json()["status"] == "submitted"
    listed = client.get(url, headers=headers).json()
    assert [(v["indicator"], float(v["value"]), v["status"]) for v in listed] == [
        ("reached", 10.0, "submitted")
    ]


def test_the_manager_downloads_changes_and_uploads_the_framework(
    client: Client, world: World
) -> None:
    import json

    framework_load_shipped(world.programme)
    client.force_login(world.users["manager"])
    download = client.get("/programme/results/framework/?format=json")
    assert download["Content-Type"].startswith("application/json")
    data = json.loads(download.content)
    data["outcomes"][0]["indicators"][0]["name"] = "Sessions held"
    data["outcomes"][0]["indicators"][0]["targets"] = [["2023-06-30", 3], ["2024-06-30", 6]]
    upload = SimpleUploadedFile("f.json", json.dumps(data).encode())
    assert client.post("/programme/results/framework/", {"file": upload}).status_code == 302
    first = Indicator.objects.get(code="trainings")
    assert first.name == "Sessions held" and first.targets.count() == 2
    assert Indicator.objects.count() == 10
    page = client.get("/programme/results/framework/").content.decode()
    assert "Sessions held" in page and re.search(r"3 <span class=\"muted\">by June 30, 2023", page)

    reached = Indicator.objects.get(code="reached")
    update = update_save(
        actor=world.users["editor_a"],
        indicator=reached,
        city=world.city_a,
        period_start=D(2023, 1, 1),
        period_end=D(2023, 3, 31),
        value=Decimal(5),
    )
    assert update.pk
    without_reached = json.loads(json.dumps(data))
    for outcome in without_reached["outcomes"]:
        outcome["indicators"] = [i for i in outcome["indicators"] if i["code"] != "reached"]
    bad_days = json.loads(json.dumps(data))
    bad_days["outcomes"][0]["indicators"][0]["interval_days"] = "often"
    twice = json.loads(json.dumps(data))
    twice["outcomes"][0]["indicators"][0]["targets"] = [["2024-06-30", 3], ["2024-06-30", 6]]
    for content, words in [
        (b'{"outcomes": [', "not JSON: line 1"),
        (b"\xff\xfe\x00", "not text"),
        (b"[]", "non-empty list 'outcomes'"),
        (json.dumps(without_reached).encode(), "has reported values: keep it in the file"),
        (json.dumps(bad_days).encode(), "interval_days is a whole number of days"),
        (json.dumps(twice).encode(), "two targets for 2024-06-30"),
        (b" " * (600 * 1024), "larger than 512 KB"),
    ]:
        response = client.post(
            "/programme/results/framework/", {"file": SimpleUploadedFile("f.json", content)}
        )
        assert response.status_code == 400, words
        assert escape(words) in response.content.decode(), words
    assert Indicator.objects.get(code="trainings").name == "Sessions held"  # nothing changed
    assert Indicator.objects.count() == 10
    client.force_login(world.users["reviewer"])
    assert client.get("/programme/results/framework/").status_code == 200
    refused = client.post(
        "/programme/results/framework/",
        {"file": SimpleUploadedFile("f.json", json.dumps(data).encode())},
    )
    assert refused.status_code == 403


def test_my_work_lists_what_each_person_should_report_or_decide(
    client: Client, world: World
) -> None:
    framework_load_shipped(world.programme)
    client.force_login(world.users["editor_b"])
    page = client.get("/me/").content.decode()
    assert "Results to report" in page and "Late places" in page
    assert 'href="/cities/rajshahi/workspace/results/"' in page
    assert "Rajshahi has not reported" in page and "Kigali has not reported" not in page
    client.force_login(world.users["viewer_a"])  # responsible for nothing
    assert "Results to report" not in client.get("/me/").content.decode()
    update = update_save(
        actor=world.users["editor_a"],
        indicator=Indicator.objects.get(code="reached"),
        city=world.city_a,
        period_start=D(2024, 1, 1),
        period_end=D(2024, 3, 31),
        value=Decimal(3),
    )
    update_submit(actor=world.users["editor_a"], update=update)
    client.force_login(world.users["manager"])
    page = client.get("/me/").content.decode()
    # The manager is told of each value waiting, linked to its row on the dashboard, and of
    # the late places of every city of the programme, one line a city.
    assert "Value waiting for your approval (1)" in page
    assert f'href="/programme/results/#update-{update.pk}"' in page
    assert "Rajshahi is late with" in page
    dashboard = client.get("/programme/results/").content.decode()
    assert f'id="update-{update.pk}"' in dashboard  # the link's anchor exists
    # What the editor reported waits for a manager: never listed to its reporter to approve.
    client.force_login(world.users["editor_a"])
    assert "waiting for your approval" not in client.get("/me/").content.decode()
