"""Colab and Binder: the badges and the notebooks' install cell, all derived from one address.

The course's public address is written once, in ``[project.urls]`` of ``pyproject.toml``
(``Repository``, else ``Homepage``). From it this script derives:

- the Colab link of each notebook,
  ``https://colab.research.google.com/github/OWNER/REPO/blob/main/notebooks/NAME.ipynb``;
- the Binder link, ``https://mybinder.org/v2/gh/OWNER/REPO/HEAD?labpath=notebooks%2F00_start_here.ipynb``
  (Binder builds the image from ``binder/``);
- the install cell, the first code cell of every notebook (right after the title): on Colab it
  installs dlcore from the repository (dlcore's core needs NumPy only, so Colab's own
  ipywidgets, matplotlib, scikit-learn and tqdm stay as they are); anywhere else it does nothing.

Usage, from the repository folder::

    python tools/colab.py install-cell notebooks/*.ipynb           # insert or update, in place
    python tools/colab.py install-cell --check notebooks/*.ipynb   # exit 1 if one is missing or old
    python tools/colab.py badges                                   # the README's badges

``install-cell`` is idempotent: a notebook whose install cell is already the current one is not
rewritten. A new or changed cell has not run, so run the notebooks again afterwards
(``python tools/run_notebooks.py``). Standard library only (Python 3.10 has no ``tomllib``: there
the ``[project.urls]`` table is read by a small parser of its own).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
BRANCH = "main"  # what the Colab links open and the install cell installs
FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"  # what Binder opens

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"

INSTALL_CELL_ID = "colab-install"
INSTALL_CELL_MARKER = "# On Colab only:"
# No newline at the end: Jupyter saves a cell's source without one.
INSTALL_CELL = """\
# On Colab only: install dlcore, the course's library, from its repository.
# Elsewhere (your computer, Binder) dlcore is installed already and this cell does nothing.
import sys

if "google.colab" in sys.modules:
    %pip install --quiet "dlcore @ git+{repository}@{branch}\""""


# -------------------------------------------------------------------------------------------------
# The one address, and what is derived from it
# -------------------------------------------------------------------------------------------------


def _urls_table_by_hand(text: str) -> dict[str, str]:
    """The ``[project.urls]`` table of a pyproject.toml, for Pythons without ``tomllib``.

    Reads only what that table holds here: ``Key = "value"`` lines, with comments.
    """
    urls, inside = {}, False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.split("#")[0].strip() == "[project.urls]"
            continue
        match = re.fullmatch(r'"?([\w .-]+?)"?\s*=\s*"([^"]*)"\s*(#.*)?', stripped)
        if inside and match:
            urls[match.group(1)] = match.group(2)
    return urls


def project_urls(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """The ``[project.urls]`` table of ``pyproject``."""
    text = Path(pyproject).read_text(encoding="utf-8")
    try:
        import tomllib
    except ImportError:  # Python 3.10
        return _urls_table_by_hand(text)
    return dict(tomllib.loads(text).get("project", {}).get("urls", {}))


def repository_url(pyproject: Path = PYPROJECT) -> str:
    """The course's public GitHub address, ``https://github.com/OWNER/REPO``."""
    urls = project_urls(pyproject)
    url = urls.get("Repository") or urls.get("Homepage")
    if not url:
        raise ValueError(
            f"{pyproject}: expected the course's address in [project.urls] (Repository or "
            f"Homepage), found {urls or 'no such table'}."
        )
    github_repo(url)  # checks it
    return url.rstrip("/")


def github_repo(url: str) -> str:
    """``https://github.com/OWNER/REPO`` -> ``"OWNER/REPO"``; a ValueError for anything else."""
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url)
    if not match:
        raise ValueError(
            f"expected a GitHub repository address https://github.com/OWNER/REPO, received "
            f"{url!r}: Colab and Binder open notebooks from GitHub."
        )
    return f"{match.group(1)}/{match.group(2)}"


def notebook_path(path) -> str:
    """A notebook's path inside the repository, as the links need it: ``notebooks/NAME.ipynb``."""
    path = Path(path)
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:  # a copy outside the repository: it stands for the course's notebook
        return f"notebooks/{path.name}"


def colab_url(notebook: str, url: str) -> str:
    """Colab's link that opens ``notebook`` (``notebooks/NAME.ipynb``) from the repository."""
    return f"https://colab.research.google.com/github/{github_repo(url)}/blob/{BRANCH}/{notebook}"


