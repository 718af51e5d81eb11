"""Write environment.yml (conda) from pyproject.toml, the one list of dependencies.

    python tools/sync_environment.py           # rewrite environment.yml
    python tools/sync_environment.py --check   # exit 1 if environment.yml is out of date

environment.yml installs the same set as requirements.txt: Python (``requires-python``), dlcore's
dependencies and its extras ``course`` and ``test``, from conda-forge, then dlcore itself with
``pip install -e .``. Run this after changing a dependency in pyproject.toml;
``tests/test_repository.py`` fails while environment.yml is out of date.

pyproject.toml is read with ``tomllib`` (Python 3.11+) or, on Python 3.10, with ``tomli`` (which
JupyterLab installs there); requirements are parsed by ``packaging``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        sys.exit("sync_environment.py reads pyproject.toml with tomllib (Python 3.11 or newer) "
                 "or tomli: run it with Python 3.11+, or `pip install tomli` first.")

ROOT = Path(__file__).resolve().parents[1]
# The extras requirements.txt installs (`-e .[course,test]`); environment.yml has the same.
EXTRAS = ("course", "test")
# conda-forge names that differ from the PyPI names (none today).
CONDA_NAMES: dict[str, str] = {}

HEADER = """\
# The same set as requirements.txt, for conda / mamba users and Binder or JupyterHub images.
#   conda env create -f environment.yml && conda activate dlcore-course
# Generated from pyproject.toml by tools/sync_environment.py: do not edit by hand.
"""


def conda_spec(text: str) -> str:
    """``"numpy<3,>=1.24"`` -> ``"numpy>=1.24,<3"``: a conda match spec, lower bound first."""
    req = Requirement(text)
    if req.url or req.extras:
        raise ValueError(f"{text!r}: conda has no URLs or extras; list plain packages.")
    if req.marker is not None and not str(req.marker).startswith("extra"):
        raise ValueError(f"{text!r}: environment markers cannot be written for conda.")
    specs = sorted(req.specifier, key=lambda s: (s.operator.startswith("<"), s.version))
    return CONDA_NAMES.get(req.name, req.name) + ",".join(str(s) for s in specs)


def render(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The text environment.yml should have."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in EXTRAS:
        requirements += project["optional-dependencies"][extra]
    lines = [HEADER.rstrip("\n"), "name: dlcore-course", "channels:", "  - conda-forge",
             "dependencies:", f"  - python{project['requires-python'].replace(' ', '')}"]
    lines += [f"  - {conda_spec(r)}" for r in requirements]
    lines += ["  - pip", "  - pip:", "      - -e ."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that environment.yml is up to date (exit 1 if not)")
    args = parser.parse_args(argv)
    path = ROOT / "environment.yml"
    text = render()
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    if args.check:
        if current != text:
            print("environment.yml is out of date: run `python tools/sync_environment.py`.")
            return 1
        print("environment.yml is up to date.")
        return 0
    if current == text:
        print("environment.yml is up to date.")
    else:
        path.write_text(text, encoding="utf-8")
        print("environment.yml written from pyproject.toml.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
