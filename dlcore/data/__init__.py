"""Getting data ready for a network: splits, label encoding, one-hot, scaling and mini-batches.

Introduced in ``notebooks/01_data.ipynb``; ``notebooks/07_training_loop.ipynb`` uses
``BatchLoader`` inside the training loop.

The order of the steps matters, and each function here does one of them:

1. ``train_val_test_split``: set the validation and test data aside *first*, before looking at
   any statistics, so that what we measure on them is an honest estimate of new data.
2. ``LabelEncoder``: turn class names ("cat", "dog") into the integers 0..K-1 a loss expects.
3. ``one_hot``: turn integer labels into (N, K) rows with a single 1, for losses that compare
   probability vectors.
4. ``MinMaxScaler`` / ``StandardScaler``: bring features to similar ranges, with statistics
   learned on the training split only.
5. ``BatchLoader``: serve the training data in shuffled mini-batches, one epoch per loop.

Conventions: samples are rows (``X`` has shape ``(N, ...)``, ``y`` has ``N`` entries); no
function changes the caller's arrays (new arrays are built by indexing); randomness comes from
``seed`` (None, an int or a ``numpy.random.Generator``, see ``dlcore.rng``).

The package holds one module per job: ``split``, ``labels``, ``scaling`` and ``batches``; every
name is importable from here (``from dlcore.data import BatchLoader``).
"""

from .batches import (  # noqa: F401
    BatchLoader,
)
from .labels import (  # noqa: F401
    LabelEncoder,
    one_hot,
)
from .scaling import (  # noqa: F401
    MinMaxScaler,
    StandardScaler,
)
from .split import (  # noqa: F401
    train_val_test_split,
)

__all__ = [
    "train_val_test_split",
    "LabelEncoder",
    "one_hot",
    "MinMaxScaler",
    "StandardScaler",
    "BatchLoader",
]
