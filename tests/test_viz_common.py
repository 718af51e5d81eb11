"""What every picture shares: alt text from the data, the display bundle, the colours."""

import base64
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from dlcore.course import viz  # noqa: E402
from dlcore.course.viz.common import figure_alt  # noqa: E402
from dlcore.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def history(val_loss, loss=None):
    h = History()
    h.val_loss = list(val_loss)
    h.loss = list(loss if loss is not None else np.asarray(val_loss) * 0.8)
    return h


def test_learning_curves_alt_text_is_written_from_the_numbers():
    val = [1.0, 0.6, 0.4, 0.31, 0.35, 0.5]
    axes = viz.plot_learning_curves(history(val, loss=[1.2, 0.7, 0.5, 0.3, 0.2, 0.1]))
    text = viz.alt_text(axes[0].figure)
    assert text == ("Training and validation loss against epoch, 6 epochs; training loss from "
                    "1.2 to 0.1; validation loss lowest at epoch 4 (0.31), 0.5 at the end.")


def test_two_runs_on_the_same_axes_are_two_sentences_and_two_styles():
    axes = viz.plot_learning_curves(history([1.0, 0.5]), label="Dense")
    viz.plot_learning_curves(history([0.9, 0.2]), axes=axes, label="CNN")
    text = viz.alt_text(axes[0].figure)
    assert text.startswith("Dense: Training and validation loss") and " CNN: Training" in text
    first, _, second, _ = axes[0].lines
    assert first.get_color() != second.get_color() and first.get_marker() != second.get_marker()


def test_a_picture_built_from_others_is_described_once():
    class Surface:
        xlim, ylim, minimum, formula = (-2, 2), (-2, 2), (0.0, 0.0), "w1² + w2²"

        @staticmethod
        def loss(w):
            return np.sum(np.asarray(w) ** 2, axis=-1)

    class Run:
        optimizer, lr, outcome, message = "SGD", 0.1, "converged", "fine"
        path = np.array([[1.5, 1.5], [1.2, 1.2], [0.1, 0.1]])
        losses = np.array([4.5, 2.88, 0.02])
        steps, diverged, diverged_at = 2, False, None

    axes = viz.plot_surface_runs(Surface(), [Run()])
    text = viz.alt_text(axes[0].figure)
    assert text.count("A contour map of the loss") == 1  # not once per inner picture
    assert "SGD, lr=0.1: converged, the loss from 4.5 to 0.02 in 2 steps" in text
    assert "ending at (0.1, 0.1)" in text


def test_alt_replaces_the_sentences_and_rejects_nothing_to_say():
    fig, ax = plt.subplots()
    viz.show_image(np.eye(8), ax=ax, title="a diagonal")
    assert viz.alt_text(fig) == "a diagonal: a grey image of 8 by 8 pixels."
    viz.alt(ax, "A white square crossed by a black diagonal from top left to bottom right.")
    assert viz.alt_text(fig).startswith("A white square crossed")
    with pytest.raises(ValueError, match="a sentence saying what the figure shows"):
        viz.alt(fig, "  ")
    with pytest.raises(TypeError, match="expected a matplotlib Figure or Axes, received str"):
        viz.alt("figure", "A sentence.")


def test_a_figure_nobody_described_says_so_with_its_labels():
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    ax.set_title("cost")
    ax.set_xlabel("iteration")
    assert viz.alt_text(fig) is None
    assert figure_alt(fig) == f"{viz.UNDESCRIBED}; its labels: cost: values against iteration."


def test_figure_bundle_has_img_alt_png_metadata_and_text_all_the_same():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    viz.alt(fig, 'A line from (0, 0) to (1, 1), "the diagonal" <45°>.')
    data, metadata = viz.figure_bundle(fig)
    alt = 'A line from (0, 0) to (1, 1), "the diagonal" <45°>.'
    assert data["text/plain"] == alt == metadata["image/png"]["alt"]
    assert 'alt="A line from (0, 0) to (1, 1), &quot;the diagonal&quot; &lt;45°&gt;."' in \
        data["text/html"]
    assert f'src="data:image/png;base64,{data["image/png"]}"' in data["text/html"]
    assert base64.b64decode(data["image/png"])[:4] == b"\x89PNG"


