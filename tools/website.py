"""The course as a website: every notebook as a page with its saved outputs, readable offline.

One command, from the repository folder::

    python tools/website.py build             # -> site/index.html
    python tools/website.py build --out DIR   # somewhere else

Open ``site/index.html`` in a browser (straight from the disk or from any web server). The site
needs no network: nothing is loaded from another host (MathJax is copied from the package
``jupyter-server-mathjax``, the theme's fonts and scripts are its own files).

**How it is built.** Sphinx, with myst-nb for the notebooks and sphinx-book-theme for the look
(the ``docs`` extra: ``pip install -e .[docs]``). Nothing is executed: the committed notebooks
are clean runs, and the pages show their saved outputs. The Sphinx configuration and the
hand-written pages are in ``docs/``; this script assembles a source folder from them and from
copies of the notebooks (in ``build/website/`` by default), then runs Sphinx on it. The committed
notebooks are never changed; the copies are adjusted for the web:

- the home page is the README's introduction and its course map (the map's Colab badges become
  plain links: a badge is a picture from another host);
- under each notebook's title, a note says how to run it live: Binder, Colab or your computer;
- a widget cannot run without a kernel, so it shows the picture saved with the notebook and a
  note on how to move it live (the same snapshot as the slides: ``tools/slides.py``);
- each exercise's solution (a code cell holding ``### BEGIN SOLUTION``, the marker of
  ``tools/make_student_version.py``) is folded behind a "Show the solution" button; the exercise
  text above it, with its hints, and the checker's verdict below it stay in view;
- the Colab install cell is folded too, and the test markers ``# NBVAL_...`` are left out of
  the code shown;
- the library reference, one page per module of dlcore, is generated from the docstrings
  (autodoc with napoleon: the docstrings are numpy style).
"""

from __future__ import annotations

import argparse
import copy
import importlib
import pkgutil
import re
import shutil
import sys
import time
import types
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab  # noqa: E402
import make_student_version  # noqa: E402
import slides  # noqa: E402

DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "site"
DEFAULT_WORK = ROOT / "build" / "website"

NBVAL_MARKER = re.compile(r"^[ \t]*# NBVAL_[A-Z_]+[ \t]*\n?", re.MULTILINE)
SOLUTION_PROMPT = {"code_prompt_show": "Show the solution", "code_prompt_hide": "Hide the solution"}
INSTALL_PROMPT = {"code_prompt_show": "Show the cell that installs dlcore on Colab",
                  "code_prompt_hide": "Hide the install cell"}
RUN_LIVE_ANCHOR = "run-the-course-live"  # the home page's section on running the notebooks


# -------------------------------------------------------------------------------------------------
# The notebooks, adjusted for the web
# -------------------------------------------------------------------------------------------------


def is_solution(cell) -> bool:
    """A code cell that holds an exercise's reference solution (between the markers)."""
    return cell.cell_type == "code" and any(
        make_student_version.BEGIN.match(line) for line in cell.source.splitlines())


def run_live_note(notebook: str, url: str) -> str:
    """The markdown under a notebook's title: how to run it live (Binder, Colab, a computer)."""
    return (
        "```{note}\n"
        "This page shows the notebook as it was last run, with its outputs; widgets show the "
        "picture they were saved with. **To run it live**: "
        f"[open it in Colab]({colab.colab_url(notebook, url)}), "
        f"[launch the course on Binder]({colab.binder_url(url, notebook)}) "
        "(JupyterLab in the cloud; the first start takes a few minutes), "
        f"or on your computer, in the course folder: `pip install -r requirements.txt && "
        f"jupyter lab --notebook-dir=. {notebook}` "
        f"([more on running the course](../index.md#{RUN_LIVE_ANCHOR})).\n"
        "```"
    )


def widget_note(settings: str, notebook: str, url: str) -> nbformat.NotebookNode:
    """The note shown in place of a live widget, with the settings it was saved with."""
    links = (f'<a href="{colab.colab_url(notebook, url)}">Colab</a>, '
             f'<a href="{colab.binder_url(url, notebook)}">Binder</a> or '
             f'<a href="../index.html#{RUN_LIVE_ANCHOR}">your computer</a>')
    shown = f" {settings}" if settings else ""
    html = (f'<p class="course-widget-note"><strong>Interactive widget</strong>, shown as the '
            f"picture saved with the notebook.{shown} To move it, run the notebook live on "
            f"{links}.</p>")
    plain = (f"Interactive widget, shown as the picture saved with the notebook.{shown} To move "
             f"it, run the notebook live (Colab, Binder or your computer).")
    return nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": plain})


