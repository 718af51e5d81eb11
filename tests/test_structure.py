"""dlcore has two visible parts, and every module can be read in one sitting.

The core (``dlcore/`` outside ``dlcore/course/``) is the network library: NumPy only (an import
with a fallback, such as tqdm's progress bar, is optional). The course
support (``dlcore/course/``: pictures, widgets, checkers, the set-up check) imports the core; the
core never imports it, nor matplotlib or ipywidgets. No module is over about 600 lines.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dlcore"
COURSE = PACKAGE / "course"
MODULES = sorted(PACKAGE.rglob("*.py"))
CORE = [p for p in MODULES if COURSE not in p.parents]
ALLOWED_IN_CORE = {"numpy", "__future__"}
MAX_LINES = 620    # "about 600"


def optional_imports(tree) -> set[int]:
    """Lines of imports inside ``try: ... except ImportError:`` (a fallback exists: optional)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in {"ImportError", "ModuleNotFoundError"}
                for h in node.handlers):
            lines |= {n.lineno for stmt in node.body for n in ast.walk(stmt)
                      if isinstance(n, (ast.Import, ast.ImportFrom))}
    return lines


def imported_names(path: Path) -> list[tuple[int, str]]:
    """(line, name) of every import that is not optional, relative ones resolved to dlcore."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    optional = optional_imports(tree)
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in optional:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:                            # relative: inside dlcore
                package = path.relative_to(ROOT).parent.parts[: len(path.relative_to(ROOT).parent.parts) - node.level + 1]
                base = ".".join(package) + (f".{node.module}" if node.module else "")
                found += [(node.lineno, base)] if node.module else [
                    (node.lineno, f"{base}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_needs_numpy_alone_and_never_imports_the_course(path):
    import sys
    for line, name in imported_names(path):
        top = name.split(".")[0]
        if top == "dlcore":
            assert not name.startswith("dlcore.course"), (
                f"{path.relative_to(ROOT)}:{line} imports {name}: the core must not import the course part")
        else:
            assert top in ALLOWED_IN_CORE or top in sys.stdlib_module_names, (
                f"{path.relative_to(ROOT)}:{line} imports {name}: the core needs NumPy (and Python) only")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_reads_in_one_sitting(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, (
        f"{path.relative_to(ROOT)} has {lines} lines; split it by topic (at most about 600)")


def test_the_checks_mirror_the_checker_tests():
    """checks/<topic>.py for tests/test_checks_<NN>_<topic>.py (and its parts, <topic>_<part>.py)."""
    checkers = {p.stem for p in (COURSE / "checks").glob("*.py")} - {"__init__", "common"}
    tests = {p.stem.split("_", 3)[-1] for p in (ROOT / "tests").glob("test_checks_[0-9]*.py")}
    assert tests <= checkers, f"test files without a checker module: {sorted(tests - checkers)}"
    parts = {c for c in checkers - tests if not any(c.startswith(t + "_") for t in tests)}
    assert not parts, f"checker modules without a test file: {sorted(parts)}"


def test_the_core_imports_without_matplotlib_or_ipywidgets():
    import subprocess
    import sys
    code = ("import sys; sys.modules['matplotlib'] = None; sys.modules['ipywidgets'] = None; "
            "import dlcore, dlcore.io, dlcore.gradcheck, dlcore.train; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]
