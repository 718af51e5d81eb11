"""The playground of 11_playground in a real browser: it plays, pauses, steps and resets, its
layers, inputs and neuron can be changed, and every change shows a new picture with no error.

JupyterLab serves a copy of the notebooks (11's outputs cleared, so every widget is drawn by this
run's kernel); headless Chromium runs all cells, then drives the first playground as a learner
would. Screenshots go to ``test-artifacts/browser/`` (``11_playground-*.png``). Needs Chromium and
Playwright, as ``test_browser_widgets.py`` (skipped without them, a failure under CI).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import browser
import pytest
from browser import JupyterLabServer, NotebookPage, browser_tools, copy_notebooks, launch_chromium

from dlcore.course.interactive import NOT_RUN_HINT

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "11_playground.ipynb"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
EPOCH = re.compile(r"epoch (\d+)")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    executable, sync_playwright = browser_tools()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_factory.mktemp("playground")
    copy_notebooks(ROOT / "notebooks", tmp / "served" / "notebooks", clear=[NOTEBOOK])
    copy_notebooks(ROOT / "notebooks", tmp / "served" / "as-cloned", clear=[])
    server = JupyterLabServer(tmp / "served", home=tmp / "home",
                              log_path=ARTIFACTS / "jupyterlab-playground.log")
    playwright = sync_playwright().start()
    headless = None
    try:
        server.start()
        headless = launch_chromium(playwright, executable)
        context = headless.new_context(viewport={"width": 1400, "height": 1600})
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        yield tab, server
    finally:
        if headless is not None:
            headless.close()
        playwright.stop()
        server.shutdown_kernels()
        server.stop()


class Playground:
    """The first playground of the notebook, found by its CSS class."""

    def __init__(self, nb: NotebookPage):
        self.nb = nb
        self.box = nb.notebook.locator(".dlcore-playground").first
        self.box.wait_for(state="visible", timeout=60_000)

    def button(self, text):
        return self.box.locator("button", has_text=text).first

    def labelled(self, css, label):
        text = self.nb.page.locator("label.widget-label",
                                    has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
        return self.box.locator(css, has=text).first

    def picture(self) -> str:
        return self.box.locator("img").first.get_attribute("src") or ""

    def summary(self) -> str:
        return self.box.locator(".dlcore-playground-summary").first.inner_text()

    def epoch(self) -> int:
        found = EPOCH.search(self.summary())
        assert found, f"the summary line shows no epoch: {self.summary()!r}"
        return int(found.group(1))

    def message(self) -> str:
        messages = self.box.locator(".dlcore-playground-message")
        return messages.first.inner_text() if messages.count() else ""

    def wait(self, condition, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            self.nb.page.wait_for_timeout(150)
        raise AssertionError(f"{NOTEBOOK}: {what} within {timeout:.0f} s; the summary reads "
                             f"{self.summary()!r}, the message {self.message()!r}"
                             + _errors(self.nb))

    def shot(self, name: str) -> None:
        for folder in (ARTIFACTS, Path("/tmp")):
            self.box.screenshot(path=folder / f"11_playground-{name}.png")

    def changed_picture(self, before: str, what: str) -> str:
        self.wait(lambda: self.picture() != before and self.picture(),
                  f"the picture did not change after {what}")
        return self.picture()


def _errors(nb) -> str:
    errors = nb.errors()
    return ("; the notebook shows:\n" + browser.report(errors)) if errors else ""


@pytest.mark.browser
def test_the_playground_plays_pauses_steps_resets_and_changes(page):
    nb = NotebookPage(*page, f"notebooks/{NOTEBOOK}")
    try:
        nb.open()
        nb.run_all(timeout=400_000)
        pg = Playground(nb)
        assert pg.epoch() == 0 and pg.picture(), "the playground shows no picture after Run All"
        pg.shot("start")

        before = pg.picture()
        pg.button("play").click()
        pg.wait(lambda: pg.epoch() >= 5, "play did not train 5 epochs")
        pg.changed_picture(before, "play")
        pg.shot("playing")
        pg.button("pause").click()
        nb.page.wait_for_timeout(800)  # the frame under way when pause was pressed lands
        paused_at = pg.epoch()
        nb.page.wait_for_timeout(1500)
        assert pg.epoch() == paused_at, "pause must stop the training"

        before = pg.picture()
        pg.button("step").click()
        pg.wait(lambda: pg.epoch() == paused_at + 1, "step did not train one epoch")
        pg.changed_picture(before, "step")

        before = pg.picture()
        pg.button("reset").click()
        pg.wait(lambda: pg.epoch() == 0, "reset did not go back to epoch 0")
        pg.changed_picture(before, "reset")

        before = pg.picture()
        moved = nb.move_slider(pg.labelled(browser.WIDGET_CSS["slider"], "hidden layers"),
                               presses=2)
        pg.changed_picture(before, f"the hidden layers slider moved {moved}")
        pg.shot("more-layers")

        before = pg.picture()
        pg.box.locator(".widget-checkbox", has_text="x₁²").locator("input").first.check()
        pg.changed_picture(before, "ticking the input x₁²")

        glass = pg.box.locator("pre").first.inner_text()
        neuron = pg.labelled(".widget-dropdown", "neuron").locator("select")
        neuron.select_option(index=2)
        pg.wait(lambda: pg.box.locator("pre").first.inner_text() != glass,
                "choosing another neuron did not change its numbers")
        assert "weight" in pg.box.locator("pre").first.inner_text()

        pg.button("show code").click()
        pg.wait(lambda: "Sequential(" in pg.box.inner_text(), "show code printed no code")
        pg.button("play").click()
        pg.wait(lambda: pg.epoch() >= 3, "play did not train after the changes")
        pg.button("pause").click()
        pg.shot("glass-box")
        assert not pg.message(), f"unexpected message: {pg.message()}"
        errors = nb.errors()
        assert not errors, "the notebook shows an error:\n" + browser.report(errors)

        # a bad setting: no input at all is a message inside the widget, not a traceback
        for box in pg.box.locator(".widget-checkbox input").all():
            box.uncheck()
            nb.page.wait_for_timeout(600)  # one at a time, as a person unticks them
        pg.wait(lambda: "no input feature" in pg.message() and "no run" in pg.summary(),
                "no message for a run without inputs")
        pg.shot("no-input")
        errors = nb.errors()
        assert not errors, "a bad setting showed an error:\n" + browser.report(errors)
    except BaseException:
        nb.page.screenshot(path=ARTIFACTS / "11_playground-FAILED.png", full_page=True)
        if nb.console:
            print("\nbrowser console:\n" + "\n".join(nb.console[-20:]))
        raise


@pytest.mark.browser
def test_before_it_has_run_every_playground_says_what_to_do(page):
    """Opened as a fresh clone shows it (nothing run): each playground's cell shows the hint,
    never ipywidgets' raw text such as VBox(children=(..."""
    nb = NotebookPage(*page, f"as-cloned/{NOTEBOOK}")
    hint = NOT_RUN_HINT.format(what="widget")
    nb.open()
    texts = nb.output_texts()
    raw = [t[:80] for t in texts if re.search(r"\b(?:\w*Slider|Dropdown|[VH]Box|Image)\(", t)]
    assert not raw, f"{NOTEBOOK}: raw widget text shown before running: {raw}"
    source = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text(encoding="utf-8"))
    expected = sum(1 for cell in source["cells"] if cell["cell_type"] == "code"
                   and re.search(r"^playground\(", "".join(cell["source"]), re.MULTILINE))
    shown = [t for t in texts if hint.splitlines()[0] in t]
    assert expected and len(shown) == expected, (
        f"{NOTEBOOK}: {expected} playgrounds saved, {len(shown)} show the hint {hint!r}; "
        f"run it again: python tools/run_notebooks.py notebooks/{NOTEBOOK}")
    nb.notebook.locator(".jp-CodeCell", has_text=hint.splitlines()[0]).first.locator(
        ".jp-Cell-outputArea").screenshot(path=ARTIFACTS / "11_playground-not-run.png")
    errors = nb.errors()
    assert not errors, "opened without running, the notebook shows:\n" + browser.report(errors)
