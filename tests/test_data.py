"""Tests for dlcore/data.py: splits, label encoding, one-hot, scalers, BatchLoader."""

import numpy as np
import pytest

from dlcore.data import (
    BatchLoader,
    LabelEncoder,
    MinMaxScaler,
    StandardScaler,
    one_hot,
    train_val_test_split,
)
from dlcore.tolerance import assert_close, tolerance


# --- train_val_test_split ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "n, ratios, expected",
    [
        (100, (0.6, 0.2, 0.2), [60, 20, 20]),
        (10, (0.6, 0.2, 0.2), [6, 2, 2]),
        # 7 * (0.6, 0.2, 0.2) = (4.2, 1.4, 1.4): floors (4, 1, 1), the one left over goes to the
        # first of the two largest fractions (0.4, 0.4), i.e. val
        (7, (0.6, 0.2, 0.2), [4, 2, 1]),
        (11, (0.8, 0.2), [9, 2]),  # (8.8, 2.2): floors (8, 2), leftover to train (0.8 > 0.2)
    ],
)
def test_split_sizes_known_values(n, ratios, expected):
    X = np.arange(n)
    parts = train_val_test_split(X, X * 10, ratios=ratios, seed=0)
    assert [len(Xp) for Xp, _ in parts] == expected
    assert len(parts) == len(ratios)


def test_split_every_sample_exactly_once_and_pairs_kept():
    n = 1003
    X = np.arange(n)
    y = X * 10 + 7
    parts = train_val_test_split(X, y, seed=1)
    assert len(parts) == 3
    joined = np.concatenate([Xp for Xp, _ in parts])
    assert np.array_equal(np.sort(joined), np.arange(n))  # disjoint and complete
    for (Xp, yp), ratio in zip(parts, (0.6, 0.2, 0.2), strict=True):
        assert abs(len(Xp) - ratio * n) < 1
        assert np.array_equal(yp, Xp * 10 + 7)  # each label still belongs to its sample


def test_split_shuffles_and_is_reproducible():
    X = np.arange(200).reshape(100, 2)
    y = np.arange(100)
    a = train_val_test_split(X, y, seed=5)
    b = train_val_test_split(X, y, seed=5)
    c = train_val_test_split(X, y, seed=6)
    for (Xa, ya), (Xb, yb) in zip(a, b, strict=True):
        assert np.array_equal(Xa, Xb) and np.array_equal(ya, yb)
    assert not np.array_equal(a[0][1], c[0][1])
    assert not np.array_equal(a[0][1], np.sort(a[0][1]))  # not in the original order


def test_split_never_changes_callers_arrays():
    X = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10)
    X_before, y_before = X.copy(), y.copy()
    (X_train, y_train), _, _ = train_val_test_split(X, y, seed=0)
    X_train[:] = -1
    y_train[:] = -1
    assert np.array_equal(X, X_before) and np.array_equal(y, y_before)


def test_split_accepts_images_and_one_hot_targets():
    X = np.zeros((20, 8, 8), dtype=np.float32)
    y = np.eye(4)[np.arange(20) % 4]
    (Xt, yt), (Xv, yv), (Xs, ys) = train_val_test_split(X, y, seed=0)
    assert Xt.shape == (12, 8, 8) and yt.shape == (12, 4) and Xs.shape == (4, 8, 8)


def test_stratified_split_keeps_class_proportions():
    # 3 classes of very different sizes, sorted (the worst case for a plain cut)
    y = np.repeat([0, 1, 2], [50, 30, 20])
    X = np.arange(100)
    parts = train_val_test_split(X, y, ratios=(0.6, 0.2, 0.2), seed=3, stratify=True)
    # sizes are the same as without stratify
    assert [len(Xp) for Xp, _ in parts] == [60, 20, 20]
    for (Xp, yp), ratio in zip(parts, (0.6, 0.2, 0.2), strict=True):
        assert np.array_equal(yp, y[Xp])
        counts = np.bincount(yp, minlength=3)
        assert np.all(np.abs(counts - ratio * np.array([50, 30, 20])) <= 1)
        assert not np.all(np.diff(yp) >= 0)  # each split is shuffled, not sorted by class
    assert np.array_equal(np.sort(np.concatenate([Xp for Xp, _ in parts])), X)


