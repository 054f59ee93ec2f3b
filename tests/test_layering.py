"""The layering declared in pyproject.toml ([tool.importlinter]) holds: transforms and schemas never import
flows, transforms do no I/O and know nothing of Prefect, flows is layered by job (cli > schedule > pipeline >
io > config); no module imports another that imports it back, and flows imports at the top of modules."""
import ast
import subprocess
import sys
from pathlib import Path

import grimp

from tests.conftest import REPO

PACKAGES = ("flows", "transforms", "schemas", "mappings")


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def import_cycles(graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted; sorted."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []

    def visit(module, counter=[0]):
        index[module] = low[module] = counter[0]
        counter[0] += 1
        stack.append(module)
        on_stack.add(module)
        for target in graph.find_modules_directly_imported_by(module):
            if target not in graph.modules:
                continue
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(groups)


def test_no_import_cycles():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "__init__.py").write_text("")
    (tmp_path / "loop" / "a.py").write_text("from loop import b\n")
    (tmp_path / "loop" / "b.py").write_text("from loop import a\n")
    (tmp_path / "loop" / "c.py").write_text("from loop import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(grimp.build_graph("loop", cache_dir=None)) == [["loop.a", "loop.b"]]


def imports_inside_functions(source: str) -> list[int]:
    """Line numbers of import statements that are not at module level (nor under a module-level try/if)."""
    tree = ast.parse(source)
    top = set()
    for node in tree.body:
        for inner in ast.walk(node) if isinstance(node, (ast.Try, ast.If)) else (node,):
            if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                break
            top.add(id(inner))
    return sorted(n.lineno for n in ast.walk(tree)
                  if isinstance(n, (ast.Import, ast.ImportFrom)) and id(n) not in top)


def test_flows_imports_are_at_the_top_of_modules():
    found = {str(path.relative_to(REPO)): lines for path in sorted((REPO / "flows").rglob("*.py"))
             if (lines := imports_inside_functions(path.read_text()))}
    assert found == {}


def test_the_import_finder_sees_an_import_in_a_function():
    assert imports_inside_functions("import os\ntry:\n    import x\nexcept ImportError:\n    x = None\n"
                                    "def f():\n    import json\n") == [7]
