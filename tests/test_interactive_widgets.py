"""The explorers of dlcore/interactive.py as widgets, with ipywidgets 7 (Colab's) and 8.

Each explorer is built and every control moved, outside a notebook (the plots go to matplotlib's
Agg backend, and an error inside a callback reaches pytest). The text a notebook saves beside each
widget, shown wherever the widget cannot be drawn (a notebook opened before it has run, a page on
GitHub), is the hint of ``NOT_RUN_HINT``, whole, and the widget itself is still saved with it.
The browser test (test_browser_widgets.py) checks the same in JupyterLab.
"""

import warnings

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore.course.interactive import (  # noqa: E402
    HINT_MAX_CHARS,
    NOT_RUN_HINT,
    batch_explorer,
    batch_size_explorer,
    bias_explorer,
    digit_explorer,
    explorer_box,
    learning_rate_explorer,
)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
IPYWIDGETS_MAJOR = int(ipywidgets.__version__.split(".")[0])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    return rng.standard_normal((n, 2)) + 2.0 * y[:, None], y


def small_digits(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 17, size=(n, 64)).astype(np.float64), np.arange(n) % 10


def build(name):
    """Each explorer as its notebook calls it, on small data (so it draws in a moment)."""
    if name == "digit":
        return digit_explorer(*small_digits())
    if name == "batch":
        return batch_explorer(num_samples=10, batch_size=4)
    if name == "bias":
        return bias_explorer(*blobs(), w=(1.0, 1.0), b=0.0)
    if name == "learning-rate":
        return learning_rate_explorer()
    X, y = small_digits(n=64)
    return batch_size_explorer(X / 16, y, epochs=2, seed=0, batch_size=16)


EXPLORERS = ["digit", "batch", "bias", "learning-rate", "batch-size"]


def saved_bundle(widget, monkeypatch):
    """What a notebook saves for ``widget`` when it is a cell's result, as ipywidgets makes it.

    ipywidgets 8 returns it from ``_repr_mimebundle_``; ipywidgets 7 builds the same dictionary
    in ``_ipython_display_`` and hands it to ``display``, caught here.
    """
    if IPYWIDGETS_MAJOR >= 8:
        return widget._repr_mimebundle_()
    from ipywidgets.widgets import widget as widget_module

    shown = []
    monkeypatch.setattr(widget_module, "display", lambda data, raw=False: shown.append(data))
    widget._ipython_display_()
    assert len(shown) == 1
    return shown[0]


def controls(widget):
    """Every slider, dropdown, check box and button inside ``widget``, depth first (text that
    only shows something, such as a summary in an ``HTML`` widget, is not a control)."""
    found = []
    shows_only = (ipywidgets.Output, ipywidgets.HTML, ipywidgets.HTMLMath, ipywidgets.Label)
    for child in getattr(widget, "children", ()):
        if isinstance(child, ipywidgets.Box):
            found += controls(child)
        elif isinstance(child, ipywidgets.Button) or (
                hasattr(child, "value") and not isinstance(child, shows_only)):
            found.append(child)
    return found


def other_value(control):
    """A value the control does not have yet, as a learner would choose it."""
    if isinstance(control, ipywidgets.Checkbox):
        return not control.value
    if hasattr(control, "options"):  # Dropdown, SelectionSlider
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return next(v for v in values if v != control.value)
    if isinstance(control, ipywidgets.FloatLogSlider):
        return control.base ** (control.min + 1)
    return control.max if control.value != control.max else control.min


@pytest.mark.parametrize("name", EXPLORERS)
def test_saved_text_is_the_whole_hint_and_the_widget_is_saved_too(name, monkeypatch):
    box = build(name)
    bundle = saved_bundle(box, monkeypatch)
    text = bundle["text/plain"]
    assert text in {NOT_RUN_HINT.format(what=w) for w in ("slider", "sliders")}, text
    assert not text.endswith("…") and len(text) <= HINT_MAX_CHARS
    assert "Shift+Enter" in text and "README" in text
    for raw in ("VBox(children", "IntSlider(", "FloatSlider(", "Output("):
        assert raw not in text
    # the widget is still saved: a reference to its model, whose state the notebook keeps
    assert bundle[WIDGET_VIEW]["model_id"] == box.model_id


@pytest.mark.parametrize("name", EXPLORERS)
def test_explorer_is_a_vbox_with_its_css_class(name):
    box = build(name)
    assert isinstance(box, ipywidgets.VBox)
    assert box._view_name == "VBoxView" and box._model_name == "VBoxModel"  # drawn as a VBox
    assert f"dlcore-{name}-explorer" in box._dom_classes
    assert any(isinstance(w, ipywidgets.Output) for w in box.children)


@pytest.mark.parametrize("name", EXPLORERS)
def test_every_control_redraws_without_error_or_warning(name):
    box = build(name)
    moved = controls(box)
    assert moved, f"the {name} explorer has no control"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=DeprecationWarning)  # from ipykernel/ipywidgets
        for control in moved:
            if isinstance(control, ipywidgets.Button):
                control.click()
            else:
                control.value = other_value(control)


def test_hint_that_would_be_cut_is_refused():
    with pytest.raises(ValueError, match=r"110 characters"):
        explorer_box([], "dlcore-test", what="slider " * 10)


def test_box_children_and_repr_of_the_parts_are_unchanged():
    box = explorer_box([ipywidgets.IntSlider(description="n")], "dlcore-test")
    assert repr(box) == NOT_RUN_HINT.format(what="slider")
    assert repr(box.children[0]).startswith("IntSlider(")  # only the box speaks to the reader
    assert type(box).__name__ == "ExplorerBox"