def test_a_transparent_figure_is_drawn_on_white_for_the_dark_theme():
    fig, ax = plt.subplots()
    fig.patch.set_alpha(0.0)
    ax.plot([0, 1])
    viz.alt(fig, "A rising line on a transparent figure.")
    data, _ = viz.figure_bundle(fig)
    pixels = plt.imread(io.BytesIO(base64.b64decode(data["image/png"])))
    corner = pixels[0, 0]
    assert corner.shape[-1] == 3 or corner[3] == 1.0  # opaque
    assert np.allclose(corner[:3], 1.0)  # white


def test_the_display_formatter_sends_the_bundle_in_ipython():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    published = []
    original = shell.display_pub.publish
    shell.display_pub.publish = lambda data, metadata=None, **kw: published.append(
        (data, metadata))
    try:
        fig, ax = plt.subplots()
        viz.plot_loss_per_step([1.0, 0.5, 0.25], ax=ax)
        shell.display_formatter.format(fig)
    finally:
        shell.display_pub.publish = original
    (data, metadata), = published
    assert set(data) == {"text/plain", "text/html", "image/png"}
    assert metadata["image/png"]["alt"] == (
        "the loss after each of 2 steps on a log scale, from 1 to 0.25.")


def test_palette_colours_stay_apart_for_colour_blind_readers():
    """Okabe-Ito, seen through a simulation of deuteranopia and protanopia (Viénot, Brettel
    and Mollon 1999): every pair of the colours used for series stays clearly apart."""
    def linear(c):
        c = np.asarray(c)
        return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)

    rgb_to_lms = np.array([[17.8824, 43.5161, 4.11935], [3.45565, 27.1554, 3.86714],
                           [0.0299566, 0.184309, 1.46709]])
    simulate = {
        "protanopia": np.array([[0, 2.02344, -2.52581], [0, 1, 0], [0, 0, 1]]),
        "deuteranopia": np.array([[1, 0, 0], [0.494207, 0, 1.24827], [0, 0, 1]]),
    }
    colours = [np.array(to_rgb(c)) for c in viz.CYCLE[:6]]  # the six drawn before black/yellow
    for name, m in simulate.items():
        seen = [np.linalg.inv(rgb_to_lms) @ m @ rgb_to_lms @ linear(c) for c in colours]
        closest = min(np.linalg.norm(a - b) for i, a in enumerate(seen) for b in seen[i + 1:])
        assert closest > 0.08, f"two palette colours look alike with {name}"
    tab10 = [np.array(to_rgb(c)) for c in ("tab:green", "tab:red")]
    m = simulate["deuteranopia"]
    g, r = (np.linalg.inv(rgb_to_lms) @ m @ rgb_to_lms @ linear(c) for c in tab10)
    assert np.linalg.norm(g - r) < 0.08  # the pair the palette replaces: they do look alike


def test_series_style_gives_each_series_its_own_marker():
    styles = [viz.series_style(i) for i in range(6)]
    assert len({s["marker"] for s in styles}) == 6 and len({s["color"] for s in styles}) == 6
    assert viz.series_style(0, n_points=120)["markevery"] == 10


