"""The box every explorer returns, and what a notebook shows of it before it has run."""

from __future__ import annotations

import functools

#: What a notebook shows in place of an explorer it cannot draw: before its cells have run (a
#: fresh clone in JupyterLab, where the notebook is not trusted yet; a page on GitHub), or when
#: the widget extension is missing. A notebook saves a widget's output as a reference to the
#: widget (drawn from the state saved in the notebook's metadata, or by the running kernel) and
#: this text, shown when the reference cannot be drawn. ipywidgets 7 (``_ipython_display_``) and 8
#: (``_repr_mimebundle_``) both take the text from the widget's ``repr`` and cut it after 110
#: characters, so it stays shorter than that, in two short lines that fit a narrow window.
NOT_RUN_HINT = (
    "Run this cell (Shift+Enter) to get the {what}.\n"
    "If this text stays, see 'Widgets show as text' in the README."
)
HINT_MAX_CHARS = 110  # ipywidgets 7 and 8 cut a widget's text form after 110 characters


@functools.cache
def _explorer_box_type():
    """The ``VBox`` subclass that ``explorer_box`` returns, made once, on first use."""
    import ipywidgets as widgets

    class ExplorerBox(widgets.VBox):
        """A ``VBox`` whose text form is a hint for the reader (drawn exactly like a ``VBox``)."""

        def __init__(self, children, hint: str, **kwargs):
            super().__init__(children, **kwargs)
            self._reader_hint = hint

        def __repr__(self) -> str:
            return self._reader_hint

    ExplorerBox.__qualname__ = "ExplorerBox"  # not _explorer_box_type.<locals>.ExplorerBox
    return ExplorerBox


def explorer_box(children, css_class: str, what: str = "slider"):
    """The outermost widget of an explorer: a ``VBox`` of ``children`` with the CSS class given.

    Drawn as a ``VBox``; its text form (``repr``, and so the ``text/plain`` a notebook saves with
    the widget) is ``NOT_RUN_HINT`` for ``what`` ("slider", "sliders", ...) rather than the
    ``VBox(children=(IntSlider(...`` that ipywidgets writes by default, which reads like a broken
    install to someone who opens the notebook before running it.
    """
    hint = NOT_RUN_HINT.format(what=what)
    if len(hint) > HINT_MAX_CHARS:
        raise ValueError(
            f"explorer_box: the hint must fit in {HINT_MAX_CHARS} characters (ipywidgets cuts it "
            f"there), received {len(hint)}: {hint!r}. Hint: a shorter `what`."
        )
    box = _explorer_box_type()(list(children), hint)
    box.add_class(css_class)
    return box


