"""What the course's site adds to myst-nb: a picture's text alternative from the notebook.

A notebook gives a plot its description (for screen readers, and for anyone whose pictures do
not load) in the output's metadata, ``output.metadata["image/png"]["alt"]``, as JupyterLab
reads it. myst-nb takes only ``width`` and ``height`` from there, so without this the page's
``<img>`` would carry the image's file name as its ``alt``. A picture with no description gets
an ``alt`` that says so, never a file name.
"""

from myst_nb.core.render import NbElementRenderer

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


def setup(app):
    NbElementRenderer.render_image = render_image
    return {"parallel_read_safe": True, "parallel_write_safe": True}
