"""Is this computer ready for the course? ``check_environment()`` answers in one table.

Used in the first code cell of ``notebooks/00_start_here.ipynb``. It checks:

- every package of ``requirements.txt`` (numpy, matplotlib, jupyterlab, ipywidgets, scikit-learn,
  tqdm, pytest, nbval): is it there, and is its version inside the range the course needs?
- the Python version (``requires-python`` in ``pyproject.toml``);
- widgets: ipywidgets draws sliders only if JupyterLab has the ``jupyterlab_widgets`` extension;
  without it a slider shows as a line of text such as ``IntSlider(value=0)``;
- dlcore: can it be imported, and is it the copy in this repository (installed with
  ``pip install -e .``, which ``requirements.txt`` does), so that what you read and change in
  ``dlcore/`` is what the notebooks run?

For anything missing it says exactly what to type to fix it. Nothing here installs anything.

The packages the notebooks import (numpy, matplotlib, ipywidgets, scikit-learn, tqdm) are
really imported, which also catches a broken installation. The tools (jupyterlab, pytest,
nbval) are only located on disk: importing JupyterLab's server takes seconds and a notebook
kernel never needs it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["check_environment", "EnvironmentReport", "Check", "read_requirements"]

# The same lines as requirements.txt: used when dlcore is installed without its repository
# (then there is no requirements.txt next to it). tests/test_environment.py checks they agree.
DEFAULT_REQUIREMENTS = """
numpy>=1.24,<3
matplotlib>=3.7,<4
jupyterlab>=4.0,<5
ipywidgets>=8.0,<9
scikit-learn>=1.3,<2
tqdm>=4.65,<5
pytest>=7.4,<10
nbval>=0.11,<1
nbformat>=5.7,<6
nbclient>=0.7,<1
"""

MINIMUM_PYTHON = (3, 10)

# The name you import when it differs from the name you pip install.
IMPORT_NAMES = {"scikit-learn": "sklearn"}

# Tools that are located, not imported (see the module docstring).
TOOLS = {"jupyterlab", "pytest", "nbval", "nbformat", "nbclient"}

# `python -m pip` with the path of the Python running this kernel: a bare `pip` in a terminal may
# belong to another Python, and then the install "works" but the kernel still cannot import it.
PIP = f'"{sys.executable}" -m pip' if " " in sys.executable else f"{sys.executable} -m pip"
INSTALL_ALL = f"{PIP} install -r requirements.txt"
RESTART = "then restart the kernel (menu Kernel > Restart Kernel) and run this cell again"


@dataclass
class Requirement:
    """One line of requirements.txt: ``numpy>=1.24,<3`` -> name, import name and bounds."""

    name: str  # the name pip knows: "scikit-learn"
    spec: str  # the version range as written: ">=1.24,<3"
    import_name: str = ""  # the name Python imports: "sklearn"

    def __post_init__(self):
        if not self.import_name:
            self.import_name = IMPORT_NAMES.get(self.name, self.name.replace("-", "_"))


@dataclass
class Check:
    """The verdict on one item: what is needed, what was found, and the fix if it is wrong."""

    name: str
    needed: str
    found: str
    ok: bool
    fix: str = ""


@dataclass
class EnvironmentReport:
    """All the checks. Truthy when everything is ready, so a notebook can ``assert`` it."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def missing(self) -> list[str]:
        """Names of the items that are missing or have the wrong version."""
        return [c.name for c in self.problems]

    def __bool__(self) -> bool:
        return self.ok

    def __getitem__(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"EnvironmentReport: no check named {name!r}; there are "
                       f"{[c.name for c in self.checks]}.")

    def table(self) -> str:
        """The checks as a small text table, then the fixes (if any)."""
        w_name = max(len(c.name) for c in self.checks)
        w_needed = max(len("needs"), *(len(c.needed) for c in self.checks))
        lines = [f"   {'':{w_name}}  {'needs':{w_needed}}  found"]
        for c in self.checks:
            mark = "✅" if c.ok else "❌"
            lines.append(f"{mark} {c.name:{w_name}}  {c.needed:{w_needed}}  {c.found}")
        lines.append("")
        if self.ok:
            lines.append("Everything the course needs is here. ✅")
        else:
            n = len(self.problems)
            lines.append(f"{n} problem{'s' if n > 1 else ''} to fix:")
            for c in self.problems:
                lines.append(f"- {c.name}: {c.fix}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        state = "ready" if self.ok else f"missing {self.missing}"
        return f"EnvironmentReport({state})"

    def _ipython_display_(self) -> None:
        # check_environment() has printed the table already; do not print it twice.
        return None


# --- the pieces, each replaceable in tests ---------------------------------------------------
def _import_module(name: str):
    """Import a package by name (tests replace this to pretend a package is missing)."""
    return importlib.import_module(name)


def _find_spec(name: str):
    """Locate a package without importing it (tests replace this too)."""
    return importlib.util.find_spec(name)


def _distribution_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _find_widgets_extension() -> Path | None:
    """Where JupyterLab would load the widgets extension from, or None if it is not installed.

    ipywidgets draws in JupyterLab through the extension ``@jupyter-widgets/jupyterlab-manager``,
    which the package ``jupyterlab_widgets`` (installed with ipywidgets 8) puts in one of
    Jupyter's ``labextensions`` folders.
    """
    try:
        from jupyter_core.paths import jupyter_path

        folders = jupyter_path("labextensions")
    except ImportError:
        folders = [os.path.join(sys.prefix, "share", "jupyter", "labextensions")]
    for folder in folders:
        package = Path(folder) / "@jupyter-widgets" / "jupyterlab-manager" / "package.json"
        if package.is_file():
            return package
    return None


def _version_tuple(version: str) -> tuple[int, ...]:
    """``"1.24.3rc1"`` -> ``(1, 24, 3)``: the leading numbers, enough to compare ranges."""
    numbers = []
    for part in version.split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        numbers.append(int(match.group()))
        if match.end() < len(part):  # "3rc1": the rest is a pre-release tag
            break
    return tuple(numbers)


def _compare(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """-1, 0 or 1 as version a is below, equal to or above b (missing parts count as 0)."""
    n = max(len(a), len(b))
    a, b = a + (0,) * (n - len(a)), b + (0,) * (n - len(b))
    return (a > b) - (a < b)


def version_satisfies(version: str, spec: str) -> bool:
    """Is ``version`` inside ``spec``, e.g. ``version_satisfies("2.1.0", ">=1.24,<3")`` -> True.

    Understands the comparisons requirements.txt uses: ``>=``, ``>``, ``<=``, ``<``, ``==``,
    ``!=``, separated by commas. An empty spec accepts any version.
    """
    have = _version_tuple(version)
    tests = {
        ">=": lambda c: c >= 0, ">": lambda c: c > 0, "<=": lambda c: c <= 0,
        "<": lambda c: c < 0, "==": lambda c: c == 0, "!=": lambda c: c != 0,
    }
    for clause in filter(None, (s.strip() for s in spec.split(","))):
        match = re.fullmatch(r"(>=|<=|==|!=|>|<)\s*([0-9][0-9A-Za-z.]*)", clause)
        if match is None:
            raise ValueError(
                f"version_satisfies: expected clauses such as '>=1.24' or '<3', received "
                f"{clause!r} in {spec!r}."
            )
        op, bound = match.groups()
        if not tests[op](_compare(have, _version_tuple(bound))):
            return False
    return True


def read_requirements(text: str) -> list[Requirement]:
    """Parse requirements.txt text into ``Requirement`` items.

    Comments, blank lines and pip options (``-e .``, ``-r other.txt``) are skipped: they are
    not packages with a version to check (``-e .`` is dlcore itself, checked separately).
    """
    out = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)", line)
        if match is None:
            continue
        name, _extras, spec = match.groups()
        out.append(Requirement(name=name, spec=spec.replace(" ", "")))
    return out


def _repository_of(start: Path) -> Path | None:
    """The course repository containing ``start`` (a folder with dlcore/ and requirements.txt)."""
    for folder in (start, *start.parents):
        if (folder / "dlcore" / "__init__.py").is_file() and (
            folder / "requirements.txt"
        ).is_file():
            return folder
    return None


def _requirements_file() -> Path | None:
    """requirements.txt next to the dlcore that is imported (present in a repository checkout)."""
    path = Path(__file__).resolve().parent.parent / "requirements.txt"
    return path if path.is_file() else None


# --- the checks ------------------------------------------------------------------------------
def _check_python(version_info=None) -> Check:
    v = tuple(version_info or sys.version_info)[:3]
    found = ".".join(str(p) for p in v)
    needed = ">=" + ".".join(str(p) for p in MINIMUM_PYTHON)
    if tuple(v[:2]) >= MINIMUM_PYTHON:
        return Check("python", needed, found, True)
    return Check(
        "python", needed, found, False,
        f"Python {found} is too old; the course needs Python {needed[2:]} or newer. Install a "
        f"newer Python (python.org, or `conda create -n dlcore python=3.12`), make a new "
        f"environment with it, and run `{INSTALL_ALL}` there.",
    )


def _check_package(req: Requirement) -> Check:
    one = f'{PIP} install "{req.name}{req.spec}"'
    try:
        if req.name in TOOLS:
            if _find_spec(req.import_name) is None:
                raise ImportError(req.import_name)
            module = None
        else:
            module = _import_module(req.import_name)
    except Exception as exc:  # a broken package can raise more than ImportError
        what = "not installed" if isinstance(exc, ImportError) else (
            f"installed but broken ({type(exc).__name__}: {exc})"
        )
        return Check(
            req.name, req.spec or "any", "missing", False,
            f"{what}. In a terminal, in the repository folder, run `{INSTALL_ALL}` "
            f"(or only this package: `{one}`), {RESTART}.",
        )
    version = getattr(module, "__version__", None) or _distribution_version(req.name)
    if version is None:
        return Check(req.name, req.spec or "any", "installed (version unknown)", True)
    if version_satisfies(version, req.spec):
        return Check(req.name, req.spec or "any", version, True)
    return Check(
        req.name, req.spec, version, False,
        f"version {version} is outside the range {req.spec} the course is tested with. Run "
        f"`{one}` (or `{INSTALL_ALL}` in the repository folder), {RESTART}.",
    )


def _check_widgets() -> Check:
    needed = "jupyterlab_widgets"
    try:
        _import_module("ipywidgets")
    except Exception:
        return Check(
            "widgets", needed, "no ipywidgets", False,
            f"sliders cannot work without ipywidgets. Run `{INSTALL_ALL}` in the repository "
            f"folder, then restart JupyterLab and reload the page.",
        )
    extension = _find_widgets_extension()
    if extension is None:
        return Check(
            "widgets", needed, "extension not found", False,
            "ipywidgets is installed but JupyterLab's widget extension is not, so sliders "
            "would show as text such as `IntSlider(value=0)`. In the environment that runs "
            f"JupyterLab, run `{INSTALL_ALL}` in the repository folder (or "
            f"`{PIP} install jupyterlab_widgets`), then restart JupyterLab and reload the page.",
        )
    version = _distribution_version("jupyterlab_widgets") or "installed"
    return Check("widgets", needed, f"{version} (sliders can be drawn)", True)


def _check_dlcore(cwd: Path) -> Check:
    needed = "this repository"
    fix_install = (
        f"in a terminal, in the repository folder, run `{INSTALL_ALL}` (its last line, "
        f"`-e .`, installs dlcore from the repository), {RESTART}."
    )
    try:
        module = _import_module("dlcore")
    except Exception as exc:
        return Check("dlcore", needed, "cannot be imported", False,
                     f"`import dlcore` failed ({type(exc).__name__}: {exc}); {fix_install}")
    imported_from = Path(module.__file__).resolve().parent.parent
    here = _repository_of(cwd.resolve())
    if here is not None:
        if here == imported_from:
            return Check("dlcore", needed, "this repository", True)
        return Check(
            "dlcore", needed, f"another copy: {imported_from / 'dlcore'}", False,
            f"the notebooks would run that copy, not the dlcore/ folder of this repository "
            f"({here}), so changes you make here would not be used; {fix_install}",
        )
    if _repository_of(imported_from) == imported_from:
        return Check("dlcore", needed, f"repository at {imported_from}", True)
    return Check(
        "dlcore", needed, f"an installed copy at {imported_from / 'dlcore'}", False,
        f"that is not a checkout of the course repository; {fix_install}",
    )


def check_environment(requirements=None, cwd=None, verbose: bool = True) -> EnvironmentReport:
    """Check that everything the course needs is installed; print a table and how to fix gaps.

    Parameters
    ----------
    requirements : list of Requirement, str (requirements.txt text) or None
        What to check. None reads ``requirements.txt`` next to the imported dlcore (the
        repository's), or the copy in this module if dlcore was installed without it.
    cwd : path or None
        Where the notebook runs (default: the current folder); used to find the repository
        whose ``dlcore/`` should be the one imported.
    verbose : bool
        Print the table (True) or only return the report.

    Returns
    -------
    EnvironmentReport
        ``.ok`` (also its truth value), ``.checks`` (one ``Check`` per row: name, needed, found,
        ok, fix), ``.missing`` (names of the failed rows), ``.table()``.

    Example (first code cell of ``00_start_here``)
    -------
    >>> report = check_environment()
    >>> assert report.ok, report.table()
    """
    if requirements is None:
        path = _requirements_file()
        requirements = path.read_text(encoding="utf-8") if path else DEFAULT_REQUIREMENTS
    if isinstance(requirements, str):
        requirements = read_requirements(requirements)
    cwd = Path.cwd() if cwd is None else Path(cwd)

    checks = [_check_python()]
    checks += [_check_package(req) for req in requirements]
    checks.append(_check_widgets())
    checks.append(_check_dlcore(cwd))
    report = EnvironmentReport(checks)
    if verbose:
        print(report.table())
    return report
