"""Scaling the features with statistics of the training set only: min-max and standard.

Part of ``dlcore.data``; its docstring gives the whole picture.
"""

from __future__ import annotations

import numpy as np

from ..validate import as_float_array, describe


# --- scaling ----------------------------------------------------------------------------------
class _Scaler:
    """Shared checks of the two scalers: fitted or not, 2-D input, the number of features."""

    n_features_in_: int | None = None

    def _check_X(self, X, method: str, fitting: bool = False) -> np.ndarray:
        where = f"{type(self).__name__}.{method}"
        if not fitting and self.n_features_in_ is None:
            raise ValueError(
                f"{where}: expected a fitted scaler, received one that has not been fitted "
                f"yet. Hint: call fit(X_train) first (on the training split only)."
            )
        X = as_float_array(X, "X", where)
        if X.ndim != 2:
            raise ValueError(
                f"{where}: expected X of shape (N, D), one row of D features per sample, "
                f"received {describe(X)}. Hint: for images use X.reshape(len(X), -1)."
            )
        if fitting and len(X) == 0:
            raise ValueError(f"{where}: expected at least one sample, received X with 0 rows.")
        if not fitting and X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{where}: expected X with {self.n_features_in_} features (the number seen in "
                f"fit), received {X.shape[1]} (shape {X.shape}). Hint: transform data with "
                f"the same columns as the training data."
            )
        if not np.all(np.isfinite(X)):
            raise ValueError(
                f"{where}: expected finite numbers, received {int(np.sum(~np.isfinite(X)))} "
                f"NaN or infinite value(s) in {describe(X)}. Hint: fill or drop missing "
                f"values first."
            )
        return X

    @staticmethod
    def _finite(out: np.ndarray, where: str) -> np.ndarray:
        if not np.all(np.isfinite(out)):
            raise ValueError(
                f"{where}: expected the scaled values to fit in {out.dtype}, received values "
                f"that overflow. Hint: the input is extremely large compared with the training "
                f"data; check its units."
            )
        return out

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``: X (N, D) -> (N, D). Use it on the training split."""
        return self.fit(X).transform(X)


class MinMaxScaler(_Scaler):
    """Rescale every feature to ``feature_range`` (default [0, 1]) using its training min/max.

    Formula, per feature j (``notebooks/01_data.ipynb``)::

        x_scaled = (x - min_j) / (max_j - min_j) * (hi - lo) + lo

    Why fit on the training split only: the validation and test splits stand for data the
    model has never seen. If their min and max went into the scaling, information about them
    would *leak* into training and the validation score would look better than it will be on
    really new data. So ``fit(X_train)`` once, then ``transform`` every split with those
    numbers; values of val/test outside the training range simply land outside [lo, hi].

    A constant feature (max == min) has range 0; it is divided by 1 instead, so it becomes
    ``lo`` and never NaN. Float inputs keep their dtype (float32 stays float32); integers
    become float32.

    Attributes (after ``fit``): ``data_min_``, ``data_max_`` (D,), ``data_range_`` (D,) with the
    zero ranges of constant features replaced by 1, ``n_features_in_``.
    """

    def __init__(self, feature_range=(0, 1)):
        try:
            lo, hi = (float(v) for v in feature_range)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"MinMaxScaler: expected feature_range to be two numbers (lo, hi), received "
                f"{feature_range!r}. Hint: feature_range=(0, 1) or (-1, 1)."
            ) from exc
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(
                f"MinMaxScaler: expected feature_range (lo, hi) with lo < hi, received "
                f"{feature_range!r}. Hint: feature_range=(0, 1) or (-1, 1)."
            )
        self.feature_range = (lo, hi)
        self.data_min_ = self.data_max_ = self.data_range_ = None
        self.n_features_in_ = None

    def fit(self, X) -> MinMaxScaler:
        """Learn each feature's min and max from X (N, D), the training split. Returns self."""
        X = self._check_X(X, "fit", fitting=True)
        self.data_min_ = X.min(axis=0)
        self.data_max_ = X.max(axis=0)
        with np.errstate(over="ignore"):  # max - min of huge values: caught just below
            data_range = self.data_max_.astype(np.float64) - self.data_min_.astype(np.float64)
        self.data_range_ = np.where(data_range == 0, 1.0, data_range)  # constant feature: / 1
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        """X (M, D) -> scaled (M, D), with the min/max learned in ``fit``; same float dtype."""
        X = self._check_X(X, "transform")
        lo, hi = self.feature_range
        with np.errstate(over="ignore", invalid="ignore"):
            out = (X - self.data_min_) / self.data_range_ * (hi - lo) + lo
        return self._finite(out.astype(X.dtype, copy=False), "MinMaxScaler.transform")

    def inverse_transform(self, X_scaled) -> np.ndarray:
        """Undo ``transform``: (M, D) -> (M, D) in the original units (constant features -> min)."""
        X_scaled = self._check_X(X_scaled, "inverse_transform")
        lo, hi = self.feature_range
        with np.errstate(over="ignore", invalid="ignore"):
            out = (X_scaled - lo) / (hi - lo) * self.data_range_ + self.data_min_
        out = out.astype(X_scaled.dtype, copy=False)
        return self._finite(out, "MinMaxScaler.inverse_transform")

    def __repr__(self) -> str:
        return f"MinMaxScaler(feature_range={self.feature_range})"


