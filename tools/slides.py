"""Classroom walkthroughs: present any notebook of the course as slides, offline.

Three commands (run from the repository folder)::

    python tools/slides.py annotate notebooks/*.ipynb   # write slide metadata into the notebooks
    python tools/slides.py check notebooks/*.ipynb      # every cell annotated, exercises on a slide
    python tools/slides.py build                        # every notebook -> slides/*.slides.html

**Slide metadata.** ``annotate`` sets ``cell.metadata["slideshow"] = {"slide_type": ...}`` on
every cell by the rules of :func:`slide_types`, one idea per slide:

- the title cell, and a markdown cell with a ``#`` or ``##`` heading, start a new slide
  (``"slide"``); a ``###`` heading starts a subslide (``"subslide"``: a slide below the section's
  slide in the overview; the arrow keys step through both in order);
- every exercise (the markdown that introduces it, its solution cell, its checker cell) is a slide
  of its own, and the cell after it starts the next slide; the solution is a ``"fragment"``: the
  slide first shows the task, and the next key press shows the solution with its checker;
- code cells, and their outputs, stay on the slide of the text that introduces them (``"-"``);
  the set-up cell right after the title gets a subslide of its own;
- a long stretch without a heading is cut into subslides at a markdown cell once the slide holds
  about a screenful (:data:`SCREEN_LINES`), so that a text and the code it introduces stay
  together;
- an empty cell is skipped.

The rules are deterministic, so ``annotate`` is idempotent: a second run changes nothing, and a
notebook is rewritten only when one of its cells gets a new slide type. Nothing else in the file
changes (nbformat reads and writes it as JupyterLab does). ``--keep-existing`` keeps the slide
type a cell already has (set by hand in JupyterLab's property inspector, say) and fills in only
the missing ones.

**The decks.** ``build`` converts the committed notebooks (their saved outputs: nothing is
executed) with nbconvert's ``SlidesExporter``, the exporter of ``jupyter nbconvert --to slides``,
into a folder that works offline, opened straight from the disk (``file://``) or from any web
server:

    slides/index.html                  the list of decks, and the keys to present with
    slides/NN_name.slides.html         one reveal.js deck per notebook
    slides/_static/reveal.js/          reveal.js 5, copied from the package sphinx-revealjs
    slides/_static/mathjax/            MathJax 2.7, copied from the package jupyter-server-mathjax

The decks load nothing from any other host: the template below replaces the CDN addresses of
nbconvert's reveal template (reveal.js, MathJax, require.js, jQuery, mermaid, the widget
manager) by these local copies, or drops what the course does not use. A widget cannot run
without a kernel, so each widget is shown as the picture saved with the notebook (the outputs its
``widgets.Output`` held when the notebook was saved), under a line saying that it is live only in
JupyterLab. Links to other notebooks point to their decks.

``annotate`` and ``check`` need nbformat only; ``build`` also needs nbconvert and the two asset
packages: ``pip install sphinx-revealjs jupyter-server-mathjax``.
"""

from __future__ import annotations

import argparse
import base64
import copy
import html
import importlib.util
import math
import re
import shutil
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "slides"

SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
STARTS = ("slide", "subslide")  # the slide types that begin a new page

# How much fits on one slide of 1280x720 at the deck's font size, in lines of text: a slide that
# holds this much already gets no further text (the next text cell starts a subslide). A single
# cell that is taller than a screen is never cut: its slide scrolls.
SCREEN_LINES = 22
CHARS_PER_LINE = 105  # characters on one line of text across the slide
PIXELS_PER_LINE = 30  # a line of text, in pixels, to count images and plots in lines

# Exercise cells: the solution between the markers (the solutions version of the course) or the
# stub that replaces it (the student version), and a heading such as "### Exercise 2: ...".
SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*$", re.MULTILINE)
STUB = re.compile(r"^[ \t]*# YOUR CODE HERE[ \t]*\n[ \t]*raise NotImplementedError", re.MULTILINE)
EXERCISE_HEADING = re.compile(r"^Exercise\b", re.IGNORECASE)

HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(\S.*?)[ \t#]*$")
FENCE = re.compile(r"^[ \t]*(```|~~~)")

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
LIVE_NOTE = "live only in JupyterLab: run the notebook there to use it"


# -------------------------------------------------------------------------------------------------
# Reading cells: headings, exercises, sizes
# -------------------------------------------------------------------------------------------------


def headings(source: str) -> list[tuple[int, str]]:
    """The markdown headings of ``source`` as ``(level, text)``, outside fenced code blocks."""
    found, fenced = [], False
    for line in source.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            found.append((len(match.group(1)), match.group(2)))
    return found


def heading_level(cell) -> int | None:
    """The level of the highest heading in a markdown cell (1 for ``#``), or None."""
    if cell.cell_type != "markdown":
        return None
    levels = [level for level, _ in headings(cell.source)]
    return min(levels) if levels else None


def has_exercise_heading(cell) -> bool:
    return cell.cell_type == "markdown" and any(
        EXERCISE_HEADING.match(text) for _, text in headings(cell.source)
    )


def is_solution(cell) -> bool:
    """A code cell that holds an exercise's solution (or, in the student version, its stub)."""
    return cell.cell_type == "code" and bool(SOLUTION.search(cell.source)
                                             or STUB.search(cell.source))


def is_empty(cell) -> bool:
    return not cell.source.strip() and not cell.get("outputs")


@dataclass(frozen=True)
class Exercise:
    """The cells of one exercise: ``start`` (its text, or the solution when it has none),
    ``solution``, and ``end`` (the checker, or the solution when no code cell follows it)."""

    start: int
    solution: int
    end: int

    @property
    def cells(self) -> range:
        return range(self.start, self.end + 1)


def exercises(cells) -> list[Exercise]:
    """Every exercise of a notebook, in order.

    An exercise is a solution cell (``### BEGIN SOLUTION``, or the student version's stub), the
    nearest markdown cell above it (the text that says what to write; code cells in between belong
    to the exercise too), and the code cell right after it (the checker).
    """
    found: list[Exercise] = []
    taken: set[int] = set()

    def plain_code(k: int) -> bool:
        return 0 <= k < len(cells) and cells[k].cell_type == "code" and not is_solution(cells[k])

    for i, cell in enumerate(cells):
        if not is_solution(cell) or i in taken:
            continue
        start, j = i, i - 1
        while j not in taken and plain_code(j):
            j -= 1
        if j >= 0 and j not in taken and cells[j].cell_type == "markdown":
            start = j
        end = i + 1 if plain_code(i + 1) else i
        exercise = Exercise(start, i, end)
        found.append(exercise)
        taken.update(exercise.cells)
    return found


def png_size(data: str) -> tuple[int, int] | None:
    """Width and height of a base64 PNG, read from its header (no image library needed)."""
    try:
        head = base64.b64decode("".join(data[:64].split())[:32])
    except (ValueError, TypeError):
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def text_lines(text: str) -> float:
    """Lines that ``text`` takes on a slide, long lines wrapped."""
    lines = text.splitlines() or [""]
    return sum(max(1, math.ceil(len(line) / CHARS_PER_LINE)) for line in lines)


def output_lines(output) -> float:
    """Lines that one output takes on a slide: a picture by its height, text by its lines."""
    if output.get("output_type") == "stream":
        return text_lines(output.get("text", ""))
    if output.get("output_type") == "error":
        return len(output.get("traceback", [])) * 2
    data = output.get("data", {})
    if "image/png" in data:
        meta = output.get("metadata", {}).get("image/png", {})
        size = png_size(data["image/png"])
        width, height = meta.get("width"), meta.get("height")
        if (width is None or height is None) and size:
            width, height = size
        if not width or not height:
            return 12
        height = min(height * min(1, 1240 / width), 640)  # as the deck's CSS shows it
        return height / PIXELS_PER_LINE + 0.5
    if "text/html" in data:
        rows = str(data["text/html"]).count("<tr")
        return rows + 1 if rows else text_lines(re.sub(r"<[^>]+>", "", str(data["text/html"])))
    if "text/markdown" in data:
        return text_lines(str(data["text/markdown"]))
    if "text/plain" in data:
        return text_lines(str(data["text/plain"]))
    return 1


def cell_lines(cell, widget_state: dict | None = None) -> float:
    """Lines that a cell takes on a slide, with its outputs (widgets as their saved picture)."""
    if cell.cell_type == "markdown":
        total, fenced = 0.0, False
        for line in cell.source.splitlines():
            if FENCE.match(line):
                fenced = not fenced
            if not line.strip():
                total += 0.5
            elif not fenced and HEADING.match(line):
                total += 2
            elif line.strip().startswith("$$"):
                total += 2
            else:
                total += max(1, math.ceil(len(line) / CHARS_PER_LINE))
        return total
    if cell.cell_type != "code":
        return 0
    total = 0.9 * len(cell.source.splitlines()) + 1
    for output in cell.get("outputs", []):
        if WIDGET_VIEW in output.get("data", {}):
            for shown in widget_snapshot(output, widget_state or {}):
                total += output_lines(shown)
        else:
            total += output_lines(output)
    return total


def saved_widget_state(nb) -> dict:
    """The widget models saved in the notebook's metadata, by model id ({} when none)."""
    return nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


# -------------------------------------------------------------------------------------------------
# The rules
# -------------------------------------------------------------------------------------------------


def slide_types(nb, screen_lines: float = SCREEN_LINES) -> list[str]:
    """The slide type of every cell of ``nb`` by the rules in the module's docstring."""
    cells = nb.cells
    state = saved_widget_state(nb)
    found = exercises(cells)
    exercise_start = {e.start for e in found}
    solutions = {e.solution for e in found if e.solution != e.start}
    in_exercise = {i for e in found for i in e.cells}
    after_exercise = {e.end + 1 for e in found}
    sizes = [cell_lines(cell, state) for cell in cells]

    def unit_lines(i: int) -> float:
        """A text cell with the code cells after it: what should stay on one slide."""
        total, j = sizes[i], i + 1
        while j < len(cells) and cells[j].cell_type == "code" and j not in in_exercise:
            total, j = total + sizes[j], j + 1
        return total

    types: list[str] = []
    used = 0.0  # lines on the current slide so far
    for i, cell in enumerate(cells):
        level = heading_level(cell)
        previous = cells[i - 1] if i else None
        if is_empty(cell) or cell.cell_type == "raw":
            types.append("skip")
            continue
        if i == 0 or not any(t != "skip" for t in types):
            kind = "slide"
        elif i in exercise_start or i in after_exercise:
            kind = "slide"
        elif i in solutions:
            kind = "fragment"  # the solution (and its checker) appear on the next key press
        elif i in in_exercise:
            kind = "-"
        elif level is not None and level <= 2:
            kind = "slide"
        elif level is not None:
            kind = "subslide"
        elif i == 1 and cell.cell_type == "code" and previous.cell_type == "markdown":
            kind = "subslide"  # the set-up cell under the title: not introduced by the title
        elif cell.cell_type == "markdown" and used > 0 and used + unit_lines(i) > screen_lines:
            kind = "subslide"
        elif (cell.cell_type == "code" and previous is not None and previous.cell_type == "code"
              and used >= screen_lines):
            kind = "subslide"  # a run of code cells with no text between them, past a screen
        else:
            kind = "-"
        if kind in STARTS:
            used = 0.0
        used += sizes[i]
        types.append(kind)
    return types


def annotate(nb, keep_existing: bool = False) -> int:
    """Set ``metadata.slideshow.slide_type`` on every cell of ``nb``; return how many changed.

    Any other key of ``metadata.slideshow`` is kept. With ``keep_existing``, a cell that already
    has a slide type keeps it.
    """
    changed = 0
    for cell, kind in zip(nb.cells, slide_types(nb), strict=True):
        slideshow = cell.metadata.get("slideshow")
        current = slideshow.get("slide_type") if isinstance(slideshow, dict) else None
        if keep_existing and current in SLIDE_TYPES:
            continue
        if current != kind:
            cell.metadata["slideshow"] = {**(slideshow if isinstance(slideshow, dict) else {}),
                                          "slide_type": kind}
            changed += 1
    return changed


def slide_type(cell) -> str | None:
    slideshow = cell.metadata.get("slideshow")
    return slideshow.get("slide_type") if isinstance(slideshow, dict) else None


def check(nb, name: str = "notebook") -> list[str]:
    """What is wrong with the slide metadata of ``nb``: an empty list when all is well.

    Every code and markdown cell has a valid slide type; every exercise starts a slide, keeps its
    text, solution and checker on that one slide (none skipped), and the next cell starts a new one.
    """
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type in ("code", "markdown") and slide_type(cell) not in SLIDE_TYPES:
            first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
            problems.append(f"{name}: cell {i} ({cell.cell_type}, {first!r}) has no slide type")
    for exercise in exercises(nb.cells):
        cells = nb.cells
        where = f"{name}: the exercise of cell {exercise.solution}"
        if slide_type(cells[exercise.start]) != "slide":
            problems.append(f"{where} does not start a slide (cell {exercise.start} is "
                            f"{slide_type(cells[exercise.start])!r}, not 'slide')")
        for i in exercise.cells:
            if i != exercise.start and slide_type(cells[i]) in STARTS:
                problems.append(f"{where} is cut in two: cell {i} starts a new slide")
            if slide_type(cells[i]) in ("skip", "notes"):
                problems.append(f"{where}: cell {i} is hidden ({slide_type(cells[i])!r})")
        if exercise.end + 1 < len(cells):
            nxt = next((j for j in range(exercise.end + 1, len(cells))
                        if slide_type(cells[j]) not in ("skip", "notes")), None)
            if nxt is not None and slide_type(cells[nxt]) not in STARTS:
                problems.append(f"{where} shares its slide with cell {nxt}, which should start a "
                                f"new slide")
    return problems


# -------------------------------------------------------------------------------------------------
# Widgets as their saved picture
# -------------------------------------------------------------------------------------------------

BOXES = {"HBoxModel", "VBoxModel", "BoxModel", "GridBoxModel", "AccordionModel", "TabModel",
         "StackModel"}
TEXTS = {"HTMLModel", "HTMLMathModel", "LabelModel"}
PASSIVE = {"FloatProgressModel", "IntProgressModel", "LayoutModel"}


def _control_value(model: dict) -> str:
    state = model.get("state", {})
    labels = state.get("_options_labels")
    if labels is not None and state.get("index") is not None:
        index = state["index"]
        if isinstance(index, list):
            return ", ".join(str(labels[k]) for k in index if 0 <= k < len(labels))
        return str(labels[index]) if 0 <= index < len(labels) else ""
    value = state.get("value")
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def widget_snapshot(output, state: dict) -> list:
    """What a slide shows for one widget output: a line saying the widget is live only in
    JupyterLab (with the settings it was saved with), then the outputs its ``widgets.Output``
    held when the notebook was saved (the plot). A widget with no control, such as a progress
    bar, is shown as its text."""
    model_id = output.get("data", {}).get(WIDGET_VIEW, {}).get("model_id", "")
    controls: list[str] = []
    texts: list[str] = []
    saved: list = []
    seen: set[str] = set()

    def walk(mid: str) -> None:
        mid = mid[len("IPY_MODEL_"):] if mid.startswith("IPY_MODEL_") else mid
        if mid in seen or mid not in state:
            return
        seen.add(mid)
        model = state[mid]
        name = model.get("model_name", "")
        widget_state = model.get("state", {})
        if name == "OutputModel":
            saved.extend(widget_state.get("outputs", []))
        elif name in BOXES:
            for child in widget_state.get("children", []):
                walk(child)
        elif name in TEXTS:
            text = re.sub(r"<[^>]+>", "", html.unescape(str(widget_state.get("value", ""))))
            text = " ".join(text.replace("\u2007", " ").split())
            if text:
                texts.append(text)
        elif name in PASSIVE or name.endswith("StyleModel"):
            pass
        else:
            label = widget_state.get("description") or name.removesuffix("Model")
            value = _control_value(model)
            controls.append(f"{label} = {value}" if value else label)

    walk(model_id)
    shown = []
    if controls or model_id not in state:
        settings = f" Shown as saved: {'; '.join(controls)}." if controls else ""
        if model_id not in state:
            settings = " (This notebook was saved without its widgets' state.)"
        plain = f"Interactive widget, {LIVE_NOTE}.{settings}"
        note = (f'<p class="course-widget-note"><strong>Interactive widget</strong>, {LIVE_NOTE}.'
                f"{html.escape(settings)}</p>")
        shown.append(nbformat.v4.new_output("display_data",
                                            data={"text/html": note, "text/plain": plain}))
    elif texts:
        shown.append(nbformat.v4.new_output("stream", name="stdout", text=" ".join(texts) + "\n"))
    for item in saved:
        shown.append(nbformat.from_dict(copy.deepcopy(item)))
    return shown


def replace_widgets(nb) -> int:
    """Replace every widget output of ``nb`` by :func:`widget_snapshot`, and drop the saved
    widget state (so the deck loads no widget manager); returns how many widgets were replaced."""
    state = saved_widget_state(nb)
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                outputs.extend(widget_snapshot(output, state))
                count += 1
            else:
                outputs.append(output)
        cell.outputs = outputs
    nb.metadata.pop("widgets", None)
    return count


NOTEBOOK_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:)([^()\s#]+)\.ipynb(#[^()\s]*)?\)")


def link_decks(nb) -> None:
    """Point the markdown links to other notebooks (``[Next](03_loss.ipynb)``) to their decks."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = NOTEBOOK_LINK.sub(lambda m: f"]({m.group(1)}.slides.html"
                                            f"{m.group(2) or ''})", cell.source)


def title_of(nb, fallback: str) -> str:
    for cell in nb.cells:
        found = headings(cell.source) if cell.cell_type == "markdown" else []
        if found:
            return re.sub(r"[*_`]", "", found[0][1])
    return fallback


# -------------------------------------------------------------------------------------------------
# Offline assets: reveal.js and MathJax from installed packages
# -------------------------------------------------------------------------------------------------

PACKAGES_HINT = "pip install sphinx-revealjs jupyter-server-mathjax"


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def find_reveal() -> Path:
    """The folder of reveal.js (``dist/reveal.js`` and ``plugin/notes/notes.js``) that the PyPI
    package ``sphinx-revealjs`` ships; a ``FileNotFoundError`` saying what to install if absent."""
    package = _package_dir("sphinx_revealjs")
    if package is not None:
        for script in sorted(package.rglob("dist/reveal.js")):
            folder = script.parent.parent
            if (folder / "plugin" / "notes" / "notes.js").is_file():
                return folder
    raise FileNotFoundError(f"reveal.js not found: the slides need the package sphinx-revealjs, "
                            f"which ships it ({PACKAGES_HINT})")


def find_mathjax() -> Path:
    """The folder of MathJax 2.7 (``MathJax.js``) that ``jupyter-server-mathjax`` ships."""
    package = _package_dir("jupyter_server_mathjax")
    if package is not None and (package / "static" / "MathJax.js").is_file():
        return package / "static"
    raise FileNotFoundError(f"MathJax not found: the slides need the package "
                            f"jupyter-server-mathjax, which ships MathJax 2.7 ({PACKAGES_HINT})")


def copy_assets(out: Path, reveal: Path | None = None, mathjax: Path | None = None) -> None:
    """Copy reveal.js and MathJax into ``out/_static`` (replacing an older copy)."""
    reveal, mathjax = reveal or find_reveal(), mathjax or find_mathjax()
    static = out / "_static"
    for name, source, keep in [
        ("reveal.js", reveal, ["dist", "plugin/notes", "LICENSE"]),
        ("mathjax", mathjax, None),
    ]:
        target = static / name
        if target.exists():
            shutil.rmtree(target)
        if keep is None:
            shutil.copytree(source, target)
            continue
        for part in keep:
            src = source / part
            if src.is_dir():
                shutil.copytree(src, target / part, ignore=shutil.ignore_patterns("*.map"))
            elif src.is_file():
                (target / part).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / part)


# -------------------------------------------------------------------------------------------------
# The deck template: nbconvert's reveal template, with local assets and no CDN
# -------------------------------------------------------------------------------------------------

TEMPLATE_NAME = "course_slides.html.j2"
TEMPLATE = r"""{%- extends 'index.html.j2' -%}

{#- No require.js, jQuery or mermaid (from CDNs, and unused here) and no widget manager
    (widgets are shown as their saved pictures). -#}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}

{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  tex2jax: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  // MathJax as jupyter-server-mathjax ships it has the STIX-Web web fonts only
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
               linebreaks: {automatic: true}},
  displayAlign: "center",
  messageStyle: "none"
});
</script>
<script src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}

