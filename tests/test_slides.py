"""The slide rules of ``tools/slides.py``, on small notebooks made here, and the check that every
committed notebook carries slide metadata in which each exercise starts a slide.

The decks themselves (reveal.js, maths, pictures, no request to another host) are tested in a
real browser by ``test_browser_slides.py``.
"""

from __future__ import annotations

import base64
import copy
import re
import struct
import sys
import zlib
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "tools"))
import slides  # noqa: E402

SOLUTION = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
STUB = "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError\n"


def notebook(*cells):
    """A notebook of the given cells: a string starting with "md:" is a markdown cell, any other
    string a code cell, and anything else is used as it is."""
    made = []
    for cell in cells:
        if isinstance(cell, str) and cell.startswith("md:"):
            made.append(new_markdown_cell(cell[3:]))
        elif isinstance(cell, str):
            made.append(new_code_cell(cell))
        else:
            made.append(cell)
    return new_notebook(cells=made)


def types(nb):
    return slides.slide_types(nb)


def png(width: int, height: int) -> str:
    """A real (blank, grey) PNG of that size, base64-encoded as notebooks store it."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(data).decode()


# -------------------------------------------------------------------------------------------------
# Reading cells
# -------------------------------------------------------------------------------------------------


def test_headings_outside_fenced_code_only():
    source = "Intro\n```python\n# YOUR CODE HERE\n```\n## 2. Real heading ##\n#not a heading\n"
    assert slides.headings(source) == [(2, "2. Real heading")]


def test_png_size_is_read_from_the_header():
    assert slides.png_size(png(30, 12)) == (30, 12)
    assert slides.png_size("not a png") is None


def test_a_picture_counts_by_its_height():
    small = new_code_cell("plot()", outputs=[new_output("display_data", data={"image/png": png(400, 60)})])
    tall = new_code_cell("plot()", outputs=[new_output("display_data", data={"image/png": png(400, 600)})])
    assert slides.cell_lines(tall) > slides.cell_lines(small) + 15


# -------------------------------------------------------------------------------------------------
# The rules
# -------------------------------------------------------------------------------------------------


def test_title_and_sections_start_slides_and_code_stays_with_its_text():
    nb = notebook("md:# 01 · Title\n\nWhat you will learn.", "md:## 1. First idea\n\nText.",
                  "x = 1", "md:More about it.", "print(x)", "md:## 2. Second idea")
    assert types(nb) == ["slide", "slide", "-", "-", "-", "slide"]


def test_a_third_level_heading_starts_a_subslide():
    nb = notebook("md:# Title", "md:## 1. Section", "md:### A detail\n\nText.", "y = 2")
    assert types(nb) == ["slide", "slide", "subslide", "-"]


def test_a_heading_after_text_in_the_same_cell_counts():
    nb = notebook("md:# Title", "md:Some text.\n\n## 2. A section that starts mid-cell")
    assert types(nb) == ["slide", "slide"]


def test_the_setup_cell_under_the_title_gets_its_own_subslide():
    nb = notebook("md:# Title\n\nGoals.", "%matplotlib inline\nimport numpy as np",
                  "md:## 1. Section")
    assert types(nb) == ["slide", "subslide", "slide"]


@pytest.mark.parametrize("solution", [SOLUTION, STUB], ids=["solutions version", "student version"])
def test_each_exercise_is_a_slide_of_its_own(solution):
    nb = notebook("md:# Title", "md:## 1. Section", "md:Some text.", "x = 1",
                  "md:### Exercise 1: the identity\n\nWrite `f(x)` that returns `x`.",
                  solution, "check_f(f)",
                  "md:Back to the section after the exercise.", "y = 2")
    assert types(nb) == ["slide", "slide", "-", "-",
                         "slide", "fragment", "-",  # text; solution on the next key press; checker
                         "slide", "-"]


def test_an_exercise_without_a_heading_starts_at_its_text():
    nb = notebook("md:# Title", "md:## 1. Section\n\nText.", "z = 3",
                  "md:The section ends here.\n\nWrite `f(x)` that returns `x`.",
                  SOLUTION, "check_f(f)", "md:## 2. Next")
    assert types(nb) == ["slide", "slide", "-", "slide", "fragment", "-", "slide"]


def test_two_exercises_in_a_row_are_two_slides():
    nb = notebook("md:# Title", "md:## 9. Exercises\n\n### Exercise 1: f", SOLUTION, "check_f(f)",
                  "md:### Exercise 2: g", SOLUTION.replace("f(", "g("), "check_g(g)")
    assert types(nb) == ["slide", "slide", "fragment", "-", "slide", "fragment", "-"]
    assert [(e.start, e.solution, e.end) for e in slides.exercises(nb.cells)] == [(1, 2, 3), (4, 5, 6)]


def test_a_long_stretch_without_heading_is_cut_at_text_cells():
    paragraph = "md:" + "\n".join(["A line of explanation that is about this long."] * 8)
    code = "\n".join(f"a{i} = {i}" for i in range(6))
    nb = notebook("md:# Title", "md:## 1. A long section", *[paragraph, code] * 6)
    kinds = types(nb)
    assert kinds[:2] == ["slide", "slide"]
    assert "subslide" in kinds[2:]
    for cell, kind in zip(nb.cells[2:], kinds[2:], strict=True):
        if cell.cell_type == "code":
            assert kind == "-", "a code cell stays on the slide of the text that introduces it"
    # no slide holds much more than a screen, since each text with its code is smaller than one
    used = 0.0
    for cell, kind in zip(nb.cells, kinds, strict=True):
        used = slides.cell_lines(cell) if kind in slides.STARTS else used + slides.cell_lines(cell)
        assert used <= slides.SCREEN_LINES + 1


def test_a_single_tall_cell_is_not_cut():
    nb = notebook("md:# Title", "md:## 1. Section\n\n" + "\n".join(["Line."] * 80), "x = 1")
    assert types(nb) == ["slide", "slide", "-"]


def test_a_long_run_of_code_cells_is_cut_between_them():
    nb = notebook("md:# Title", "md:## 1. Section", *["\n".join(["b = 1"] * 12)] * 5)
    kinds = types(nb)
    assert kinds[2] == "-" and "subslide" in kinds[3:]


def test_empty_cells_are_skipped():
    nb = notebook("md:# Title", "", "md:  ", "x = 1")
    assert types(nb) == ["slide", "skip", "skip", "-"]


# -------------------------------------------------------------------------------------------------
# annotate: in place, idempotent, nothing else changes
# -------------------------------------------------------------------------------------------------


def test_annotate_is_idempotent_and_keeps_everything_else():
    nb = notebook("md:# Title", "md:## 1. Section", "x = 1", "md:### Exercise 1: f", SOLUTION,
                  "check_f(f)")
    nb.cells[2].metadata["tags"] = ["keep-me"]
    nb.cells[2].outputs = [new_output("stream", name="stdout", text="1\n")]
    nb.cells[3].metadata["slideshow"] = {"slide_type": "-", "data": {"state": "keep"}}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    before = copy.deepcopy(nb)

    assert slides.annotate(nb) == 6
    assert [c.metadata.slideshow.slide_type for c in nb.cells] == types(before)
    assert nb.cells[2].metadata["tags"] == ["keep-me"]
    assert nb.cells[3].metadata["slideshow"] == {"slide_type": "slide", "data": {"state": "keep"}}
    for cell, old in zip(nb.cells, before.cells, strict=True):
        rest = {k: v for k, v in cell.metadata.items() if k != "slideshow"}
        assert rest == {k: v for k, v in old.metadata.items() if k != "slideshow"}
        assert (cell.source, cell.get("outputs")) == (old.source, old.get("outputs"))
    assert nb.metadata == before.metadata

    text = nbformat.writes(nb)
    assert slides.annotate(nb) == 0
    assert nbformat.writes(nb) == text


def test_annotate_command_rewrites_only_what_changed(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    nbformat.write(notebook("md:# Title", "md:## 1. Section", "x = 1"), path)
    assert slides.main(["annotate", str(path)]) == 0
    first = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    assert slides.main(["annotate", str(path)]) == 0
    assert path.read_bytes() == first and path.stat().st_mtime_ns == mtime
    assert "up to date" in capsys.readouterr().out
    assert slides.main(["check", str(path)]) == 0


def test_keep_existing_keeps_a_slide_type_set_by_hand():
    nb = notebook("md:# Title", "md:## 1. Section", "x = 1", "y = 2")
    nb.cells[3].metadata["slideshow"] = {"slide_type": "skip"}
    kept = copy.deepcopy(nb)
    slides.annotate(kept, keep_existing=True)
    assert kept.cells[3].metadata.slideshow.slide_type == "skip"
    assert kept.cells[2].metadata.slideshow.slide_type == "-"
    slides.annotate(nb)
    assert nb.cells[3].metadata.slideshow.slide_type == "-"


# -------------------------------------------------------------------------------------------------
# check: what is wrong with a notebook's slide metadata
# -------------------------------------------------------------------------------------------------


def annotated(*cells):
    nb = notebook(*cells)
    slides.annotate(nb)
    return nb


def test_check_passes_an_annotated_notebook():
    nb = annotated("md:# Title", "md:## 1. Section", "x = 1", "md:### Exercise 1: f", SOLUTION,
                   "check_f(f)", "md:After.")
    assert slides.check(nb) == []


def test_check_reports_a_cell_without_slide_type():
    nb = annotated("md:# Title", "x = 1")
    nb.cells.append(new_markdown_cell("New text, added after annotating."))
    problems = slides.check(nb, "nb")
    assert len(problems) == 1 and "cell 2" in problems[0] and "no slide type" in problems[0]


@pytest.mark.parametrize("cell, kind, message", [
    (3, "-", "does not start a slide"),
    (5, "subslide", "cut in two"),
    (4, "skip", "hidden"),
    (6, "-", "should start a new slide"),
])
def test_check_reports_an_exercise_not_on_its_own_slide(cell, kind, message):
    nb = annotated("md:# Title", "md:## 1. Section", "x = 1", "md:### Exercise 1: f", SOLUTION,
                   "check_f(f)", "md:After.")
    nb.cells[cell].metadata.slideshow.slide_type = kind
    problems = slides.check(nb, "nb")
    assert any(message in p for p in problems), problems


# -------------------------------------------------------------------------------------------------
# The committed notebooks
# -------------------------------------------------------------------------------------------------


def test_the_rules_give_every_committed_notebook_valid_slides():
    """Annotated by the rules (in memory), every notebook passes the check, and every exercise
    the student version will have is found."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        solutions = sum(bool(slides.SOLUTION.search(c.source)) for c in nb.cells
                        if c.cell_type == "code")
        assert len([e for e in slides.exercises(nb.cells)
                    if slides.SOLUTION.search(nb.cells[e.solution].source)]) == solutions
        slides.annotate(nb)
        assert slides.check(nb, path.name) == []


