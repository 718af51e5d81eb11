"""The course's website works offline in a real browser: every page, every link, every formula.

``tools/website.py build`` turns the notebooks into a static site that must work on a laptop
with no network. This test builds it into a temporary folder (or uses the one named by the
environment variable ``DLCORE_SITE``, a site built by that command), serves it on 127.0.0.1 and
opens *every* page in headless Chromium. On each page it checks that:

- every request went to the local server (each request is recorded), and none failed;
- every internal link leads to a file of the site, and its ``#anchor`` to an element there;
- every picture has loaded and carries a text alternative (never a file name);
- every formula was typeset by MathJax (no MathJax error, no raw ``$$`` or TeX left in the
  text), on every page that has maths;
- the page raised no error and logged none;
- axe-core (``axe-playwright-python``, which ships axe.min.js: nothing is downloaded) finds no
  serious or critical accessibility violation in the site itself (theme, navigation, layout).
  Violations inside a notebook's own content (a cell's text or output) are listed in
  ``test-artifacts/website/axe-notebook-content.txt`` and in the test's output, not failed on:
  they are fixed in the notebooks.

It also checks the exercises (each solution folded behind "Show the solution", which unfolds on
a click) and the widgets (the saved picture under a note on running the notebook live), and
opens the home page from the disk (``file://``) too. Screenshots of the home page, a notebook
page with maths and an unfolded solution, and the library reference go to
``test-artifacts/website/``.

Needs Chromium and Playwright (as the widget test, see ``browser.py``), the ``docs`` extra
(Sphinx, myst-nb, sphinx-book-theme, jupyter-server-mathjax) and axe-playwright-python. Without
them the test is skipped, except under CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import contextlib
import html
import importlib.util
import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browser import browser_tools, headless_chromium, serve_folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import website  # noqa: E402

# Sphinx, run in this process, warns about its own coming API changes to the themes it loads.
pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]

ARTIFACTS = ROOT / "test-artifacts" / "website"
VIEWPORT = {"width": 1280, "height": 900}
WAIT = 30_000  # ms, for any one thing to happen in the page
IMPACTS = ("serious", "critical")  # the axe violations that fail the test
ID = re.compile(r"""\b(?:id|name)=["']([^"']+)["']""")


def require_packages():
    """The site's build tools and axe, or a skip (a failure under CI) saying how."""
    missing = [name for name in ("sphinx", "myst_nb", "sphinx_book_theme",
                                 "jupyter_server_mathjax", "axe_playwright_python")
               if importlib.util.find_spec(name) is None]
    if missing:
        message = (f"the website test needs {', '.join(missing)}: "
                   f"pip install -r requirements-dev.txt")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def tools():
    return browser_tools()


@pytest.fixture(scope="module")
def site(tools, tmp_path_factory) -> Path:
    """The built site: ``DLCORE_SITE`` if set, else built now into a temporary folder."""
    require_packages()
    given = os.environ.get("DLCORE_SITE")
    if given:
        path = Path(given).resolve()
        assert (path / "index.html").is_file(), f"DLCORE_SITE={given} holds no index.html"
        return path
    tmp = tmp_path_factory.mktemp("website")
    website.build(tmp / "site", tmp / "work", quiet=True)
    return tmp / "site"


@pytest.fixture(scope="module")
def server(site):
    """A web server on 127.0.0.1 for the site's folder, stopped at the end."""
    with serve_folder(site) as address:
        yield address


@pytest.fixture(scope="module")
def chromium(tools):
    with headless_chromium(tools) as browser:
        yield browser


@pytest.fixture(scope="module")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*"):
        old.unlink()
    print(f"\nwebsite test: screenshots and reports go to {ARTIFACTS}")
    return ARTIFACTS


def pages(site: Path) -> list[str]:
    """Every HTML page of the site, as paths relative to its folder."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if p.relative_to(site).parts[0] not in ("_static", "_sources"))


class Recorder:
    """Every request, failed request, page error and console error of one page."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.errors.append(
            f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                if m.type == "error" else None)

    def foreign(self, local: str | None) -> list[str]:
        """Requests to any host other than ``local`` (``None``: files from the disk)."""
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


