"""The slide decks work offline in a real browser: maths, pictures, every slide, no other host.

``tools/slides.py build`` turns notebooks into reveal.js decks that must work on a projector
laptop with no network. This test builds the decks of two notebooks with maths, figures and
widgets (02 and 06) into a temporary folder, opens each one in headless Chromium at 1280x720 —
straight from the disk (``file://``, as an instructor double-clicking ``index.html`` does) and
from a web server on 127.0.0.1 — and steps through every slide and fragment with the right arrow
key. On every slide it checks that:

- every formula was typeset by MathJax (no MathJax error, no raw ``$$`` or TeX left in the text);
- every picture has loaded (``naturalWidth > 0``);
- the page raised no error and logged none.

It also checks that the arrow key reached every slide, that each widget shows its saved picture
and says it is live only in JupyterLab, that the index links to the decks, and that no request
went to any host but the local one (every request is recorded). Screenshots of a few slides go
to ``test-artifacts/slides/``.

Needs Chromium and Playwright (as the widget test, see ``browser.py``), and the packages that
ship reveal.js and MathJax (``pip install sphinx-revealjs jupyter-server-mathjax``). Without
them the test is skipped, except under CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser import browser_tools, headless_chromium, serve_folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import slides  # noqa: E402

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "slides"
NOTEBOOKS = ["02_architecture.ipynb", "06_optimizer.ipynb"]
VIEWPORT = {"width": 1280, "height": 720}  # a projector
STEPS = 400  # more key presses than any deck needs: the walk stops at the last slide
WAIT = 20_000  # ms, for any one thing to happen in the page

# MathJax 2 tests whether web fonts load with a font at about:blank; under file:// Chromium
# refuses it and logs these two lines. The fonts MathJax uses are then loaded from the folder.
BENIGN_CONSOLE = re.compile(r"Access to font at 'about:blank'|Failed to load resource: net::ERR_FAILED")


def require_assets():
    """reveal.js and MathJax from their packages, or a skip (a failure under CI) saying how."""
    try:
        return slides.find_reveal(), slides.find_mathjax()
    except FileNotFoundError as missing:
        message = f"the slide decks need reveal.js and MathJax: {missing}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def tools():
    return browser_tools()


@pytest.fixture(scope="module")
def decks(tools, tmp_path_factory):
    """The two decks, built into a temporary folder with their assets and index."""
    require_assets()
    out = tmp_path_factory.mktemp("slides")
    slides.build([ROOT / "notebooks" / name for name in NOTEBOOKS], out, quiet=True)
    return out


@pytest.fixture(scope="module")
def server(decks):
    """A web server on 127.0.0.1 for the decks folder, stopped at the end."""
    with serve_folder(decks) as address:
        yield address


@pytest.fixture(scope="module")
def chromium(tools):
    with headless_chromium(tools) as browser:
        yield browser


@pytest.fixture(scope="module")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    print(f"\nslides test: screenshots go to {ARTIFACTS}")
    return ARTIFACTS


class Recorder:
    """Every request, page error and console error of one page."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.errors.append(
            f"request failed: {r.url} ({r.failure})") if not r.url.startswith("about:") else None)
        page.on("response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                if m.type == "error" and not BENIGN_CONSOLE.search(m.text) else None)

    def foreign(self, local: str | None) -> list[str]:
        """Requests to any host other than ``local`` (``None``: the files themselves)."""
        found = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if local is None and parts.scheme == "file":
                continue
            if local is not None and parts.scheme == "http" and parts.netloc == local:
                continue
            found.append(url)
        return found


# What the current slide shows, measured in the page.
SLIDE_REPORT = """() => {
  const slide = Reveal.getCurrentSlide();
  const scripts = [...slide.querySelectorAll('script[type^="math/tex"]')];
  const unrendered = scripts.filter(s => {
    const frame = document.getElementById(s.id + '-Frame');
    return !s.id || !frame || frame.getBoundingClientRect().width <= 0;
  }).map(s => s.textContent.slice(0, 60));
  const text = [...slide.querySelectorAll('.jp-RenderedMarkdown')].map(el => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('code, pre, script, .MathJax, .MathJax_Display, .MathJax_Preview,'
                          + ' .MJX_Assistive_MathML').forEach(x => x.remove());
    return copy.textContent;
  }).join('\\n');
  return {
    indices: Reveal.getIndices(),
    math: scripts.length,
    displayMath: slide.querySelectorAll('.MathJax_Display').length,
    unrendered: unrendered,
    mathErrors: slide.querySelectorAll('.MathJax_Error, merror, [data-mjx-error]').length
                + (slide.innerText.includes('Math Processing Error') ? 1 : 0),
    text: text,
    images: [...slide.querySelectorAll('img')].map(i => ({
      src: i.currentSrc.slice(0, 60), complete: i.complete, width: i.naturalWidth})),
    widgetNotes: slide.querySelectorAll('.course-widget-note').length,
    fragmentsShown: slide.querySelectorAll('.fragment.visible').length,
    last: Reveal.isLastSlide() && !Reveal.availableFragments().next,
  };
}"""

# Scroll a tall slide so that its first element matching the selector is near the top.
SCROLL_TO = """selector => {
  const slide = Reveal.getCurrentSlide();
  const target = slide.querySelector(selector);
  const scale = Reveal.getScale();
  slide.scrollTop += (target.getBoundingClientRect().top - slide.getBoundingClientRect().top) / scale
                     - 60;
}"""

RAW_TEX = re.compile(r"\$\$|\\\(|\\\[|\\(frac|sum|hat|sqrt|eta|beta|partial|mathbf|cdot|leftarrow)\b|"
                     r"\$[^$\s][^$]*\$")


def wait_for_maths(page) -> None:
    """Until MathJax has started and worked through its queue (typesetting, re-rendering)."""
    try:
        page.wait_for_function("window.MathJax && MathJax.isReady === true", timeout=WAIT)
    except Exception as error:  # Playwright's TimeoutError
        raise AssertionError(f"MathJax did not start within {WAIT / 1000:.0f} s: is "
                             f"_static/mathjax/ in the decks folder?") from error
    page.evaluate("() => new Promise(done => MathJax.Hub.Queue(done))")


def walk(page, name: str, artifacts: Path | None) -> tuple[list[str], dict]:
    """Step through every slide and fragment with the right arrow key; return what is wrong and
    some counts. Screenshots of the first slide of each kind go to ``artifacts`` (if given)."""
    problems: list[str] = []
    seen: set[tuple[int, int]] = set()
    counts = {"steps": 0, "math": 0, "images": 0, "widgets": 0}
    # the first slide of each kind, scrolled to what it shows
    shots = {"title": (lambda r: True, None),
             "maths": (lambda r: r["displayMath"] >= 2, None),
             "figure": (lambda r: len(r["images"]) > 0 and not r["widgetNotes"], "img"),
             "widget": (lambda r: r["widgetNotes"] > 0, ".course-widget-note"),
             "exercise-solution": (lambda r: r["fragmentsShown"] > 0, None)}
    stem = name.removesuffix(".slides.html")
    for _ in range(STEPS):
        wait_for_maths(page)
        report = page.evaluate(SLIDE_REPORT)
        where = f"{name} slide {report['indices']['h']}.{report['indices']['v']}"
        seen.add((report["indices"]["h"], report["indices"]["v"]))
        counts["steps"] += 1
        counts["math"] += report["math"]
        counts["images"] += len(report["images"])
        counts["widgets"] += report["widgetNotes"]
        if report["unrendered"]:
            problems.append(f"{where}: formulas not rendered by MathJax: {report['unrendered']}")
        if report["mathErrors"]:
            problems.append(f"{where}: {report['mathErrors']} MathJax error(s)")
        raw = RAW_TEX.search(report["text"])
        if raw:
            problems.append(f"{where}: raw TeX visible in the text: {raw.group(0)!r}")
        for image in report["images"]:
            if not image["complete"] or image["width"] <= 0:
                problems.append(f"{where}: picture not loaded: {image['src']}")
        for kind, (wanted, target) in list(shots.items()):
            if artifacts is not None and wanted(report):
                if target:
                    page.evaluate(SCROLL_TO, target)
                page.wait_for_timeout(200)  # the slide transition (none) and fonts settle
                page.screenshot(path=str(artifacts / f"{stem}-{kind}.png"))
                page.evaluate("Reveal.getCurrentSlide().scrollTop = 0")
                del shots[kind]
        if report["last"]:
            break
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "was => { const now = Reveal.getIndices(); return now.h !== was.h || now.v !== was.v"
            " || (now.f ?? null) !== (was.f ?? null); }", arg=report["indices"], timeout=WAIT)
    else:
        problems.append(f"{name}: still not at the last slide after {STEPS} key presses")
    total = page.evaluate("Reveal.getTotalSlides()")
    if len(seen) != total:
        problems.append(f"{name}: the right arrow reached {len(seen)} of the {total} slides")
    counts["slides"] = total
    return problems, counts


