"""Is this computer ready for the course? ``check_environment()`` answers in one table.

Used in the first code cell of ``notebooks/00_start_here.ipynb``. One line per check, marked
✅ (fine), ⚠️ (works, but read the note) or ❌ (the course cannot work: the fix is printed):

- the Python version (``requires-python`` of dlcore, 3.10 or newer);
- what a learner needs: numpy and the packages of dlcore's ``course`` extra (matplotlib,
  jupyterlab, ipywidgets, scikit-learn, tqdm, packaging): is each there, and is its version
  inside the range the course is tested with? A missing one is a ❌;
- widgets: ipywidgets draws sliders only if JupyterLab has the ``jupyterlab_widgets`` extension;
  without it a slider shows as a line of text such as ``IntSlider(value=0)``;
- the maintainer tools of the ``test`` extra (pytest, nbval, nbformat, nbclient, ...): only
  needed to run the course's tests, so a missing one is a ⚠️, never a ❌;
- dlcore: can it be imported? An installed copy (``pip install "dlcore[course] @ ..."``, as on a
  JupyterHub) is fine. Only when the notebook runs inside the course repository and the imported
  dlcore is not that repository's ``dlcore/`` folder is there a ⚠️: what you change there would
  not be what the notebooks run.

On Colab (which installs dlcore alone and draws widgets itself, with its own ipywidgets 7) the
JupyterLab rows are not needed, Colab's ipywidgets is accepted and the test tools are left out.

The list of packages and their ranges is read from the installed dlcore's metadata
(``importlib.metadata.requires("dlcore")``, which pip wrote from pyproject.toml), so the check
works outside the repository too. Versions are compared by ``packaging`` with the rules of
PEP 440 (an installed pre-release such as ``2.0.0rc1`` is older than ``2.0``, so it does not
satisfy ``>=2.0``). Nothing here installs anything.

The packages the notebooks import are really imported, which also catches a broken
installation. The tools (jupyterlab and the test extra) are only located on disk: importing
JupyterLab's server takes seconds and a notebook kernel never needs it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import platform
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["check_environment", "EnvironmentReport", "Check", "OK", "WARN", "FAIL"]

OK, WARN, FAIL = "✅", "⚠️", "❌"

# Used only when dlcore's metadata cannot be read (dlcore imported from a folder, not installed).
MINIMUM_PYTHON = (3, 10)
# The newest Python the course is tested with (CI); a newer one gets a ⚠️, not a ❌.
NEWEST_TESTED_PYTHON = (3, 13)

# The name you import when it differs from the name you pip install.
IMPORT_NAMES = {"scikit-learn": "sklearn", "pillow": "PIL"}

# Packages of the course extra that are located, not imported (see the module docstring). The
# test extra's tools are always only located.
LOCATE_ONLY = {"jupyterlab"}

# On Colab: the front-end is Colab's own (no JupyterLab), and so is ipywidgets (7.7 there).
COLAB_NOT_NEEDED = {"jupyterlab"}
COLAB_RANGES = {"ipywidgets": ">=7.6,<9"}
# Outside the course's range but usable: a ⚠️ with this note instead of a ❌.
TOLERATED = {
    "ipywidgets": (">=7.8,<8", "ipywidgets 7.8 works, but in JupyterLab 4 a slider's new plot "
                               "sometimes lands in the log console instead of the notebook"),
}

# `python -m pip` with the path of the Python running this kernel: a bare `pip` in a terminal may
# belong to another Python, and then the install "works" but the kernel still cannot import it.
PIP = f'"{sys.executable}" -m pip' if " " in sys.executable else f"{sys.executable} -m pip"
RESTART = "then restart the kernel (menu Kernel > Restart Kernel) and run this cell again"


@dataclass
class Check:
    """The verdict on one item: what is needed, what was found, and the fix if it is not ✅."""

    name: str
    needed: str
    found: str
    status: str = OK  # OK, WARN or FAIL
    fix: str = ""

    @property
    def ok(self) -> bool:
        """False only for a ❌: a ⚠️ is a note, the course still works."""
        return self.status != FAIL


@dataclass
class EnvironmentReport:
    """All the checks. Truthy when nothing is ❌, so a notebook can ``assert`` it."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[Check]:
        """The ❌ checks: the course cannot work until they are fixed."""
        return [c for c in self.checks if c.status == FAIL]

    @property
    def warnings(self) -> list[Check]:
        """The ⚠️ checks: the course works, but read the note."""
        return [c for c in self.checks if c.status == WARN]

    @property
    def missing(self) -> list[str]:
        """Names of the ❌ items (missing, broken or with the wrong version)."""
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
        """The checks as a small text table, then the fixes and notes (if any)."""
        w_name = max(len(c.name) for c in self.checks)
        w_needed = max(len("needs"), *(len(c.needed) for c in self.checks))
        lines = [f"   {'':{w_name}}  {'needs':{w_needed}}  found"]
        for c in self.checks:
            lines.append(f"{c.status} {c.name:{w_name}}  {c.needed:{w_needed}}  {c.found}")
        lines.append("")
        if self.ok:
            lines.append(f"Everything the course needs is here. {OK}")
        else:
            n = len(self.problems)
            lines.append(f"{FAIL} {n} problem{'s' if n > 1 else ''} to fix:")
            lines += [f"- {c.name}: {c.fix}" for c in self.problems]
        if self.warnings:
            n = len(self.warnings)
            lines.append(f"{WARN} {n} note{'s' if n > 1 else ''} (the course works without):")
            # One line for the notes that say the same (the missing test tools).
            names_by_fix: dict[str, list[str]] = {}
            for c in self.warnings:
                names_by_fix.setdefault(c.fix, []).append(c.name)
            lines += [f"- {', '.join(names)}: {fix}" for fix, names in names_by_fix.items()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        state = "ready" if self.ok else f"missing {self.missing}"
        notes = f", warnings {[c.name for c in self.warnings]}" if self.warnings else ""
        return f"EnvironmentReport({state}{notes})"

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


def _dlcore_metadata() -> tuple[list[str], str] | None:
    """dlcore's requirements (with their ``extra == ...`` markers) and ``requires-python``, as
    pip installed them; None when dlcore is not installed (imported from a folder on sys.path)."""
    try:
        requires = importlib.metadata.requires("dlcore") or []
        requires_python = importlib.metadata.metadata("dlcore")["Requires-Python"] or ""
    except importlib.metadata.PackageNotFoundError:
        return None
    return list(requires), requires_python


def _python_version() -> str:
    return platform.python_version()


def _on_colab() -> bool:
    """Does this kernel run on Google Colab? (Its own modules are loaded there from the start.)"""
    return "google.colab" in sys.modules


def _find_widgets_extension() -> Path | None:
    """Where JupyterLab would load the widgets extension from, or None if it is not installed.

    ipywidgets draws in JupyterLab through the extension ``@jupyter-widgets/jupyterlab-manager``,
    which the package ``jupyterlab_widgets`` (installed with ipywidgets) puts in one of
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


def _repository_of(start: Path) -> Path | None:
    """The course repository containing ``start`` (a folder with dlcore/ and pyproject.toml)."""
    for folder in (start, *start.parents):
        if (folder / "dlcore" / "__init__.py").is_file() and (
            folder / "pyproject.toml"
        ).is_file():
            return folder
    return None


# --- how to fix -----------------------------------------------------------------------------
@dataclass
class _Fixes:
    """The install commands to print: they depend on where the notebook runs."""

    repository: Path | None  # the course repository the notebook runs in, if any
    colab: bool = False

    def everything(self) -> str:
        if self.colab:
            return "run the notebook's install cell (its first code cell) again"
        command = f"`{PIP} install -r requirements.txt`"
        if self.repository is not None:
            return f"everything at once: {command} in a terminal in {self.repository}"
        return (f"everything at once: {command} in the course folder; on a JupyterHub, tell "
                f"whoever runs it")

    def one(self, requirement: str) -> str:
        if self.colab:  # no terminal there: a notebook cell installs
            return f'`%pip install "{requirement}"` in a code cell'
        return f'`{PIP} install "{requirement}"`'

    @property
    def restart(self) -> str:
        if self.colab:
            return ("then restart the session (menu Runtime > Restart session) and run this "
                    "cell again")
        return RESTART


# --- the checks ------------------------------------------------------------------------------
def _check_python(requires_python: str | None, version: str | None = None) -> Check:
    version = version or _python_version()
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    if requires_python:
        from packaging.specifiers import SpecifierSet

        # The running interpreter counts even if it is a pre-release (3.14.0rc1).
        supported = SpecifierSet(requires_python).contains(version, prereleases=True)
        needed = requires_python.replace(" ", "")
    else:
        supported = parts >= MINIMUM_PYTHON
        needed = ">=" + ".".join(map(str, MINIMUM_PYTHON))
    tested = "{}.{} to {}.{}".format(*MINIMUM_PYTHON, *NEWEST_TESTED_PYTHON)
    if not supported:
        return Check(
            "python", needed, version, FAIL,
            f"Python {version} is not supported: the course needs Python {needed} (tested on "
            f"{tested}). Install a supported Python (python.org, or `conda create -n dlcore "
            f"python=3.12`), make a new environment with it, and install the course there.",
        )
    if parts > NEWEST_TESTED_PYTHON:
        return Check(
            "python", needed, version, WARN,
            f"Python {version} is newer than the course is tested with ({tested}); if a package "
            f"fails to install or import, use Python {'.'.join(map(str, NEWEST_TESTED_PYTHON))}.",
        )
    return Check("python", needed, version, OK)


def _check_package(req, optional: bool, fixes: _Fixes) -> Check:
    """``req`` is a ``packaging.requirements.Requirement``; optional: a ⚠️ instead of a ❌."""
    from packaging.version import InvalidVersion, Version

    spec = str(req.specifier)
    needed = ",".join(sorted(spec.split(","), key=lambda s: s.startswith("<"))) or "any"
    pinned = f"{req.name}{needed if spec else ''}"
    bad = WARN if optional else FAIL
    why = " (only needed to run the course's tests)" if optional else ""
    import_name = IMPORT_NAMES.get(req.name.lower(), req.name.replace("-", "_"))
    try:
        if optional or req.name in LOCATE_ONLY:
            if _find_spec(import_name) is None:
                raise ImportError(import_name)
        else:
            _import_module(import_name)
    except Exception as exc:  # a broken package can raise more than ImportError
        what = "not installed" if isinstance(exc, ImportError) else (
            f"installed but broken ({type(exc).__name__}: {exc})"
        )
        if optional and isinstance(exc, ImportError):
            # The same words for every missing tool, so the notes fit on one line.
            where = (f"in a terminal in {fixes.repository}" if fixes.repository is not None
                     else "in the course repository")
            return Check(req.name, needed, "missing", WARN,
                         f"not installed; only needed to run the course's tests, which "
                         f"`{PIP} install -r requirements.txt` {where} installs.")
        return Check(req.name, needed, "missing", bad,
                     f"{what}{why}. Run {fixes.one(pinned)} (or {fixes.everything()}), "
                     f"{fixes.restart}.")
    version = _distribution_version(req.name)
    if version is None:
        return Check(req.name, needed, "installed (version unknown)", OK)
    try:
        # PEP 440: an installed pre-release counts, at its place in the order of versions.
        inside = req.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return Check(req.name, needed, version, WARN,
                     f"version {version!r} cannot be compared with {needed}; if something fails, "
                     f"run {fixes.one(pinned)}, {fixes.restart}.")
    if inside:
        return Check(req.name, needed, version, OK)
    return Check(req.name, needed, version, bad,
                 f"version {version} is outside the range {needed} the course is tested "
                 f"with{why}. Run {fixes.one(pinned)} (or {fixes.everything()}), "
                 f"{fixes.restart}.")


def _tolerated(check: Check, fixes: _Fixes) -> Check:
    """A ❌ for a version in ``TOLERATED`` becomes a ⚠️ that says what to expect and the fix."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    if check.status != FAIL or check.name not in TOLERATED:
        return check
    usable, note = TOLERATED[check.name]
    try:
        inside = SpecifierSet(usable).contains(Version(check.found), prereleases=True)
    except InvalidVersion:
        return check
    if not inside:
        return check
    return Check(check.name, check.needed, check.found, WARN,
                 f"{note}. For the course's version run {fixes.one(check.name + check.needed)}, "
                 f"{fixes.restart}.")


def _check_widgets(fixes: _Fixes) -> Check:
    needed = "jupyterlab_widgets"
    try:
        _import_module("ipywidgets")
    except Exception:
        return Check(
            "widgets", needed, "no ipywidgets", FAIL,
            "sliders cannot work without ipywidgets: install it (see its row), then restart "
            "JupyterLab and reload the page.",
        )
    if fixes.colab:
        return Check("widgets", "Colab", "drawn by Colab", OK)
    extension = _find_widgets_extension()
    if extension is None:
        return Check(
            "widgets", needed, "extension not found", FAIL,
            "ipywidgets is installed but JupyterLab's widget extension is not, so sliders "
            "would show as text such as `IntSlider(value=0)`. In the environment that runs "
            f"JupyterLab, run {fixes.one('jupyterlab_widgets')} (or {fixes.everything()}), "
            f"then restart JupyterLab and reload the page.",
        )
    version = _distribution_version("jupyterlab_widgets") or "installed"
    return Check("widgets", needed, f"{version} (sliders can be drawn)", OK)


def _check_dlcore(repository: Path | None, installed: bool, fixes: _Fixes) -> Check:
    needed = "importable"
    try:
        module = _import_module("dlcore")
    except Exception as exc:
        how = ("Run the notebook's install cell (its first code cell) again" if fixes.colab else
               "In a terminal, in the course folder (the one with requirements.txt), run "
               f"`{PIP} install -r requirements.txt`")
        return Check(
            "dlcore", needed, "cannot be imported", FAIL,
            f"`import dlcore` failed ({type(exc).__name__}: {exc}). {how}, {fixes.restart}.",
        )
    imported = Path(module.__file__).resolve().parent
    version = _distribution_version("dlcore") if installed else None
    if repository is not None and imported == repository / "dlcore":
        if installed:
            return Check("dlcore", needed, "this repository", OK)
        return Check(
            "dlcore", needed, "this repository, not installed", FAIL,
            "dlcore is imported from this folder but was never installed, so the packages it "
            f"needs cannot be checked. In a terminal, in {repository}, run "
            f"`{PIP} install -r requirements.txt`, {RESTART}.",
        )
    if not installed:
        return Check(
            "dlcore", needed, f"not installed: {imported}", FAIL,
            "dlcore is imported from a folder but was never installed, so the packages it needs "
            "cannot be checked. In a terminal, in the course folder, run "
            f"`{PIP} install -r requirements.txt`, {RESTART}.",
        )
    if repository is not None:
        return Check(
            "dlcore", needed, f"another copy: {imported}", WARN,
            f"the notebooks run that copy, not the dlcore/ folder of this repository "
            f"({repository}), so a change you make there is not used. To use this repository's "
            f"copy, run `{PIP} install -e .` in a terminal in {repository}, {RESTART}.",
        )
    return Check("dlcore", needed, f"{version} at {imported}", OK)


def _requirement_groups(requirements: Iterable[str]):
    """Split dlcore's requirement strings into (needed, optional) ``Requirement`` lists.

    Needed: no extra (the core) or ``extra == "course"``; optional: ``extra == "test"``. Other
    extras, and requirements whose markers exclude this Python or platform, are left out.
    """
    from packaging.requirements import Requirement

    needed, optional = [], []
    for text in requirements:
        req = text if isinstance(text, Requirement) else Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            needed.append(req)
        elif req.marker.evaluate({"extra": "course"}):
            needed.append(req)
        elif req.marker.evaluate({"extra": "test"}):
            optional.append(req)
    return needed, optional


def check_environment(requirements=None, cwd=None, verbose: bool = True) -> EnvironmentReport:
    """Check that everything the course needs is installed; print a table and how to fix gaps.

    Parameters
    ----------
    requirements : iterable of str, str or None
        What to check, as requirement strings with markers, as in dlcore's metadata:
        ``'matplotlib>=3.7,<4; extra == "course"'`` (needed), ``'pytest>=7.4; extra == "test"'``
        (optional), ``'numpy>=1.24'`` (needed); a str holds one per line. None reads the
        installed dlcore's metadata (``importlib.metadata.requires("dlcore")``).
    cwd : path or None
        Where the notebook runs (default: the current folder); when it is inside the course
        repository, the imported dlcore should be that repository's ``dlcore/`` folder.
    verbose : bool
        Print the table (True) or only return the report.

    Returns
    -------
    EnvironmentReport
        ``.ok`` (also its truth value: no ❌), ``.checks`` (one ``Check`` per row: name, needed,
        found, status, fix), ``.missing`` (names of the ❌ rows), ``.warnings`` (the ⚠️ rows),
        ``.table()``.

    Example (first code cell of ``00_start_here``)
    -------
    >>> report = check_environment()
    >>> assert report.ok, report.table()
    """
    cwd = Path.cwd() if cwd is None else Path(cwd)
    repository = _repository_of(cwd.resolve())
    colab = _on_colab()
    fixes = _Fixes(repository, colab)
    metadata = _dlcore_metadata()
    requires_python = metadata[1] if metadata else None
    if requirements is None:
        requirements = metadata[0] if metadata else []
    elif isinstance(requirements, str):
        requirements = [line for line in requirements.splitlines() if line.strip()]

    try:
        from packaging.requirements import Requirement  # compares every version below
    except ImportError:
        checks = [
            _check_python(None),
            Check("packaging", "any", "missing", FAIL,
                  f"the set-up check compares versions with the package `packaging`, which is "
                  f"not installed. Run {fixes.one('packaging')} (or {fixes.everything()}), "
                  f"{fixes.restart}."),
        ]
    else:
        needed, optional = _requirement_groups(requirements)
        checks = [_check_python(requires_python)]
        for req in needed:
            if colab and req.name in COLAB_NOT_NEEDED:
                checks.append(Check(req.name, "-", "not needed on Colab", OK))
                continue
            if colab and req.name in COLAB_RANGES:
                req = Requirement(req.name + COLAB_RANGES[req.name])
            checks.append(_tolerated(_check_package(req, False, fixes), fixes))
        checks.append(_check_widgets(fixes))
        if not colab:  # nobody runs the course's tests on Colab
            checks += [_check_package(req, True, fixes) for req in optional]
    checks.append(_check_dlcore(repository, installed=metadata is not None, fixes=fixes))
    report = EnvironmentReport(checks)
    if verbose:
        print(report.table())
    return report
