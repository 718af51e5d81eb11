"""The data widgets of 00_start_here and 01_data: their compute parts, and that they build."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore.course.interactive import batch_explorer, batch_plan, digit_explorer, digit_view  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*non-interactive.*")  # plt.show() on Agg
        yield
    plt.close("all")


def test_digit_view_reshapes_flat_rows():
    X = np.arange(3 * 64).reshape(3, 64)
    image, label = digit_view(X, np.array([7, 8, 9]), 1)
    assert image.shape == (8, 8)
    assert image[0, 0] == 64 and image[1, 0] == 72  # row 1 starts at pixel 8 of the row
    assert label == 8


def test_digit_view_keeps_square_images():
    X = np.zeros((2, 4, 4))
    X[1, 2, 3] = 5
    image, label = digit_view(X, ["a", "b"], 1)
    assert image[2, 3] == 5 and label == "b"


@pytest.mark.parametrize("images, labels, index, error, pattern", [
    (np.zeros((2, 10)), [0, 1], 0, ValueError, r"rows of 10 numbers, which is not a square"),
    (np.zeros((2, 4, 4)), [0], 0, ValueError, r"N labels, received images of shape \(2, 4, 4\) and 1"),
    (np.zeros((2, 4, 4)), [0, 1], 2, ValueError, r"expected an index in \[0, 2\), received 2"),
    (np.zeros((2, 4, 4)), [0, 1], 1.0, TypeError, r"expected an integer index, received 1.0"),
])
def test_digit_view_errors(images, labels, index, error, pattern):
    with pytest.raises(error, match=pattern):
        digit_view(images, labels, index)


def test_batch_plan_every_sample_once_per_epoch_new_order():
    plan = batch_plan(10, 4, epochs=3, seed=0)
    assert len(plan) == 3
    assert [[len(b) for b in epoch] for epoch in plan] == [[4, 4, 2]] * 3
    for epoch in plan:
        np.testing.assert_array_equal(np.sort(np.concatenate(epoch)), np.arange(10))
    orders = [np.concatenate(epoch) for epoch in plan]
    assert not np.array_equal(orders[0], orders[1])
    again = batch_plan(10, 4, epochs=3, seed=0)
    for a, b in zip(plan, again, strict=True):
        np.testing.assert_array_equal(np.concatenate(a), np.concatenate(b))


def test_batch_plan_drop_last():
    plan = batch_plan(10, 4, drop_last=True, epochs=2)
    assert [[len(b) for b in epoch] for epoch in plan] == [[4, 4], [4, 4]]
    with pytest.raises(ValueError, match=r"batch_plan: expected epochs to be a positive int, received 0"):
        batch_plan(10, 4, epochs=0)


def test_explorers_build_and_react():
    box = digit_explorer(np.zeros((3, 64)), [0, 1, 2])
    slider, out = box.children
    assert slider.max == 2 and slider.continuous_update is False
    slider.value = 2  # redraws without an error
    assert "dlcore-digit-explorer" in box._dom_classes
    box = batch_explorer()
    n, bs, drop = box.children[0].children
    bs.value, drop.value = 12, True  # batch > N with drop_last: a message, not an error
    n.value = 20
    assert "dlcore-batch-explorer" in box._dom_classes


def test_explorers_pictures_carry_a_one_line_summary(monkeypatch):
    """What a screen reader reads of each picture: the alt text of the figure shown."""
    import matplotlib.pyplot as plt

    from dlcore.course import viz

    shown = []

    def show():
        shown.append(viz.alt_text(plt.gcf()))
        plt.close("all")

    monkeypatch.setattr(plt, "show", show)
    images = np.arange(3 * 64).reshape(3, 64) % 17
    box = digit_explorer(images, [4, 5, 6])
    box.children[0].value = 2
    assert shown[-1].startswith("Sample 2 of 3, labelled 6: on the left the 8 by 8 picture")
    assert "its 64 numbers, from 0 to 16" in shown[-1]
    box = batch_explorer(num_samples=5, batch_size=2)
    assert "mini-batches over 3 epochs" in shown[-1] and "sizes [2, 2, 1]" in shown[-1]
