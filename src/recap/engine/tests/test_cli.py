"""The engine's command-line face: JSON on stdout only, exit codes 0 / 1 / 2, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

RECAP = str(Path(sys.executable).parent / "recap")

GOOD: dict[str, Any] = {
    "resources": {"capex_short": 12.5, "capex_medium": 30.0, "staff_fte": 8},
    "actions": [
        {
            "id": "H-01",
            "value": 42.0,
            "uses": {"capex_short": 1.2, "staff_fte": 0.5},
            "sector": "health",
            "phase": "short",
            "requires": ["G-03"],
            "excludes": ["H-02"],
        },
        {"id": "H-02", "value": 30.0, "uses": {"capex_short": 2}, "sector": "health"},
        {
            "id": "G-03",
            "value": 5.0,
            "uses": {"capex_short": 8.5, "staff_fte": 5.5},
            "sector": "governance",
        },
        {"id": "W-07", "value": 20.0, "uses": {"capex_medium": 10}, "sector": "water"},
    ],
    "synergies": [{"actions": ["H-01", "W-07"], "bonus": 6.5}],
    "min_per_sector": {"health": 1, "water": 1},
    "max_actions": 12,
    "must_include": ["G-03"],
    "must_exclude": [],
}


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RECAP, *args], capture_output=True, text=True, input=stdin, timeout=120, check=False
    )


def write(tmp_path: Path, data: Any, name: str = "p.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_optimize_writes_only_json_to_stdout(tmp_path: Path) -> None:
    result = run("optimize", write(tmp_path, GOOD))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)  # nothing but JSON (HiGHS's banner would break this)
    assert out["status"] == "optimal"
    assert out["selected"] == ["H-01", "G-03", "W-07"]
    assert out["objective"] == 73.5
    assert out["usage"] == {"capex_short": 9.7, "capex_medium": 10.0, "staff_fte": 6.0}
    assert out["bound"] == out["objective"]
    assert out["gap"] == 0.0
    assert result.stderr == ""


def test_output_file_and_options(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    result = run(
        "optimize", write(tmp_path, GOOD), "-o", str(target), "--time-limit", "5", "--gap", "0.01"
    )
    assert result.returncode == 0
    assert result.stdout == ""
    assert json.loads(target.read_text())["selected"]


def test_infeasible_is_a_result_with_a_reason(tmp_path: Path) -> None:
    data = GOOD | {"must_exclude": ["G-03"]}
    out = json.loads(run("optimize", write(tmp_path, data)).stdout)
    assert out["status"] == "infeasible"
    assert out["selected"] == []
    assert out["reason"] == (
        "These constraints cannot all hold together: "
        "G-03 must be in the package; G-03 must be left out."
    )


def test_budget_conflict_reason(tmp_path: Path) -> None:
    data = GOOD | {"resources": {"capex_short": 5, "capex_medium": 30, "staff_fte": 8}}
    out = json.loads(run("optimize", write(tmp_path, data)).stdout)
    assert out["status"] == "infeasible"
    assert "the limit of 5 on capex_short" in out["reason"]
    assert "G-03 must be in the package" in out["reason"]


def with_action(index: int, **changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(GOOD))
    data["actions"][index].update(changes)
    return data


BAD_INPUTS = [
    ("not json", "{nope", "p.json: not valid JSON (line 1, column 2"),
    ("a list", [], "(top level): must be an object"),
    ("no actions", {"resources": {}}, "actions: is required"),
    ("unknown top key", GOOD | {"budget": 3}, "budget: unknown field"),
    (
        "negative limit",
        GOOD | {"resources": {"capex_short": -1}},
        "resources.capex_short: must be a number >= 0",
    ),
    (
        "string limit",
        GOOD | {"resources": {"capex_short": "12"}},
        "resources.capex_short: must be a number >= 0",
    ),
    ("bool value", with_action(1, value=True), "actions[1].value: must be a number >= 0"),
    ("negative value", with_action(1, value=-3), "actions[1].value: must be a number >= 0"),
    (
        "NaN use",
        '{"resources": {"capex": 1}, "actions": [{"id": "a", "value": 1, "uses": {"capex": NaN}}]}',
        "actions[0].uses.capex: must be a finite number",
    ),
    (
        "infinite value",
        '{"resources": {}, "actions": [{"id": "a", "value": Infinity}]}',
        "actions[0].value: must be a finite number",
    ),
    (
        "negative use",
        with_action(3, uses={"capex_medium": -2}),
        "actions[3].uses.capex_medium: must be a number >= 0",
    ),
    (
        "unknown resource",
        with_action(3, uses={"capex": 2}),
        "actions[3].uses.capex: 'capex' is not one of the resources",
    ),
    (
        "duplicate id",
        with_action(1, id="H-01"),
        "actions[1].id: duplicate id 'H-01' (also actions[0])",
    ),
    ("missing id", with_action(1, id=""), "actions[1].id: must not be empty"),
    (
        "unknown requires",
        with_action(0, requires=["Z-9"]),
        "actions[0].requires[0]: unknown action id 'Z-9'",
    ),
    (
        "unknown excludes",
        with_action(0, excludes=["Z-9"]),
        "actions[0].excludes[0]: unknown action id 'Z-9'",
    ),
    (
        "self requires",
        with_action(0, requires=["H-01"]),
        "actions[0].requires: an action cannot require itself",
    ),
    (
        "unknown synergy",
        GOOD | {"synergies": [{"actions": ["H-01", "Q"], "bonus": 1}]},
        "synergies[0].actions[1]: unknown action id 'Q'",
    ),
    (
        "negative bonus",
        GOOD | {"synergies": [{"actions": ["H-01", "W-07"], "bonus": -1}]},
        "synergies[0].bonus: must be a number >= 0",
    ),
    (
        "one-member synergy",
        GOOD | {"synergies": [{"actions": ["H-01"], "bonus": 1}]},
        "synergies[0].actions: a synergy needs at least two different actions",
    ),
    (
        "unknown lock",
        GOOD | {"must_include": ["nope"]},
        "must_include[0]: unknown action id 'nope'",
    ),
    (
        "unknown exclusion lock",
        GOOD | {"must_exclude": ["nope"]},
        "must_exclude[0]: unknown action id 'nope'",
    ),
    (
        "fractional sector minimum",
        GOOD | {"min_per_sector": {"health": 1.5}},
        "min_per_sector.health: must be a whole number",
    ),
    ("negative max", GOOD | {"max_actions": -1}, "max_actions: must be a whole number >= 0"),
    ("uses not an object", with_action(0, uses=[1]), "actions[0].uses: must be an object"),
]


@pytest.mark.parametrize(("label", "data", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_exits_2_with_one_line_naming_the_field(
    tmp_path: Path, label: str, data: Any, message: str
) -> None:
    result = run("optimize", write(tmp_path, data))
    assert result.returncode == 2, (label, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0], lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["optimize", "/no/such/file.json"], "/no/such/file.json: no such file"),
        (["optimize", "GOOD", "--time-limit", "0"], "--time-limit: must be a number > 0"),
        (
            ["optimize", "GOOD", "--time-limit", "soon"],
            "--time-limit: must be a number, got 'soon'",
        ),
        (["optimize", "GOOD", "--gap", "-0.1"], "--gap: must be a number from 0 to below 1"),
        (
            ["price-of-robustness", "GOOD", "--workers", "0"],
            "--workers: must be 1 to 16, got '0'",
        ),
        (
            ["price-of-robustness", "GOOD", "--workers", "two"],
            "--workers: must be a whole number, got 'two'",
        ),
        (["optimize", "GOOD", "--workers", "2"], "unrecognized arguments: --workers 2"),
        (["optimize"], "the following arguments are required: PROBLEM.json"),
        (["rank", "GOOD"], "resources: unknown field"),
    ],
)
def test_bad_options_and_files(tmp_path: Path, args: list[str], message: str) -> None:
    good = write(tmp_path, GOOD)
    result = run(*[good if a == "GOOD" else a for a in args])
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_stdin_and_a_folder(tmp_path: Path) -> None:
    assert json.loads(run("optimize", "-", stdin=json.dumps(GOOD)).stdout)["status"] == "optimal"
    result = run("optimize", str(tmp_path))
    assert result.returncode == 2
    assert "is a folder" in result.stderr


def test_other_verbs_run_end_to_end(tmp_path: Path) -> None:
    rank_spec = {
        "method": "topsis",
        "normalization": "vector",
        "alternatives": ["a", "b"],
        "criteria": [{"id": "value", "weight": 1, "type": "benefit"}],
        "matrix": [[1], [2]],
    }
    assert json.loads(run("rank", write(tmp_path, rank_spec)).stdout)["ranking"] == ["b", "a"]
    weights = {"method": "ahp", "criteria": ["x", "y"], "pairwise": [[1, 3], [1 / 3, 1]]}
    assert json.loads(run("weights", write(tmp_path, weights)).stdout)["weights"][
        "x"
    ] == pytest.approx(0.75)
    explained = json.loads(
        run("explain", write(tmp_path, GOOD), "--frontier-resource", "capex_short").stdout
    )
    assert explained["actions"]["H-02"]["kept_out_by"] == ["H-01 in the package excludes it"]
    assert explained["frontier"]["resource"] == "capex_short"


def test_robustness_and_value_verbs(tmp_path: Path) -> None:
    spec = {
        "method": "weighted_sum",
        "alternatives": ["a", "b"],
        "criteria": [{"id": "x", "weight": 1}, {"id": "y", "weight": 1}],
        "matrix": [[1, 0], [0, 1]],
        "samples": 100,
        "seed": 3,
    }
    out = json.loads(run("robustness", write(tmp_path, spec)).stdout)
    assert out["kind"] == "ranking"
    assert sum(out["first_rank_acceptability"].values()) == pytest.approx(1.0)
    bad = run("robustness", write(tmp_path, spec | {"samples": 0}))
    assert bad.returncode == 2
    assert bad.stderr.strip() == "samples: must be a whole number >= 1"
    value = {
        "hazards": [{"id": "flood", "likelihood": 4, "impact": 5}],
        "actions": [{"id": "drain", "effectiveness": {"flood": 3}}],
        "weights": {"resilience": 1},
    }
    assert json.loads(run("value", write(tmp_path, value)).stdout)["values"][
        "drain"
    ] == pytest.approx(80.0)


def test_help_lists_the_engine_verbs() -> None:
    out = run("--help").stdout
    verbs = ["optimize", "rank", "weights", "robustness", "explain", "value", "budget-risk"]
    for verb in [*verbs, "price-of-robustness"]:
        assert f"  {verb}" in out


def test_budget_risk_and_price_of_robustness_verbs(tmp_path: Path) -> None:
    ranged = json.loads(json.dumps(GOOD))
    ranged["actions"][0]["uses_high"] = {"capex_short": 3.0}
    ranged["actions"][2]["uses_high"] = {"capex_short": 10.0}
    spec = ranged | {"selected": ["G-03", "H-01", "W-07"], "draws": 20_000, "seed": 4}
    done = run("budget-risk", write(tmp_path, spec))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    capex = result["resources"]["capex_short"]
    assert 0 < capex["probability"] < 1 and capex["p50"] <= capex["p80"] <= capex["p90"]
    assert result["resources"]["capex_medium"]["probability"] == 1.0
    assert (
        json.loads(run("budget-risk", write(tmp_path, spec)).stdout)["resources"]
        == (result["resources"])
    )  # the same seed, the same figures
    curve = run("price-of-robustness", write(tmp_path, ranged, "r.json"))
    assert curve.returncode == 0, curve.stderr
    points = json.loads(curve.stdout)["points"]
    assert points[0]["gamma"] == 0 and all(p["value"] <= points[0]["value"] for p in points)
    two = run("price-of-robustness", write(tmp_path, ranged, "r.json"), "--workers", "2")
    assert two.returncode == 0, two.stderr
    assert json.loads(two.stdout)["points"] == points
    robust = run("optimize", write(tmp_path, ranged | {"robust": {"gamma": {"capex_short": 1}}}))
    assert json.loads(robust.stdout)["robust"]["worst_case_usage"]["capex_short"] <= 12.5


@pytest.mark.parametrize(
    ("verb", "change", "line"),
    [
        ("budget-risk", {"selected": ["H-01"], "draws": 5},
         "draws: must be a whole number >= 100"),
        ("budget-risk", {"selected": ["H-09"]}, "selected[0]: unknown action id 'H-09'"),
        ("budget-risk", {}, "selected: is required"),
        ("optimize", {"robust": {"gamma": {"land": 2}}},
         "robust.gamma.land: 'land' is not one of the resources"),
        ("price-of-robustness", {"futures": {"names": ["a"], "objective": "best"}},
         "futures.objective: must be one of: max_min, min_max_regret"),
    ],
)  # fmt: skip
def test_the_new_verbs_refuse_bad_input_by_name(
    tmp_path: Path, verb: str, change: dict[str, Any], line: str
) -> None:
    done = run(verb, write(tmp_path, GOOD | change))
    assert done.returncode == 2
    assert done.stderr.strip() == line
    assert done.stdout == ""


def test_a_bad_uses_high_exits_2_naming_the_action(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["actions"][3]["uses_high"] = {"capex_medium": 9}
    done = run("optimize", write(tmp_path, bad))
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "actions[3].uses_high.capex_medium: must be >= uses",
    )


def test_portfolio_verb_answers_and_names_the_clashing_rules(tmp_path: Path) -> None:
    spec: dict[str, Any] = {
        "pot": 600000,
        "claims": [
            {"id": "RW-KIGALI-001", "country": "RW", "city": "kigali", "ask": 90000,
             "min": 60000, "value": 71.5},
            {"id": "RW-KIGALI-002", "country": "RW", "city": "kigali", "ask": 200000,
             "value": 60},
            {"id": "BD-RAJ-001", "country": "BD", "city": "rajshahi", "ask": 300000,
             "value": 80},
        ],
        "min_per_country": 2,
        "max_per_city": 2,
        "country_floor_share": 0.2,
        "must_include": [],
        "must_exclude": [],
    }  # fmt: skip
    done = run("portfolio", write(tmp_path, spec))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "optimal"
    assert sum(result["awards"].values()) <= 600000
    assert set(result["awards"]) == {"RW-KIGALI-001", "RW-KIGALI-002", "BD-RAJ-001"}
    spec["max_per_city"] = 1  # Kigali cannot hold both of Rwanda's two
    clash = json.loads(run("portfolio", write(tmp_path, spec)).stdout)
    assert clash["status"] == "infeasible"
    assert "at most 1 supported claim in kigali" in clash["reason"]
    assert "at least 2 supported claims in RW" in clash["reason"]
    spec["claims"][0]["min"] = 100000
    bad = run("portfolio", write(tmp_path, spec))
    assert (bad.returncode, bad.stderr.strip()) == (2, "claims[0].min: must be <= ask")