# What a page shows, measured in it once MathJax is done.
PAGE_REPORT = """() => {
  const article = document.querySelector('article') || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, .MathJax, .MathJax_Display, '
                        + '.MathJax_Preview, .MJX_Assistive_MathML').forEach(x => x.remove());
  const scripts = [...document.querySelectorAll('script[type^="math/tex"]')];
  return {
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    math: document.querySelectorAll('.math.notranslate').length,  // Sphinx's, not MathJax's
    mathScripts: scripts.length,
    unrendered: scripts.filter(s => {
      const frame = document.getElementById(s.id + '-Frame');
      return !s.id || !frame;
    }).map(s => s.textContent.slice(0, 60)),
    mathErrors: document.querySelectorAll('.MathJax_Error, merror').length
                + (document.body.innerText.includes('Math Processing Error') ? 1 : 0),
    text: copy.textContent,
    images: [...document.querySelectorAll('img')].map(i => ({
      src: i.currentSrc || i.src, alt: i.getAttribute('alt'), complete: i.complete,
      width: i.naturalWidth})),
  };
}"""

RAW_TEX = re.compile(r"\$\$|\\\(|\\\[|\\(frac|sum|hat|sqrt|partial|mathbf|cdot|leftarrow)\b")


def wait_for_maths(page) -> None:
    """Until MathJax has started and worked through its queue (on a page that loads it)."""
    if not page.evaluate("() => !!document.querySelector('script[src*=\"MathJax.js\"]')"):
        return
    try:
        page.wait_for_function("window.MathJax && MathJax.isReady === true", timeout=WAIT)
    except Exception as error:  # Playwright's TimeoutError
        raise AssertionError(f"{page.url}: MathJax did not start within {WAIT / 1000:.0f} s: is "
                             f"_static/mathjax/ in the site?") from error
    page.evaluate("() => new Promise(done => MathJax.Hub.Queue(done))")
    # the operator tables MathJax loads on demand: leaving before they arrive cancels them
    page.wait_for_load_state("networkidle", timeout=WAIT)


class Links:
    """Whether an internal link leads somewhere: a file of the site, and an element there."""

    def __init__(self, site: Path):
        self.site = site
        self.ids: dict[Path, set[str]] = {}

    def anchors(self, path: Path) -> set[str]:
        if path not in self.ids:
            text = path.read_text(encoding="utf-8", errors="replace")
            self.ids[path] = {html.unescape(m) for m in ID.findall(text)}
        return self.ids[path]

    def problem(self, href: str, origin: str) -> str | None:
        parts = urlsplit(href)
        if parts.scheme not in ("http", "file") or (parts.scheme == "http"
                                                    and parts.netloc != origin):
            return None  # another site (Colab, Binder, GitHub): a link, not a request
        path = unquote(parts.path)
        if parts.scheme == "file":
            rel = Path(path).resolve().relative_to(self.site.resolve()).as_posix()
        else:
            rel = path.lstrip("/")
        target = self.site / rel
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return f"{href}: no such file in the site"
        fragment = unquote(parts.fragment)
        if fragment and target.suffix == ".html" and fragment not in self.anchors(target):
            return f"{href}: no element with id {fragment!r} in {rel}"
        return None


# axe's options: violations only; no preload of the style sheets (axe would fetch the theme's
# `@import "../basic.css"` from the wrong folder; only the orientation-lock rule needs them).
AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}
# The colour contrast of every span of highlighted code takes axe 20 s on a notebook page: it
# is checked on one notebook page (CODE_CONTRAST_PAGE), the rest of every page everywhere.
CODE = "div.highlight"
CODE_CONTRAST_PAGE = "notebooks/03_loss.html"
INSIDE_CONTENT = """sel => { try { const el = document.querySelector(sel);
    return !!(el && el.closest('.cell') && !el.closest('.course-widget-note')); }
    catch (e) { return false; } }"""


def axe_violations(page, rel: str) -> tuple[list[str], list[str]]:
    """The serious and critical axe violations of the page: (of the site, of notebook content).

    Notebook content is what a cell holds (its code and outputs); the notebooks' markdown text
    sits in the page's sections like the site's own text and counts as the site's.
    """
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    runs = [axe.run(page, options={**AXE_OPTIONS, "rules": {"color-contrast": {"enabled": False}}})]
    if rel == CODE_CONTRAST_PAGE:
        runs.append(axe.run(page, options={**AXE_OPTIONS, "runOnly": ["color-contrast"]}))
    else:
        runs.append(axe.run(page, context={"exclude": [[CODE]]},
                            options={**AXE_OPTIONS, "runOnly": ["color-contrast"]}))
    site_level, content = [], []
    for violation in [v for run in runs for v in run.response["violations"]]:
        if violation.get("impact") not in IMPACTS:
            continue
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            line = (f"{violation['id']} ({violation['impact']}): {violation['help']} -- {target} "
                    f"{node.get('html', '')[:160]}")
            (content if page.evaluate(INSIDE_CONTENT, target) else site_level).append(line)
    return site_level, content