{%- block html_head_css -%}
<link rel="icon" href="data:,">
<style type="text/css">
.reveal .slides { text-align: left; }
.reveal .slides :is(h1, h2, h3, h4, h5, h6) { text-transform: none; }
.reveal .slides section { padding: 0 8px; box-sizing: border-box; }
.reveal .jp-OutputArea-output img { max-width: 100%; max-height: 640px; width: auto; height: auto; }
.reveal .course-scroll { overflow-y: auto !important; }
.course-widget-note {
  margin: 0.2em 0; padding: 0.3em 0.6em; border-left: 4px solid #f0ad4e;
  background: #fff8e6; font-size: 0.8em; color: #444;
}
.course-home, .course-more {
  position: fixed; bottom: 8px; z-index: 30; font: 14px sans-serif; color: #888;
  background: rgba(255, 255, 255, 0.85); padding: 1px 6px; border-radius: 3px;
}
.course-home { left: 8px; text-decoration: none; }
.course-more { left: 50%; transform: translateX(-50%); display: none; }
.course-home:hover { color: #2a76dd; }
@media print { .course-home, .course-more { display: none !important; } }
</style>
{%- endblock html_head_css -%}

{%- block body_footer -%}
</div>
</div>
<a class="course-home" href="index.html" title="All the decks">&#9776; all notebooks</a>
<div class="course-more">&#9660; more below: scroll</div>
</main>
</body>
{%- endblock body_footer -%}

{%- block footer_js -%}
{%- set prefix = resources.reveal.url_prefix -%}
<script src="{{ prefix }}/dist/reveal.js"></script>
<script src="{{ prefix }}/plugin/notes/notes.js"></script>
<script>
(function () {
  var height = {{ resources.reveal.height }};
  var more = document.querySelector(".course-more");
  // "more below" while the current slide scrolls and its end is not in sight
  function showMore() {
    var slide = Reveal.getCurrentSlide();
    var hidden = slide && slide.classList.contains("course-scroll")
      && slide.scrollTop + slide.clientHeight < slide.scrollHeight - 4;
    more.style.display = hidden ? "block" : "none";
  }
  // A slide taller than the screen scrolls (mouse wheel or touchpad) instead of being cut off.
  function fitSlide() {
    var slide = Reveal.getCurrentSlide();
    if (!slide) { return; }
    slide.classList.remove("course-scroll");
    slide.style.height = "";
    if (slide.scrollHeight > height) {
      slide.style.height = height + "px";
      slide.classList.add("course-scroll");
    }
    showMore();
  }
  document.addEventListener("scroll", showMore, true);
  Reveal.initialize({
    controls: true,
    progress: true,
    history: true,
    center: false,
    // The arrow keys step through every slide, subslides included, in reading order.
    navigationMode: "linear",
    transition: "{{ resources.reveal.transition }}",
    slideNumber: "{{ resources.reveal.number }}",
    width: {{ resources.reveal.width }},
    height: height,
    margin: 0.03,
    plugins: [RevealNotes]
  });
  Reveal.on("ready", fitSlide);
  Reveal.on("slidechanged", fitSlide);
  if (window.MathJax) {
    MathJax.Hub.Queue(fitSlide);
  }
})();
</script>
{%- endblock footer_js -%}
"""


def exporter(out: Path):
    """nbconvert's SlidesExporter configured for offline decks in ``out``."""
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.reveal_url_prefix = "_static/reveal.js"
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.reveal_transition = "none"
    config.SlidesExporter.reveal_number = "c/t"
    config.SlidesExporter.reveal_width = "1280"
    config.SlidesExporter.reveal_height = "720"
    config.SlidesExporter.mathjax_url = (
        "_static/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
    )
    # Nothing else is loaded, but keep every other address local too, should a template use it.
    config.SlidesExporter.require_js_url = ""
    config.SlidesExporter.jquery_url = ""
    config.SlidesExporter.jupyter_widgets_base_url = ""
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    config.SlidesExporter.exclude_anchor_links = True
    return SlidesExporter(config=config, extra_loaders=[DictLoader({TEMPLATE_NAME: TEMPLATE})],
                          template_file=TEMPLATE_NAME)


NBVAL_COMMENT = re.compile(r"^[ \t]*# NBVAL_\w+[ \t]*\n?", re.MULTILINE)


def deck_notebook(nb):
    """A copy of ``nb`` ready for the deck: slide types filled in where missing, widgets as their
    saved pictures, links to other notebooks pointing to their decks, and no ``# NBVAL_...``
    comment lines (they tell the test runner what to compare, nothing a class needs to see)."""
    nb = copy.deepcopy(nb)
    annotate(nb, keep_existing=True)
    replace_widgets(nb)
    link_decks(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = NBVAL_COMMENT.sub("", cell.source)
    return nb


def build_deck(path: Path, out: Path, export=None) -> Path:
    """Convert one notebook to ``out/<name>.slides.html``; returns that path."""
    nb = nbformat.read(path, as_version=4)
    export = export or exporter(out)
    title = title_of(nb, path.stem)
    body, _ = export.from_notebook_node(deck_notebook(nb), resources={"metadata": {
        "name": title, "path": str(path.parent)}})
    target = out / f"{path.stem}.slides.html"
    target.write_text(body, encoding="utf-8")
    return target


INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Deep learning from scratch: slides</title>
<link rel="icon" href="data:,">
<style>
body {{ font: 20px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 56em;
       margin: 2em auto; padding: 0 1em; color: #222; }}
h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }}
ol {{ padding-left: 0; list-style: none; }}
li {{ margin: 0.35em 0; }}
a {{ color: #2a76dd; text-decoration: none; }}
a:hover {{ text-decoration: underline; }}
.keys {{ background: #f5f5f5; border-radius: 6px; padding: 0.6em 1em; font-size: 0.85em; }}
kbd {{ border: 1px solid #bbb; border-radius: 3px; padding: 0 0.3em; background: #fff; }}
</style>
</head>
<body>
<h1>Deep learning from scratch: slides</h1>
<p>One deck per notebook, with the outputs saved in the notebooks. Everything is in this folder:
it works without a network.</p>
<ol class="decks">
{items}
</ol>
<div class="keys">
<p><kbd>&rarr;</kbd> or <kbd>Space</kbd> next slide, <kbd>&larr;</kbd> back,
<kbd>Esc</kbd> overview of all slides, <kbd>F</kbd> full screen, <kbd>S</kbd> speaker view
(the next slide and a clock, in a second window), <kbd>B</kbd> black screen, <kbd>?</kbd> all keys.
A slide taller than the screen scrolls with the mouse wheel.</p>
<p>Widgets (sliders, menus) are shown as the picture saved with the notebook: they are
{live}.</p>
</div>
</body>
</html>
"""


def write_index(out: Path, decks: list[tuple[str, str]]) -> Path:
    """``out/index.html``: a link to every deck, ``decks`` as (file name, title)."""
    items = "\n".join(f'<li><a href="{html.escape(name)}">{html.escape(title)}</a></li>'
                      for name, title in decks)
    target = out / "index.html"
    target.write_text(INDEX.format(items=items, live=html.escape(LIVE_NOTE)), encoding="utf-8")
    return target


def build(notebooks: list[Path] | None = None, out: Path = DEFAULT_OUT, reveal: Path | None = None,
          mathjax: Path | None = None, quiet: bool = False) -> list[Path]:
    """Build the deck of every notebook (all of ``notebooks/`` by default) into ``out``, with
    reveal.js and MathJax copied beside them and an ``index.html``; returns the decks' paths."""
    notebooks = sorted(notebooks if notebooks else NOTEBOOKS.glob("*.ipynb"))
    reveal, mathjax = reveal or find_reveal(), mathjax or find_mathjax()
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out, reveal, mathjax)
    export = exporter(out)
    decks, listed = [], []
    for path in notebooks:
        deck = build_deck(Path(path), out, export)
        decks.append(deck)
        listed.append((deck.name, title_of(nbformat.read(path, as_version=4), Path(path).stem)))
        if not quiet:
            print(f"{path} -> {deck}")
    # The index lists every deck in the folder, also those of an earlier build.
    for old in sorted(out.glob("*.slides.html")):
        if old not in decks:
            listed.append((old.name, old.name.removesuffix(".slides.html")))
    write_index(out, sorted(listed))
    if not quiet:
        print(f"open {out / 'index.html'} in a browser (works offline)")
    return decks


# -------------------------------------------------------------------------------------------------
# Command line
# -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p_annotate = commands.add_parser("annotate", help="write slide metadata into notebooks")
    p_annotate.add_argument("notebooks", nargs="+", type=Path)
    p_annotate.add_argument("--keep-existing", action="store_true",
                            help="keep the slide type a cell already has")
    p_check = commands.add_parser("check", help="check the slide metadata of notebooks")
    p_check.add_argument("notebooks", nargs="+", type=Path)
    p_build = commands.add_parser("build", help="build offline slide decks")
    p_build.add_argument("notebooks", nargs="*", type=Path,
                         help="notebooks to build (default: every notebook in notebooks/)")
    p_build.add_argument("--out", type=Path, default=DEFAULT_OUT,
                         help=f"output folder (default: {DEFAULT_OUT.relative_to(ROOT)}/)")
    p_build.add_argument("--reveal-dir", type=Path, default=None,
                         help="a reveal.js folder to use instead of sphinx-revealjs's")
    p_build.add_argument("--mathjax-dir", type=Path, default=None,
                         help="a MathJax 2.7 folder to use instead of jupyter-server-mathjax's")
    args = parser.parse_args(argv)

    if args.command == "annotate":
        for path in args.notebooks:
            nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
            changed = annotate(nb, keep_existing=args.keep_existing)
            if changed:
                nbformat.write(nb, path)
            print(f"{path}: {changed} cell(s) changed" if changed else f"{path}: up to date")
        return 0
    if args.command == "check":
        problems = []
        for path in args.notebooks:
            problems += check(nbformat.read(path, as_version=4), name=str(path))
        print("\n".join(problems) if problems else f"{len(args.notebooks)} notebook(s): all right")
        return 1 if problems else 0
    try:
        build(args.notebooks, args.out, args.reveal_dir, args.mathjax_dir)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
