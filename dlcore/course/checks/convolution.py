"""The checkers of ``notebooks/09_convolution.ipynb``.

How a checker works: see ``common.py``.

Each checker is tested in ``tests/test_checks_09_convolution.py``: it passes the
reference solution and fails typical wrong answers with the right hint.
"""

from __future__ import annotations

import numpy as np

from .common import (
    LearnerError,
    as_result_array,
    call_learner,
    diagnose,
    run_check,
)


def _conv_size_mistakes(sizes: np.ndarray) -> dict[str, np.ndarray]:
    """The output sizes that the usual slips give, for the rows (H, K, P, S) of ``sizes``."""
    H, K, P, S = sizes.T.astype(float)
    return {
        "forgot the +1: the window fits at its first position too. Count the steps "
        "(H + 2P - K) // S, then add 1 for the starting position.": (H + 2 * P - K) // S,
        "the padding is added on one side only: P zeros go on BOTH sides, so the padded "
        "size is H + 2*P.": (H + P - K) // S + 1,
        "the padding is missing: the padded input has H + 2*P pixels, not H.": (H - K) // S + 1,
        "the stride is missing: divide the distance the window can travel by the step S.":
            H + 2 * P - K + 1,
        "not an integer: (H + 2P - K) / S can leave a remainder, and a window that does not "
        "fit is not counted. Use integer division //.": (H + 2 * P - K) / S + 1,
        "rounded up: a last window that would stick out of the (padded) input does not "
        "count, so round down, with //.": np.ceil((H + 2 * P - K) / S) + 1,
    }


def check_conv_output_size(fn):
    """Exercise in 09_convolution: ``fn(H, K, P, S) -> int``, the output size of a convolution.

    ``(H + 2P - K) // S + 1``: the number of positions a window of K pixels takes, in steps of S,
    over an input of H pixels with P zeros added on each side. The cases include strides that
    leave a remainder (so plain division and rounding up are caught) and padding (so one-sided
    padding is caught).
    """
    sizes = np.array([
        (8, 3, 0, 1), (8, 3, 1, 1), (8, 3, 0, 2), (28, 5, 2, 2), (7, 3, 1, 2), (32, 4, 1, 3),
        (10, 4, 0, 3),
    ])

    def cases():
        raw = []
        for H, K, P, S in sizes.tolist():
            out = call_learner(fn, H, K, P, S)
            if out is None:
                raise LearnerError(
                    f"your function returned None for H={H}, K={K}, P={P}, S={S}. Hint: did "
                    f"you forget the `return` statement?"
                )
            if isinstance(out, (bool, np.bool_)) or not isinstance(
                    out, (int, float, np.integer, np.floating)):
                raise LearnerError(
                    f"expected one number (an int), received {type(out).__name__} {out!r} for "
                    f"H={H}, K={K}, P={P}, S={S}."
                )
            raw.append(out)
        outs = np.array(raw, dtype=float)
        H, K, P, S = sizes.T
        right = (H + 2 * P - K) // S + 1
        mistake = diagnose(outs, right, _conv_size_mistakes(sizes))
        if mistake:
            first = int(np.flatnonzero(outs != right)[0])
            H1, K1, P1, S1 = sizes[first].tolist()
            raise LearnerError(
                f"{mistake} (for H={H1}, K={K1}, P={P1}, S={S1} the output size is "
                f"{right[first]}, your function gave {outs[first]:g})"
            )
        for out, (H1, K1, P1, S1) in zip(raw, sizes.tolist(), strict=True):
            if not isinstance(out, (int, np.integer)):
                raise LearnerError(
                    f"the values are right, but the function returned {type(out).__name__} "
                    f"{out!r} for H={H1}, K={K1}, P={P1}, S={S1}: a size counts positions, so "
                    f"return an int (// on ints gives an int; np.floor and / give floats)."
                )

    return run_check(cases, "Right: (H + 2P - K) // S + 1 windows fit, for every case.")