def check_page(page, url: str, origin: str, links: Links) -> tuple[list[str], dict]:
    """Open ``url``; return what is wrong with it and some counts."""
    page.goto(url, timeout=WAIT, wait_until="load")
    wait_for_maths(page)
    report = page.evaluate(PAGE_REPORT)
    problems = []
    for href in sorted(set(report["links"])):
        problem = links.problem(href, origin)
        if problem:
            problems.append(f"broken link {problem}")
    if report["math"]:
        if report["mathScripts"] < report["math"]:
            problems.append(f"{report['math']} formulas but {report['mathScripts']} typeset")
        if report["unrendered"]:
            problems.append(f"formulas not rendered by MathJax: {report['unrendered'][:5]}")
    if report["mathErrors"]:
        problems.append(f"{report['mathErrors']} MathJax error(s)")
    raw = RAW_TEX.search(report["text"])
    if raw:
        at = report["text"][max(0, raw.start() - 60):raw.end() + 60]
        problems.append(f"raw TeX in the text: {raw.group(0)!r} in {at!r}")
    undescribed = 0
    for image in report["images"]:
        if not image["complete"] or image["width"] <= 0:
            problems.append(f"picture not loaded: {image['src'][:100]}")
        alt = image["alt"]
        if alt is None or re.search(r"\.(png|jpe?g|svg|gif)$", alt.strip()):
            problems.append(f"picture without a text alternative (alt={alt!r}): "
                            f"{image['src'][:100]}")
        if alt == website_no_description():
            undescribed += 1
    counts = {"links": len(report["links"]), "math": report["mathScripts"],
              "images": len(report["images"]), "undescribed": undescribed}
    return problems, counts


def website_no_description() -> str:
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    import course_site

    return course_site.NO_DESCRIPTION


def test_every_page_works_offline(chromium, site, server, artifacts):
    origin = urlsplit(server).netloc
    links = Links(site)
    all_pages = pages(site)
    assert "index.html" in all_pages and "api/index.html" in all_pages, all_pages
    notebooks = [p for p in all_pages if p.startswith("notebooks/")]
    assert len(notebooks) == len(list((ROOT / "notebooks").glob("*.ipynb"))), notebooks
    problems, site_a11y, content_a11y, totals = [], [], [], {}
    page = chromium.new_page(viewport=VIEWPORT)
    try:
        for rel in all_pages:
            record = Recorder(page)
            found, counts = check_page(page, f"{server}/{rel}", origin, links)
            problems += [f"{rel}: {p}" for p in found]
            problems += [f"{rel}: {e}" for e in record.errors]
            problems += [f"{rel}: request to another host: {u}" for u in record.foreign(origin)]
            site_level, content = axe_violations(page, rel)
            site_a11y += [f"{rel}: {v}" for v in site_level]
            content_a11y += [f"{rel}: {v}" for v in content]
            totals[rel] = counts
            page.close()
            page = chromium.new_page(viewport=VIEWPORT)
    finally:
        page.close()
    (artifacts / "axe-notebook-content.txt").write_text("\n".join(content_a11y) + "\n",
                                                        encoding="utf-8")
    undescribed = {rel: c["undescribed"] for rel, c in totals.items() if c["undescribed"]}
    print(f"\n{len(all_pages)} pages, {sum(c['links'] for c in totals.values())} links, "
          f"{sum(c['math'] for c in totals.values())} formulas, "
          f"{sum(c['images'] for c in totals.values())} pictures "
          f"({sum(undescribed.values())} without a text description: {undescribed})")
    print(f"axe, serious or critical, in notebook content: {len(content_a11y)}"
          + "".join(f"\n  {v}" for v in content_a11y[:30]))
    assert not problems, "\n".join(problems[:60])
    assert not site_a11y, ("serious or critical accessibility violations of the site:\n"
                           + "\n".join(site_a11y[:40]))
    # the pages with maths had it typeset: the course is full of formulas
    assert sum(c["math"] for c in totals.values()) > 200, totals


