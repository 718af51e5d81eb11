"""Colab and Binder: badges, install cell and Binder set-up all follow from one address.

The course's public address is written once, in ``[project.urls]`` of pyproject.toml;
``tools/colab.py`` derives from it the Colab link of every notebook, the Binder link and the
install cell that the notebooks start with (it installs dlcore on Colab and does nothing
anywhere else). ``binder/`` tells Binder (repo2docker) which Python to use and to install dlcore
with its ``course`` extra, whose packages and ranges pyproject.toml lists.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
README = ROOT / "README.md"
BINDER = ROOT / "binder"
# The Pythons the course runs on (DESIGN: 3.10 to 3.13; CI tests the oldest and the newest).
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
OTHER = "https://github.com/someone/a-course"


def pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib", reason="Python 3.10 has no tomllib")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# -------------------------------------------------------------------------------------------------
# The one address
# -------------------------------------------------------------------------------------------------


def test_the_address_is_in_pyproject_project_urls():
    url = colab.repository_url()
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url)
    assert colab.project_urls()["Repository"] == url


def test_the_small_parser_of_python_310_reads_what_tomllib_reads():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert colab._urls_table_by_hand(text) == pyproject()["project"]["urls"]
    sample = '[project]\nname = "x"\n[project.urls]  # where\nHomepage = "https://a/b"  # c\n' \
             '"Bug Tracker" = "https://a/b/issues"\n\n[tool.x]\nRepository = "no"\n'
    assert colab._urls_table_by_hand(sample) == {"Homepage": "https://a/b",
                                                 "Bug Tracker": "https://a/b/issues"}


@pytest.mark.parametrize("url", ["https://gitlab.com/a/b", "https://github.com/a",
                                 "http://github.com/a/b", "github.com/a/b"])
def test_an_address_colab_cannot_open_is_refused(url):
    with pytest.raises(ValueError, match="https://github.com/OWNER/REPO"):
        colab.github_repo(url)


def test_links_and_install_cell_are_derived_from_the_address():
    assert colab.github_repo(OTHER + ".git") == colab.github_repo(OTHER + "/") == "someone/a-course"
    assert colab.colab_url("notebooks/03_loss.ipynb", OTHER) == (
        "https://colab.research.google.com/github/someone/a-course/blob/main/notebooks/03_loss.ipynb")
    assert colab.binder_url(OTHER) == (
        "https://mybinder.org/v2/gh/someone/a-course/HEAD?labpath=notebooks%2F00_start_here.ipynb")
    assert colab.colab_badge("notebooks/03_loss.ipynb", OTHER) == (
        f"[![Open in Colab]({colab.COLAB_BADGE})]({colab.colab_url('notebooks/03_loss.ipynb', OTHER)})")
    assert colab.binder_badge(OTHER) == f"[![Launch on Binder]({colab.BINDER_BADGE})]({colab.binder_url(OTHER)})"
    cell = colab.install_cell_source(OTHER)
    assert '%pip install --quiet "dlcore @ git+https://github.com/someone/a-course@main"' in cell
    assert not cell.endswith("\n")  # as Jupyter saves a cell


def test_badges_command_prints_every_notebook(capsys):
    assert colab.main(["badges"]) == 0
    out = capsys.readouterr().out
    url = colab.repository_url()
    assert colab.binder_badge(url) in out
    for path in NOTEBOOKS:
        assert colab.colab_badge(f"notebooks/{path.name}", url) in out


# -------------------------------------------------------------------------------------------------
# The install cell: installs on Colab only, and only dlcore's core
# -------------------------------------------------------------------------------------------------


def run_install_cell(monkeypatch, on_colab: bool) -> list[tuple[str, str]]:
    """Run the install cell's code as IPython runs it in a notebook; return the magics called."""
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(colab.install_cell_source(OTHER))
    called = []
    shell = types.SimpleNamespace(run_line_magic=lambda name, line: called.append((name, line)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(code, "install-cell", "exec"), {"get_ipython": lambda: shell})
    return called


def test_install_cell_installs_dlcore_on_colab(monkeypatch):
    assert run_install_cell(monkeypatch, on_colab=True) == [
        ("pip", 'install --quiet "dlcore @ git+https://github.com/someone/a-course@main"')]


def test_install_cell_does_nothing_elsewhere(monkeypatch):
    assert run_install_cell(monkeypatch, on_colab=False) == []


def test_installing_dlcore_on_colab_brings_numpy_only():
    """Colab has its own ipywidgets (7), matplotlib, scikit-learn and tqdm: dlcore's core must not
    ask for any of them, or pip would upgrade Colab's own copies."""
    try:
        requirements = pyproject()["project"]["dependencies"]
    except pytest.skip.Exception:  # Python 3.10: the installed dlcore's metadata says the same
        requirements = [r for r in importlib.metadata.requires("dlcore") or [] if "extra ==" not in r]
    names = {re.match(r"[A-Za-z0-9._-]+", r).group().lower() for r in requirements}
    assert names == {"numpy"}


def notebook(*cells) -> dict:
    return {"cells": [{"cell_type": kind, "id": f"c{i}", "metadata": {}, "source": text,
                       **({"outputs": [], "execution_count": i} if kind == "code" else {})}
                      for i, (kind, text) in enumerate(cells)],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_install_cell_goes_right_after_the_title_once():
    nb = notebook(("markdown", "# Title"), ("code", "import dlcore"))
    assert colab.set_install_cell(nb, OTHER) is True
    assert [c["cell_type"] for c in nb["cells"]] == ["markdown", "code", "code"]
    assert colab.install_cells(nb) == [1] and nb["cells"][1]["id"] == colab.INSTALL_CELL_ID
    assert "".join(nb["cells"][1]["source"]) == colab.install_cell_source(OTHER)
    assert colab.set_install_cell(nb, OTHER) is False  # idempotent
    assert len(nb["cells"]) == 3


def test_install_cell_of_another_address_is_updated_in_place():
    nb = notebook(("markdown", "# Title"), ("code", "x = 1"))
    colab.set_install_cell(nb, "https://github.com/old/place")
    nb["cells"][1].update(execution_count=1, outputs=[{"output_type": "stream", "text": "x"}])
    nb["cells"].insert(1, {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "moved"})
    assert colab.set_install_cell(nb, OTHER) is True
    cell = nb["cells"][2]
    assert "".join(cell["source"]) == colab.install_cell_source(OTHER)
    assert cell["outputs"] == [] and cell["execution_count"] is None
    nb["cells"][2]["source"] = colab.install_cell_source(OTHER) + "\n"  # as an editor may save it
    assert colab.set_install_cell(nb, OTHER) is False


def test_two_install_cells_are_refused():
    nb = notebook(("markdown", "# T"), ("code", colab.INSTALL_CELL_MARKER + " a"),
                  ("code", colab.INSTALL_CELL_MARKER + " b"))
    with pytest.raises(ValueError, match="2 install cells"):
        colab.set_install_cell(nb, OTHER, where="x.ipynb")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_rewriting_a_notebook_unchanged_makes_no_diff(path, tmp_path):
    """The tool writes notebooks as Jupyter does: only the install cell ever changes."""
    copy = tmp_path / path.name
    colab.write_notebook(colab.read_notebook(path), copy)
    assert copy.read_bytes() == path.read_bytes()


def test_install_cell_command_is_idempotent_and_check_says_so(tmp_path, capsys):
    copies = []
    for path in NOTEBOOKS[:2]:
        copies.append(tmp_path / path.name)
        copies[-1].write_bytes(path.read_bytes())
    had_cell = all(colab.install_cells(colab.read_notebook(p)) for p in copies)
    assert colab.main(["install-cell", "--check", *map(str, copies)]) == (0 if had_cell else 1)
    assert colab.main(["install-cell", *map(str, copies)]) == 0
    written = [p.read_bytes() for p in copies]
    assert colab.main(["install-cell", *map(str, copies)]) == 0
    assert [p.read_bytes() for p in copies] == written
    assert colab.main(["install-cell", "--check", *map(str, copies)]) == 0
    for path in copies:
        nb = colab.read_notebook(path)
        assert colab.install_cells(nb) == [1]
        assert nb["cells"][0]["source"][0].startswith("# ")  # the title stays first


# -------------------------------------------------------------------------------------------------
# Applied: every notebook and the README follow the address (skipped until applied)
# -------------------------------------------------------------------------------------------------

NOT_APPLIED = not any(colab.install_cells(colab.read_notebook(p)) for p in NOTEBOOKS)
applied = pytest.mark.skipif(
    NOT_APPLIED,
    reason="no notebook has the install cell yet: apply with "
           "`python tools/colab.py install-cell notebooks/*.ipynb`, run the notebooks again and "
           "add the badges of `python tools/colab.py badges` to the README",
)


@applied
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_starts_with_the_current_install_cell(path):
    nb = colab.read_notebook(path)
    found = colab.install_cells(nb)
    assert found == [1], (
        f"{path.name}: expected one install cell, right after the title, found it at {found}; "
        f"run python tools/colab.py install-cell notebooks/{path.name}"
    )
    source = colab._source(nb["cells"][1]).rstrip("\n")
    assert source == colab.install_cell_source(colab.repository_url()), (
        f"{path.name}: the install cell is not the one of [project.urls]; "
        f"run python tools/colab.py install-cell notebooks/{path.name}"
    )
    first_code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    assert first_code == 1, f"{path.name}: code runs before the install cell"


@applied
def test_readme_badges_follow_the_address():
    url = colab.repository_url()
    readme = README.read_text(encoding="utf-8")
    expected_colab = {colab.colab_url(f"notebooks/{p.name}", url) for p in NOTEBOOKS}
    missing = [p.name for p in NOTEBOOKS
               if colab.colab_badge(f"notebooks/{p.name}", url) not in readme]
    assert not missing, f"README: no Colab badge for {missing}; see python tools/colab.py badges"
    assert colab.binder_badge(url) in readme, "README: no Binder badge; see tools/colab.py badges"
    colab_links = set(re.findall(r"https://colab\.research\.google\.com/github/[^)\s]+", readme))
    binder_links = set(re.findall(r"https://mybinder\.org/v2/[^)\s]+", readme))
    assert colab_links <= expected_colab, f"README: other Colab links {colab_links - expected_colab}"
    assert binder_links == {colab.binder_url(url)}, f"README: other Binder links {binder_links}"


# -------------------------------------------------------------------------------------------------
# Binder: binder/ as repo2docker reads it
# -------------------------------------------------------------------------------------------------


def binder_requirements() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_binder_pins_a_supported_python():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(3\.\d+)", runtime)
    assert match, f"binder/runtime.txt: expected python-3.X (repo2docker's form), found {runtime!r}"
    assert match.group(1) in SUPPORTED_PYTHONS
    try:
        requires = pyproject()["project"]["requires-python"]
    except pytest.skip.Exception:
        requires = importlib.metadata.metadata("dlcore")["Requires-Python"]
    minimum = re.fullmatch(r">=\s*3\.(\d+)", requires.strip())
    assert minimum and int(match.group(1).split(".")[1]) >= int(minimum.group(1)), requires


def test_binder_installs_dlcore_from_the_repository_with_the_course_extra():
    """The packages and their ranges are those of pyproject.toml's `course` extra, by
    construction: Binder installs dlcore itself with that extra, and nothing listed twice."""
    lines = binder_requirements()
    assert len(lines) == 1, f"binder/requirements.txt: expected dlcore alone, found {lines}"
    match = re.fullmatch(r"(-e\s+)?\.\[([\w,\s-]+)\]", lines[0])
    assert match, f"binder/requirements.txt: expected `-e .[course]`, found {lines[0]!r}"
    extras = {e.strip() for e in match.group(2).split(",")}
    assert "course" in extras
    try:
        declared = set(pyproject()["project"]["optional-dependencies"])
    except pytest.skip.Exception:
        declared = set(importlib.metadata.metadata("dlcore").get_all("Provides-Extra") or [])
    assert extras <= declared, f"binder asks for extras {extras - declared} that dlcore lacks"
    assert not (BINDER / "environment.yml").exists(), "one Binder set-up: pip's, not conda's too"


def test_repo2docker_builds_binder_with_that_python_and_installs_after_copying_the_repo():
    """Render the Dockerfile repo2docker would build (offline, no Docker needed)."""
    command = shutil.which("jupyter-repo2docker")
    if command is None and importlib.util.find_spec("repo2docker") is None:
        pytest.skip("jupyter-repo2docker is not installed (pip install jupyter-repo2docker to "
                    "render Binder's Dockerfile offline)")
    command = [command] if command else [sys.executable, "-m", "repo2docker"]
    result = subprocess.run([*command, "--no-build", "--debug", str(ROOT)], capture_output=True,
                            text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout + result.stderr
    version = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip().split("-")[1]
    assert f"Building conda environment for python={version}\n" in out, (
        "repo2docker did not take binder/runtime.txt")
    copy = out.index("src/ ${REPO_DIR}/")
    install = out.index('pip install --no-cache-dir -r "binder/requirements.txt"')
    assert install > copy, "dlcore must be installed after the repository is copied (-e .)"
