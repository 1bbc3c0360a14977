"""The engine is a pure library: no Django, nothing else from recap."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent


def test_no_module_of_the_engine_imports_django_or_the_rest_of_recap() -> None:
    offenders = []
    for path in ENGINE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in {"django", "ninja"} or (
                    name.startswith("recap") and not name.startswith("recap.engine")
                ):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_importing_the_engine_loads_no_django() -> None:
    code = (
        "import sys, recap.engine, recap.engine.cli; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django' or "
        "(m.startswith('recap.') and not m.startswith('recap.engine'))); print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