def test_stratified_split_uneven_counts_and_string_labels():
    y = np.array(["cat"] * 13 + ["dog"] * 7 + ["eel"] * 9)
    X = np.arange(len(y))
    parts = train_val_test_split(X, y, ratios=(0.5, 0.25, 0.25), seed=0, stratify=True)
    sizes = [len(Xp) for Xp, _ in parts]
    assert sum(sizes) == 29
    assert all(abs(s - r * 29) < 1 for s, r in zip(sizes, (0.5, 0.25, 0.25), strict=True))
    for (_, yp), ratio in zip(parts, (0.5, 0.25, 0.25), strict=True):
        for name, total in (("cat", 13), ("dog", 7), ("eel", 9)):
            assert abs(np.sum(yp == name) - ratio * total) <= 1
    assert np.array_equal(np.sort(np.concatenate([Xp for Xp, _ in parts])), X)


def test_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"same number of samples.*X with 10.*y with 9"):
        train_val_test_split(np.zeros((10, 2)), np.zeros(9))


def test_split_rejects_empty_data():
    with pytest.raises(ValueError, match=r"at least one sample.*0 rows"):
        train_val_test_split(np.zeros((0, 2)), np.zeros(0))


@pytest.mark.parametrize(
    "ratios, pattern",
    [
        ((0.6, 0.2, 0.1), r"sum to 1.*\(0\.6, 0\.2, 0\.1\).*0\.9"),
        ((1.2, -0.2), r"> 0.*\(1\.2, -0\.2\)"),
        ((0.5, 0.5, 0.0), r"> 0.*\(0\.5, 0\.5, 0\.0\)"),
        ((0.25, 0.25, 0.25, 0.25), r"2 numbers.*3 numbers.*\(0\.25, 0\.25, 0\.25, 0\.25\)"),
    ],
)
def test_split_rejects_bad_ratios(ratios, pattern):
    with pytest.raises(ValueError, match=pattern):
        train_val_test_split(np.zeros((10, 2)), np.zeros(10), ratios=ratios)


def test_split_rejects_an_empty_split():
    # 3 * (0.8, 0.1, 0.1) = (2.4, 0.3, 0.3): floors (2, 0, 0), the leftover goes to train
    with pytest.raises(ValueError, match=r"val split would be empty.*at least 1.*3 samples"):
        train_val_test_split(np.arange(3), np.arange(3), ratios=(0.8, 0.1, 0.1))


def test_stratify_rejects_a_class_too_small_for_every_split():
    y = np.array([0] * 20 + [1] * 2)
    with pytest.raises(ValueError, match=r"class 1 has only 2 sample.*would get none"):
        train_val_test_split(np.arange(22), y, seed=0, stratify=True)


def test_stratify_rejects_one_hot_targets():
    with pytest.raises(ValueError, match=r"1-D class labels.*shape \(12, 3\)"):
        train_val_test_split(np.zeros(12), np.eye(3)[np.arange(12) % 3], stratify=True)


# --- LabelEncoder -----------------------------------------------------------------------------
def test_label_encoder_strings_round_trip():
    labels = ["dog", "cat", "dog", "bird"]
    enc = LabelEncoder()
    codes = enc.fit_transform(labels)
    assert enc.classes_.tolist() == ["bird", "cat", "dog"]  # sorted
    assert codes.dtype == np.int64
    assert codes.tolist() == [2, 1, 2, 0]
    assert enc.inverse_transform(codes).tolist() == labels
    assert enc.transform(np.array(["cat", "cat"])).tolist() == [1, 1]


