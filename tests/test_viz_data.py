"""Smoke tests of the 01_data plots in dlcore.course.viz (Agg backend: no window opens)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore.course import viz  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def digit():
    return np.arange(64, dtype=np.float32).reshape(8, 8) % 17  # values 0..16, like the digits


def test_show_image_draws_the_numbers_given():
    img = digit()
    drawn = viz.show_image(img, title="a digit")
    np.testing.assert_array_equal(drawn.get_array(), img)
    assert drawn.axes.get_title() == "a digit"
    assert drawn.get_cmap().name == "gray_r"


def test_show_image_colour():
    rgb = np.random.default_rng(0).random((4, 5, 3))
    drawn = viz.show_image(rgb)
    assert drawn.get_array().shape == (4, 5, 3)


def test_show_image_flat_vector_gets_a_reshape_hint():
    with pytest.raises(ValueError, match=r"show_image: expected an image of shape \(H, W\).*"
                                         r"received an array of shape \(64,\).*reshape\(8, 8\)"):
        viz.show_image(np.zeros(64))


def test_show_pixel_values_writes_every_number():
    img = digit()
    fig, ax = plt.subplots()
    viz.show_pixel_values(img, ax=ax)
    texts = ax.texts
    assert len(texts) == 64
    # row-major: text k is pixel (k // 8, k % 8), placed at x = column, y = row
    assert texts[9].get_text() == f"{img[1, 1]:.0f}"
    assert texts[9].get_position() == (1, 1)
    assert texts[10].get_text() == f"{img[1, 2]:.0f}"
    # dark cells get white numbers, light ones black
    assert texts[16].get_color() == "white"  # value 16
    assert texts[0].get_color() == "black"  # value 0
    assert ax.get_xlabel() == "column" and ax.get_ylabel() == "row"


def test_show_pixel_values_rejects_colour():
    with pytest.raises(ValueError, match=r"expected a grey image of shape \(H, W\), received "
                                         r"shape \(4, 4, 3\)"):
        viz.show_pixel_values(np.zeros((4, 4, 3)))


def test_show_image_grid_one_axes_per_image_with_labels():
    images = np.stack([digit()] * 13)
    labels = np.arange(13) % 10
    fig = viz.show_image_grid(images, labels, ncols=5)
    with_image = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 15  # 3 rows of 5
    assert len(with_image) == 13
    assert [ax.get_title() for ax in with_image][:3] == ["0", "1", "2"]


def test_show_image_grid_label_names_and_errors():
    fig = viz.show_image_grid(np.zeros((2, 3, 3)), [1, 0], label_names=["cat", "dog"])
    assert [ax.get_title() for ax in fig.axes] == ["dog", "cat"]
    with pytest.raises(ValueError, match=r"expected one label per image \(2\), received 3"):
        viz.show_image_grid(np.zeros((2, 3, 3)), [1, 0, 1])
    with pytest.raises(ValueError, match=r"\(N, H, W\).*received an array of shape \(5, 64\)"):
        viz.show_image_grid(np.zeros((5, 64)))


def test_plot_signal_time_axis_in_milliseconds():
    samples = np.sin(np.arange(40))
    lines = viz.plot_signal(samples, sampling_rate=8000, start=8)
    assert len(lines) == 2  # the line and the dots
    t = lines[0].get_xdata()
    assert t[0] == pytest.approx(1.0)  # sample 8 at 8000 Hz is 1 ms
    assert t[1] - t[0] == pytest.approx(0.125)  # 1/8000 s = 0.125 ms apart
    np.testing.assert_array_equal(lines[1].get_ydata(), samples)
    assert lines[0].axes.get_xlabel() == "time (ms)"
    assert len(viz.plot_signal(samples, 8000, show_samples=False)) == 1


def test_plot_signal_errors():
    with pytest.raises(ValueError, match=r"expected samples of shape \(T,\), received .*\(2, 3\)"):
        viz.plot_signal(np.zeros((2, 3)), 8000)
    with pytest.raises(ValueError, match=r"expected a positive sampling_rate.*received 0"):
        viz.plot_signal(np.zeros(3), 0)


def test_plot_class_balance_bars_are_shares():
    splits = {"train": [0, 0, 0, 1], "test": [0, 1]}
    containers = viz.plot_class_balance(splits, class_names=["no", "yes"])
    assert len(containers) == 2
    heights = [[p.get_height() for p in c] for c in containers]
    assert heights == [[75.0, 25.0], [50.0, 50.0]]
    ax = containers[0][0].axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train (4)", "test (2)"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["no", "yes"]


def test_show_batches_one_cell_per_sample_and_left_out_ones():
    epochs = [[np.array([3, 0, 4]), np.array([1, 2, 5])], [np.array([5, 1, 0]), np.array([2, 4, 3])]]
    ax = viz.show_batches(epochs, num_samples=7)  # sample 6 is never served: drawn grey
    assert len(ax.patches) == 2 * 7
    numbers = [t.get_text() for t in ax.texts if not t.get_text().startswith("batch")]
    assert numbers == ["3", "0", "4", "1", "2", "5", "6", "5", "1", "0", "2", "4", "3", "6"]
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("batch")] == [
        "batch 1", "batch 2"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["epoch 2", "epoch 1"]
    assert "left out" in ax.get_xlabel()
    with pytest.raises(ValueError, match="at least one epoch"):
        viz.show_batches([])


def test_draw_training_loop_names_every_step_and_its_notebook():
    ax = viz.draw_training_loop()
    text = " ".join(t.get_text() for t in ax.texts)
    for step in ["DATA", "FORWARD PROPAGATION", "ARCHITECTURE", "LOSS", "BACK PROPAGATION",
                 "OPTIMIZER", "EPOCH", "mini-batch", "held-out test data"]:
        assert step in text
    for notebook in ["01", "02", "03", "04", "05", "06", "07"]:
        assert f"notebook {notebook}" in text or f"{notebook})" in text or f" {notebook}," in text
    assert len(ax.patches) == 6 + 5  # six boxes, five arrows


def test_plot_feature_ranges_one_box_per_feature():
    X = np.array([[0.0, 100.0], [1.0, 300.0], [2.0, 200.0], [3.0, 400.0], [4.0, 500.0]])
    boxes = viz.plot_feature_ranges(X, ["small", "large"])
    assert len(boxes) == 2
    # the box spans the middle half: 25th to 75th percentile
    assert boxes[0].get_x() == pytest.approx(1.0) and boxes[0].get_width() == pytest.approx(2.0)
    assert boxes[1].get_x() == pytest.approx(200.0) and boxes[1].get_width() == pytest.approx(200.0)
    ax = boxes[0].axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["large", "small"]  # first on top
    with pytest.raises(ValueError, match=r"expected 2 feature names.*received 1"):
        viz.plot_feature_ranges(X, ["one"])
    with pytest.raises(ValueError, match=r"expected X of shape \(N, D\), received shape \(5,\)"):
        viz.plot_feature_ranges(X[:, 0])


def test_show_frames_one_row_in_time_order():
    clip = np.zeros((4, 5, 6))
    for t in range(4):
        clip[t, 2, t] = 1.0                      # a dot that moves right, one column per frame
    drawn = viz.show_frames(clip, title="a moving dot")
    assert len(drawn) == 4
    for t, image in enumerate(drawn):
        np.testing.assert_array_equal(image.get_array(), clip[t])
        assert image.axes.get_title() == f"t = {t}"
        assert image.get_clim() == (0.0, 1.0)    # one colour scale for every frame
    assert drawn[0].axes.figure._suptitle.get_text() == "a moving dot"


def test_show_frames_colour_on_given_axes():
    clip = np.random.default_rng(0).random((3, 4, 4, 3))
    fig, axes = plt.subplots(1, 3)
    drawn = viz.show_frames(clip, axes=axes)
    assert [image.axes for image in drawn] == list(axes)
    assert drawn[2].get_array().shape == (4, 4, 3)


def test_show_frames_explains_a_batch_and_a_wrong_axes_count():
    with pytest.raises(ValueError, match=r"show_frames: expected one clip of shape \(T, H, W\).*"
                                         r"\(2, 3, 4, 4, 3\).*pass one, clips\[0\]"):
        viz.show_frames(np.zeros((2, 3, 4, 4, 3)))
    fig, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match=r"one axes per frame \(3\), received 2"):
        viz.show_frames(np.zeros((3, 4, 4)), axes=axes)