def binder_url(url: str, notebook: str = FIRST_NOTEBOOK) -> str:
    """Binder's link: the repository in JupyterLab, opened at ``notebook``."""
    return f"https://mybinder.org/v2/gh/{github_repo(url)}/HEAD?labpath={quote(notebook, safe='')}"


def colab_badge(notebook: str, url: str) -> str:
    return f"[![Open in Colab]({COLAB_BADGE})]({colab_url(notebook, url)})"


def binder_badge(url: str) -> str:
    return f"[![Launch on Binder]({BINDER_BADGE})]({binder_url(url)})"


def install_cell_source(url: str) -> str:
    """The install cell's code for the repository at ``url``."""
    github_repo(url)  # checks it
    return INSTALL_CELL.format(repository=url.rstrip("/"), branch=BRANCH)


# -------------------------------------------------------------------------------------------------
# The install cell in a notebook
# -------------------------------------------------------------------------------------------------


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def install_cells(nb: dict) -> list[int]:
    """The indices of the cells that are an install cell (by id, or by their first line)."""
    return [i for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code" and (
        cell.get("id") == INSTALL_CELL_ID or _source(cell).startswith(INSTALL_CELL_MARKER))]


def new_install_cell(url: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": INSTALL_CELL_ID,
        "metadata": {},
        "outputs": [],
        "source": install_cell_source(url).splitlines(keepends=True),
    }


def set_install_cell(nb: dict, url: str, where: str = "notebook") -> bool:
    """Insert the install cell right after the title cell, or bring an existing one up to date.

    Returns True if ``nb`` changed. A changed cell loses its outputs (it has not run).
    """
    found = install_cells(nb)
    if len(found) > 1:
        raise ValueError(f"{where}: {len(found)} install cells (cells {found}); keep one.")
    wanted = new_install_cell(url)
    if not found:
        nb["cells"].insert(1 if nb["cells"] else 0, wanted)
        return True
    cell = nb["cells"][found[0]]
    if _source(cell).rstrip("\n") == install_cell_source(url):
        return False
    cell.update(source=wanted["source"], outputs=[], execution_count=None)
    return True


def read_notebook(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_notebook(nb: dict, path: Path) -> None:
    """Write as Jupyter does (nbformat's layout), so that an unchanged cell makes no diff."""
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False, separators=(",", ": "))
    Path(path).write_text(text + "\n", encoding="utf-8")


# -------------------------------------------------------------------------------------------------
# Command line
# -------------------------------------------------------------------------------------------------


def cmd_install_cell(paths: list[Path], check: bool) -> int:
    url = repository_url()
    stale, written = [], []
    for path in paths:
        nb = read_notebook(path)
        if not set_install_cell(nb, url, where=str(path)):
            print(f"up to date: {path}")
        elif check:
            stale.append(path)
            print(f"missing or old install cell: {path}")
        else:
            write_notebook(nb, path)
            written.append(path)
            print(f"install cell written: {path}")
    if stale:
        print(f"run: python tools/colab.py install-cell {' '.join(map(str, stale))}")
    elif written:
        print(f"then run them again: python tools/run_notebooks.py {' '.join(map(str, written))}")
    return 1 if stale else 0


def cmd_badges(paths: list[Path]) -> int:
    url = repository_url()
    print("Binder (the whole course in JupyterLab, opened at 00):")
    print(binder_badge(url))
    print()
    print("Colab, one per notebook (for the course map):")
    for path in paths:
        notebook = notebook_path(path)
        print(f"{notebook}  {colab_badge(notebook, url)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    install = commands.add_parser("install-cell", help="insert or update the Colab install cell")
    install.add_argument("paths", nargs="+", type=Path, help="notebooks to change in place")
    install.add_argument("--check", action="store_true",
                         help="change nothing; exit 1 if a notebook lacks the current cell")
    badges = commands.add_parser("badges", help="print the README's Binder and Colab badges")
    badges.add_argument("paths", nargs="*", type=Path,
                        help="notebooks (default: every notebook in notebooks/)")
    args = parser.parse_args(argv)
    if args.command == "install-cell":
        return cmd_install_cell(args.paths, args.check)
    return cmd_badges(args.paths or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")))


if __name__ == "__main__":
    sys.exit(main())
