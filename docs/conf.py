"""Sphinx configuration of the course's website (built by ``python tools/website.py build``).

tools/website.py copies this folder, with the notebooks adjusted for the web, the home page made
from the README and the generated library reference, into a source folder and runs Sphinx on
it. Everything the pages load comes from the site itself: no CDN, no web font, no analytics.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

project = "Deep learning from scratch, with dlcore"
author = "the dlcore course"
copyright = "the dlcore course authors, MIT licence"
language = "en"

extensions = [
    "myst_nb",             # notebooks and MyST markdown
    "sphinx.ext.autodoc",  # the library reference, from the docstrings
    "sphinx.ext.napoleon",  # ... which are numpy style
    "sphinx.ext.mathjax",
    "course_site",         # image alt text from the notebooks' output metadata
]
exclude_patterns = ["_build", ".doctrees", "**.ipynb_checkpoints", "sphinx-warnings.txt"]

# The notebooks are committed as clean runs: show their saved outputs, run nothing.
nb_execution_mode = "off"
# Widgets are replaced by their saved pictures, so no widget manager (from a CDN) is wanted.
nb_ipywidgets_js = {}
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# MathJax 2.7, copied into _static/mathjax from the package jupyter-server-mathjax.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processEscapes": True, "processEnvironments": True,
                # myst-nb marks each page "tex2jax_ignore" and the maths "math" (as its own
                # MathJax 3 set-up does): typeset exactly those
                "processClass": "tex2jax_process|mathjax_process|math|output_area"},
    # jupyter-server-mathjax ships the STIX-Web web fonts only
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web",
                 "imageFont": None, "linebreaks": {"automatic": True},
                 # MathJax measures against an empty font loaded from about:blank, which the
                 # browser refuses with a console error; a local() name that never exists
                 # gives the same empty font without a request.
                 "styles": {"@font-face": {"font-family": "MathJax_Blank",
                                           "src": "local('MathJax_Blank_none')"}}},
    "messageStyle": "none",
}

autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
napoleon_google_docstring = False
napoleon_numpy_docstring = True
# "Attributes" sections as fields: a property documented there and by autodoc is not a duplicate
napoleon_use_ivar = True

html_theme = "sphinx_book_theme"
html_title = "Deep learning from scratch"
html_static_path = ["_static"]
html_css_files = ["course.css"]
# A favicon of the site's own, or the browser asks for /favicon.ico and logs a 404.
html_favicon = "_static/favicon.svg"
# The search button is in the header; the sidebar keeps the title and the navigation.
html_sidebars = {"**": ["navbar-logo.html", "sbt-sidebar-nav.html"]}
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
# The theme's light/dark switch starts from the reader's system setting.
html_context = {"default_mode": "auto"}
html_theme_options = {
    "repository_url": "https://github.com/dlcore-course/dlcore-course",
    "use_repository_button": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "launch_buttons": {},
}
