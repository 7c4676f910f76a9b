"""The import graph of ``lms``'s domain packages, built from the source (``python -m lms.architecture``).

Every import counts: at the top of a module and inside functions, absolute and relative. A package is
``lms.<name>`` for a sub-package of ``lms``; a top-level module of ``lms`` (``lms.signals``,
``lms.clock``…) is shared infrastructure and belongs to no domain. The one exception is the API's
registry, ``lms.api``, which imports each domain's ``api.py`` to mount it: that edge runs against the
grain on purpose and is left out. Domains must depend in one direction: the graph of packages has no
cycle (a test keeps it so). Nothing here imports the code it reads.
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent
#: (importer's package, imported module prefix) edges that are a registry, not a dependency.
REGISTRY = ("api",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports (fully qualified), with the line, wherever the import stands."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            for alias in node.names:          # ``from lms import signals`` imports a module
                name = f"{target}.{alias.name}"
                yield (name if _is_module(name) else target), node.lineno


def _is_module(name: str) -> bool:
    path = ROOT.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _package(module: str) -> str | None:
    """The domain package a module belongs to (``lms.hub.client`` → ``hub``), or None."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "lms":
        return None
    if (ROOT / parts[1]).is_dir() and (ROOT / parts[1] / "__init__.py").exists():
        return parts[1]
    return None


def package_edges() -> dict[tuple[str, str], list[str]]:
    """``(importer, imported) → ["lms/x/y.py:12", …]`` between different domain packages."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = _package(_module_name(path))
        if source is None:
            continue
        for target_module, line in _imports(path):
            target = _package(target_module)
            if target is None or target == source:
                continue
            if source in REGISTRY and target_module.endswith(".api"):
                continue
            where = f"{path.relative_to(ROOT.parent)}:{line}"
            places = edges.setdefault((source, target), [])
            if where not in places:
                places.append(where)
    return edges


def graph() -> dict[str, set[str]]:
    nodes: dict[str, set[str]] = {}
    for source, target in package_edges():
        nodes.setdefault(source, set()).add(target)
        nodes.setdefault(target, set())
    return nodes


def cycles() -> list[list[str]]:
    """The strongly-connected components with more than one package (Tarjan), each sorted."""
    nodes = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(nodes[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return found


def cycle_path(component: list[str]) -> list[str]:
    """One concrete loop through a component: ``[a, b, …, a]``."""
    nodes = graph()
    members = set(component)
    start = component[0]
    # breadth-first from start back to start, inside the component
    paths = {successor: [start, successor] for successor in sorted(nodes[start]) if successor in members}
    queue = list(paths)
    while queue:
        node = queue.pop(0)
        if start in nodes[node]:
            return paths[node] + [start]
        for successor in sorted(nodes[node]):
            if successor in members and successor not in paths:
                paths[successor] = paths[node] + [successor]
                queue.append(successor)
    return component + [start]


def main(argv: list[str] | None = None) -> int:
    edges = package_edges()
    nodes = graph()
    for source in sorted(nodes):
        targets = sorted(nodes[source])
        print(f"{source} -> {', '.join(targets) if targets else '(nothing)'}")
    if "-v" in (argv or sys.argv[1:]):
        print()
        for (source, target), places in sorted(edges.items()):
            print(f"{source} -> {target}: {', '.join(places)}")
    loops = cycles()
    for component in loops:
        path = cycle_path(component)
        print(f"\ncycle: {' -> '.join(path)}")
        for source, target in zip(path, path[1:]):
            print(f"  {source} -> {target}: {', '.join(edges[(source, target)][:4])}")
    return 1 if loops else 0


if __name__ == "__main__":
    raise SystemExit(main())