# Every committed notebook carries slide metadata: a cell added later without it fails here.
def test_every_cell_has_slide_metadata_and_every_exercise_starts_a_slide():
    problems = []
    for path in NOTEBOOKS:
        problems += slides.check(nbformat.read(path, as_version=4), path.name)
    assert not problems, (
        "slide metadata is missing or wrong (`python tools/slides.py annotate "
        "notebooks/*.ipynb` fixes it):\n" + "\n".join(problems)
    )


# -------------------------------------------------------------------------------------------------
# Widgets as their saved picture, links between decks
# -------------------------------------------------------------------------------------------------


def widget_notebook():
    image = png(40, 20)
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_slider",
                                                                   "IPY_MODEL_menu",
                                                                   "IPY_MODEL_out"]}},
        "slider": {"model_name": "FloatSliderModel", "state": {"description": "bias",
                                                                "value": 0.5}},
        "menu": {"model_name": "DropdownModel", "state": {"description": "activation",
                                                          "_options_labels": ["relu", "tanh"],
                                                          "index": 1}},
        "out": {"model_name": "OutputModel", "state": {"outputs": [
            {"output_type": "display_data", "metadata": {},
             "data": {"image/png": image, "text/plain": "<Figure>"}}]}},
        "bar": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_left",
                                                                  "IPY_MODEL_progress",
                                                                  "IPY_MODEL_right"]}},
        "left": {"model_name": "HTMLModel", "state": {"value": "fit:\u2007100%"}},
        "progress": {"model_name": "FloatProgressModel", "state": {"value": 20.0}},
        "right": {"model_name": "HTMLModel", "state": {"value": "\u200720/20\u2007[00:00&lt;00:00]"}},
    }

    def view(model_id):
        return new_output("display_data", data={
            slides.WIDGET_VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0},
            "text/plain": "VBox(...)"})

    nb = notebook("md:# Title", new_code_cell("explorer()", outputs=[view("box")]),
                  new_code_cell("fit()", outputs=[view("bar"), new_output(
                      "stream", name="stdout", text="fit: done\n")]),
                  new_code_cell("lost()", outputs=[view("not-saved")]))
    nb.metadata["widgets"] = {slides.WIDGET_STATE: {"state": state, "version_major": 2,
                                                     "version_minor": 0}}
    return nb, image


