"""tools/website.py: how the notebooks are adjusted for the web, and a picture's alt text.

The adjustments are checked on the committed notebooks themselves (solutions folded, widgets as
their saved pictures, the run-live note, the home page's map) without building anything. A
small synthetic notebook is then built into a site with Sphinx, to check what the page's HTML
holds: the ``alt`` of a plot from its output metadata, the alt of an HTML figure, and the fold.
The full site is built and opened in a browser by ``test_browser_website.py``.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import struct
import sys
import zlib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab  # noqa: E402
import website  # noqa: E402

# Sphinx, run in this process, warns about its own coming API changes to the themes it loads.
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
URL = colab.repository_url()


def web(name: str):
    path = ROOT / "notebooks" / name
    original = nbformat.read(path, as_version=4)
    return original, *website.web_notebook(original, f"notebooks/{name}", URL)


def test_solutions_are_folded_and_nothing_else():
    original, nb, done = web("03_loss.ipynb")
    folded = [c for c in nb.cells if "hide-input" in c.metadata.get("tags", [])]
    solutions = [c for c in folded if "### BEGIN SOLUTION" in c.source]
    assert done["solutions"] == len(solutions) == 3
    for cell in solutions:
        assert cell.metadata["mystnb"]["code_prompt_show"] == "Show the solution"
    # the only other folded cell is the Colab install cell
    others = [c for c in folded if c not in solutions]
    assert [c.get("id") for c in others] == [colab.INSTALL_CELL_ID]
    # the exercise's text and the checker stay as they are, the test markers left out
    checkers = [c for c in nb.cells if c.cell_type == "code" and "check_mse(" in c.source]
    assert checkers and "NBVAL" not in checkers[0].source
    assert checkers[0].outputs[0]["text"].startswith("✅")


def test_the_committed_notebook_is_not_changed():
    original, nb, _ = web("02_architecture.ipynb")
    again = nbformat.read(ROOT / "notebooks" / "02_architecture.ipynb", as_version=4)
    assert original == again
    assert "widgets" in original.metadata and "widgets" not in nb.metadata


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_solution_of_every_notebook_is_folded(path):
    original, nb, done = web(path.name)
    marked = sum(1 for c in original.cells if c.cell_type == "code"
                 and re.search(r"^\s*### BEGIN SOLUTION\s*$", c.source, re.MULTILINE))
    assert done["solutions"] == marked
    assert not any(website.slides.WIDGET_VIEW in o.get("data", {})
                   for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    # under the title: how to run this notebook live, with its own Colab and Binder links
    note = nb.cells[[i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"][0] + 1]
    assert note.cell_type == "markdown" and "To run it live" in note.source
    assert colab.colab_url(f"notebooks/{path.name}", URL) in note.source
    assert colab.binder_url(URL, f"notebooks/{path.name}") in note.source
    assert len({c.get("id") for c in nb.cells}) == len(nb.cells), "cell ids must stay unique"


def test_a_widget_becomes_its_saved_picture_under_a_note():
    _, nb, done = web("06_optimizer.ipynb")
    assert done["widgets"] == 1
    notes = [(c, i) for c in nb.cells if c.cell_type == "code"
             for i, o in enumerate(c.outputs) if "course-widget-note" in
             str(o.get("data", {}).get("text/html", ""))]
    assert len(notes) == 1
    cell, at = notes[0]
    note = cell.outputs[at]["data"]["text/html"]
    assert "Shown as saved:" in note and "colab.research.google.com" in note
    assert any("image/png" in o.get("data", {}) for o in cell.outputs[at + 1:]), (
        "the widget's saved plot should follow its note")


def test_home_page_is_the_readme_map_without_pictures_from_other_hosts():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    titles = {f"notebooks/{p.name}": website.slides.title_of(nbformat.read(p, as_version=4),
                                                            p.stem) for p in NOTEBOOKS}
    page = website.home_page(readme, titles, URL)
    assert page.startswith("# Deep learning from scratch")
    for rel, title in titles.items():
        assert f"[{title}]({rel})" in page
        assert colab.colab_url(rel, URL) in page
    assert "colab-badge.svg" not in page and "badge_logo.svg" not in page
    assert "(run-the-course-live)=" in page
    with pytest.raises(ValueError, match="Course map"):
        website.home_page("# Title\n\n## Other\n", titles, URL)


# -------------------------------------------------------------------------------------------------
# A synthetic notebook, built by Sphinx
# -------------------------------------------------------------------------------------------------


def tiny_png(width: int = 4, height: int = 3) -> str:
    """A small grey PNG, base64, made here (no image library)."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0,
                                                             0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()


