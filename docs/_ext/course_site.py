"""What the course's site adds to Sphinx and myst-nb, for the notebooks and the docstrings.

**A picture's text alternative, from the notebook.**
A notebook gives a plot its description (for screen readers, and for anyone whose pictures do
not load) in the output's metadata, ``output.metadata["image/png"]["alt"]``, as JupyterLab
reads it. myst-nb takes only ``width`` and ``height`` from there, so without this the page's
``<img>`` would carry the image's file name as its ``alt``. A picture with no description gets
an ``alt`` that says so, never a file name.

**Absolute values in docstrings.** dlcore's docstrings write ``|z|`` for the absolute value of
z, as in maths; reST would read it as a substitution that is never defined (an error, and a
broken link on the page). Outside ``literals``, such a ``|word|`` is shown as written.

**Names for the fold buttons.** The sidebar's button that opens a section's pages shows only an
arrow: it gets a name ("Show the pages of Library reference"). myst-nb names its "Show the
solution" button "Toggle hidden content" for screen readers, hiding the words on the button:
that name is dropped, so the words on the button are its name.
"""

import re

from myst_nb.core.render import NbElementRenderer

LITERAL = re.compile(r"(``.+?``)")
# |x| with no space inside the bars, as a substitution reference is written (a table's cells
# and a line block have spaces after the bar)
BARS = re.compile(r"(?<![\\|\w])\|([^\s|`](?:[^|`]*[^\s|`])?)\|(?![|\w])")

NO_DESCRIPTION = "Figure drawn by the code cell above (no text description given)"
_render_image = NbElementRenderer.render_image


def render_image(self, data):
    nodes = _render_image(self, data)
    alt = data.output_metadata.get(data.mime_type, {}).get("alt")
    for node in nodes:
        if isinstance(alt, str) and alt.strip():
            node["alt"] = alt.strip()
        elif not node.get("alt"):
            node["alt"] = NO_DESCRIPTION
    return nodes


def absolute_values(app, what, name, obj, options, lines):
    """``|z|`` in a docstring -> ``\\|z\\|`` (the bars themselves), outside literals."""
    for i, line in enumerate(lines):
        lines[i] = "".join(part if LITERAL.fullmatch(part) else BARS.sub(r"\\|\1\\|", part)
                           for part in LITERAL.split(line))


SECTION_TOGGLE = re.compile(
    r'(<a class="[^"]*\breference internal\b[^"]*" href="[^"]*">(?P<name>[^<]*)</a>'
    r'<details[^>]*>)<summary>')
MYSTNB_LABEL = ' aria-label="Toggle hidden content"'


def name_section_toggles(html: str) -> str:
    return SECTION_TOGGLE.sub(
        lambda m: f'{m.group(1)}<summary aria-label="Show the pages of {m.group("name")}">', html)


def name_fold_buttons(app, pagename, templatename, context, doctree):
    """After the theme has filled the page's context: name the sidebar's section toggles and
    let the solution buttons' own words be their names."""
    toctree = context.get("generate_toctree_html")
    if callable(toctree):
        context["generate_toctree_html"] = lambda *args, **kwargs: name_section_toggles(
            str(toctree(*args, **kwargs)))
    if "body" in context:
        context["body"] = context["body"].replace(MYSTNB_LABEL, "")


def setup(app):
    app.connect("html-page-context", name_fold_buttons, priority=900)
    NbElementRenderer.render_image = render_image
    app.connect("autodoc-process-docstring", absolute_values)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
