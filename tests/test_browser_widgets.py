"""The course's widgets work in a real browser: moving one redraws its plot, with no error.

nbval executes the notebooks but never moves a slider, so an exception raised inside a widget
callback would go unnoticed until a learner meets it. This test starts JupyterLab on a copy of
the notebooks, opens each notebook that has a widget in headless Chromium, runs all cells, moves
the widget as a learner would (arrow keys on a slider's handle, another option in a dropdown),
and checks that the widget's ``Output`` shows a new plot and that no traceback appears anywhere
in the notebook. Screenshots before and after each move are saved in ``test-artifacts/browser/``.

A second test opens the same notebooks as a fresh clone shows them, before anything has run
(outputs and saved widget state as committed, the notebook not trusted yet, so JupyterLab shows
each widget's saved text instead of the widget): every widget cell must show the explorer's hint
(run the cell; where to look if the text stays), never ipywidgets' ``VBox(children=(IntSlider(``
that reads like a broken install. It checks the committed notebooks, so after a change of that
hint it passes once the notebooks are run again (``python tools/run_notebooks.py``).

Needs Chromium (Debian's ``chromium`` package) and the ``playwright`` Python package (from
requirements-dev.txt; it drives the installed Chromium and downloads nothing). Without them the
test is skipped, except under CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import browser
import pytest
from browser import JupyterLabServer, NotebookPage, browser_tools, copy_notebooks, launch_chromium

from dlcore.course.interactive import NOT_RUN_HINT

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
# The server's root holds two copies of notebooks/: RUN (widget outputs cleared, for the tests
# that run the cells) and AS_CLONED (untouched: what a fresh clone opens).
RUN, AS_CLONED = "notebooks", "as-cloned"

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# The explorers' hint, for any `what` ("slider", "sliders").
HINT = re.compile(re.escape(NOT_RUN_HINT).replace(re.escape("{what}"), r"\w+"))
# ipywidgets' default text form of a widget: VBox(children=(IntSlider(value=0, ...
RAW_WIDGET_TEXT = re.compile(r"\b(?:\w*Slider|Dropdown|Checkbox|[VH]Box|Output)\(")


@dataclass(frozen=True)
class Widget:
    """A widget to move, found by its kind and its description (the label beside it)."""

    kind: str  # "slider" (any ipywidgets slider) or "dropdown"
    description: str
    name: str  # used in screenshot names


WIDGETS = {
    # a digit as a picture and as numbers: the "sample" slider picks the image
    "00_start_here.ipynb": [Widget("slider", "sample", "digit")],
    # mini-batches: the "batch size" slider redraws the batch diagram
    "01_data.ipynb": [Widget("slider", "batch size", "batches")],
    # bias as a threshold: the "bias" slider moves the neuron's threshold (no retraining)
    "02_architecture.ipynb": [Widget("slider", "bias", "bias")],
    # learning rate: a log-scale slider, and the optimizer menu beside it
    "06_optimizer.ipynb": [
        Widget("slider", "learning rate", "learning-rate"),
        Widget("dropdown", "optimizer", "optimizer"),
    ],
    # batch size: retrains when the slider is released (continuous_update=False)
    "07_training_loop.ipynb": [Widget("slider", "batch size", "batch-size")],
}


@pytest.fixture(scope="module")
def tools():
    """(chromium path, sync_playwright), or a skip (a failure under CI) saying how to get them."""
    return browser_tools()


@pytest.fixture(scope="module")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    print(f"\nbrowser test: screenshots and the JupyterLab log go to {ARTIFACTS}")
    return ARTIFACTS


@pytest.fixture(scope="module")
def lab(tools, artifacts, tmp_path_factory):
    """JupyterLab serving two copies of notebooks/ (the committed files are never touched)."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "served"
    copy_notebooks(NOTEBOOKS, root / RUN, clear=list(WIDGETS))
    copy_notebooks(NOTEBOOKS, root / AS_CLONED, clear=[])
    server = JupyterLabServer(root, home=tmp / "home", log_path=artifacts / "jupyterlab.log")
    try:
        server.start()
        yield server
    finally:
        server.shutdown_kernels()
        server.stop()