class StandardScaler(_Scaler):
    """Shift and scale every feature to mean 0 and standard deviation 1 on the training split.

    Formula, per feature j (``notebooks/01_data.ipynb``)::

        x_scaled = (x - mean_j) / std_j,   std_j = sqrt(mean((x_j - mean_j)^2))

    Why it helps: gradient descent takes one learning rate for all weights; if one feature is
    in thousands and another in thousandths, no single step size suits both.

    Why fit on the training split only: the statistics of the validation and test splits must
    not *leak* into training, or the validation score would promise more than the model gives
    on new data. ``fit(X_train)`` once, then ``transform`` every split with the same mean/std.

    A constant feature (all values equal) has std 0; its std is set to 1 and its mean to the
    constant, so it becomes exactly 0, never NaN. The statistics are computed in float64 and
    the output keeps the input's float dtype (integers become float32).

    Attributes (after ``fit``): ``mean_``, ``std_`` (D,) float64, ``n_features_in_``.
    """

    def __init__(self):
        self.mean_ = self.std_ = None
        self.n_features_in_ = None

    def fit(self, X) -> StandardScaler:
        """Learn each feature's mean and std from X (N, D), the training split. Returns self."""
        X = self._check_X(X, "fit", fitting=True)
        X64 = X.astype(np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X64.mean(axis=0)
            std = X64.std(axis=0)
        constant = X64.max(axis=0) == X64.min(axis=0)
        # mean of equal values can be off in the last bit; use the value itself so it maps to 0
        self.mean_ = np.where(constant, X64[0], mean)
        self.std_ = np.where(constant, 1.0, std)
        if not (np.all(np.isfinite(self.mean_)) and np.all(np.isfinite(self.std_))):
            raise ValueError(
                f"StandardScaler.fit: expected values whose mean and std fit in float64, "
                f"received values up to {np.abs(X64).max():.3g}. Hint: change the units first."
            )
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        """X (M, D) -> standardised (M, D), with the training mean/std; same float dtype."""
        X = self._check_X(X, "transform")
        with np.errstate(over="ignore", invalid="ignore"):
            out = (X - self.mean_.astype(X.dtype)) / self.std_.astype(X.dtype)
        return self._finite(out, "StandardScaler.transform")

    def inverse_transform(self, X_scaled) -> np.ndarray:
        """Undo ``transform``: (M, D) -> (M, D) in the original units."""
        X_scaled = self._check_X(X_scaled, "inverse_transform")
        dtype = X_scaled.dtype
        with np.errstate(over="ignore", invalid="ignore"):
            out = X_scaled * self.std_.astype(dtype) + self.mean_.astype(dtype)
        return self._finite(out, "StandardScaler.inverse_transform")

    def __repr__(self) -> str:
        return "StandardScaler()"
