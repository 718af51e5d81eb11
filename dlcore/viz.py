"""Pictures for the course: images, network diagrams, activations, losses, learning curves.

matplotlib is imported here and only here (and in ``interactive.py``), so the core of dlcore
needs NumPy alone. Every function draws on the ``ax`` it is given (or a new one) and returns the
matplotlib object it drew, so a notebook can combine several plots in one figure.
"""

from __future__ import annotations


def _axes(ax=None, figsize=(5, 4)):
    """Return ``ax`` or a new axes of the given size."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


# =================================================================================================
# Data: images and tables (01_data)
# =================================================================================================


# =================================================================================================
# Architecture: network diagrams, activations, decision boundaries (02_architecture)
# =================================================================================================


# =================================================================================================
# Loss (03_loss)
# =================================================================================================


# =================================================================================================
# Forward and back propagation (04, 05)
# =================================================================================================


# =================================================================================================
# Optimizer: loss surfaces and paths (06_optimizer)
# =================================================================================================


# =================================================================================================
# Training: learning curves, predictions, confusion matrix (07_training_loop)
# =================================================================================================


# =================================================================================================
# Convolution and recurrence (08, 09)
# =================================================================================================