def synthetic_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    plot = nbformat.v4.new_output(
        "display_data", data={"image/png": tiny_png(), "text/plain": "<Figure>"},
        metadata={"image/png": {"alt": "A loss curve falling from 2.3 to 0.1 over ten epochs"}})
    bare = nbformat.v4.new_output("display_data", data={"image/png": tiny_png(5, 2),
                                                        "text/plain": "<Figure>"})
    figure = nbformat.v4.new_output("display_data", data={
        "text/html": f'<figure><img src="data:image/png;base64,{tiny_png(2, 2)}" '
                     f'alt="Nine handwritten digits in a grid"></figure>',
        "text/plain": "<IPython.core.display.HTML object>"})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 99 · A synthetic page\n\nWith $x^2$ in it."),
        nbformat.v4.new_code_cell("plot()", outputs=[plot]),
        nbformat.v4.new_code_cell("plot_without_description()", outputs=[bare]),
        nbformat.v4.new_code_cell("show_html_figure()", outputs=[figure]),
        nbformat.v4.new_markdown_cell("## Exercise 1: square\n\nWrite `square(x)`. Hint: `x * x`."),
        nbformat.v4.new_code_cell("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n"
                                  "    ### END SOLUTION"),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\ncheck_square(square)", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="✅ Right.\n")]),
    ]
    return nb


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory):
    missing = [m for m in ("sphinx", "myst_nb", "sphinx_book_theme", "jupyter_server_mathjax")
               if importlib.util.find_spec(m) is None]
    if missing:
        if os.environ.get("CI", "").lower() == "true" and sys.version_info >= (3, 13):
            pytest.fail(f"CI=true but the website's tools are missing: {missing}")
        pytest.skip(f"the website needs {missing}: pip install -r requirements-dev.txt")
    tmp = tmp_path_factory.mktemp("synthetic")
    path = tmp / "notebooks" / "99_synthetic.ipynb"
    path.parent.mkdir()
    nbformat.write(synthetic_notebook(), path)
    website.build(tmp / "site", tmp / "work", notebooks=[path], quiet=True, reference=False)
    return tmp / "site"


def test_alt_text_comes_from_the_output_metadata(synthetic_site):
    page = (synthetic_site / "notebooks" / "99_synthetic.html").read_text(encoding="utf-8")
    alts = re.findall(r'<img[^>]*\balt="([^"]*)"', page)
    assert "A loss curve falling from 2.3 to 0.1 over ten epochs" in alts, alts
    assert "Nine handwritten digits in a grid" in alts, alts
    # a plot without a description says so, instead of showing its file name
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    import course_site

    assert course_site.NO_DESCRIPTION in alts, alts
    assert not any(a.endswith(".png") for a in alts), alts


def test_the_solution_is_folded_on_the_page(synthetic_site):
    page = (synthetic_site / "notebooks" / "99_synthetic.html").read_text(encoding="utf-8")
    fold = re.search(r"<details[^>]*>(.*?)</details>", page, re.DOTALL)
    assert fold, "no folded cell on the page"
    assert "Show the solution" in fold.group(1) and "BEGIN" in fold.group(1)
    assert " open" not in fold.group(0)[:40], "the solution is unfolded from the start"
    assert "Hint: " in page and "NBVAL" not in page
    assert "_static/mathjax/MathJax.js" in page
    assert not re.search(r"""(src|href)=["']https?://(?!github\.com|colab|mybinder)""", page)


def test_a_folder_not_made_by_the_build_is_never_replaced(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match="refusing to replace it"):
        website.build(precious, tmp_path / "work", notebooks=[], quiet=True)
    with pytest.raises(ValueError, match="refusing to replace it"):
        website.build(tmp_path / "site", precious, notebooks=[], quiet=True)
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / "work").exists() and not (tmp_path / "site").exists()


def test_absolute_values_in_docstrings_are_shown_as_written():
    pytest.importorskip("myst_nb", reason="the website's tools: pip install -r requirements-dev.txt")
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    import course_site

    lines = ["nearly 0 for large |z|, which", "``|x|`` stays, |x - y| too", "| a | b |",
             "a link |name|_ stays"]
    course_site.absolute_values(None, "class", "x", None, {}, lines)
    assert lines == ["nearly 0 for large \\|z\\|, which", "``|x|`` stays, \\|x - y\\| too",
                     "| a | b |", "a link |name|_ stays"]


def test_the_sidebar_toggles_get_a_name():
    pytest.importorskip("myst_nb", reason="the website's tools: pip install -r requirements-dev.txt")
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    import course_site

    for link in ['<a class="reference internal" href="api/index.html">Library reference</a>',
                 '<a class="current reference internal" href="#">Library reference</a>']:
        html = course_site.name_section_toggles(f'{link}<details open="open"><summary><span>')
        assert '<summary aria-label="Show the pages of Library reference">' in html, html