def test_label_encoder_numbers_and_tuples():
    enc = LabelEncoder().fit([10, 3, 10, 7])
    assert enc.classes_.tolist() == [3, 7, 10]
    assert enc.transform([7, 3, 10]).tolist() == [1, 0, 2]
    tuples = [(1, "a"), (0, "b"), (1, "a")]
    enc = LabelEncoder()
    assert enc.fit_transform(tuples).tolist() == [1, 0, 1]
    assert enc.inverse_transform([0]).tolist() == [(0, "b")]


def test_label_encoder_mixed_types_have_a_fixed_order():
    enc = LabelEncoder()
    codes = enc.fit_transform(["a", 1, "b", 1])
    # not comparable: ordered by type name ("int" < "str"), then repr
    assert enc.classes_.tolist() == [1, "a", "b"]
    assert codes.tolist() == [1, 0, 2, 0]


def test_label_encoder_unknown_label_names_it_and_the_classes():
    enc = LabelEncoder().fit(["cat", "dog"])
    with pytest.raises(ValueError, match=r"fitted classes \['cat', 'dog'\].*unknown.*'eel'"):
        enc.transform(["cat", "eel"])


def test_label_encoder_out_of_range_code():
    enc = LabelEncoder().fit(["cat", "dog"])
    with pytest.raises(ValueError, match=r"codes in \[0, 2\).*received \[2, -1\]"):
        enc.inverse_transform([0, 2, -1])


def test_label_encoder_before_fit():
    with pytest.raises(ValueError, match=r"expected a fitted encoder.*not been fitted"):
        LabelEncoder().transform(["cat"])


# --- one_hot ----------------------------------------------------------------------------------
def test_one_hot_known_values():
    Y = one_hot(np.array([2, 0, 1, 2]))
    expected = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    assert Y.dtype == np.float32
    assert np.array_equal(Y, expected)
    assert one_hot([1], num_classes=4).tolist() == [[0, 1, 0, 0]]
    assert one_hot(np.array([1.0, 0.0]), dtype=np.float64).dtype == np.float64
    assert one_hot(np.array([1.0, 0.0])).tolist() == [[0, 1], [1, 0]]


def test_one_hot_rejects_label_out_of_range():
    with pytest.raises(ValueError, match=r"labels in \[0, 3\).*num_classes=3.*received \[3\]"):
        one_hot([0, 3], num_classes=3)
    with pytest.raises(ValueError, match=r"labels in \[0, 4\).*received \[-1\]"):
        one_hot([-1, 2], num_classes=4)


def test_one_hot_rejects_fractional_labels():
    with pytest.raises(ValueError, match=r"whole-number labels.*received \[0\.5\]"):
        one_hot([1.0, 0.5])


def test_one_hot_rejects_2d_input_with_hint():
    with pytest.raises(ValueError, match=r"1-D integer labels.*shape \(2, 3\).*already one-hot"):
        one_hot(np.eye(3)[:2])


def test_one_hot_rejects_strings():
    with pytest.raises(TypeError, match=r"integer labels.*<U3.*LabelEncoder"):
        one_hot(np.array(["cat", "dog"]))


# --- scalers ----------------------------------------------------------------------------------
def test_min_max_scaler_uses_training_statistics_only():
    X_train = np.array([[0.0, 10.0], [2.0, 20.0], [4.0, 30.0]], dtype=np.float32)
    X_test = np.array([[1.0, 40.0], [6.0, 10.0]], dtype=np.float32)
    scaler = MinMaxScaler().fit(X_train)
    # feature 0: min 0, max 4; feature 1: min 10, max 30 (the test values play no part)
    out = scaler.transform(X_test)
    assert out.dtype == np.float32
    # (x - min) / (max - min) and back: float32 differences of two numbers
    assert_close(out, [[0.25, 1.5], [1.5, 0.0]], n_terms=2, what="X_test scaled and by hand")
    assert_close(scaler.fit_transform(X_train), [[0, 0], [0.5, 0.5], [1, 1]], n_terms=2,
                 what="X_train scaled and by hand")
    assert_close(scaler.inverse_transform(out), X_test, n_terms=2,
                 what="X_test scaled and back, and X_test")