def replace_widgets(nb, notebook: str, url: str) -> int:
    """Each widget output becomes its saved picture under a note; returns how many there were."""
    state = slides.saved_widget_state(nb)
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if slides.WIDGET_VIEW not in output.get("data", {}):
                outputs.append(output)
                continue
            count += 1
            shown = slides.widget_snapshot(output, state)
            if shown and "course-widget-note" in str(shown[0].get("data", {}).get("text/html")):
                plain = shown[0]["data"]["text/plain"]
                settings = plain.split(f"{slides.LIVE_NOTE}.", 1)[-1].strip()
                shown[0] = widget_note(settings, notebook, url)
            outputs.extend(shown)
        cell.outputs = outputs
    nb.metadata.pop("widgets", None)  # no widget manager on the page: nothing live to drive
    return count


def fold(cell, prompts: dict) -> None:
    """Fold a code cell's source behind a button (myst-nb's ``hide-input`` tag)."""
    tags = cell.metadata.setdefault("tags", [])
    if "hide-input" not in tags:
        tags.append("hide-input")
    cell.metadata.setdefault("mystnb", {}).update(prompts)


def web_notebook(nb, notebook: str, url: str) -> tuple[nbformat.NotebookNode, dict]:
    """A copy of ``nb`` as the site shows it (see the module's docstring); and what was done."""
    nb = copy.deepcopy(nb)
    done = {"widgets": replace_widgets(nb, notebook, url), "solutions": 0}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if is_solution(cell):
            fold(cell, SOLUTION_PROMPT)
            done["solutions"] += 1
        elif cell.get("id") == colab.INSTALL_CELL_ID or cell.source.startswith(
                colab.INSTALL_CELL_MARKER):
            fold(cell, INSTALL_PROMPT)
        cell.source = NBVAL_MARKER.sub("", cell.source)
    title = next((i for i, c in enumerate(nb.cells)
                  if c.cell_type == "markdown" and slides.headings(c.source)), None)
    if title is None:
        raise ValueError(f"{notebook}: expected a markdown cell with the notebook's title")
    note = nbformat.v4.new_markdown_cell(run_live_note(notebook, url))
    note.pop("id", None)  # nbformat 4.5 ids must be unique: give it one derived from the title's
    note["id"] = f"{nb.cells[title].get('id', 'title')}-run-live"
    nb.cells.insert(title + 1, note)
    return nb, done


# -------------------------------------------------------------------------------------------------
# The home page, from the README
# -------------------------------------------------------------------------------------------------

BADGE_LINK = re.compile(r"\[!\[([^\]]*)\]\([^)]*\)\]\(([^)]+)\)")
MAP_LINK = re.compile(r"\[`(notebooks/[\w.-]+\.ipynb)`\]\(([^)]+)\)")


def readme_section(text: str, heading: str) -> str:
    """The body of the README's ``## heading`` section (up to the next ``##`` heading)."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text,
                      re.MULTILINE | re.DOTALL)
    if not match:
        raise ValueError(f"README.md: expected a section '## {heading}' (the site's home page "
                         f"is made from it)")
    return match.group(1).strip()


def home_page(readme: str, titles: dict[str, str], url: str, reference: bool = True) -> str:
    """The home page: the README's title and introduction, how to run it live, the course map."""
    title, _, rest = readme.partition("\n")
    intro = rest.split("\n## ", 1)[0].strip()
    course_map = readme_section(readme, "Course map")

    def name(match):  # `notebooks/00_start_here.ipynb` -> the notebook's title
        return f"[{titles.get(match.group(1), match.group(1))}]({match.group(2)})"

    # a build of some notebooks only (tools, tests) maps those only
    course_map = "\n".join(line for line in course_map.splitlines()
                            if not (m := MAP_LINK.search(line)) or m.group(1) in titles)
    course_map = MAP_LINK.sub(name, course_map)
    course_map = BADGE_LINK.sub(lambda m: f"[{m.group(1)}]({m.group(2)})", course_map)
    course_map = course_map.replace("| notebook | what you learn | Colab |",
                                    "| notebook | what you learn | run it live |")
    binder = colab.binder_url(url)
    reference_toc = "```{toctree}\n:hidden:\n:caption: Reference\n\napi/index\n```\n"
    return f"""{title}

{intro}

This site shows every notebook of the course as it was last run, with its outputs, its pictures
and its exercises (each solution folded behind a "Show the solution" button){
    ", and the [reference of the library](api/index.md) built from its docstrings" if reference
    else ""}. Nothing here runs: to run
the code, move the sliders and do the exercises, open the notebooks live.

## Course map

{course_map}

(run-the-course-live)=
## Run the course live

- **On your computer**: with Python 3.10 to 3.13, in the course folder (a clone of
  [the repository]({url})):

  ```bash
  python3 -m venv .venv && . .venv/bin/activate
  pip install -r requirements.txt && jupyter lab --notebook-dir=. notebooks/00_start_here.ipynb
  ```

  The [README]({url}#readme) has the details (Windows, conda, what it costs).
- **On Binder**, the whole course in JupyterLab, with nothing to install (the first start takes a
  few minutes): [launch it on Binder]({binder}).
- **On Colab**, one notebook at a time: the "Open in Colab" link of each notebook in the map
  above. Run its first code cell first: it installs dlcore there.

```{{toctree}}
:hidden:
:caption: The course

{chr(10).join(f"notebooks/{Path(n).stem}" for n in sorted(titles))}
```

{reference_toc if reference else ""}"""