def _correlate_valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Reference 'valid' cross-correlation of one channel (the checkers' own, by loops)."""
    H, W = image.shape
    kh, kw = kernel.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out


def check_correlate2d(fn):
    """Exercise in 09_convolution: ``fn(image, kernel) -> out``, a 'valid' cross-correlation.

    image: (H, W), kernel: (kh, kw) -> out: (H - kh + 1, W - kw + 1) with
    ``out[r, c] = sum over i, j of image[r + i, c + j] * kernel[i, j]`` (no flip, no padding),
    what ``Conv2D`` computes for one channel without bias. The cases use a non-square image and
    a non-square, asymmetric kernel, so a flipped kernel, swapped axes and the 'full' or 'same'
    output sizes are all told apart.
    """
    def one_case(image, kernel):
        H, W = image.shape
        kh, kw = kernel.shape
        out = as_result_array(call_learner(fn, image, kernel))
        right = _correlate_valid(image, kernel)
        shapes = {
            (H + kh - 1, W + kw - 1): "the output has the 'full' size (H + kh - 1, W + kw - 1): "
            "the kernel also visits positions where it sticks out of the image. 'Valid' keeps "
            "only the positions where it lies wholly inside: (H - kh + 1, W - kw + 1).",
            (H, W): "the output has the input's size (the 'same' size, as with padding). "
            "Without padding the kernel fits at only (H - kh + 1, W - kw + 1) positions.",
            (H - kh, W - kw): "the output is one row and one column too small: the last "
            "position, r = H - kh, counts too. Hint: range(H - kh + 1).",
            (W - kh + 1, H - kw + 1): "swapped axes: your output has shape (W - kh + 1, "
            "H - kw + 1). Rows go with the image's first axis and the kernel's height kh, "
            "columns with the second axis and kw.",
            (H - kw + 1, W - kh + 1): "the kernel's height and width are swapped: rows of the "
            "output need the kernel height kh = kernel.shape[0], columns the width "
            "kw = kernel.shape[1].",
        }
        if out.shape != right.shape and out.shape in shapes:
            raise LearnerError(f"{shapes[out.shape]} (case: image {image.shape}, kernel "
                               f"{kernel.shape}, expected {right.shape}, received {out.shape})")
        terms = _correlate_valid(np.abs(image), np.abs(kernel))  # the size of what is added
        mistake = diagnose(out, right, {
            "the kernel is flipped: that is the 'true' convolution of mathematics. Deep "
            "learning's convolution (and Conv2D) is a cross-correlation: multiply image[r + i, "
            "c + j] by kernel[i, j], without turning the kernel around.":
                _correlate_valid(image, kernel[::-1, ::-1]),
            "the output is transposed: out[r, c] belongs to row r and column c of the image. "
            "Hint: fill out[r, c], not out[c, r].": right.T,
            "the kernel is transposed: multiply by kernel[i, j], with i the row and j the "
            "column.": _correlate_valid(image, kernel.T) if kh == kw else np.zeros(0),
            "you summed the patches without multiplying by the kernel: each pixel is weighted "
            "by the kernel entry on top of it, image[r + i, c + j] * kernel[i, j].":
                _correlate_valid(image, np.ones_like(kernel)),
        }, n_terms=kh * kw, scale=np.max(terms))
        if mistake:
            raise LearnerError(f"{mistake} (case: image {image.shape}, kernel {kernel.shape})")

    def cases():
        rng = np.random.default_rng(8)
        one_case(rng.integers(0, 10, (6, 8)).astype(float), np.array([[1.0, 2.0, 0.0],
                                                                       [-1.0, 0.5, 3.0]]))
        one_case(rng.standard_normal((5, 8)), rng.standard_normal((3, 3)))

    return run_check(cases, "Right: the kernel slides over every position where it fits and "
                            "each output is the sum of the products, as in Conv2D.")


def check_max_pool(fn):
    """Exercise in 09_convolution: ``fn(x) -> out``, 2x2 max pooling with stride 2.

    x: (H, W) with H and W even -> out: (H // 2, W // 2), ``out[r, c]`` the largest of the four
    numbers ``x[2r:2r + 2, 2c:2c + 2]``. The cases are not square, so a transposed answer and
    blocks taken in the wrong order are told apart.
    """
    def one_case(x):
        H, W = x.shape
        out = as_result_array(call_learner(fn, x))
        blocks = x.reshape(H // 2, 2, W // 2, 2)
        right = blocks.max(axis=(1, 3))
        if out.shape == (H - 1, W - 1):
            raise LearnerError(
                f"your output has shape {out.shape}: the windows overlap (stride 1). With "
                f"stride 2 they touch without overlapping, giving {right.shape}. Hint: the "
                f"window at (r, c) is x[2*r:2*r + 2, 2*c:2*c + 2]."
            )
        mistake = diagnose(out, right, {
            "you took the average of each window (average pooling); max pooling keeps the "
            "largest value, .max().": blocks.mean(axis=(1, 3)),
            "you took the smallest value of each window; max pooling keeps the largest, "
            ".max().": blocks.min(axis=(1, 3)),
            "the windows are not 2x2 blocks of neighbours: x.reshape(H // 2, W // 2, 2, 2) "
            "mixes rows and columns. Hint: x.reshape(H // 2, 2, W // 2, 2).max(axis=(1, 3)), "
            "or loop over the windows.": x.reshape(H // 2, W // 2, 2, 2).max(axis=(2, 3)),
            "your windows take pixels that are H // 2 apart instead of neighbours. Hint: the "
            "window at (r, c) is x[2*r:2*r + 2, 2*c:2*c + 2].":
                x.reshape(2, H // 2, 2, W // 2).max(axis=(0, 2)),
            "only the rows were pooled: each window covers 2 rows AND 2 columns.":
                x.reshape(H // 2, 2, W).max(axis=1),
            "only the columns were pooled: each window covers 2 rows AND 2 columns.":
                x.reshape(H, W // 2, 2).max(axis=2),
            "the output is transposed: out[r, c] belongs to the window in rows 2r, 2r+1 and "
            "columns 2c, 2c+1.": right.T,
        })
        if mistake:
            raise LearnerError(f"{mistake} (case: x of shape {x.shape})")

    def cases():
        rng = np.random.default_rng(2)
        one_case(rng.integers(0, 20, (4, 6)).astype(float))
        one_case(rng.standard_normal((6, 8)))

    return run_check(cases, "Right: every 2x2 window is replaced by its largest value.")