@pytest.fixture(scope="module")
def chromium(tools):
    """Headless Chromium, driven by Playwright; closed after the module's tests."""
    executable, sync_playwright = tools
    playwright = sync_playwright().start()
    headless = None
    try:
        headless = launch_chromium(playwright, executable)
        yield headless
    finally:
        if headless is not None:
            headless.close()
        playwright.stop()


@pytest.fixture(scope="module")
def context(chromium):
    """One browser context for all notebooks: JupyterLab's scripts load from its cache."""
    ctx = chromium.new_context(viewport={"width": 1280, "height": 1000})
    yield ctx
    ctx.close()


@pytest.fixture
def open_notebook(lab, context):
    """A notebook's page (not yet opened); closed, and its kernel stopped, afterwards."""
    pages = []

    def open_(name: str, folder: str = RUN) -> NotebookPage:
        page = context.new_page()
        page.set_default_timeout(30_000)
        pages.append(page)
        return NotebookPage(page, lab, f"{folder}/{name}")

    yield open_
    for page in pages:
        page.close()
    lab.shutdown_kernels()


def move(nb: NotebookPage, widget: Widget) -> str:
    """Move ``widget`` as a learner would; returns what changed, for the messages."""
    found = nb.widget(widget.kind, widget.description)
    if widget.kind == "slider":
        before, after = nb.move_slider(found)
    else:
        before, after = nb.choose_other_option(found)
    return f"{widget.kind} {widget.description!r} from {before} to {after}"


@pytest.mark.browser
@pytest.mark.parametrize("name", list(WIDGETS), ids=[n.split(".")[0] for n in WIDGETS])
def test_moving_the_widget_redraws_its_output_without_error(name, open_notebook, artifacts):
    assert (NOTEBOOKS / name).exists(), (
        f"notebooks/{name} is missing: this test moves its widget(s) "
        f"{[w.description for w in WIDGETS[name]]}"
    )
    started = time.monotonic()
    nb = open_notebook(name)
    stem = name.split(".")[0]
    times = {}
    try:
        nb.open()
        times["open"] = time.monotonic() - started
        nb.run_all()
        times["run all"] = time.monotonic() - started - times["open"]
        for widget in WIDGETS[name]:
            nb.widget(widget.kind, widget.description)  # waits for it to be drawn
            outputs = nb.output_of(widget.kind, widget.description)
            area = nb.cell_of(widget.kind, widget.description).locator(".jp-Cell-outputArea")
            before = nb.fingerprint(outputs)
            assert "data:image" in before, (
                f"{name}: the Output beside the {widget.description!r} {widget.kind} shows no "
                f"plot after Run All"
            )
            area.screenshot(path=artifacts / f"{stem}-{widget.name}-before.png")

            what = move(nb, widget)
            after = nb.wait_for_change(outputs, before, require="data:image")
            area.screenshot(path=artifacts / f"{stem}-{widget.name}-after.png")

            errors = nb.errors()
            assert not errors, (
                f"{name}: after moving the {what}, the notebook shows an error:\n"
                + browser.report(errors)
            )
            assert "data:image" in after, f"{name}: after moving the {what}, the plot is gone"
    except BaseException:
        nb.page.screenshot(path=artifacts / f"{stem}-FAILED.png", full_page=True)
        if nb.console:
            print(f"\n{name}: browser console:\n" + "\n".join(nb.console[-20:]))
        raise
    times["widgets"] = time.monotonic() - started - sum(times.values())
    print(f"\n{name}: widgets {[w.name for w in WIDGETS[name]]} redraw without error ("
          + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in times.items()) + ")")


