"""What every picture module shares: the axes to draw on, the colours, and the alt text.

Colours. ``COLORS`` is the Okabe-Ito palette, which stays distinct for the common kinds of
colour blindness (red and green, the pair tab10 puts side by side, do not). Where colour carries
meaning it is never alone: each series also gets its own marker (``series_style``), right and
wrong get a mark or a word as well as ``RIGHT`` and ``WRONG``.

Alt text. Every picture the course shows carries a sentence that says what it shows, for a
reader who cannot see it (a screen reader reads it; axe-core checks it is there). A ``viz``
function writes that sentence itself, from its data (``describe``); a notebook cell that draws
with matplotlib directly gives its own (``alt(fig, "...")``). When a figure is displayed in a
notebook, ``dlcore.course`` sends it as a bundle of three forms (see ``figure_bundle``):

- ``text/html``: ``<img alt="..." src="data:image/png;base64,...">``, which JupyterLab prefers
  (its own PNG renderer writes no ``alt`` attribute);
- ``image/png`` with the sentence in its metadata (``alt``), which nbconvert writes as the
  ``alt`` of the web page's image;
- ``text/plain``: the sentence itself, for a terminal or a text-only reader.

The figure is drawn on an opaque background (white unless the figure sets its own), so it stays
readable in JupyterLab's dark theme. A figure nobody described still gets an ``alt`` made of
its titles and axis labels, starting with ``UNDESCRIBED`` so that ``tests/test_alt_text.py``
finds it.
"""


from __future__ import annotations

import base64
import contextlib
import html
import re
import weakref

import numpy as np

#: Okabe & Ito (2008), "Color Universal Design": distinct for deuteranopia, protanopia and
#: tritanopia, and in grey print. Blue and vermillion are the pair for a two-way contrast.
COLORS = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "orange": "#E69F00",
    "green": "#009E73",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: The order in which series are coloured: the darker colours first, yellow (hard to see on
#: white) last.
CYCLE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
#: A marker per series, so that two series are told apart without their colour.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
# Right and wrong: Okabe-Ito's bluish green and vermillion, the course's "green" and "red", which
# colour-blind readers still tell apart; always with a word, a hatch or a mark as well.
RIGHT = COLORS["green"]  # a right prediction, a passed check, the true class
WRONG = COLORS["vermillion"]  # a mistake, a failed check, a run that diverged
POSITIVE, NEGATIVE = COLORS["blue"], COLORS["vermillion"]  # signs of weights in diagrams

UNDESCRIBED = "Figure without a description"

_series_count: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Axes -> int
_sentences: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Axes -> [str]
_explicit: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Figure -> str
_quiet_depth = 0


def _axes(ax=None, figsize=(5, 4)):
    """Return ``ax`` or a new axes of the given size."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


# Grids of cells (images, filters, feature maps), shared by the pictures that write numbers in them


def _symmetric_limits(*arrays) -> tuple[float, float]:
    """Colour limits (-m, m) around zero, so that white means 0, red > 0 and blue < 0."""
    m = max(float(np.max(np.abs(a))) if np.size(a) else 0.0 for a in arrays)
    m = m if m > 0 else 1.0
    return -m, m


def _write_values(ax, values, fmt: str, fontsize, cmap_limits=None, dark_above=None):
    """Write each cell's number in the cell, white on dark cells and black on light ones."""
    values = np.asarray(values, dtype=float)
    for (r, c), v in np.ndenumerate(values):
        if not np.isfinite(v):
            continue
        if cmap_limits is not None:  # a diverging map: dark where |v| is near the limit
            dark = abs(v) > 0.6 * cmap_limits
        else:
            dark = dark_above is not None and v > dark_above
        ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=fontsize,
                color="white" if dark else "black")


def _grid_off(ax):
    """No ticks: a grid of cells (an image, a filter) needs no axis numbers."""
    ax.set_xticks([])
    ax.set_yticks([])


# -------------------------------------------------------------------------------------------------
# Colours and markers
# -------------------------------------------------------------------------------------------------


