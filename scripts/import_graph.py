"""The import graph of one package of the project, from its source (nothing is run).

Usage:  .venv/bin/python scripts/import_graph.py src/recap/planning [--all]
        .venv/bin/python scripts/import_graph.py src/recap --apps

Prints each module with the modules of the same package it imports (lazy ones, inside a
function, marked `(lazy)`), then the import cycles, then the modules by layer (a module's
layer is one above the highest layer it imports). `--all` also lists imports of other recap
apps. `--apps`, on the project's package, draws the graph between its apps instead (each
module counted as its app: `recap.tracking.services` is `tracking`), so a cycle through several
apps shows. Tests and migrations are left out. Exit status 1 when there is a cycle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def module_name(root: Path, path: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, package: str, this: str) -> list[tuple[str, bool]]:
    tree = ast.parse(path.read_text("utf-8"))
    top = {id(n) for n in tree.body}
    found: list[tuple[str, bool]] = []
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        lazy = id(node) not in top
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = this.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names]
            if node.module:  # `from . import x` imports x, not the package
                found.append((target, lazy))
            found.extend((n, lazy) for n in names)
        elif isinstance(node, ast.Import):
            found.extend((a.name, lazy) for a in node.names)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def by_app(
    graph: dict[str, set[str]], lazy: set[tuple[str, str]], short: int
) -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """The graph between the package's apps: an arrow from one app to another wherever one of
    its modules imports one of the other's (lazy only when every such import is)."""

    def app(module: str) -> str:
        return module[short:].split(".", maxsplit=1)[0] or "(package)"

    apps: dict[str, set[str]] = {app(m): set() for m in graph}
    eager: set[tuple[str, str]] = set()
    for name, targets in graph.items():
        for target in targets:
            a, b = app(name), app(target)
            if a != b:
                apps[a].add(b)
                if (name, target) not in lazy:
                    eager.add((a, b))
    lazy_apps = {(a, b) for a in apps for b in apps[a] if (a, b) not in eager}
    return apps, lazy_apps


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1 or not Path(args[0]).is_dir():
        print(__doc__)
        return 2
    root = Path(args[0]).resolve()
    package = module_name(root, root / "__init__.py")
    files = [
        p
        for p in sorted(root.rglob("*.py"))
        if "tests" not in p.relative_to(root).parts and "migrations" not in p.parts
    ]
    modules = {module_name(root, p): p for p in files}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    lazy: set[tuple[str, str]] = set()
    outside: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for target, is_lazy in imports_of(path, package, name):
            if target in modules and target not in (name, package):
                graph[name].add(target)
                if is_lazy:
                    lazy.add((name, target))
            elif target.startswith("recap.") and not target.startswith(package):
                app = ".".join(target.split(".")[:2])
                outside[name].add(app)
    short = len(package) + 1
    if "--apps" in sys.argv:
        graph, lazy = by_app(graph, lazy, short)
        short = 0
    for name in sorted(graph):
        inside = ", ".join(
            t[short:] + (" (lazy)" if (name, t) in lazy else "") for t in sorted(graph[name])
        )
        line = f"{name[short:] or '(package)'} -> {inside or '-'}"
        if "--all" in sys.argv and outside[name]:
            line += f"   [other apps: {', '.join(sorted(outside[name]))}]"
        print(line)
    loops = cycles(graph)
    print(f"\ncycles: {len(loops)}")
    for loop in loops:
        print("  " + " <-> ".join(m[short:] for m in loop))
    if not loops:
        layer: dict[str, int] = {}

        def depth(m: str) -> int:
            if m not in layer:
                layer[m] = 1 + max((depth(t) for t in graph[m]), default=0)
            return layer[m]

        print("\nlayers, bottom first:")
        for k in range(1, max(map(depth, graph), default=0) + 1):
            print(f"  {k}: " + ", ".join(sorted(m[short:] for m in graph if layer[m] == k)))
    return 1 if loops else 0


if __name__ == "__main__":
    sys.exit(main())
