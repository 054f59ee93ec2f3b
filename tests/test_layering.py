"""The layering declared in pyproject.toml ([tool.importlinter]) holds: transforms and schemas never import
flows, transforms do no I/O and know nothing of Prefect, flows is layered by job (cli > schedule > pipeline >
io > config); no module imports another that imports it back, and flows imports at the top of modules, except
the few lazy imports listed in LAZY_IMPORTS (a run without PREFECT_API_URL never imports Prefect)."""
import ast
import os
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


# The only imports flows may make inside a function: (module file, imported module) -> why. Each one keeps a
# heavy package out of the commands that do not need it (docs/decisions.md, 2026-12-02, issue 13); the
# test below fails on any other import inside a function, and on an entry no longer used.
LAZY_IMPORTS = {
    ("flows/pipeline/engine.py", "prefect"): "flow and task: only when PREFECT_API_URL is set (0.8 s to import)",
    ("flows/pipeline/engine.py", "prefect.cache_policies"): "NO_CACHE for the tasks of a Prefect run",
    ("flows/pipeline/engine.py", "prefect.settings"): "PREFECT_HOME, made private before a Prefect run",
    ("flows/pipeline/artifacts.py", "prefect.context"): "whether a Prefect flow run is current (Prefect runs only)",
    ("flows/pipeline/artifacts.py", "prefect.artifacts"): "the run's summary artifacts (Prefect runs only)",
    ("flows/cli/schedule_command.py", "flows.schedule.deployments"): "Prefect deployments: `uof schedule` only",
    ("flows/pipeline/fan_out.py", "distributed"): "Dask's client and LocalCluster: `uof state` runs only",
    ("flows/pipeline/fan_out.py", "prefect"): "flow and task of a state run's fan-out under a Prefect API only",
    ("flows/pipeline/fan_out.py", "prefect.cache_policies"): "NO_CACHE for the fan-out's tasks (Prefect runs only)",
    ("flows/pipeline/fan_out.py", "prefect_dask"): "DaskTaskRunner: a state run's fan-out under a Prefect API only",
    ("flows/cli/render.py", "rich.progress"): "the progress display: on a terminal only (not from cron or a pipe)",
}


def lazy_imports(source: str) -> list[tuple[int, str]]:
    """(line, imported module) of the import statements that are not at module level (nor under a module-level
    try/if); `from . import x` gives the module named by the statement."""
    tree = ast.parse(source)
    top = set()
    for node in tree.body:
        for inner in ast.walk(node) if isinstance(node, (ast.Try, ast.If)) else (node,):
            if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                break
            top.add(id(inner))
    found = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Import) and id(n) not in top:
            found += [(n.lineno, alias.name) for alias in n.names]
        elif isinstance(n, ast.ImportFrom) and id(n) not in top:
            found += [(n.lineno, f"{n.module}.{alias.name}" if n.module == "flows.schedule" else n.module)
                      for alias in n.names]
    return sorted(set(found))


def imports_inside_functions(source: str) -> list[int]:
    """Line numbers of import statements that are not at module level (nor under a module-level try/if)."""
    return sorted({line for line, _ in lazy_imports(source)})


def test_flows_imports_are_at_the_top_of_modules_but_the_listed_lazy_ones():
    found = {(str(path.relative_to(REPO)), module): line for path in sorted((REPO / "flows").rglob("*.py"))
             for line, module in lazy_imports(path.read_text())}
    assert {f"{path}:{line} {module}" for (path, module), line in found.items()
            if (path, module) not in LAZY_IMPORTS} == set(), \
        "import at the top of the module, or add (module file, imported module): why to LAZY_IMPORTS"
    assert set(LAZY_IMPORTS) - set(found) == set(), "an allowed lazy import is no longer made: drop its entry"


def test_the_lazy_import_finder_names_the_imported_modules():
    source = ("import os\ndef f():\n    import prefect, json\n    from prefect.context import FlowRunContext\n"
              "    from flows.schedule import deployments as schedule\n")
    assert lazy_imports(source) == [(3, "json"), (3, "prefect"), (4, "prefect.context"),
                                    (5, "flows.schedule.deployments")]


PREFECT_LOADED = """
import sys
from flows.cli.main import main
code = main(sys.argv[1:])
print("PREFECT-LOADED" if any(m == "prefect" or m.startswith("prefect.") for m in sys.modules) else "NO-PREFECT")
sys.exit(code)
"""


def modules_after(args: list[str], cwd) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    done = subprocess.run([sys.executable, "-c", PREFECT_LOADED, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:]


def test_help_and_a_plain_run_do_not_import_prefect(tmp_path):
    assert modules_after(["--help"], REPO) == "NO-PREFECT"
    assert modules_after(["run", "--help"], REPO) == "NO-PREFECT"
    sample = REPO / "data" / "sample"
    assert modules_after(["run", "--profile", str(sample / "agency.yaml"), "--source", str(sample / "rms_extract_csv"),
                          "--month", "2025-10", "--out", str(tmp_path / "out")], REPO) == "NO-PREFECT"
    assert (tmp_path / "out").is_dir()  # the run did write its month


def test_the_prefect_check_sees_prefect(tmp_path):
    """The check above can fail: `uof schedule` (refused without PREFECT_API_URL) has imported it."""
    assert modules_after(["schedule", "--profile", str(REPO / "data" / "sample" / "agency.yaml"), "--source-glob",
                          "x*", "--out", str(tmp_path)], REPO) == "PREFECT-LOADED"


def test_the_import_finder_sees_an_import_in_a_function():
    assert imports_inside_functions("import os\ntry:\n    import x\nexcept ImportError:\n    x = None\n"
                                    "def f():\n    import json\n") == [7]
