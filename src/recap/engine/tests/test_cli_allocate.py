"""`recap allocate FILE.pb --rule ...`: the participatory-budgeting verb, run for real on the
shipped pabulib files (docs/participatory-budgeting.md): its `selected` equals `pb_outcome`'s
and pabutools', `approvals` equals the files' own vote counts, and every bad input exits 2
with one line naming the option, the file or the line."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from recap.engine.cli import MAX_INPUT_BYTES, main
from recap.engine.pabulib import PbInstance, parse_pabulib
from recap.engine.pb import Minimum, pb_outcome

RECAP = str(Path(sys.executable).parent / "recap")
DATA = Path(__file__).parent / "data" / "pabulib"
REAL = sorted(DATA.glob("*.pb"))
NISKIE = DATA / "poland_warszawa_2018_niskie-okecie.pb"  # approval, 12 projects, 229 voters
TOULOUSE = DATA / "france_toulouse_2019_.pb"  # cumulative, 30 projects, 1,494 voters
WESOLA = DATA / "poland_warszawa_2017_plac-wojska-polskiego.pb"  # approval, 4 projects

SMALL = (
    "META\nkey;value\nbudget;100\nvote_type;approval\n"
    "PROJECTS\nproject_id;cost;district\na;60;North\nb;50;South\nc;50;South\nd;10;North\n"
    "VOTES\nvoter_id;vote\n1;a,b\n2;a,c\n3;a\n4;b,c\n5;b,c\n6;d\n"
)


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [RECAP, "allocate", *args], capture_output=True, input=stdin, timeout=120, check=False
    )


def allocate(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    """The verb's main() in this process (the same code the console script runs)."""
    code = main(["allocate", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    result: dict[str, Any] = json.loads(out)
    return result


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """main() must exit 2, print nothing on stdout and one line on stderr; returns the line."""
    code = main(["allocate", *args])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _instance(path: Path) -> PbInstance:
    return parse_pabulib(path.read_text("utf-8"))


def _cases(inst: PbInstance) -> list[tuple[str, str | None]]:
    cases: list[tuple[str, str | None]] = [
        ("greedy", None),
        ("exact", None),
        ("mes", None),
        ("mes", "utilitarian_greedy"),
    ]
    if inst.is_approval:
        cases += [("phragmen", None), ("phragmen", "utilitarian_greedy")]
    return cases


# --------------------------------------------------------------------------------------------
# Good input: the verb answers what the library answers


@pytest.mark.parametrize("path", REAL, ids=[p.stem for p in REAL])
def test_each_rule_selects_what_pb_outcome_selects(
    capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    inst = _instance(path)
    for rule, completion in _cases(inst):
        args = [str(path), "--rule", rule] + (["--completion", completion] if completion else [])
        got = allocate(capsys, *args)
        want = pb_outcome(inst, "utilitarian" if rule == "exact" else rule, completion)
        assert got["selected"] == want["selected"], (rule, completion)  # same order too
        assert got["selected"], (rule, completion)  # every shipped file funds something
        assert got["cost"] == want["cost"] == sum(inst.index[p].cost for p in got["selected"])
        assert got["cost"] <= inst.budget
        assert got["rule"] == want["rule"]
        assert got["completion"] == completion
        assert got["support"] == want["figures"]["support_covered"]
        assert got["not_funded"] == want["not_funded"]


@pytest.mark.parametrize("path", REAL, ids=[p.stem for p in REAL])
def test_approvals_are_the_files_own_vote_counts_of_the_funded_projects(
    capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    # Every shipped file's PROJECTS has a `votes` column: how many ballots name the project.
    inst = _instance(path)
    votes = {p.id: int(p.attributes["votes"]) for p in inst.projects}
    for rule in ("greedy", "mes"):
        got = allocate(capsys, str(path), "--rule", rule)
        assert got["approvals"] == sum(votes[p] for p in got["selected"]), rule
        if inst.is_approval:
            assert got["support_kind"] == "approvals"
            assert got["support"] == got["approvals"]
        else:
            assert got["support_kind"] == "points"
            assert got["support"] > got["approvals"]  # some voters gave 2 or 3 points


def test_niskie_okecie_figures() -> None:
    # Documented in docs/participatory-budgeting.md: greedy funds 7 projects for 357,735 PLN
    # and 612 of 870 approvals; plain MES 5 projects for 258,185 PLN and 457 approvals.
    greedy = json.loads(run(str(NISKIE), "--rule", "greedy").stdout)
    assert (len(greedy["selected"]), greedy["cost"], greedy["approvals"]) == (7, 357735, 612)
    mes = json.loads(run(str(NISKIE), "--rule", "mes").stdout)
    assert (len(mes["selected"]), mes["cost"], mes["approvals"]) == (5, 258185, 457)


def _pabutools(path: Path, rule: str, completion: str | None) -> set[str] | list[set[str]]:
    """pabutools' outcome, read by pabutools' own parser (lexicographic ties); for `exact`
    every optimal set. pabutools is a test dependency only: without it these tests skip."""
    election = pytest.importorskip("pabutools.election")
    rules = pytest.importorskip("pabutools.rules")
    tb = pytest.importorskip("pabutools.tiebreaking").lexico_tie_breaking
    inst, prof = election.parse_pabulib(str(path))
    cost_sat = election.Cost_Sat
    if rule == "greedy":
        out = rules.greedy_utilitarian_welfare(inst, prof, cost_sat, tie_breaking=tb)
        return {p.name for p in out}
    if rule == "exact":
        optima = rules.max_additive_utilitarian_welfare(
            inst, prof, sat_class=election.Cardinality_Sat, resoluteness=False
        )
        return [{p.name for p in o} for o in optima]
    if rule == "phragmen":
        return {p.name for p in rules.sequential_phragmen(inst, prof, tie_breaking=tb)}
    mes = {"sat_class": cost_sat, "tie_breaking": tb}
    if completion is None:
        return {p.name for p in rules.method_of_equal_shares(inst, prof, **mes)}
    assert completion == "utilitarian_greedy"
    out = rules.completion_by_rule_combination(
        inst, prof, [rules.method_of_equal_shares, rules.greedy_utilitarian_welfare], [mes, mes]
    )
    return {p.name for p in out}


@pytest.mark.parametrize(
    ("rule", "completion"),
    [
        ("greedy", None),
        ("exact", None),
        ("mes", None),
        ("mes", "utilitarian_greedy"),
        ("phragmen", None),
    ],
)
def test_the_real_cli_equals_pabutools_on_warsaw_niskie_okecie(
    rule: str, completion: str | None
) -> None:
    args = [str(NISKIE), "--rule", rule] + (["--completion", completion] if completion else [])
    done = run(*args)
    assert done.returncode == 0, done.stderr
    got = set(json.loads(done.stdout)["selected"])
    want = _pabutools(NISKIE, rule, completion)
    if isinstance(want, list):  # exact: ours must be an optimum, and here it is the only one
        assert got in want
        assert len(want) == 1
    else:
        assert got == want


def test_mes_on_toulouse_equals_pabutools_with_points() -> None:
    election = pytest.importorskip("pabutools.election")
    rules = pytest.importorskip("pabutools.rules")
    tb = pytest.importorskip("pabutools.tiebreaking").lexico_tie_breaking
    done = run(str(TOULOUSE), "--rule", "mes")
    assert done.returncode == 0, done.stderr
    inst, prof = election.parse_pabulib(str(TOULOUSE))
    want = rules.method_of_equal_shares(
        inst, prof, sat_class=election.Additive_Cardinal_Sat, tie_breaking=tb
    )
    assert set(json.loads(done.stdout)["selected"]) == {p.name for p in want}


# --------------------------------------------------------------------------------------------
# Options, stdin, output file


def test_stdin_output_file_and_only_json_on_stdout(tmp_path: Path) -> None:
    text = WESOLA.read_bytes()
    from_stdin = run("-", "--rule", "mes", stdin=text)
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stderr == b""
    from_file = run(str(WESOLA), "--rule", "mes")
    assert json.loads(from_stdin.stdout) == json.loads(from_file.stdout)
    out = tmp_path / "result.json"
    written = run(str(WESOLA), "--rule", "mes", "-o", str(out))
    assert written.returncode == 0
    assert written.stdout == b""
    assert json.loads(out.read_text("utf-8")) == json.loads(from_file.stdout)
    # A byte-order mark (as some spreadsheet exports write) is not content.
    with_bom = run("-", "--rule", "mes", stdin=b"\xef\xbb\xbf" + text)
    assert json.loads(with_bom.stdout)["selected"] == json.loads(from_file.stdout)["selected"]


def test_exact_is_utilitarian(capsys: pytest.CaptureFixture[str]) -> None:
    exact = allocate(capsys, str(TOULOUSE), "--rule", "exact")
    assert exact == allocate(capsys, str(TOULOUSE), "--rule", "utilitarian")
    assert exact["rule"] == "utilitarian"
    assert exact["details"]["optimum"] == exact["support"]


def test_tie_breaking_and_minimums_reach_the_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    small = tmp_path / "small.pb"
    small.write_text(SMALL, "utf-8")
    inst = parse_pabulib(SMALL)
    # Support a 3, b 3, c 3, d 1: by id, greedy takes a (60) then d; cheapest first, b and c.
    assert allocate(capsys, str(small), "--rule", "greedy")["selected"] == ["a", "d"]
    cheap = allocate(capsys, str(small), "--rule", "greedy", "--tie-breaking", "min_cost")
    assert cheap["selected"] == pb_outcome(inst, "greedy", None, "min_cost")["selected"]
    assert cheap["selected"] == ["b", "c"]
    assert allocate(capsys, str(small), "--rule", "exact")["selected"] == ["b", "c"]
    north = allocate(capsys, str(small), "--rule", "exact", "--minimum", "district=North:1")
    want = pb_outcome(inst, "utilitarian", minimums=[Minimum("district", "North", projects=1)])
    assert north["selected"] == want["selected"]
    assert north["selected"] == ["a", "d"]  # 4 approvals: a plus the one that still fits
    money = allocate(capsys, str(small), "--rule", "exact", "--minimum-cost", "district=North:61")
    want = pb_outcome(
        inst, "utilitarian", minimums=[Minimum("district", "North", cost=Fraction(61))]
    )
    assert money["selected"] == want["selected"] == ["a", "d"]
    # No selection funds three northern projects: a result, not an error.
    none = allocate(capsys, str(small), "--rule", "exact", "--minimum", "district=North:3")
    assert (none["status"], none["selected"], none["cost"], none["approvals"]) == (
        "infeasible",
        [],
        0,
        0,
    )


def test_help_lists_and_describes_the_verb() -> None:
    listing = subprocess.run([RECAP, "--help"], capture_output=True, text=True, check=False)
    assert "  allocate" in listing.stdout
    helped = subprocess.run(
        [RECAP, "help", "allocate"], capture_output=True, text=True, check=False
    )
    assert helped.returncode == 0
    assert "--completion" in helped.stdout
    assert "--minimum FIELD=VALUE:COUNT" in helped.stdout


# --------------------------------------------------------------------------------------------
# Bad input: exit 2, one line, naming the option, the file or the line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["FILE"], "the following arguments are required: --rule"),
        (["FILE", "--rule", "borda"], "argument --rule: invalid choice: 'borda'"),
        (["FILE", "--rule", "mes", "--completion", "more"], "argument --completion: invalid"),
        (
            ["FILE", "--rule", "greedy", "--completion", "add_one"],
            "argument --completion: greedy takes none (it is exhaustive)",
        ),
        (
            ["FILE", "--rule", "exact", "--completion", "utilitarian_greedy"],
            "argument --completion: exact takes none (it is exhaustive)",
        ),
        (
            ["FILE", "--rule", "phragmen", "--completion", "add_one"],
            (
                "argument --completion: add_one completes mes only; phragmen takes only "
                "utilitarian_greedy"
            ),
        ),
        (["FILE", "--rule", "mes", "--tie-breaking", "random"], "argument --tie-breaking"),
        (
            ["FILE", "--rule", "exact", "--minimum", "district:2"],
            "argument --minimum: must be FIELD=VALUE:COUNT, got 'district:2'",
        ),
        (
            ["FILE", "--rule", "exact", "--minimum", "district=North:0"],
            "argument --minimum: COUNT must be a whole number >= 1, got 'district=North:0'",
        ),
        (
            ["FILE", "--rule", "exact", "--minimum", "district=North:two"],
            "argument --minimum: COUNT must be a whole number >= 1",
        ),
        (
            ["FILE", "--rule", "exact", "--minimum-cost", "district=North:-5"],
            "argument --minimum-cost: AMOUNT must be a number > 0, got 'district=North:-5'",
        ),
        (
            ["FILE", "--rule", "mes", "--minimum", "district=North:1"],
            "argument --minimum/--minimum-cost: apply to --rule exact only",
        ),
        (["/no/such/file.pb", "--rule", "mes"], "/no/such/file.pb: no such file"),
    ],
)
def test_bad_options_exit_2_naming_the_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    small = tmp_path / "small.pb"
    small.write_text(SMALL, "utf-8")
    line = refused(capsys, *[str(small) if a == "FILE" else a for a in args])
    assert message in line


def test_phragmen_on_points_names_the_vote_type(capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(capsys, str(TOULOUSE), "--rule", "phragmen")
    assert line == (
        "recap allocate: argument --rule: phragmen applies to approval ballots only "
        "(this file's vote_type is cumulative)"
    )


def _broken(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


BAD_FILES = [
    (
        "unknown project",
        _broken(SMALL, "6;d\n", "6;e\n"),
        "VOTES line 18, vote: names unknown project 'e'",
    ),
    (
        "bad cost",
        _broken(SMALL, "b;50;", "b;fifty;"),
        "PROJECTS line 8, cost: must be a number >= 0 (got 'fifty')",
    ),
    ("no VOTES", SMALL.split("VOTES", maxsplit=1)[0], "VOTES: section is missing"),
    (
        "num_votes wrong",
        _broken(SMALL, "vote_type;approval\n", "vote_type;approval\nnum_votes;7\n"),
        "META line 5, num_votes: says 7 but the file has 6 votes",
    ),
    ("no budget", _broken(SMALL, "budget;100\n", ""), "META, budget: is required"),
    (
        "ordinal",
        _broken(SMALL, "vote_type;approval", "vote_type;ordinal"),
        "vote_type: ordinal ballots carry no scores",
    ),
    ("JSON, not .pb", '{"pb": "META"}', "line 1: text before the META section"),
    ("empty", "", "META: section is missing"),
    (
        "ragged row",
        _broken(SMALL, "b;50;South", "b;50"),
        "PROJECTS line 8: has 2 cells; the header has 3",
    ),
]


@pytest.mark.parametrize(("label", "text", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_pb_files_exit_2_naming_the_line_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, label: str, text: str, message: str
) -> None:
    path = tmp_path / "bad.pb"
    path.write_text(text, "utf-8")
    line = refused(capsys, str(path), "--rule", "greedy")
    assert line.startswith(message), (label, line)


def test_not_utf8_binary_huge_and_folders_exit_2(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.pb"
    latin1.write_bytes(_broken(SMALL, "North", "Pó").encode("latin-1"))
    garbage = tmp_path / "garbage.pb"
    garbage.write_bytes(bytes(range(256)) * 4)
    huge = tmp_path / "huge.pb"
    with huge.open("wb") as handle:  # sparse: the size is real, the disk is not used
        handle.truncate(MAX_INPUT_BYTES + 1)
    cases = [
        ([str(latin1)], None, f"{latin1}: line 7: not UTF-8 text (byte 0xf3 at column 7)"),
        ([str(garbage)], None, f"{garbage}: line 1: a NUL byte: binary data, not a .pb"),
        ([str(huge)], None, f"{huge}: larger than 50 MB"),
        (["-"], b"\x00" * (MAX_INPUT_BYTES + 2), "-: larger than 50 MB"),
        (["-"], b"META\n\xff\n", "-: line 2: not UTF-8 text (byte 0xff at column 1)"),
        ([str(tmp_path)], None, f"{tmp_path}: is a folder, not a file"),
        ([str(WESOLA), "-o", str(tmp_path / "no" / "r.json")], None, "cannot write the result"),
    ]
    for args, stdin, message in cases:
        done = run(*args, "--rule", "mes", stdin=stdin)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stdout == b""
        err = done.stderr.decode("utf-8")
        assert len(err.strip().splitlines()) == 1, err
        assert message in err, err
        assert "Traceback" not in err
