"""Every figure in every committed notebook carries alt text: a sentence saying what it shows.

A reader who cannot see a picture hears its alt text instead; JupyterLab's own PNG renderer
writes none, so the course sends each figure as ``<img alt="...">`` in ``text/html``, with the
same sentence in the PNG's metadata (``alt``, what nbconvert writes into the web pages) and as
``text/plain`` (see ``dlcore/course/viz/common.py``). This test reads the committed notebooks,
no kernel needed, and checks every picture: the cells' outputs, and the outputs kept in the
saved widget state (what a widget showed when the notebook was run).

A picture fails when it has no alt text, when its three forms disagree, or when its alt text is
the placeholder that ``viz`` gives a figure nobody described (``viz.UNDESCRIBED``): a cell that
draws with matplotlib itself must say what it shows with ``viz.alt(fig, "...")``.

Every notebook is checked, each as its own test. A notebook whose outputs predate the alt text
(run before the mechanism existed) fails here until it is run again with
``python tools/run_notebooks.py notebooks/NN_name.ipynb``, after its own figure cells got their
``viz.alt`` sentences.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import nbformat
import pytest

from dlcore.course.viz import UNDESCRIBED

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
IMG_ALT = re.compile(r'<img\b[^>]*\balt="([^"]*)"')
MIN_WORDS = 6  # "A line." says nothing: a real description names what is drawn and a number


def pictures(nb):
    """Yield ``(where, output)`` for every output that holds a PNG: cells, then widget state."""
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                yield f"cell {number} ({first[:60]!r})", output
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for model_id, model in state.items():
        for output in model.get("state", {}).get("outputs", []) or []:
            if "image/png" in output.get("data", {}):
                yield f"widget Output {model_id[:8]}", output


def problems_of(output) -> list[str]:
    """What is wrong with the alt text of one picture output (empty when it is right)."""
    data = output.get("data", {})
    alt = output.get("metadata", {}).get("image/png", {}).get("alt")
    if not alt:
        return ["no alt text (metadata image/png alt)"]
    found = []
    if alt.startswith(UNDESCRIBED):
        found.append(f"nobody described this figure: {alt!r}")
    elif len(alt.split()) < MIN_WORDS:
        found.append(f"alt text too short to say what the figure shows: {alt!r}")
    tags = IMG_ALT.findall(str(data.get("text/html", "")))
    if not tags:
        found.append("no <img alt=...> in text/html: JupyterLab would show the PNG without alt")
    elif html.unescape(tags[0]) != alt:
        found.append(f"the <img alt> differs from the metadata: {html.unescape(tags[0])!r}")
    elif str(data["image/png"]).replace("\n", "") not in str(data["text/html"]):
        found.append("the <img> in text/html is not the same picture as image/png")
    if data.get("text/plain") != alt:
        found.append(f"text/plain is not the alt text: {str(data.get('text/plain'))[:80]!r}")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_picture_in_the_notebook_has_alt_text(path):
    nb = nbformat.read(path, as_version=4)
    report = [f"{where}: {problem}" for where, output in pictures(nb)
              for problem in problems_of(output)]
    assert not report, (
        f"{path.name}: {len(report)} problem(s) with the alt text of its pictures. Give a cell that "
        f"draws with matplotlib itself a sentence, viz.alt(fig, '...'), then run the notebook "
        f"again (python tools/run_notebooks.py notebooks/{path.name}):\n" + "\n".join(report)
    )


def test_the_check_finds_a_picture_without_alt_text():
    """The check above can fail: on outputs as IPython's own PNG formatter writes them."""
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    plain = nbformat.v4.new_output("display_data", data={"image/png": png,
                                                         "text/plain": "<Figure size 640x480>"})
    assert problems_of(plain) == ["no alt text (metadata image/png alt)"]
    placeholder = nbformat.v4.new_output(
        "display_data",
        data={"image/png": png, "text/plain": f"{UNDESCRIBED}.",
              "text/html": f'<img src="data:image/png;base64,{png}" alt="{UNDESCRIBED}.">'},
        metadata={"image/png": {"alt": f"{UNDESCRIBED}."}},
    )
    assert any("nobody described" in p for p in problems_of(placeholder))
    other = base64.b64encode(b"\x89PNG\r\n\x1a\nother").decode()
    alt = "A line rising from 1 to 3 over three steps."
    mismatched = nbformat.v4.new_output(
        "display_data",
        data={"image/png": png, "text/plain": alt,
              "text/html": f'<img src="data:image/png;base64,{other}" alt="{alt}">'},
        metadata={"image/png": {"alt": alt}},
    )
    assert problems_of(mismatched) == [
        "the <img> in text/html is not the same picture as image/png"]


def test_the_check_accepts_what_the_course_sends():
    """A figure displayed by ``viz`` passes (the bundle built by ``figure_bundle``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dlcore.course import viz

    fig, ax = plt.subplots()
    try:
        viz.plot_loss_per_step([4.0, 2.0, 1.0, 0.5], ax=ax, label="SGD")
        data, metadata = viz.figure_bundle(fig)
    finally:
        plt.close(fig)
    output = nbformat.v4.new_output("display_data", data=data, metadata=metadata)
    assert problems_of(output) == []
    assert metadata["image/png"]["alt"].startswith("SGD: the loss after each of 3 steps")
