"""Tests for the batch-size widget's compute part (dlcore/interactive.py, 07_training_loop)."""

import numpy as np
import pytest

from dlcore.course.interactive import batch_size_choices, train_with_batch_size


def blobs(n=1078, seed=0, spread=2.0):
    """Three classes in 8 dimensions (well separated by default): quick to train."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centres = spread * rng.standard_normal((3, 8))
    X = (centres[y] + rng.standard_normal((n, 8))).astype(np.float32)
    return X, y


@pytest.mark.parametrize("batch_size, expected", [(64, 17), (1078, 1), (1000, 2), (539, 2),
                                                  (540, 2), (100, 11)])
def test_iterations_per_epoch_is_ceil_n_over_batch_size(batch_size, expected):
    X, y = blobs()
    run = train_with_batch_size(batch_size, X, y, epochs=2, seed=0)
    assert run.iterations_per_epoch == expected
    assert run.batch_loss.shape == (2 * expected,)
    assert run.epoch_loss.shape == (2,)
    assert run.epoch_time.shape == (2,)
    assert run.num_samples == 1078 and run.batch_size == batch_size


def test_batch_size_one_makes_one_update_per_sample():
    X, y = blobs()
    run = train_with_batch_size(1, X, y, epochs=1, seed=0)
    assert run.iterations_per_epoch == 1078
    assert len(run.batch_loss) == 1078


def test_same_seed_is_reproducible_and_another_seed_differs():
    X, y = blobs()
    a = train_with_batch_size(32, X, y, epochs=2, seed=3)
    b = train_with_batch_size(32, X, y, epochs=2, seed=3)
    c = train_with_batch_size(32, X, y, epochs=2, seed=4)
    np.testing.assert_array_equal(a.batch_loss, b.batch_loss)
    np.testing.assert_array_equal(a.epoch_loss, b.epoch_loss)
    assert not np.array_equal(a.batch_loss, c.batch_loss)


def test_loss_decreases():
    X, y = blobs()
    run = train_with_batch_size(16, X, y, epochs=3, seed=0)
    assert run.epoch_loss[-1] < run.epoch_loss[0]
    assert run.epoch_loss[-1] < 0.5 * np.log(3)  # far below the loss of guessing (log 3)


def test_small_batches_are_noisier_than_large_ones():
    X, y = blobs(spread=0.5)  # overlapping classes: some samples stay hard, losses vary
    small = train_with_batch_size(2, X, y, epochs=2, seed=0)
    large = train_with_batch_size(128, X, y, epochs=2, seed=0)
    # step-to-step jumps of the batch loss during the second epoch
    jumps_small = np.abs(np.diff(small.batch_loss[small.iterations_per_epoch:])).mean()
    jumps_large = np.abs(np.diff(large.batch_loss[large.iterations_per_epoch:])).mean()
    assert jumps_small > 3 * jumps_large


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses():
    X, y = blobs(n=100)
    run = train_with_batch_size(30, X, y, epochs=1, seed=0)  # batches of 30, 30, 30, 10
    weights = np.array([30, 30, 30, 10]) / 100
    assert run.epoch_loss[0] == pytest.approx(run.batch_loss @ weights, rel=1e-6)


def test_caller_data_unchanged():
    X, y = blobs(n=200)
    X0, y0 = X.copy(), y.copy()
    train_with_batch_size(8, X, y, epochs=1, seed=0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_choices_run_from_one_to_n():
    assert batch_size_choices(1078) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1078]
    assert batch_size_choices(64) == [1, 2, 4, 8, 16, 32, 64]
    assert batch_size_choices(1) == [1]


@pytest.mark.parametrize("bad", [0, 1079, 2.5, True])
def test_bad_batch_size_is_refused(bad):
    X, y = blobs()
    with pytest.raises(ValueError, match=rf"expected batch_size to be an integer from 1 to N = 1078, received {bad!r}"):
        train_with_batch_size(bad, X, y, epochs=1)


def test_bad_shapes_are_refused():
    X, y = blobs(n=50)
    with pytest.raises(ValueError, match=r"expected X of shape \(N, D\).*received X \(50, 8\) and y \(49,\)"):
        train_with_batch_size(4, X, y[:49], epochs=1)