def test_min_max_scaler_feature_range_and_constant_feature():
    X = np.array([[1, 5], [3, 5], [5, 5]])  # ints -> float32; feature 1 is constant
    scaler = MinMaxScaler(feature_range=(-1, 1))
    out = scaler.fit_transform(X)
    assert out.dtype == np.float32
    assert np.array_equal(out, [[-1, -1], [0, -1], [1, -1]])  # constant -> lo, not NaN
    assert_close(scaler.inverse_transform(out), X, n_terms=2, what="X scaled and back, and X")


def test_standard_scaler_known_values_train_only():
    X_train = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]])  # feature 1 constant
    scaler = StandardScaler().fit(X_train)
    std0 = np.sqrt(8 / 3)  # mean 3, squared deviations 4, 0, 4
    np.testing.assert_allclose(scaler.mean_, [3.0, 2.0])
    np.testing.assert_allclose(scaler.std_, [std0, 1.0])
    out = scaler.transform(np.array([[7.0, 2.0], [3.0, 4.0]]))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, [[4 / std0, 0.0], [0.0, 2.0]])
    assert not np.any(np.isnan(scaler.transform(X_train)))


def test_standard_scaler_float32_in_float32_out_and_round_trip():
    rng = np.random.default_rng(0)
    X = (rng.standard_normal((50, 3)) * [1, 100, 0.01] + [5, -3, 2]).astype(np.float32)
    scaler = StandardScaler()
    Z = scaler.fit_transform(X)
    assert Z.dtype == np.float32
    # Two float32 roundings reach Z.mean() and Z.std(): the training mean rounded to float32
    # (half a unit in the last place of 2.0 is 1.2e-7, 100 times more once divided by the std
    # 0.01 of that feature), and the float32 mean or std of Z, sums of 50 numbers of size |Z|.
    mean, std = scaler.mean_, scaler.std_
    atol = (tolerance(np.float32) * np.max(np.abs(mean) / std)
            + tolerance(np.float32, len(X)) * np.max(np.abs(Z)))
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=atol)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=atol)
    back = scaler.inverse_transform(Z)
    for j in range(X.shape[1]):  # each feature at its own scale: 5, 100 and 2
        assert_close(back[:, j], X[:, j], n_terms=2, what=f"feature {j} scaled and back, and X")


def test_standard_scaler_constant_float_feature_is_exactly_zero():
    X = np.full((10, 1), 0.1)  # the mean of ten 0.1s is not exactly 0.1 in floating point
    assert np.array_equal(StandardScaler().fit_transform(X), np.zeros((10, 1)))


@pytest.mark.parametrize("Scaler", [MinMaxScaler, StandardScaler])
def test_scaler_before_fit(Scaler):
    with pytest.raises(ValueError, match=r"expected a fitted scaler.*not been fitted"):
        Scaler().transform(np.zeros((2, 2)))


@pytest.mark.parametrize("Scaler", [MinMaxScaler, StandardScaler])
def test_scaler_wrong_number_of_features(Scaler):
    scaler = Scaler().fit(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"expected X with 3 features.*received 2"):
        scaler.transform(np.zeros((4, 2)))


def test_scaler_rejects_nan():
    with pytest.raises(ValueError, match=r"finite numbers.*received 1 NaN"):
        StandardScaler().fit(np.array([[1.0], [np.nan]]))


def test_min_max_scaler_rejects_bad_range():
    with pytest.raises(ValueError, match=r"lo < hi.*\(1, 0\)"):
        MinMaxScaler(feature_range=(1, 0))