# -------------------------------------------------------------------------------------------------
# The library reference
# -------------------------------------------------------------------------------------------------


def summary(module) -> str:
    """The first sentence-line of a module's docstring."""
    doc = (module.__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split()) if doc else ""


def api_modules() -> dict[str, list[str]]:
    """The modules of the reference: each top-level module of dlcore (a package with its
    submodules), then the course support's parts, each with its submodules."""
    import dlcore
    import dlcore.course

    pages: dict[str, list[str]] = {}
    for parent in (dlcore, dlcore.course):
        for info in sorted(pkgutil.iter_modules(parent.__path__), key=lambda i: i.name):
            full = f"{parent.__name__}.{info.name}"
            if full == "dlcore.course":
                continue
            members = [full]
            if info.ispkg:
                package = importlib.import_module(full)
                members += [f"{full}.{sub.name}" for sub in
                            sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name)]
            pages[full] = members
    return pages


def api_link(package, name: str) -> str:
    """A MyST link to where ``package.name`` is documented (its module's page)."""
    obj = getattr(package, name)
    if isinstance(obj, types.ModuleType):
        return f"{{py:mod}}`{name} <{obj.__name__}>`"
    return f"{{py:obj}}`{name} <{obj.__module__}.{obj.__qualname__}>`"


def api_pages(source: Path) -> None:
    """Write ``api/index.md`` and one page per module of :func:`api_modules` into ``source``."""
    import dlcore
    import dlcore.course

    folder = source / "api"
    folder.mkdir(parents=True, exist_ok=True)
    pages = api_modules()
    rows = {"dlcore": [], "dlcore.course": []}
    for page, members in pages.items():
        module = importlib.import_module(page)
        part = "dlcore.course" if page.startswith("dlcore.course.") else "dlcore"
        rows[part].append(f"| [`{page}`]({page}.md) | {summary(module).replace('|', '/')} |")
        parts = []
        for i, name in enumerate(members):
            if i:
                parts.append(f"## `{name}`\n")
            # A package's own page documents its docstring; its names are on its submodules'.
            options = ":members:\n   :show-inheritance:" if i or len(members) == 1 else ""
            parts.append(f"```{{eval-rst}}\n.. automodule:: {name}\n   {options}\n```\n")
        (folder / f"{page}.md").write_text(f"# {page}\n\n" + "\n".join(parts), encoding="utf-8")
    names = ", ".join(api_link(dlcore, n) for n in dlcore.__all__)
    index = f"""# Library reference

Generated from the docstrings of `dlcore`, the course's library. Each docstring names the
shapes of what goes in and out, and the notebook that introduces the idea.

```{{eval-rst}}
.. automodule:: dlcore
```

The names importable from `dlcore` itself: {names}.

## The core (NumPy only)

| module | holds |
| --- | --- |
{chr(10).join(rows["dlcore"])}

## The course support (`dlcore.course`)

{summary(dlcore.course)}

| module | holds |
| --- | --- |
{chr(10).join(rows["dlcore.course"])}

```{{toctree}}
:hidden:

{chr(10).join(pages)}
```
"""
    (folder / "index.md").write_text(index, encoding="utf-8")


# -------------------------------------------------------------------------------------------------
# Assembling the source folder, then Sphinx
# -------------------------------------------------------------------------------------------------


def assemble(source: Path, notebooks: list[Path], quiet: bool = False,
             reference: bool = True) -> dict:
    """Fill ``source`` (emptied first) with what Sphinx reads; returns counts for the log.
    ``reference=False`` leaves out the library reference (a quicker build, for tests)."""
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(slides.find_mathjax(), source / "_static" / "mathjax")
    url = colab.repository_url()
    (source / "notebooks").mkdir()
    titles, counts = {}, {"notebooks": 0, "widgets": 0, "solutions": 0}
    for path in notebooks:
        path = Path(path)
        rel = f"notebooks/{path.name}"
        nb = nbformat.read(path, as_version=4)
        web, done = web_notebook(nb, rel, url)
        nbformat.write(web, source / rel)
        titles[rel] = slides.title_of(nb, path.stem)
        counts["notebooks"] += 1
        counts["widgets"] += done["widgets"]
        counts["solutions"] += done["solutions"]
        if not quiet:
            print(f"{path.name}: {done['widgets']} widget(s) as pictures, "
                  f"{done['solutions']} solution(s) folded")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (source / "index.md").write_text(home_page(readme, titles, url, reference), encoding="utf-8")
    if reference:
        api_pages(source)
    return counts