def series_style(i: int, n_points: int | None = None) -> dict:
    """Colour and marker of series number ``i`` (0, 1, ...): keyword arguments for ``ax.plot``.

    With ``n_points`` the marker is drawn on about 12 of the points only, so that a long curve
    stays a curve.
    """
    style = {"color": CYCLE[i % len(CYCLE)], "marker": MARKERS[i % len(MARKERS)]}
    if n_points is not None and n_points > 15:
        style["markevery"] = max(1, n_points // 12)
    return style


def next_series_style(ax, color=None, n_points: int | None = None) -> dict:
    """The style of the next series drawn on ``ax`` by a ``viz`` function (0, 1, 2, ... per axes).

    ``color`` given by the caller wins; the marker still changes from one series to the next.
    """
    i = _series_count.get(ax, 0) if ax.lines else 0  # an emptied axes starts again
    _series_count[ax] = i + 1
    style = series_style(i, n_points)
    if color is not None:
        style["color"] = color
    return style


# -------------------------------------------------------------------------------------------------
# Alt text: what a figure shows, in words
# -------------------------------------------------------------------------------------------------


def num(value, digits: int = 3) -> str:
    """A number for a sentence: 3 significant digits, no "-0", no "8e+03" for 8000."""
    value = float(value)
    if value != value:
        return "not a number"
    if value in (float("inf"), float("-inf")):
        return "infinite" if value > 0 else "minus infinite"
    if 10 ** digits <= abs(value) < 1e7:  # a whole number reads better than 2.5e+03
        return f"{value:.0f}"
    text = f"{value:.{digits}g}"
    return "0" if text in ("-0", "0") else text


def a_or_an(n: int) -> str:
    """The article before a number said aloud: "an 8 by 8 image", "a 28 by 28 image"."""
    return "an" if str(int(n)).startswith("8") or int(n) in (11, 18) else "a"


@contextlib.contextmanager
def quiet():
    """Inside, ``describe`` records nothing: a ``viz`` function that draws with other ``viz``
    functions describes the whole picture once, in its own words."""
    global _quiet_depth
    _quiet_depth += 1
    try:
        yield
    finally:
        _quiet_depth -= 1


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def plain_text(text: str) -> str:
    """``text`` with its TeX maths ($...$, as in titles and labels) as a screen reader reads it.

    ``$L(w_1, w_2) = \\frac{1}{2}\\,(w_1^2 + 10\\,w_2^2)$`` becomes
    ``L(w1, w2) = 1/2 (w1² + 10 w2²)``; ``$W_{hh}$`` becomes ``W_hh``.
    """
    def maths(match):
        m = match.group(1)
        m = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", m)
        m = re.sub(r"\^\{?(\d+)\}?", lambda d: d.group(1).translate(_SUPERSCRIPTS), m)
        m = re.sub(r"_(\w)", r"\1", m)  # w_1 -> w1 (a single character)
        m = re.sub(r"_\{([^{}]*)\}", r"_\1", m)  # W_{hh} -> W_hh
        m = re.sub(r"\\[,;: ]", " ", m)
        m = re.sub(r"\\hat\{?y\}?", "ŷ", m)
        m = re.sub(r"\\(left|right|mathrm|text|,)", "", m)
        m = re.sub(r"\\(\w+)", r"\1", m)
        return m.replace("{", "").replace("}", "")
    return " ".join(re.sub(r"\$([^$]*)\$", maths, text).split())


def describe(ax, sentence: str) -> None:
    """Add ``sentence`` to what the figure of ``ax`` shows (used by every ``viz`` function).

    The alt text of a figure is the sentences of its axes, in the order of the axes; a second
    call on the same axes (a second run on the same learning curves) adds a second sentence.
    """
    if _quiet_depth:
        return
    sentence = plain_text(str(sentence))
    _sentences.setdefault(ax, []).append(sentence)
    install_figure_formatter()


def alt(fig_or_ax, text: str):
    """Set the alt text of a figure: one or two sentences saying what it shows (not how).

    For a cell that draws with matplotlib itself, e.g.
    ``viz.alt(fig, "Two curves: the loss falls from 2.3 to 0.1 in 20 epochs.")``. It replaces
    the sentences the ``viz`` functions wrote for that figure. Returns the figure.
    """
    fig = getattr(fig_or_ax, "figure", None) or fig_or_ax
    fig = fig if hasattr(fig, "axes") and hasattr(fig, "savefig") else None
    if fig is None:
        raise TypeError(
            f"alt: expected a matplotlib Figure or Axes, received {type(fig_or_ax).__name__}. "
            f"Hint: fig, ax = plt.subplots(), then viz.alt(fig, 'what it shows')."
        )
    if not isinstance(text, str) or not text.strip():
        raise ValueError(
            f"alt: expected a sentence saying what the figure shows, received {text!r}."
        )
    _explicit[fig] = plain_text(text)
    install_figure_formatter()
    return fig


def _labels_of(fig) -> str:
    """The figure's titles and axis labels, for a figure nobody described."""
    parts = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        parts.append(suptitle.get_text())
    for ax in fig.axes:
        words = [ax.get_title()]
        if ax.get_ylabel() or ax.get_xlabel():
            words.append(f"{ax.get_ylabel() or 'values'} against {ax.get_xlabel() or 'x'}")
        words = [w for w in words if w]
        if words:
            parts.append(": ".join(words))
    return "; ".join(parts)


def alt_text(fig) -> str | None:
    """The alt text of ``fig``: the one given to ``alt``, else its axes' sentences, else None."""
    if fig in _explicit:
        return _explicit[fig]
    sentences = [s for ax in fig.axes for s in _sentences.get(ax, [])]
    return " ".join(sentences) if sentences else None


def figure_alt(fig) -> str:
    """``alt_text(fig)``, or for a figure nobody described, ``UNDESCRIBED`` and its labels."""
    text = alt_text(fig)
    if text:
        return text
    labels = _labels_of(fig)
    return f"{UNDESCRIBED}" + (f"; its labels: {labels}." if labels else ".")


def png_bundle(png: bytes | str, text: str, width: int | None = None,
               height: int | None = None) -> tuple[dict, dict]:
    """``(data, metadata)`` of a PNG picture with its alt ``text``, for ``publish_display_data``.

    ``png`` is the PNG file's bytes or their base64 text; ``width`` and ``height`` (CSS pixels)
    are given for a picture drawn at twice the resolution. Used for figures and by the widgets
    that draw a PNG themselves.
    """
    if isinstance(png, bytes):
        png = base64.b64encode(png).decode("ascii")
    size = {k: v for k, v in (("width", width), ("height", height)) if v}
    attrs = "".join(f' {k}="{int(v)}"' for k, v in size.items())
    img = f'<img src="data:image/png;base64,{png}" alt="{html.escape(text, quote=True)}"{attrs}>'
    data = {"text/plain": text, "text/html": img, "image/png": png}
    return data, {"image/png": {"alt": text, **size}}


def figure_bundle(fig) -> tuple[dict, dict] | None:
    """``(data, metadata)`` of a matplotlib figure drawn as a PNG with its alt text.

    Uses the inline backend's settings (``InlineBackend.print_figure_kwargs``, ``retina``) when
    they are there. The background is made opaque: a transparent figure shows the dark theme
    through it, under black labels. None for an empty figure (nothing to show, as IPython does).
    """
    from IPython.core.pylabtools import print_figure, retina_figure
    from matplotlib.colors import to_rgba

    kwargs, formats = {"bbox_inches": "tight"}, {"png"}
    try:
        from matplotlib_inline.backend_inline import InlineBackend

        config = InlineBackend.instance()
        kwargs = dict(config.print_figure_kwargs)
        formats = set(config.figure_formats)
    except ImportError:  # a plain IPython without the inline backend: its defaults
        pass
    if not fig.axes and not fig.lines:
        return None
    patch_alpha = fig.patch.get_alpha()
    if to_rgba(fig.get_facecolor())[3] < 1:
        kwargs["facecolor"] = "white"
        fig.patch.set_alpha(None)  # else the patch's own alpha keeps it see-through
    try:
        width = height = None
        if formats & {"retina", "png2x"}:
            png, size = retina_figure(fig, base64=True, **kwargs)
            width, height = size["width"], size["height"]
        else:
            png = print_figure(fig, fmt="png", base64=True, **kwargs)
    finally:
        fig.patch.set_alpha(patch_alpha)
    return png_bundle(png, figure_alt(fig), width, height)


def _display_figure(fig) -> None:
    """IPython's display of a ``Figure``: the bundle of ``figure_bundle`` (see the module)."""
    import matplotlib
    from IPython.display import publish_display_data

    backend = matplotlib.get_backend().lower()
    previous = _previous_printer.get("printer")
    if previous is not None and any(k in backend for k in ("ipympl", "widget", "nbagg")):
        previous(fig)  # an interactive figure: its own widget, not a picture
        return
    bundle = figure_bundle(fig)
    if bundle is not None:
        publish_display_data(*bundle)


_previous_printer: dict = {}


def install_figure_formatter() -> bool:
    """Make IPython display every matplotlib figure with its alt text (see the module).

    Registered as the figure's ``ipython_display`` formatter, which the inline backend leaves
    alone when it (re)selects its formats (``%matplotlib inline``, ``%config InlineBackend``).
    Called by ``describe`` and ``alt``; does nothing outside IPython. Returns True when it is
    installed.
    """
    import sys

    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.ipython_display_formatter
    current = formatter.type_printers.get(Figure)
    if current is _display_figure:
        return True
    if current is not None:
        _previous_printer["printer"] = current
    formatter.for_type(Figure, _display_figure)
    return True