@contextlib.contextmanager
def visit(chromium, url: str):
    """A fresh page at ``url`` with its maths typeset; yields it, then checks that it showed no
    error. The errors are read before the page closes (closing cancels what is still loading)."""
    page = chromium.new_page(viewport=VIEWPORT)
    record = Recorder(page)
    try:
        page.goto(url, timeout=WAIT)
        wait_for_maths(page)
        yield page
        errors = list(record.errors)
        foreign = record.foreign(urlsplit(url).netloc if url.startswith("http") else None)
    finally:
        page.close()
    assert not errors, f"{url}:\n" + "\n".join(errors)
    assert not foreign, f"{url}: requests to another host:\n" + "\n".join(foreign)


def test_solutions_fold_and_unfold(chromium, site, server, artifacts):
    with visit(chromium, f"{server}/notebooks/03_loss.html") as page:
        folds = page.locator("details.hide", has_text="Show the solution")
        assert folds.count() == 3, f"03_loss has 3 exercises, {folds.count()} folded solutions"
        first = folds.first
        assert first.get_attribute("open") is None, "a solution is unfolded from the start"
        code = first.locator("pre")
        assert not code.first.is_visible(), "the folded solution's code is visible"
        first.locator("summary").click()
        code.first.wait_for(state="visible", timeout=WAIT)
        assert "### BEGIN SOLUTION" in code.first.inner_text()
        assert "Hide the solution" in first.locator("summary").inner_text()
        # the checker's verdict below the solution stays in view
        assert page.get_by_text("✅ Right: MSE is the mean of the squared errors.").is_visible()
        first.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -220)")  # the exercise's text above it
        page.screenshot(path=str(artifacts / "notebook-03-solution.png"))
    with visit(chromium, f"{server}/notebooks/06_optimizer.html") as page:
        page.locator(".MathJax_Display").nth(1).scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "notebook-06-maths.png"))


def test_widgets_show_their_saved_picture_and_how_to_run_them(chromium, site, server, artifacts):
    with visit(chromium, f"{server}/notebooks/02_architecture.html") as page:
        note = page.locator(".course-widget-note")
        assert note.count() == 1, f"02 has one widget, {note.count()} widget notes"
        text = note.inner_text()
        assert "Interactive widget" in text and "run the notebook live" in text, text
        hrefs = note.locator("a").evaluate_all("as => as.map(a => a.href)")
        assert any("colab.research.google.com" in h for h in hrefs), hrefs
        assert any("mybinder.org" in h for h in hrefs), hrefs
        picture = page.locator(".cell_output", has=note).locator("img")
        assert picture.count() >= 1, "the widget's saved picture is missing under its note"
        assert picture.first.evaluate("i => i.complete && i.naturalWidth > 0")
        note.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "notebook-02-widget.png"))
        # under the title, how to run the notebook live
        live = page.locator(".admonition", has_text="To run it live").first
        assert "02_architecture.ipynb" in " ".join(
            live.locator("a").evaluate_all("as => as.map(a => a.href)"))


def test_home_page_and_reference(chromium, site, server, artifacts):
    with visit(chromium, f"{server}/index.html") as page:
        rows = page.locator("table tbody tr")
        assert rows.count() == len(list((ROOT / "notebooks").glob("*.ipynb")))
        page.screenshot(path=str(artifacts / "home.png"))
        page.locator("table a", has_text="03").first.click()
        page.wait_for_url(re.compile(r"notebooks/03_loss\.html"), timeout=WAIT)
        wait_for_maths(page)  # leaving earlier would cancel MathJax's requests
    with visit(chromium, f"{server}/api/dlcore.layers.html") as page:
        assert page.locator("dl.py.class dt#dlcore\\.layers\\.Dense").count() == 1
        assert "Parameters" in page.locator("dl.py.class").first.inner_text()
        page.screenshot(path=str(artifacts / "reference-layers.png"))
    with visit(chromium, f"{server}/api/index.html") as page:
        page.screenshot(path=str(artifacts / "reference-index.png"))


@pytest.mark.parametrize("name", ["index.html", "notebooks/03_loss.html"])
def test_pages_open_from_the_disk(chromium, site, name):
    """Double-clicking a page works too: its styles, scripts and maths, no other host."""
    with visit(chromium, (site / name).as_uri()) as page:
        assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""
        if "notebooks/" in name:
            formulas = page.locator(".math.notranslate").count()
            assert formulas > 50, f"{name} should be full of formulas, found {formulas}"
            assert page.locator('script[type^="math/tex"]').count() == formulas
            assert page.locator(".MathJax_Error, merror").count() == 0