def _calls():
    """One small call of each picture function that draws on its own (the name, a thunk)."""
    from dlcore.activations import ReLU

    rng = np.random.default_rng(0)
    img = rng.integers(0, 17, (8, 8)).astype(float)
    x = np.linspace(-1, 1, 20)
    return {
        "draw_training_loop": lambda: viz.draw_training_loop(),
        "show_image": lambda: viz.show_image(img),
        "show_pixel_values": lambda: viz.show_pixel_values(img),
        "show_image_grid": lambda: viz.show_image_grid(np.stack([img] * 3), [1, 2, 3]),
        "plot_feature_ranges": lambda: viz.plot_feature_ranges(rng.normal(size=(30, 3))),
        "plot_signal": lambda: viz.plot_signal(np.sin(x), 8000),
        "plot_class_balance": lambda: viz.plot_class_balance({"train": [0, 1, 1], "val": [0, 1]}),
        "show_batches": lambda: viz.show_batches([[np.array([0, 2]), np.array([1])]], 3),
        "draw_network": lambda: viz.draw_network([np.ones((2, 3)), -np.ones((3, 1))]),
        "plot_activation": lambda: viz.plot_activation(ReLU()),
        "plot_softmax": lambda: viz.plot_softmax(np.array([2.0, 1.0, 0.1])),
        "plot_decision_boundary": lambda: viz.plot_decision_boundary(
            lambda p: (p[:, 0] > 0).astype(int), np.c_[x, x], (x > 0).astype(int)),
        "plot_layer_histograms": lambda: viz.plot_layer_histograms([x, x / 2]),
        "plot_fits": lambda: viz.plot_fits(x, x, {"line": (x, x)}),
        "plot_loss_curve": lambda: viz.plot_loss_curve(x, x ** 2),
        "plot_class_probabilities": lambda: viz.plot_class_probabilities(
            np.array([0.7, 0.3]), ["dog", "cat"], 0),
        "plot_loss_per_step": lambda: viz.plot_loss_per_step([1.0, 0.5]),
        "plot_digit_probabilities": lambda: viz.plot_digit_probabilities(
            img, np.full(10, 0.1), label=3),
        "plot_step_size_errors": lambda: viz.plot_step_size_errors(
            np.array([1e-1, 1e-2]), {"central": [1e-3, 1e-5]}),
        "plot_confusion_matrix": lambda: viz.plot_confusion_matrix(np.array([[5, 1], [2, 4]])),
        "plot_digit_predictions": lambda: viz.plot_digit_predictions(
            np.stack([img, img]), np.array([1, 2]), np.eye(3)[[1, 0]]),
        "plot_learning_curves": lambda: viz.plot_learning_curves(history([1.0, 0.5])),
        "draw_convolution_step": lambda: viz.draw_convolution_step(img, np.eye(3), 1, 2),
        "show_filters": lambda: viz.show_filters(rng.normal(size=(2, 3, 3))),
        "show_feature_maps": lambda: viz.show_feature_maps(rng.normal(size=(2, 6, 6)), img),
        "draw_window_positions": lambda: viz.draw_window_positions(8, 3),
        "draw_max_pooling": lambda: viz.draw_max_pooling(img[:4, :4]),
        "draw_rnn_unrolled": lambda: viz.draw_rnn_unrolled(3),
        "plot_hidden_states": lambda: viz.plot_hidden_states(np.tanh(rng.normal(size=(5, 4)))),
        "plot_gradient_vs_distance": lambda: viz.plot_gradient_vs_distance({"a": [1.0, 0.1]}),
        "plot_sequence_predictions": lambda: viz.plot_sequence_predictions(
            rng.normal(size=(2, 5)), [0.1, 0.2], [0.15, 0.1], n=2),
        "plot_next_value_forecast": lambda: viz.plot_next_value_forecast(np.sin(x), np.sin(x[3:]),
                                                                         3),
        "plot_clipping_runs": lambda: viz.plot_clipping_runs(
            {"clipped": {"grad_norm": [1.0, 2.0], "loss": [1.0, 0.5]}}, clip_norm=1.0),
    }


@pytest.mark.parametrize("name", sorted(_calls()))
def test_every_picture_function_writes_its_alt_text(name):
    plt.close("all")
    _calls()[name]()  # each draws a new figure of its own, the current one
    text = viz.alt_text(plt.gcf())
    assert text and len(text.split()) >= 6 and not text.startswith(viz.UNDESCRIBED), text


def test_alt_text_reads_tex_as_a_screen_reader_would():
    assert viz.plain_text(r"the loss $L(w_1, w_2) = \frac{1}{2}\,(w_1^2 + 10\,w_2^2)$") == \
        "the loss L(w1, w2) = 1/2 (w1² + 10 w2²)"
    assert viz.plain_text(r"$W_{hh}$ = 0.5 x rotation, $\hat{y}$") == "W_hh = 0.5 x rotation, ŷ"
    fig, ax = plt.subplots()
    viz.plot_gradient_vs_distance({r"$W_{hh}$ = 0.5": [1.0, 0.1]}, ax=ax)
    assert "$" not in viz.alt_text(fig) and "W_hh = 0.5: from 1" in viz.alt_text(fig)