# --- BatchLoader ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "n, drop_last, expected_batches, last_size",
    [(6400, False, 100, 64), (6401, False, 101, 1), (6401, True, 100, 64), (10, False, 1, 10)],
)
def test_batch_counts(n, drop_last, expected_batches, last_size):
    batch_size = 64
    X = np.zeros((n, 2), dtype=np.float32)
    loader = BatchLoader(X, np.zeros(n), batch_size=batch_size, seed=0, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == expected_batches == len(batches)
    assert len(batches[-1][0]) == last_size
    assert all(len(Xb) == min(batch_size, n) for Xb, _ in batches[:-1])


def test_every_sample_once_per_epoch_and_pairs_kept():
    X = np.arange(103)
    y = X * 2
    loader = BatchLoader(X, y, batch_size=10, seed=0)
    for _ in range(2):
        seen = []
        for Xb, yb in loader:
            assert np.array_equal(yb, Xb * 2)
            seen.append(Xb)
        assert np.array_equal(np.sort(np.concatenate(seen)), X)
    assert loader.epoch == 2


def test_shuffle_differs_by_epoch_and_repeats_with_seed():
    X = np.arange(50)
    a = BatchLoader(X, X, batch_size=8, seed=42)
    b = BatchLoader(X, X, batch_size=8, seed=42)
    a1 = np.concatenate([Xb for Xb, _ in a])
    a2 = np.concatenate([Xb for Xb, _ in a])
    b1 = np.concatenate([Xb for Xb, _ in b])
    b2 = np.concatenate([Xb for Xb, _ in b])
    assert not np.array_equal(a1, a2)  # a new order each epoch
    assert np.array_equal(a1, b1) and np.array_equal(a2, b2)  # same seed, same sequence
    assert not np.array_equal(a1, X)
    c1 = np.concatenate([Xb for Xb, _ in BatchLoader(X, X, batch_size=8, seed=43)])
    assert not np.array_equal(a1, c1)


def test_no_shuffle_keeps_order_and_callers_arrays_untouched():
    X = np.arange(20.0).reshape(10, 2)
    X_before = X.copy()
    batches = list(BatchLoader(X, None, batch_size=4, shuffle=False))
    assert [yb for _, yb in batches] == [None, None, None]
    assert np.array_equal(batches[0][0], X[:4])
    batches[0][0][:] = -1  # a batch is a new array, not a view of X
    assert np.array_equal(X, X_before)
    shuffled = list(BatchLoader(X, None, batch_size=4, seed=0))
    assert np.array_equal(X, X_before)
    assert len(shuffled) == 3


def test_batch_loader_attributes():
    loader = BatchLoader(np.zeros((5, 3)), np.zeros(5), batch_size=2)
    assert (loader.num_samples, loader.batch_size, loader.epoch, len(loader)) == (5, 2, 0, 3)


@pytest.mark.parametrize("bad", [0, -3])
def test_batch_size_must_be_positive(bad):
    with pytest.raises(ValueError, match=rf"positive int.*received {bad}"):
        BatchLoader(np.zeros((4, 2)), np.zeros(4), batch_size=bad)


def test_batch_size_float_is_a_type_error_with_hint():
    with pytest.raises(TypeError, match=r"positive int.*float 32\.0.*int\(batch_size\)"):
        BatchLoader(np.zeros((4, 2)), np.zeros(4), batch_size=32.0)


def test_batch_loader_length_mismatch():
    with pytest.raises(ValueError, match=r"same number of samples.*X with 4.*y with 3"):
        BatchLoader(np.zeros((4, 2)), np.zeros(3), batch_size=2)


def test_drop_last_with_batch_larger_than_data():
    with pytest.raises(ValueError, match=r"batch_size <= N = 4.*batch_size=8"):
        BatchLoader(np.zeros((4, 2)), np.zeros(4), batch_size=8, drop_last=True)
