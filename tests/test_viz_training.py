"""Smoke tests for the training plots (dlcore/viz.py, 07_training_loop), with the Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore.course import viz  # noqa: E402
from dlcore.course.interactive import BatchSizeRun  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


HISTORY = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.7, 0.8],
           "accuracy": [0.5, 0.8, 0.9], "val_accuracy": [0.45, 0.75, 0.7]}


def test_learning_curves_two_panels_train_solid_validation_dashed():
    axes = viz.plot_learning_curves(HISTORY)
    assert len(axes) == 2
    ax_loss, ax_acc = axes
    assert ax_loss.get_ylabel() == "loss" and ax_acc.get_ylabel() == "accuracy"
    assert ax_loss.get_xlabel() == "epoch"
    train, val = ax_loss.lines[:2]
    assert train.get_linestyle() == "-" and val.get_linestyle() == "--"
    np.testing.assert_allclose(val.get_ydata(), [1.1, 0.7, 0.8])
    np.testing.assert_allclose(train.get_xdata(), [1, 2, 3])
    assert train.get_color() == val.get_color()


def test_learning_curves_loss_only_and_overlay_with_labels():
    only_loss = {"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]}
    axes = viz.plot_learning_curves(only_loss, label="small")
    assert len(axes) == 1
    viz.plot_learning_curves({"loss": [0.9, 0.3], "val_loss": [1.0, 1.1]}, axes=axes,
                             label="big")
    labels = [line.get_label() for line in axes[0].lines]
    assert labels == ["small: training", "small: validation", "big: training", "big: validation"]


def test_learning_curves_read_a_fit_history():
    from dlcore.train import History

    h = History(loss=[1.0, 0.5, 0.3], val_loss=[1.1, 0.9, 1.0], accuracy=[0.6, 0.8, 0.9],
                val_accuracy=[0.5, 0.7, 0.6], best_epoch=2)
    axes = viz.plot_learning_curves(h)
    assert len(axes) == 2
    dotted = [line for line in axes[0].lines if line.get_linestyle() == ":"]
    assert len(dotted) == 1 and dotted[0].get_xdata()[0] == 2
    # no dotted line when the best epoch is the last one: nothing to point out
    h.best_epoch = 3
    axes = viz.plot_learning_curves(h)
    assert not [line for line in axes[0].lines if line.get_linestyle() == ":"]


def test_digit_predictions_titles_and_mistakes_in_red():
    rng = np.random.default_rng(0)
    images = rng.random((5, 64))
    y_true = np.array([0, 1, 2, 3, 4])
    proba = np.full((5, 10), 0.01)
    proba[np.arange(5), [0, 1, 7, 3, 4]] = 0.91  # the third is a mistake: 7 instead of 2
    axes = viz.plot_digit_predictions(images, y_true, proba, ncols=3)
    assert len(axes) == 6  # 2 rows of 3; the last one is empty
    assert axes[0].get_title() == "0  91%"
    assert axes[2].get_title() == "7  91% (is 2)"
    assert axes[2].title.get_color() == viz.WRONG and axes[0].title.get_color() == "black"
    assert len(axes[0].images) == 1 and axes[0].images[0].get_array().shape == (8, 8)
    assert not axes[5].axison


def test_confusion_matrix_counts_in_cells_and_labels():
    C = np.array([[5, 1, 0], [0, 4, 2], [0, 0, 6]])
    _, ax = plt.subplots()
    image = viz.plot_confusion_matrix(C, ax=ax, class_names=["a", "b", "c"])
    np.testing.assert_array_equal(image.get_array(), C)
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(["5", "1", "4", "2", "6"])  # zero cells are left blank
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_title() == "confusion matrix: 15 of 18 right"


def test_batch_size_run_three_panels():
    run = BatchSizeRun(batch_size=1, num_samples=100, iterations_per_epoch=100,
                       batch_loss=np.linspace(2, 0.5, 200), epoch_loss=np.array([1.5, 0.8]),
                       epoch_time=np.array([0.012, 0.010]))
    ax_batch, ax_epoch, ax_time = viz.plot_batch_size_run(run)
    assert "100 iterations per epoch" in ax_batch.get_title()
    assert len(ax_batch.lines) == 2  # every batch, and their moving average
    assert ax_batch.get_xlim() == (0, 2)
    np.testing.assert_allclose(ax_epoch.lines[0].get_ydata(), [1.5, 0.8])
    assert "200 updates in 2 epochs" in ax_epoch.get_title()
    heights = [p.get_height() for p in ax_time.patches]
    np.testing.assert_allclose(heights, [12.0, 10.0])
    assert ax_time.get_ylabel() == "wall time per epoch (ms)"


def test_runs_by_seed_thin_runs_and_their_average():
    big = np.array([[0.5, 0.3, 0.4], [0.7, 0.5, 0.2]])
    small = np.array([[0.9, 0.8, 0.7], [0.6, 0.5, 0.4], [0.3, 0.2, 0.1]])
    ax = viz.plot_runs_by_seed({"big": big, "small": small}, title="two settings")
    assert len(ax.lines) == 2 + 1 + 3 + 1  # each run, then the average of each setting
    np.testing.assert_allclose(ax.lines[2].get_ydata(), [0.6, 0.4, 0.3])
    np.testing.assert_allclose(ax.lines[6].get_ydata(), [0.6, 0.5, 0.4])
    np.testing.assert_array_equal(ax.lines[2].get_xdata(), [1, 2, 3])
    assert ax.lines[2].get_linewidth() > ax.lines[0].get_linewidth()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["big: average of 2 seeds", "small: average of 3 seeds"]
    assert ax.get_title() == "two settings" and ax.get_xlabel() == "epoch"


def test_runs_by_seed_colours_by_label():
    runs = np.array([[0.5, 0.3], [0.7, 0.5]])
    ax = viz.plot_runs_by_seed({"big": runs, "Dropout": runs}, colors={"big": "tab:red"})
    assert {line.get_color() for line in ax.lines[:3]} == {"tab:red"}
    assert ax.lines[3].get_color() != "tab:red"      # no colour given: the colour cycle


def test_runs_by_seed_rejects_a_single_curve():
    with pytest.raises(ValueError, match=r"plot_runs_by_seed: expected 'big' to hold one curve "
                                         r"per seed.*received shape \(3,\)"):
        viz.plot_runs_by_seed({"big": [0.5, 0.3, 0.4]})
