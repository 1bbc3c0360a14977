"""What hostile spreadsheets cost the reader every upload and `recap catalogue import` share.

Usage:  .venv/bin/python -m benchmarks.uploads [--timeout S] [--baseline REV]

Each file from `recap.core.tests.hostile` (and a legitimate 5,000-row catalogue as the
baseline a real user sends) is read by `core.tabular.read_table` in a fresh process: the table
gives the file's size, the outcome (accepted, refused with the first line of the message, or a
crash), the seconds and the process's peak memory. `--baseline REV` runs the same files against
another revision of the repository checked out beside this one (`git worktree`), for a before
and after in one run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAZARDS = ROOT / "src" / "recap" / "hazards" / "data" / "taxonomy.json"
CASES = [
    ("legitimate 5,000 rows", "legitimate", [5000]),
    ("one row of 3 M cells", "wide_row", [3_000_000]),
    ("one row of 10 M cells", "wide_row", [10_000_000]),
    ("a 20 M-character cell", "long_cell", [20_000_000]),
    ("a value in column XFD", "far_cell", []),
    ("entities in a DTD", "entities", []),
    ("truncated workbook.xml", "truncated_workbook", []),
    ("truncated sheet XML", "truncated_sheet", []),
    ("corrupted deflate stream", "corrupt_deflate", []),
    ("size in the zip header lies", "lying_size", []),
]

PROBE = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
os.environ["DJANGO_SETTINGS_MODULE"] = "recap.settings.test"
import django
django.setup()
from recap.core.tabular import TableError, read_table
from recap.catalogue.spreadsheet import catalogue_sheet
data = open(sys.argv[2], "rb").read()
t = time.perf_counter()
try:
    hazards = [h["code"] for h in json.loads(open(sys.argv[3]).read())["hazards"]]
    rows = read_table(data, "upload.xlsx", catalogue_sheet(hazards))
    out = f"accepted ({len(rows)} rows)"
except TableError as exc:
    out = "refused: " + exc.errors[0].split(": ", 1)[-1][:70]
except BaseException as exc:
    out = f"crash: {type(exc).__name__}"
seconds = time.perf_counter() - t
# VmHWM: this process's own peak (ru_maxrss would carry the parent's over the fork).
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) // 1024
print(json.dumps({"out": out, "seconds": seconds, "peak_mb": peak}))
"""


def legitimate(rows: int) -> bytes:
    """A clean catalogue sheet of `rows` actions (the shipped 66 over and over, renumbered), as
    a city would send."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recap.settings.test")
    import django

    django.setup()
    from recap.catalogue.spreadsheet import catalogue_sheet
    from recap.core.tabular import write_xlsx

    src = ROOT / "src" / "recap"
    shipped = json.loads((src / "catalogue" / "data" / "actions.json").read_text("utf-8"))
    hazards = [
        h["code"]
        for h in json.loads((src / "hazards" / "data" / "taxonomy.json").read_text("utf-8"))[
            "hazards"
        ]
    ]
    out = []
    for k in range(rows):
        row = dict(shipped[k % len(shipped)])
        row |= row.pop("co_benefits") | {"code": f"A-{k:05d}"}
        out.append(row)
    return write_xlsx([(catalogue_sheet(hazards), out)])


def build(name: str, args: list[int]) -> bytes:
    if name == "legitimate":
        return legitimate(*args)
    from recap.core.tests import hostile

    data: bytes = getattr(hostile, name)(*args)
    return data


def measure(tree: Path, path: Path, timeout: float) -> dict[str, object]:
    """Read one file in a fresh process; its memory is sampled from outside as it runs, so a
    reader killed at the timeout still has a figure (the most it held until then)."""
    import psutil

    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and probe
            [sys.executable, "-c", PROBE, str(tree / "src"), str(path), str(HAZARDS)],
            stdout=out,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        watched = psutil.Process(proc.pid)
        peak, started = 0, time.monotonic()
        while proc.poll() is None and time.monotonic() - started < timeout:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, watched.memory_info().rss)
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            return {
                "out": f"still reading after {timeout:.0f} s (killed)",
                "seconds": timeout,
                "peak_mb": peak // 1048576,
            }
        out.seek(0)
        lines = out.read().strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"out": f"process died ({proc.returncode})", "seconds": None, "peak_mb": None}
    result: dict[str, object] = json.loads(lines[-1])
    result["peak_mb"] = max(int(str(result["peak_mb"])), peak // 1048576)
    return result


def git(*args: str) -> None:
    exe = shutil.which("git") or "git"
    subprocess.run([exe, "-C", str(ROOT), *args], check=True)  # noqa: S603 - our own repository


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--baseline", help="a git revision to measure beside this checkout")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    trees = [("now", ROOT)]
    worktree = None
    if args.baseline:
        worktree = Path(tempfile.mkdtemp(prefix="recap-baseline-"))
        git("worktree", "add", "-q", "--detach", str(worktree), args.baseline)
        trees.insert(0, (args.baseline, worktree))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(
                f"| file | size | {' | '.join(f'{label}: outcome | s | peak MB' for label, _ in trees)} |"
            )
            print("|---|---|" + "---|---|---|" * len(trees))
            for label, name, case_args in CASES:
                path = Path(tmp) / f"{name}.xlsx"
                path.write_bytes(build(name, case_args))
                cells = [label, f"{path.stat().st_size / 1024:,.0f} KB"]
                for _, tree in trees:
                    r = measure(tree, path, args.timeout)
                    seconds = "-" if r["seconds"] is None else f"{r['seconds']:.2f}"
                    cells += [str(r["out"]), seconds, str(r["peak_mb"] or "-")]
                print("| " + " | ".join(cells) + " |", flush=True)
    finally:
        if worktree is not None:
            git("worktree", "remove", "--force", str(worktree))


if __name__ == "__main__":
    main()
