"""The demo's content files: each one as shipped passes its model, and a malformed one is
refused before anything is loaded, naming the file and the place in it."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from recap.demo import content
from recap.demo.content import MODELS, DemoDataError, demo_data

DATA = Path(content.__file__).parent / "data"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_each_shipped_file_passes_its_model(name: str) -> None:
    data = demo_data(name)
    assert data
    assert not any(key.startswith("_") for key in data)  # the notes are dropped


def test_every_data_file_has_a_model_and_a_source_note() -> None:
    assert {p.stem for p in DATA.glob("*.json")} == set(MODELS)
    for path in DATA.glob("*.json"):
        assert json.loads(path.read_text("utf-8"))["_source"].startswith("Invented demo data")


def test_dates_are_read_as_dates() -> None:
    programme = demo_data("programme")["programme"]
    assert programme["start_date"] == datetime.date(2021, 9, 1)


def test_texts_are_held_in_english_and_french_side_by_side() -> None:
    kigali = demo_data("cities")["cities"][0]
    assert kigali["summary_en"].startswith("Rwanda's capital")
    assert kigali["summary_fr"].startswith("Capitale du Rwanda")
    for lesson in demo_data("learning")["lessons"]:
        for key in [k for k in lesson if k.endswith("_en")]:
            assert lesson[key.removesuffix("_en") + "_fr"], key


def _broken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, text: str
) -> pytest.ExceptionInfo[DemoDataError]:
    (tmp_path / "data").mkdir(parents=True)
    (tmp_path / "data" / f"{name}.json").write_text(text, "utf-8")
    monkeypatch.setattr(content.resources, "files", lambda package: tmp_path)
    with pytest.raises(DemoDataError) as caught:
        demo_data(name)
    assert str(tmp_path / "data" / f"{name}.json") in str(caught.value)
    return caught


def _cities(**change: object) -> str:
    data = json.loads((DATA / "cities.json").read_text("utf-8"))
    data["cities"][1].update(change)
    return json.dumps(data)


def test_a_file_that_is_not_json_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    caught = _broken(monkeypatch, tmp_path, "cities", '{"cities": [}')
    assert "cannot be read" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"population": "480000"}, "cities.cities[1].population: expected a whole number"),
        ({"population": True}, "cities.cities[1].population: expected a whole number"),
        ({"summary_fr": None}, "cities.cities[1].summary_fr: expected text, found null"),
        ({"summry_en": "typo"}, 'cities.cities[1]: "summry_en" is not expected here'),
        ({"hazards": {}}, "cities.cities[1].hazards: expected a list"),
        ({"hazards": ["flood"]}, "cities.cities[1].hazards[0]: expected an object"),
    ],
)
def test_a_record_of_the_wrong_shape_is_refused_where_it_is(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    caught = _broken(monkeypatch, tmp_path, "cities", _cities(**change))
    assert message in str(caught.value)


def test_a_missing_field_and_a_bad_date_are_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = json.loads((DATA / "programme.json").read_text("utf-8"))
    del data["users"][2]["role"]
    caught = _broken(monkeypatch, tmp_path, "programme", json.dumps(data))
    assert 'programme.users[2]: "role" is missing' in str(caught.value)

    data = json.loads((DATA / "programme.json").read_text("utf-8"))
    data["programme"]["end_date"] = "30/06/2027"
    caught = _broken(monkeypatch, tmp_path / "2", "programme", json.dumps(data))
    assert "programme.programme.end_date: expected a date (YYYY-MM-DD)" in str(caught.value)


def test_a_stakeholder_must_weigh_every_criterion(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = json.loads((DATA / "planning.json").read_text("utf-8"))
    del data["session"]["stakeholders"][0]["weights"]["health"]
    caught = _broken(monkeypatch, tmp_path, "planning", json.dumps(data))
    assert '"health" is missing' in str(caught.value)


def test_a_stakeholder_weighs_only_the_criteria(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = json.loads((DATA / "planning.json").read_text("utf-8"))
    data["session"]["stakeholders"][1]["weights"]["wealth"] = 10
    caught = _broken(monkeypatch, tmp_path, "planning", json.dumps(data))
    assert 'planning.session.stakeholders[1].weights: "wealth" is not expected here' in str(
        caught.value
    )


def test_what_may_be_left_out_is_not_null_and_notes_go_anywhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = json.loads((DATA / "results.json").read_text("utf-8"))
    data["updates"][0]["comment"] = None
    caught = _broken(monkeypatch, tmp_path, "results", json.dumps(data))
    assert "results.updates[0].comment: expected a value (or no key at all), found null" in str(
        caught.value
    )

    data = json.loads((DATA / "results.json").read_text("utf-8"))
    data["updates"][0]["_why"] = {"any": ["shape"]}
    data["updates"][0]["breakdown"]["sex"]["_note"] = "a note"
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    (tmp_path / "data" / "results.json").write_text(json.dumps(data), "utf-8")
    update = demo_data("results")["updates"][0]
    assert "_why" not in update and "_note" not in update["breakdown"]["sex"]
    assert "evidence" in update and "reason" not in update["decision"]  # left out stays out
