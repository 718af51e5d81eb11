"""The course's content in JupyterLab passes axe-core: no serious or critical violation.

axe-core (Deque's accessibility engine, the one browsers' audit tools use; shipped inside the
``axe-playwright-python`` package, nothing downloaded) checks what a screen-reader or keyboard
user meets: images without a text alternative, controls without a name, text without enough
contrast, ARIA misuse. Two tests, in headless Chromium (``tests/browser.py``):

1. Every notebook as a fresh clone opens it (committed outputs, not trusted yet): each is opened
   in JupyterLab and, once its cells are drawn, axe checks the notebook's content.
2. The explorers that show pictures in a ``widgets.Output`` (the digit, batch and bias
   explorers), built by a small notebook of their own and run by the kernel, as a learner runs
   them: every picture they draw must carry its one-line summary as ``alt``, and axe checks
   their outputs too.

Scope. axe runs on what the course writes: the cells' outputs (``.jp-OutputArea-output``) and
the rendered Markdown (``.jp-RenderedMarkdown``), not on JupyterLab's own chrome, which we cannot
change and which has violations of its own in JupyterLab 4.6: the code editors (CodeMirror) have
no accessible name (aria-input-field-name), the notebook's windowed list lacks the children its
role requires (aria-required-children), the file browser's upload button has an ARIA attribute
its role does not allow (aria-allowed-attr), and the button JupyterLab adds to each Markdown
heading to fold its section has no text (button-name); that button is excluded
(``.jp-collapseHeadingButton``) although it sits inside the rendered Markdown. The handle of an
ipywidgets slider (``.noUi-handle``; ``.ui-slider-handle`` in ipywidgets 7) is excluded too: it
has the ARIA role "slider" but no accessible name (aria-input-field-name), because ipywidgets
draws the description as a separate ``<label>`` that the handle does not reference, and its
Python API sets no ARIA attribute. Only violations of impact "serious" or "critical" fail the
test; the others are printed.

A notebook whose committed outputs predate the alt text fails here (image-alt, critical) until
it is run again with ``python tools/run_notebooks.py`` (see ``tests/test_alt_text.py``).

Needs Chromium, ``playwright`` and ``axe-playwright-python`` (requirements-dev.txt). Without them
the test is skipped, except under CI (``CI=true``), where it fails. Screenshots go to
``test-artifacts/browser/``. It takes about two minutes (the notebooks open in one JupyterLab workspace, one after the
other; their kernels are stopped at the end).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest
from browser import JupyterLabServer, NotebookPage, browser_tools, copy_notebooks, launch_chromium

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
FAILING_IMPACTS = ("serious", "critical")
# What the course writes, and JupyterLab's heading-fold button inside it (see the docstring).
CONTENT = {"include": [[".jp-OutputArea-output"], [".jp-RenderedMarkdown"]],
           "exclude": [[".jp-collapseHeadingButton"], [".noUi-handle"], [".ui-slider-handle"]]}
WIDGETS_NOTEBOOK = "explorers.ipynb"


def axe_tool():
    """``axe_playwright_python``'s ``Axe``, or a skip (a failure under CI)."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        message = ("the accessibility test needs the package `axe-playwright-python` "
                   "(pip install -r requirements-dev.txt)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    return Axe()


def explorers_notebook() -> nbformat.NotebookNode:
    """A notebook with the three explorers that draw pictures, on small data: quick to run."""
    source = """\
%matplotlib inline
import numpy as np
from dlcore.course.interactive import batch_explorer, bias_explorer, digit_explorer
from dlcore.datasets import load_digits

X, y = load_digits()
rng = np.random.default_rng(0)
points = np.concatenate([rng.normal(-1.5, 1, (30, 2)), rng.normal(1.5, 1, (30, 2))])
classes = np.repeat([0, 1], 30)"""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source),
                nbformat.v4.new_code_cell("digit_explorer(X[:20], y[:20])"),
                nbformat.v4.new_code_cell("batch_explorer()"),
                nbformat.v4.new_code_cell("bias_explorer(points, classes)")]
    return nb


@pytest.fixture(scope="module")
def tools():
    return browser_tools()


@pytest.fixture(scope="module")
def axe(tools):
    return axe_tool()