@dataclass(frozen=True)
class Comparing:
    """How a learner puts runs side by side: keep the first, move ``first``, keep, move
    ``second``, keep; then clear them all."""

    first: Widget
    second: Widget
    name: str


COMPARISONS = {
    # two learning rates, then a second optimizer, on one map
    "06_optimizer.ipynb": Comparing(Widget("slider", "learning rate", "learning-rate"),
                                    Widget("dropdown", "optimizer", "optimizer"),
                                    "learning-rate"),
    # three batch sizes against epochs, updates and time
    "07_training_loop.ipynb": Comparing(Widget("slider", "batch size", "batch-size"),
                                        Widget("slider", "batch size", "batch-size"),
                                        "batch-size"),
}


def wait_for_text(nb: NotebookPage, locator, wanted: str, timeout: float = 20_000) -> str:
    """Wait until ``locator``'s text holds ``wanted``; returns the text."""
    deadline = time.monotonic() + timeout / 1000
    text = ""
    while time.monotonic() < deadline:
        text = locator.inner_text()
        if wanted in text:
            return text
        nb.page.wait_for_timeout(200)
    raise AssertionError(f"{nb.name}: the summary did not say {wanted!r} within "
                         f"{timeout / 1000:.0f} s; it says {text!r}" + nb._errors_suffix())


@pytest.mark.browser
@pytest.mark.parametrize("name", list(COMPARISONS), ids=[n.split(".")[0] for n in COMPARISONS])
def test_runs_added_side_by_side_then_cleared(name, open_notebook, artifacts):
    """"add to comparison" three times (moving the controls in between), then "clear runs": the
    plot changes every time, the summary line says how many runs it shows, no error appears."""
    comparing = COMPARISONS[name]
    nb = open_notebook(name)
    stem = name.split(".")[0]
    anchor = comparing.first
    try:
        nb.open()
        nb.run_all()
        nb.widget(anchor.kind, anchor.description)  # waits for it to be drawn
        outputs = nb.output_of(anchor.kind, anchor.description)
        cell = nb.cell_of(anchor.kind, anchor.description)
        summary = cell.locator(".dlcore-summary")
        assert summary.count() == 1, f"{name}: the explorer shows no summary line"
        assert summary.locator('[role="status"][aria-live="polite"]').count() == 1, (
            f"{name}: the summary line is not a live region a screen reader reads out")
        text = wait_for_text(nb, summary, "1 run")

        def step(what: str, action, wanted: str) -> str:
            before = nb.fingerprint(outputs)
            action()
            nb.wait_for_change(outputs, before, require="data:image")
            said = wait_for_text(nb, summary, wanted)
            errors = nb.errors()
            assert not errors, f"{name}: after {what}, the notebook shows an error:\n" + \
                browser.report(errors)
            return said

        def add():
            cell.locator("button.widget-button", has_text="add to comparison").click()

        def clear():
            cell.locator("button.widget-button", has_text="clear runs").click()

        step("adding the first run", add, "added to the comparison. 1 run")
        step(f"moving the {comparing.first.description}", lambda: move(nb, comparing.first),
             "2 runs")
        step("adding the second run", add, "added to the comparison. 2 runs")
        step(f"moving the {comparing.second.description}", lambda: move(nb, comparing.second),
             "3 runs")
        text = step("adding the third run", add, "added to the comparison. 3 runs")
        assert text.count("(kept)") == 3, f"{name}: three runs added, the summary says {text!r}"
        cell.locator(".jp-Cell-outputArea").screenshot(
            path=artifacts / f"{stem}-{comparing.name}-compared.png")
        text = step("clearing the runs", clear, "Comparison cleared (3 runs taken out). 1 run")
        assert "(kept)" not in text and "(current)" in text
        cell.locator(".jp-Cell-outputArea").screenshot(
            path=artifacts / f"{stem}-{comparing.name}-cleared.png")
    except BaseException:
        nb.page.screenshot(path=artifacts / f"{stem}-compare-FAILED.png", full_page=True)
        if nb.console:
            print(f"\n{name}: browser console:\n" + "\n".join(nb.console[-20:]))
        raise
    print(f"\n{name}: runs compared and cleared; the summary said {text!r}")


