"""What every picture module shares: the axes to draw on."""


from __future__ import annotations


def _axes(ax=None, figsize=(5, 4)):
    """Return ``ax`` or a new axes of the given size."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


