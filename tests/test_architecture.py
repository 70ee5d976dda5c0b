"""The code keeps its shape: ruff's rules, the import contracts, and no import cycle anywhere.

The rules and contracts are in pyproject.toml. ruff, lint-imports and grimp come from
requirements-test.txt (scripts/test.sh installs it); a missing tool fails these tests, it never
skips them.
"""

import os
import subprocess
import sys
import tomllib
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The virtualenv's scripts stand beside its python (not resolved: a virtualenv's python is a symlink).
BIN = Path(sys.executable).parent
# Top-level packages that are not part of the application's layers.
NOT_LAYERED = {"tests"}


def _tool(name: str) -> str:
    path = BIN / name
    if not path.is_file():
        pytest.fail(f"{name} is not installed beside {sys.executable}: install requirements-test.txt "
                    "(scripts/bootstrap.sh --test does it).", pytrace=False)
    return str(path)


def _run(*command: str) -> subprocess.CompletedProcess:
    # COLUMNS: lint-imports wraps its report at 80 characters when it is not writing to a terminal.
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=os.environ | {"COLUMNS": "200"})


def _top_level_packages() -> list[str]:
    return sorted(init.parent.name for init in ROOT.glob("*/__init__.py") if init.parent.name not in NOT_LAYERED)


def test_import_contracts_are_kept():
    result = _run(_tool("lint-imports"), "--no-cache", "--no-logo")
    assert result.returncode == 0, f"lint-imports (contracts in pyproject.toml):\n{result.stdout}{result.stderr}"


def test_ruff_finds_nothing():
    result = _run(_tool("ruff"), "check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, f"ruff check . (rules in pyproject.toml):\n{result.stdout}{result.stderr}"


def test_every_top_level_package_is_under_the_contracts():
    # lint-imports only sees its root_packages, and refuses to start when one of them is missing, so
    # a package that lands later (families) has to be added by hand; until then it is checked by nothing.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["importlinter"]["root_packages"])
    unlisted = [name for name in _top_level_packages() if name not in listed]
    assert not unlisted, (f"add {unlisted} to root_packages in pyproject.toml ([tool.importlinter]), "
                          "and to the layers contract if it is not there yet")


def _shortest_cycle(graph, start: str) -> list[str] | None:
    """The shortest chain of imports from ``start`` back to ``start`` (breadth first), or None."""
    parents: dict[str, str] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported == start:
                chain = [module]
                while chain[-1] != start:
                    chain.append(parents[chain[-1]])
                return chain[::-1]
            if imported not in parents:
                parents[imported] = module
                queue.append(imported)
    return None


def _describe(graph, cycle: list[str]) -> str:
    steps = []
    for importer, imported in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
        lines = sorted({detail["line_number"] for detail in graph.get_import_details(importer=importer,
                                                                                      imported=imported)})
        steps.append(f"{importer} (l.{', '.join(map(str, lines))})")
    return " -> ".join([*steps, cycle[0]])


def test_no_import_cycle_anywhere():
    """No module reaches itself through imports, counting those inside functions (grimp reads them all).

    The acyclic_siblings contract checks siblings at every depth, but not a package's __init__ and
    its own submodules (gradebook -> gradebook.scores.services -> gradebook); this test does.
    """
    try:
        import grimp
    except ImportError:
        pytest.fail("grimp (import-linter's import graph) is not installed: install requirements-test.txt.",
                    pytrace=False)
    graph = grimp.build_graph(*_top_level_packages(), cache_dir=None)
    cycles = set()
    for module in graph.modules:
        cycle = _shortest_cycle(graph, module)
        if cycle is not None:
            first = cycle.index(min(cycle))  # found from each of its modules: start it at the same one
            cycles.add(tuple(cycle[first:] + cycle[:first]))
    assert not cycles, "import cycles:\n" + "\n".join(_describe(graph, list(cycle)) for cycle in sorted(cycles))


# The rule modules that must run without Django (they are tested with tables, no database), and what
# they may import of the project: each other and schoolrecords.purei18n's standard-library gettext.
PURE_MODULES = ("gradebook.rules", "eledger.naming", "eledger.timing", "schoolrecords.purei18n",
                "schoolrecords.formats.csdl", "schoolrecords.statuscodes")
PURE_MAY_IMPORT = ("gradebook.rules", "schoolrecords.purei18n", "schoolrecords.statuscodes")


def test_the_pure_rule_modules_import_no_django_and_nothing_of_the_project_but_each_other():
    import grimp

    graph = grimp.build_graph(*_top_level_packages(), include_external_packages=True, cache_dir=None)
    modules = {module for module in graph.modules
               if any(module == pure or module.startswith(pure + ".") for pure in PURE_MODULES)}
    assert "gradebook.rules.entry" in modules and "gradebook.rules.tt22" in modules
    wrong = {}
    for module in sorted(modules):
        for imported in graph.find_modules_directly_imported_by(module):
            top = imported.split(".")[0]
            project = top in _top_level_packages()
            allowed = any(imported == ok or imported.startswith(ok + ".") for ok in PURE_MAY_IMPORT)
            if (project and not allowed) or (not project and top in {"django", "guardian", "simple_history",
                                                                     "celery", "weasyprint", "pyhanko"}):
                wrong.setdefault(module, []).append(imported)
    assert wrong == {}