def test_a_widget_shows_its_saved_picture_and_says_it_is_live_only_in_jupyterlab():
    nb, image = widget_notebook()
    assert slides.replace_widgets(nb) == 3
    assert "widgets" not in nb.metadata
    note, picture = nb.cells[1].outputs
    assert "live only in JupyterLab" in note.data["text/html"]
    assert "bias = 0.5" in note.data["text/plain"] and "activation = tanh" in note.data["text/plain"]
    assert picture.data["image/png"] == image
    # a progress bar has nothing to move: its text, and what the cell printed after it
    bar, printed = nb.cells[2].outputs
    assert bar.output_type == "stream" and bar.text == "fit: 100% 20/20 [00:00<00:00]\n"
    assert printed.text == "fit: done\n"
    # a widget whose state was not saved still says what it is
    (lost,) = nb.cells[3].outputs
    assert "live only in JupyterLab" in lost.data["text/plain"]
    assert "without" in lost.data["text/plain"]
    nbformat.validate(nb)


def test_the_deck_copy_leaves_the_notebook_alone():
    nb, _ = widget_notebook()
    nb.cells[1].source = "# NBVAL_IGNORE_OUTPUT\nexplorer()"
    before = copy.deepcopy(nb)
    deck = slides.deck_notebook(nb)
    assert nb == before
    assert deck.cells[1].source == "explorer()"
    assert all("slideshow" in c.metadata for c in deck.cells)
    assert "widgets" not in deck.metadata