@pytest.mark.parametrize("notebook", NOTEBOOKS)
@pytest.mark.parametrize("served", ["file", "http"])
def test_every_slide_renders_offline(chromium, decks, server, artifacts, notebook, served):
    name = notebook.replace(".ipynb", ".slides.html")
    page = chromium.new_page(viewport=VIEWPORT)
    record = Recorder(page)
    try:
        if served == "file":
            url, local = (decks / name).as_uri(), None
        else:
            url, local = f"{server}/{name}", urlsplit(server).netloc
        page.goto(url, timeout=WAIT)
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=WAIT)
        try:
            problems, counts = walk(page, name, artifacts if served == "file" else None)
        except AssertionError as error:
            raise AssertionError(f"{name} over {served}: {error}\nerrors in the page:\n"
                                 + "\n".join(record.errors[:20])) from None
        print(f"\n{name} over {served}: {counts}")
    finally:
        page.close()

    assert not problems, "\n".join(problems[:40])
    assert not record.errors, f"{name}: errors in the page:\n" + "\n".join(record.errors[:20])
    foreign = record.foreign(local)
    assert not foreign, f"{name}: requests to another host than the local one:\n" + "\n".join(
        foreign[:20])
    # the deck's own files came from the folder: reveal.js and MathJax's fonts among them
    fetched = "\n".join(record.requests)
    assert "_static/reveal.js/dist/reveal.js" in fetched
    assert "_static/mathjax/" in fetched and ".woff" in fetched
    assert counts["math"] > 20 and counts["images"] > 3, counts
    assert counts["widgets"] >= 1, f"{name}: no widget shows its saved picture and note"


def test_index_lists_the_decks_and_leads_to_them(chromium, decks, artifacts):
    page = chromium.new_page(viewport=VIEWPORT)
    record = Recorder(page)
    try:
        page.goto((decks / "index.html").as_uri(), timeout=WAIT)
        links = page.locator("ol.decks a")
        assert links.evaluate_all("as => as.map(a => a.getAttribute('href'))") == [
            n.replace(".ipynb", ".slides.html") for n in NOTEBOOKS]
        assert "live only in JupyterLab" in page.inner_text("body")
        page.screenshot(path=str(artifacts / "index.png"))
        links.nth(1).click()
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=WAIT)
        assert page.title().startswith("06")
        wait_for_maths(page)  # leaving earlier would cancel MathJax's requests
        page.locator("a.course-home").click()
        page.wait_for_url(re.compile(r"index\.html$"), timeout=WAIT)
    finally:
        page.close()
    assert not record.errors, "\n".join(record.errors)
    assert not record.foreign(None), record.foreign(None)