def saved_widget_outputs(path: Path) -> list[tuple[str, str]]:
    """(text/plain, model id) of every widget a notebook file saved as a cell's output."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [("".join(out["data"].get("text/plain", "")), out["data"][WIDGET_VIEW]["model_id"])
            for cell in nb["cells"] if cell["cell_type"] == "code"
            for out in cell.get("outputs", []) if WIDGET_VIEW in out.get("data", {})]


def saved_widget_state(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return nb["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


@pytest.mark.browser
@pytest.mark.parametrize("name", list(WIDGETS), ids=[n.split(".")[0] for n in WIDGETS])
def test_before_running_a_widget_cell_says_what_to_do(name, open_notebook, artifacts):
    """A fresh clone opened in JupyterLab: the widget cells show the hint, not VBox(children=..."""
    path = NOTEBOOKS / name
    rerun = f"run it again: python tools/run_notebooks.py notebooks/{name}"
    saved = saved_widget_outputs(path)
    # The widgets' state stays in the file, so that a page of the course on the web shows them.
    state = saved_widget_state(path)
    unsaved = [model for _, model in saved if model not in state]
    assert not unsaved, f"{name}: widgets {unsaved} are shown but their state is not saved; {rerun}"
    # The explorers are VBoxes (a progress bar of `fit`, an HBox, is a widget too).
    explorers = [text for text, model in saved if state[model]["model_name"] == "VBoxModel"]
    assert explorers, f"{name}: no explorer saved as a cell's output; {rerun}"
    stale = [text for text in explorers if not HINT.fullmatch(text)]

    nb = open_notebook(name, folder=AS_CLONED)
    stem = name.split(".")[0]
    try:
        nb.open()  # opened only: no cell runs
        texts = nb.output_texts()
        raw = [t for t in texts if RAW_WIDGET_TEXT.search(t)]
        assert not raw, (
            f"{name}: before it has run, the notebook shows ipywidgets' text form of a widget, "
            f"which reads like a broken install: {[t[:80] for t in raw]}"
            + (f"; the notebook saved an older text: {rerun}" if stale else "")
        )
        hints = [t for t in texts if HINT.search(t)]
        assert len(hints) == len(explorers), (
            f"{name}: {len(explorers)} explorer(s) saved, but {len(hints)} shown with the hint "
            f"{NOT_RUN_HINT!r}; outputs shown: {[t[:80] for t in texts]}"
            + (f"; the notebook saved an older text, {stale}: {rerun}" if stale else "")
        )
        cells = nb.notebook.locator(".jp-CodeCell", has_text=HINT)
        for i in range(cells.count()):
            suffix = f"-{i + 1}" if cells.count() > 1 else ""
            cells.nth(i).locator(".jp-Cell-outputArea").screenshot(
                path=artifacts / f"{stem}-not-run{suffix}.png")
        errors = nb.errors()
        assert not errors, (
            f"{name}: opened without running, it shows an error:\n" + browser.report(errors)
        )
    except BaseException:
        nb.page.screenshot(path=artifacts / f"{stem}-not-run-FAILED.png", full_page=True)
        raise


@pytest.mark.parametrize("missing", ["chromium", "playwright"])
def test_missing_tools_skip_with_a_hint_but_fail_under_ci(missing, monkeypatch):
    """A learner without Chromium gets a skip that says how to enable the test; CI gets a failure."""
    if missing == "chromium":
        monkeypatch.setattr(browser, "find_chromium", lambda: None)
    else:
        monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install chromium.*requirements-dev"):
        browser.browser_tools()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=rf"CI=true but .*{missing}"):
        browser.browser_tools()