WARNING_START = re.compile(r"^(?=/|<unknown>|[A-Za-z]:\\)", re.MULTILINE)


def sphinx_warnings(path: Path) -> tuple[list[str], list[str]]:
    """Sphinx's warnings, split into markup slips in dlcore's docstrings (reST that renders
    oddly on a reference page, reported) and everything else (a failed build)."""
    text = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    entries = [e.strip() for e in WARNING_START.split(text) if e.strip()]
    docstrings = [e for e in entries if ":docstring of dlcore." in e]
    return docstrings, [e for e in entries if e not in docstrings]


MARKER = ".dlcore-website"  # in every folder this script fills, and only there


def check_replaceable(path: Path) -> None:
    """A ValueError unless ``path`` is absent, empty, or a folder this script made: a build
    replaces its folders whole, so anything else is refused, never deleted."""
    if path.exists() and (not path.is_dir() or (any(path.iterdir())
                                                and not (path / MARKER).is_file())):
        raise ValueError(
            f"{path} exists and was not made by tools/website.py (it has no {MARKER} file): "
            f"refusing to replace it. Choose another folder with --out or --work.")


def mark(path: Path) -> None:
    (path / MARKER).write_text("made by tools/website.py; replaced whole by each build\n",
                               encoding="utf-8")


def build(out: Path = DEFAULT_OUT, work: Path = DEFAULT_WORK,
          notebooks: list[Path] | None = None, quiet: bool = False,
          reference: bool = True) -> Path:
    """Build the site into ``out``, working in ``work``; returns the path of its home page.

    ``work`` receives Sphinx's source folder (``source/``), its output and myst-nb's copies of
    the pictures; the finished site is then moved to ``out``. Raises RuntimeError when Sphinx
    fails or warns (a broken reference, a notebook it could not read: each would show as a
    fault on the site), except for markup slips in dlcore's docstrings, which are listed.
    """
    start = time.perf_counter()
    notebooks = sorted(notebooks if notebooks else NOTEBOOKS.glob("*.ipynb"))
    out, work = Path(out).resolve(), Path(work).resolve()
    if out == work or work in out.parents or out in work.parents:
        raise ValueError(f"the site ({out}) and the work folder ({work}) must be apart")
    check_replaceable(out)
    check_replaceable(work)
    from sphinx.cmd.build import build_main  # the docs extra, needed from here on

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    mark(work)
    source, html = work / "source", work / "html"
    counts = assemble(source, notebooks, quiet=quiet, reference=reference)
    warnings = work / "sphinx-warnings.txt"
    # myst-nb writes the pictures into jupyter_execute/ beside the output folder: in `work`
    args = ["-b", "html", "-q", "-E", "-d", str(work / "doctrees"), "-w", str(warnings),
            "--keep-going", str(source), str(html)]
    status = build_main(args)
    docstrings, problems = sphinx_warnings(warnings)
    if status or problems:
        raise RuntimeError(f"Sphinx failed (status {status}) or warned:\n" + "\n".join(problems))
    if docstrings and not quiet:
        print(f"{len(docstrings)} docstring(s) of dlcore with reST markup that renders oddly "
              f"(the pages are built all the same):\n" + "\n".join(docstrings))
    (html / ".buildinfo").unlink(missing_ok=True)
    mark(html)
    check_replaceable(out)
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(html), str(out))
    if not quiet:
        print(f"{counts['notebooks']} notebooks ({counts['widgets']} widgets as pictures, "
              f"{counts['solutions']} solutions folded)"
              f"{' and the library reference' if reference else ''} in "
              f"{time.perf_counter() - start:.0f} s")
        print(f"open {out / 'index.html'} in a browser (works offline)")
    return out / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p_build = commands.add_parser("build", help="build the website")
    p_build.add_argument("notebooks", nargs="*", type=Path,
                         help="notebooks to include (default: every notebook in notebooks/)")
    p_build.add_argument("--out", type=Path, default=DEFAULT_OUT,
                         help=f"output folder (default: {DEFAULT_OUT.relative_to(ROOT)}/)")
    p_build.add_argument("--work", type=Path, default=DEFAULT_WORK,
                         help="where Sphinx's source and output are assembled "
                              f"(default: {DEFAULT_WORK.relative_to(ROOT)}/)")
    args = parser.parse_args(argv)
    try:
        build(args.out, args.work, args.notebooks)
    except ModuleNotFoundError as error:
        print(f"error: {error}. The website needs the `docs` extra: pip install -e .[docs]",
              file=sys.stderr)
        return 1
    except (FileNotFoundError, RuntimeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