def test_links_to_notebooks_point_to_their_decks():
    nb = notebook("md:Next: [03 · Loss](03_loss.ipynb), [a section](04_forward.ipynb#2.-One), "
                  "[on the web](https://example.org/x.ipynb), [a file](data.csv)")
    slides.link_decks(nb)
    assert nb.cells[0].source == (
        "Next: [03 · Loss](03_loss.slides.html), [a section](04_forward.slides.html#2.-One), "
        "[on the web](https://example.org/x.ipynb), [a file](data.csv)")


def test_title_of_a_notebook():
    assert slides.title_of(notebook("x = 1", "md:# 02 · **Architecture**"), "fallback") == \
        "02 · Architecture"
    assert slides.title_of(notebook("x = 1"), "fallback") == "fallback"


# -------------------------------------------------------------------------------------------------
# The build, without a browser (the browser test opens the decks)
# -------------------------------------------------------------------------------------------------


def test_build_writes_decks_that_name_no_other_host(tmp_path):
    try:
        slides.find_reveal(), slides.find_mathjax()
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    source = tmp_path / "src"
    source.mkdir()
    nb, _ = widget_notebook()
    nb.cells.insert(1, new_markdown_cell("## 1. Maths\n\n$$z = w x + b$$\n\nNext: "
                                         "[the other](02_other.ipynb)"))
    nbformat.write(nb, source / "01_first.ipynb")
    nbformat.write(notebook("md:# 02 · Other", "x = 1"), source / "02_other.ipynb")

    out = tmp_path / "slides"
    decks = slides.build(sorted(source.glob("*.ipynb")), out, quiet=True)

    assert [d.name for d in decks] == ["01_first.slides.html", "02_other.slides.html"]
    assert (out / "_static/reveal.js/dist/reveal.js").is_file()
    assert (out / "_static/reveal.js/plugin/notes/notes.js").is_file()
    assert (out / "_static/mathjax/MathJax.js").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="01_first.slides.html"' in index and "02 · Other" in index
    html = decks[0].read_text(encoding="utf-8")
    addresses = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert "_static/reveal.js/dist/reveal.js" in addresses
    assert any(a.startswith("_static/mathjax/MathJax.js") for a in addresses)
    assert "02_other.slides.html" in addresses
    assert not [a for a in addresses if re.match(r"[a-z]+://|//", a)], addresses
    assert not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//", html)
    assert "live only in JupyterLab" in html
    assert slides.WIDGET_VIEW not in html  # no widget manager, no widget state
