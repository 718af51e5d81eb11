"""Tests for dlcore.metrics: known values worked out by hand, and every bad input."""

import numpy as np
import pytest

from dlcore.metrics import accuracy, confusion_matrix

# Five samples, three classes. True labels and predicted labels, compared by eye:
#   true: 0 1 2 2 1
#   pred: 0 2 2 2 1   -> 4 of 5 right
Y_TRUE = np.array([0, 1, 2, 2, 1])
Y_PRED = np.array([0, 2, 2, 2, 1])
# Scores whose argmax is Y_PRED (row 1 has its largest score in column 2)
SCORES = np.array(
    [
        [2.0, 1.0, 0.0],
        [0.1, 0.3, 0.6],
        [-1.0, -2.0, 5.0],
        [0.0, 0.0, 0.1],
        [0.2, 0.7, 0.1],
    ]
)
ONE_HOT = np.eye(3)[Y_TRUE]


def test_accuracy_labels_known_value():
    assert accuracy(Y_PRED, Y_TRUE) == pytest.approx(0.8)


def test_accuracy_scores_and_one_hot_give_the_same_answer():
    assert accuracy(SCORES, Y_TRUE) == pytest.approx(0.8)
    assert accuracy(SCORES, ONE_HOT) == pytest.approx(0.8)
    assert accuracy(Y_PRED, ONE_HOT) == pytest.approx(0.8)
    assert isinstance(accuracy(SCORES, Y_TRUE), float)


def test_accuracy_all_right_and_all_wrong():
    assert accuracy(Y_TRUE, Y_TRUE) == 1.0
    assert accuracy((Y_TRUE + 1) % 3, Y_TRUE) == 0.0


def test_accuracy_accepts_whole_number_floats_and_label_columns():
    # BCE targets are often a float column of 0/1; thresholded predictions too
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    pred = np.array([0, 1, 0, 0])
    assert accuracy(pred, y) == pytest.approx(0.75)
    assert accuracy(pred.astype(np.float32), y[:, 0]) == pytest.approx(0.75)


def test_accuracy_single_score_column_is_refused_with_threshold_hint():
    probs = np.array([[0.2], [0.9], [0.6]])
    with pytest.raises(ValueError, match=r"\(3, 1\).*ambiguous.*threshold first"):
        accuracy(probs, np.array([0, 1, 1]))


def test_accuracy_fractional_labels_are_refused():
    with pytest.raises(ValueError, match=r"whole-number class labels.*received.*0\.7"):
        accuracy(np.array([0.7, 0.2]), np.array([1, 0]))


def test_accuracy_length_mismatch():
    with pytest.raises(ValueError, match=r"same number of samples.*5 predictions.*4 targets"):
        accuracy(Y_PRED, Y_TRUE[:4])


def test_accuracy_empty_input():
    with pytest.raises(ValueError, match=r"at least one sample.*shape \(0,\)"):
        accuracy(np.array([], dtype=int), np.array([], dtype=int))


def test_accuracy_negative_labels():
    with pytest.raises(ValueError, match=r"labels 0, 1, \.\.\., K-1.*received the negative label -1"):
        accuracy(np.array([1, 0]), np.array([1, -1]))


def test_accuracy_label_outside_score_columns():
    # labels 1..3 instead of 0..2: label 3 cannot be predicted by three columns
    with pytest.raises(ValueError, match=r"3 columns \(classes 0\.\.2\).*holds the label 3"):
        accuracy(SCORES, Y_TRUE + 1)


def test_accuracy_nan_scores():
    bad = SCORES.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"expected finite numbers.*first at index \(3, 1\)"):
        accuracy(bad, Y_TRUE)


def test_accuracy_wrong_type_and_rank():
    with pytest.raises(TypeError, match=r"array of numbers.*received.*<U1"):
        accuracy(np.array(["a", "b"]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"shape \(N,\).*received array of shape \(2, 2, 2\)"):
        accuracy(np.zeros((2, 2, 2)), np.array([0, 1]))


def test_confusion_matrix_known_value():
    C = confusion_matrix(Y_PRED, Y_TRUE)
    # rows = true class, columns = predicted class, counted by hand from Y_TRUE / Y_PRED:
    #   true 0: predicted 0 once
    #   true 1: predicted 2 once, predicted 1 once
    #   true 2: predicted 2 twice
    expected = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 2]])
    np.testing.assert_array_equal(C, expected)
    assert C.dtype == np.int64
    assert np.trace(C) / C.sum() == pytest.approx(accuracy(Y_PRED, Y_TRUE))


def test_confusion_matrix_is_not_symmetric_in_its_arguments():
    # swapping prediction and truth transposes the matrix: rows must be the TRUE class
    np.testing.assert_array_equal(confusion_matrix(Y_TRUE, Y_PRED), confusion_matrix(Y_PRED, Y_TRUE).T)
    C = confusion_matrix(np.array([1]), np.array([0]))
    np.testing.assert_array_equal(C, [[0, 1], [0, 0]])


def test_confusion_matrix_scores_one_hot_and_num_classes():
    C = confusion_matrix(SCORES, ONE_HOT)
    np.testing.assert_array_equal(C, [[1, 0, 0], [0, 1, 1], [0, 0, 2]])
    C5 = confusion_matrix(Y_PRED, Y_TRUE, num_classes=5)
    assert C5.shape == (5, 5)
    assert C5[3:].sum() == 0 and C5[:, 3:].sum() == 0
    # a class present only in the score columns still gets a row
    assert confusion_matrix(SCORES, np.array([0, 1, 1, 1, 1])).shape == (3, 3)


def test_confusion_matrix_bad_num_classes():
    with pytest.raises(ValueError, match=r"below num_classes=2.*received class 2"):
        confusion_matrix(Y_PRED, Y_TRUE, num_classes=2)
    with pytest.raises(ValueError, match=r"positive integer.*received 0"):
        confusion_matrix(Y_PRED, Y_TRUE, num_classes=0)


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match=r"same number of samples.*5 predictions.*3 targets"):
        confusion_matrix(Y_PRED, Y_TRUE[:3])
    with pytest.raises(ValueError, match=r"at least one sample.*shape \(0, 3\)"):
        confusion_matrix(np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"negative label -2"):
        confusion_matrix(np.array([-2, 0]), np.array([0, 0]))


def test_inputs_are_not_modified():
    scores = SCORES.copy()
    y = Y_TRUE.copy()
    accuracy(scores, y)
    confusion_matrix(scores, y)
    np.testing.assert_array_equal(scores, SCORES)
    np.testing.assert_array_equal(y, Y_TRUE)
