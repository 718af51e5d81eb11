"""Widgets: Data: a digit's pixels, mini-batches (00_start_here, 01_data).

See ``dlcore.course.interactive`` for how a widget is split in two.
"""

from __future__ import annotations

import numpy as np

from .common import explorer_box


def digit_view(images, labels, index: int):
    """The image and label at ``index``: images (N, H, W) or (N, H*W) square -> ((H, W), label).

    Flat rows (the digits data set stores each 8x8 image as a row of 64 numbers) are reshaped
    back into their square grid. Used by ``digit_explorer``.
    """
    imgs = np.asarray(images)
    if imgs.ndim == 2:
        side = int(round(imgs.shape[1] ** 0.5))
        if side * side != imgs.shape[1]:
            raise ValueError(
                f"digit_view: expected square images, (N, H, W) or (N, H*W) rows, received "
                f"rows of {imgs.shape[1]} numbers, which is not a square."
            )
        imgs = imgs.reshape(len(imgs), side, side)
    if imgs.ndim != 3 or len(imgs) != len(labels):
        raise ValueError(
            f"digit_view: expected images (N, H, W) and N labels, received images of shape "
            f"{np.shape(images)} and {len(labels)} labels."
        )
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"digit_view: expected an integer index, received {index!r}.")
    if not 0 <= index < len(imgs):
        raise ValueError(
            f"digit_view: expected an index in [0, {len(imgs)}), received {index}."
        )
    return imgs[index], labels[index]


def digit_explorer(images, labels, index: int = 0):
    """A slider over the data set: each position shows one image as a picture and as numbers.

    images : (N, 8, 8) or (N, 64); labels : (N,). Used in ``00_start_here`` to try a slider
    (and to check that widgets are drawn) and in ``01_data``. Returns the widget box (CSS class
    ``dlcore-digit-explorer``).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from dlcore.course import viz

    digit_view(images, labels, index)  # check the inputs once, before building the widget
    slider = widgets.IntSlider(value=index, min=0, max=len(labels) - 1, step=1,
                               description="sample", continuous_update=False)

    def show(i):
        image, label = digit_view(images, labels, i)
        fig, axes = plt.subplots(1, 2, figsize=(7, 3.2))
        viz.show_image(image, ax=axes[0], title=f"what you see: a {label}")
        viz.show_pixel_values(image, ax=axes[1], title="what the computer stores")
        fig.tight_layout()
        viz.alt(fig, f"Sample {i} of {len(labels)}, labelled {label}: on the left the "
                     f"{image.shape[0]} by {image.shape[1]} picture, on the right the same "
                     f"image as its {image.size} numbers, from {image.min():g} to "
                     f"{image.max():g}.")
        plt.show()

    out = widgets.interactive_output(show, {"i": slider})
    out.layout = widgets.Layout(height="330px")
    return explorer_box([slider, out], "dlcore-digit-explorer", what="slider")


def batch_plan(num_samples: int, batch_size: int, drop_last: bool = False, epochs: int = 3,
               seed=0) -> list[list[np.ndarray]]:
    """Which samples each mini-batch holds, epoch after epoch, as ``BatchLoader`` serves them.

    Returns a list (one per epoch) of lists of batches, each batch the (B,) array of sample
    numbers 0..num_samples-1 it contains: exactly what ``viz.show_batches`` draws. Used by
    ``batch_explorer`` in ``01_data``.
    """
    from dlcore.data import BatchLoader

    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"batch_plan: expected epochs to be a positive int, received {epochs!r}.")
    loader = BatchLoader(np.arange(num_samples), None, batch_size=batch_size, shuffle=True,
                         seed=seed, drop_last=drop_last)
    return [[X_batch for X_batch, _ in loader] for _ in range(epochs)]


def batch_explorer(num_samples: int = 10, batch_size: int = 4, drop_last: bool = False):
    """Sliders for the number of samples and the batch size, and a drop_last switch (01_data).

    Draws ``viz.show_batches`` for 3 epochs and prints the count: iterations per epoch =
    ceil(N / batch_size), or floor with drop_last. Returns the widget box (CSS class
    ``dlcore-batch-explorer``).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from dlcore.course import viz

    n = widgets.IntSlider(value=num_samples, min=1, max=24, description="samples N")
    bs = widgets.IntSlider(value=batch_size, min=1, max=12, description="batch size")
    drop = widgets.Checkbox(value=drop_last, description="drop_last")

    def show(n, bs, drop):
        if drop and bs > n:
            print(f"drop_last with batch size {bs} > N = {n} would leave no batch at all: "
                  f"make the batch smaller.")
            return
        plan = batch_plan(n, bs, drop_last=drop, epochs=3, seed=0)
        sizes = [len(b) for b in plan[0]]
        rule = f"floor({n} / {bs})" if drop else f"ceil({n} / {bs})"
        print(f"{len(sizes)} iterations per epoch = {rule}; batch sizes {sizes}; "
              f"3 epochs = {3 * len(sizes)} iterations")
        fig, ax = plt.subplots(figsize=(9, 2.4))
        viz.show_batches(plan, num_samples=n, ax=ax)
        plt.show()

    out = widgets.interactive_output(show, {"n": n, "bs": bs, "drop": drop})
    out.layout = widgets.Layout(height="250px")
    return explorer_box([widgets.HBox([n, bs, drop]), out], "dlcore-batch-explorer",
                        what="sliders")