@pytest.fixture(scope="module")
def lab(tools, tmp_path_factory):
    """JupyterLab serving a copy of notebooks/ as committed, plus the explorers' notebook."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_factory.mktemp("jupyterlab-a11y")
    root = tmp / "served"
    copy_notebooks(NOTEBOOKS, root / "notebooks", clear=[])
    nbformat.write(explorers_notebook(), root / "notebooks" / WIDGETS_NOTEBOOK)
    server = JupyterLabServer(root, home=tmp / "home", log_path=ARTIFACTS / "jupyterlab-a11y.log")
    try:
        server.start()
        yield server
    finally:
        server.shutdown_kernels()
        server.stop()


@pytest.fixture(scope="module")
def page(tools, lab):
    executable, sync_playwright = tools
    playwright = sync_playwright().start()
    chromium = None
    try:
        chromium = launch_chromium(playwright, executable)
        context = chromium.new_context(viewport={"width": 1280, "height": 1000})
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        yield tab
    finally:
        if chromium is not None:
            chromium.close()
        playwright.stop()


def open_rendered(page, lab, name: str) -> NotebookPage:
    """Open ``notebooks/name`` and wait until every cell and every picture is drawn."""
    nb = NotebookPage(page, lab, f"notebooks/{name}")
    workspace = "a11y-" + name.replace(".", "-")  # its own: a shared one reopens the others
    t0 = time.monotonic()
    page.goto(lab.url(f"/lab/workspaces/{workspace}/tree/notebooks/{name}?reset"))
    nb.notebook.locator(".jp-Cell").first.wait_for(timeout=60_000)
    cells = len(nbformat.read(NOTEBOOKS / name, as_version=4).cells) if name != WIDGETS_NOTEBOOK \
        else None
    if cells:
        page.wait_for_function(
            "n => document.querySelectorAll('.jp-NotebookPanel-notebook .jp-Cell').length >= n",
            arg=cells, timeout=60_000)
    t1 = time.monotonic()
    page.wait_for_function(  # every <img> loaded (a data: URI decodes asynchronously)
        "() => [...document.querySelectorAll('.jp-NotebookPanel-notebook img')]"
        ".every(i => i.complete)", timeout=30_000)
    print(f"{name}: drawn in {t1 - t0:.1f} s, pictures in {time.monotonic() - t1:.1f} s")
    return nb


def serious(results) -> list[dict]:
    return [v for v in results.response["violations"] if v["impact"] in FAILING_IMPACTS]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
        lines.append(f"- {v['impact']} {v['id']} ({len(v['nodes'])} element(s)): {v['help']}; "
                     f"e.g. {targets}")
    return "\n".join(lines)


@pytest.mark.browser
@pytest.mark.parametrize("name", NAMES, ids=[n.split(".")[0] for n in NAMES])
def test_notebook_content_has_no_serious_accessibility_violation(name, page, lab, axe):
    nb = open_rendered(page, lab, name)
    started = time.monotonic()
    results = axe.run(page, context=CONTENT, options={"resultTypes": ["violations"]})
    print(f"{name}: axe in {time.monotonic() - started:.1f} s")
    found = serious(results)
    minor = [v for v in results.response["violations"] if v not in found]
    if minor:
        print(f"\n{name}: minor accessibility findings:\n{describe_violations(minor)}")
    if found:
        page.screenshot(path=ARTIFACTS / f"a11y-{name.split('.')[0]}-FAILED.png")
    assert not found, (
        f"{name}: axe-core finds serious or critical violations in the notebook's content "
        f"(a figure without alt text: run the notebook again, python tools/run_notebooks.py "
        f"notebooks/{name}):\n{describe_violations(found)}"
    )
    images = nb.notebook.locator(".jp-OutputArea-output img")
    alts = images.evaluate_all("imgs => imgs.map(i => i.getAttribute('alt') || '')")
    assert all(a.strip() for a in alts), f"{name}: {alts.count('')} pictures without alt"



@pytest.mark.browser
def test_explorers_pictures_carry_their_summary_and_pass_axe(page, lab, axe):
    nb = open_rendered(page, lab, WIDGETS_NOTEBOOK)
    try:
        nb.wait_for_kernel_idle(timeout=60_000)
        nb.run_all(timeout=120_000)
        outputs = nb.notebook.locator(".widget-output")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-NotebookPanel-notebook .widget-output')]"
            ".filter(o => o.querySelector('img')).length >= 3", timeout=60_000)
        alts = outputs.evaluate_all(
            "outs => outs.map(o => [...o.querySelectorAll('img')].map(i => i.alt))")
        page.screenshot(path=ARTIFACTS / "a11y-explorers.png", full_page=True)
        pictures = [alt for out in alts for alt in out]
        assert len(pictures) >= 3, f"expected a picture in each explorer, found alts {alts}"
        expected = ("Sample 0 of 20, labelled 0", "mini-batches over 3 epochs", "One neuron, a =")
        for start in expected:
            assert any(start in alt for alt in pictures), (
                f"no explorer picture whose alt text says {start!r}; the alt texts are:\n"
                + json.dumps(pictures, indent=1, ensure_ascii=False))
        results = axe.run(page, context=CONTENT, options={"resultTypes": ["violations"]})
        found = serious(results)
        assert not found, (
            f"the explorers' outputs have serious or critical accessibility violations:\n"
            f"{describe_violations(found)}")
    finally:
        lab.shutdown_kernels()
