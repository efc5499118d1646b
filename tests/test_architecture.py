"""The house: one concept per folder, one job per module, no import cycles.

Imports inside functions count as edges: hiding an import in a function hides a cycle, it does
not remove it. A function-level import of another smgov_nlp module is allowed only where it keeps
a heavy optional dependency off a light path (listed in LAZY, with the reason).
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "smgov_nlp"
MAX_LINES = 400

# module -> internal modules it may import inside a function, and why
LAZY = {
    # the CLI's command modules import each command's workflow when the command runs, so `smgov score`
    # starts without scikit-learn, spaCy or textual
    "smgov_nlp.cli.coding": "every command",
    "smgov_nlp.cli.ideas": "every command",
    "smgov_nlp.cli.qda": "every command",
    "smgov_nlp.cli.review": "every command",
    # a model folder without heads.npz is scored by its pickled scikit-learn classifier
    "smgov_nlp.model.folder": "smgov_nlp.coding.classifier",
}



def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path) -> tuple[set[str], set[str]]:
    """Internal modules ``path`` imports: (at module level, inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top, nested = set(), set()

    def visit(node, inside):
        for child in ast.iter_child_nodes(node):
            now = inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            targets: list[str] = []
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                targets = [f"{child.module}.{alias.name}" if f"{child.module}.{alias.name}" in MODULES else child.module
                           for alias in child.names]
            for target in targets:
                if target in MODULES and target != "smgov_nlp":
                    (nested if now else top).add(target)
            visit(child, now)

    visit(tree, False)
    return top, nested


GRAPH = {name: imports(path) for name, path in MODULES.items()}


def test_no_module_over_400_lines():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_no_relative_imports():
    """Absolute imports only: a module's imports read the same wherever it lives."""
    relative = [name for name, path in MODULES.items()
                if any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))]
    assert not relative


def test_no_import_cycles_counting_imports_inside_functions():
    edges = {name: top | nested for name, (top, nested) in GRAPH.items()}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(v):  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strongconnect(v)
    assert not cycles, f"import cycles: {cycles}"


def test_function_level_imports_only_for_heavy_optional_paths():
    hidden = {}
    for name, (_, nested) in GRAPH.items():
        allowed = LAZY.get(name)
        extra = nested if allowed is None else (set() if allowed == "every command" else nested - {allowed})
        if extra:
            hidden[name] = sorted(extra)
    assert not hidden, f"internal imports inside functions (move them to the top): {hidden}"


def test_every_folder_is_a_package_listed_for_the_wheel():
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    folders = {module_name(p) for p in PACKAGE.rglob("__init__.py")}
    assert folders <= listed, f"not listed in pyproject.toml: {sorted(folders - listed)}"
