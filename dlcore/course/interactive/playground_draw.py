"""The playground (11_playground), part 3: its picture, drawn fast enough to watch it learn.

One matplotlib figure, rendered to one PNG per redraw (the widget shows it in an ``Image``):

- left, the network as TensorFlow Playground draws it: one column per layer, every input and
  every hidden neuron a small picture of what it responds to over the square (its activation
  at each point), the weights as lines whose thickness is the weight's size and whose colour is
  its sign (both relative to the network's largest weight);
- middle, the network's answer over the square (the probability of class 1, or the value of the
  surface) with the training points (edged in white) and the test points (edged in black);
- right, the training and test loss against the epochs.

Speed (``benchmarks/playground.py``): the artists are made once per architecture and then only
their data change (``set_data``, ``set_segments``), the neuron pictures are coarse (16 x 16),
matplotlib's figure is drawn by its Agg canvas directly (no pyplot, no backend) and the PNG is
written with light compression.

The colours are matplotlib's ``PuOr``, a diverging map that stays readable with every common
kind of colour blindness: orange for class 0 and negative numbers, purple for class 1 and
positive ones, white for 0 (or a probability of 1/2). The classes also differ in marker shape.
"""

from __future__ import annotations

import io

import numpy as np

from .playground_data import DOMAIN, FEATURES

CMAP = "PuOr"
BOUNDARY_GRID = 64   # points per side of the network's answer
NEURON_GRID = 16     # points per side of each neuron's picture
MARKERS = ("o", "^")  # class 0, class 1
MAX_ROWS = 8         # the most neurons a column has (7 features, 8 neurons)


class PlaygroundFigure:
    """The playground's picture for one architecture; ``update(run)`` then ``png()`` per frame.

    ``selected`` is (layer, index) of the highlighted neuron (layer 1 = first hidden layer; the
    output neuron is ``len(hidden) + 1``) and ``point`` the point marked on the answer.
    """

    def __init__(self, run, dpi: int = 72):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.collections import LineCollection
        from matplotlib.figure import Figure
        from matplotlib.patches import Rectangle

        self.shape = self.architecture(run)
        s = run.settings
        self.problem = s.problem
        self.fig = Figure(figsize=(12.5, 4.8), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax_net = self.fig.add_axes([0.0, 0.02, 0.5, 0.9])
        self.ax_out = self.fig.add_axes([0.545, 0.1, 0.25, 0.78])
        self.ax_loss = self.fig.add_axes([0.84, 0.16, 0.15, 0.66])

        # --- the network: neuron pictures and weight lines ------------------------------------
        ax = self.ax_net
        columns = [len(s.features)] + list(s.hidden) + [1]
        self.columns = columns
        # fixed limits, so that the pictures keep their size whatever the number of layers
        ax.set_xlim(-1.4, 12.3)
        ax.set_ylim(-MAX_ROWS + 0.45, 1.35)
        ax.set_axis_off()
        half = 0.34
        gap = min(3.2, 11.4 / (len(columns) - 1))
        top = (MAX_ROWS - max(columns)) / 2  # centred vertically
        self.centres = [[(c * gap, -i - top - (max(columns) - n) / 2) for i in range(n)]
                        for c, n in enumerate(columns)]
        blank = np.zeros((NEURON_GRID, NEURON_GRID))
        self.images = []
        for column in self.centres:
            row = []
            for x, y in column:
                row.append(ax.imshow(blank, cmap=CMAP, vmin=-1, vmax=1, origin="lower",
                                     extent=(x - half, x + half, y - half, y + half),
                                     interpolation="nearest", zorder=2))
                ax.add_patch(Rectangle((x - half, y - half), 2 * half, 2 * half, fill=False,
                                       lw=0.6, ec="0.4", zorder=3))
            self.images.append(row)
        for (x, y), name in zip(self.centres[0], s.features, strict=True):
            ax.text(x - half - 0.1, y, FEATURES[name][0], ha="right", va="center", fontsize=11)
        titles = ["inputs"] + [f"{n} neuron{'s' if n > 1 else ''}\n{a}"
                               for n, a in zip(s.hidden, s.activations(), strict=True)] + ["output"]
        for c, title in enumerate(titles):
            ax.text(c * gap, 0.5, title, ha="center", va="bottom", fontsize=10)
        segments = []
        for c in range(len(columns) - 1):
            for x0, y0 in self.centres[c]:
                for x1, y1 in self.centres[c + 1]:
                    segments.append([(x0 + half, y0), (x1 - half, y1)])
        self.lines = LineCollection(segments, cmap=CMAP, zorder=1)
        self.lines.set_clim(-1, 1)
        ax.add_collection(self.lines)
        self.highlight = Rectangle((0, 0), 2 * half + 0.1, 2 * half + 0.1, fill=False, lw=2.5,
                                   ec="black", zorder=4, visible=False)
        ax.add_patch(self.highlight)
        self.half = half

        # --- the answer over the square, with the points ---------------------------------------
        ax = self.ax_out
        vmin = 0 if self.problem == "classification" else -1
        self.answer = ax.imshow(np.zeros((BOUNDARY_GRID, BOUNDARY_GRID)), cmap=CMAP, vmin=vmin,
                                vmax=1, origin="lower", extent=DOMAIN + DOMAIN,
                                interpolation="bilinear", alpha=0.8)
        ax.set_xlim(*DOMAIN)
        ax.set_ylim(*DOMAIN)
        ax.set_xticks([-6, 0, 6])
        ax.set_yticks([-6, 0, 6])
        ax.tick_params(labelsize=9)
        ax.set_xlabel("x₁", fontsize=10, labelpad=0)
        ax.set_ylabel("x₂", fontsize=10, labelpad=0)
        self.point_sets = self._draw_points(run)
        (self.marker,) = ax.plot([0], [0], marker="X", ms=11, mec="white", mfc="black",
                                 ls="none", zorder=5)
        self.banner = ax.text(0, 0, "", ha="center", va="center", fontsize=12, color="white",
                              bbox={"facecolor": "black", "alpha": 0.75}, zorder=6)
        self.answer_title = ax.set_title("", fontsize=10)

        # --- the losses ---------------------------------------------------------------------------
        ax = self.ax_loss
        (self.train_line,) = ax.plot([], [], color="#5e3c99", lw=1.8, label="train")
        (self.test_line,) = ax.plot([], [], color="#e66101", lw=1.8, ls="--", label="test")
        ax.set_xlabel("epoch", fontsize=9, labelpad=0)
        ax.set_ylabel("loss", fontsize=9, labelpad=1)
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=9, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2,
                  frameon=False, handlelength=1.8)

        # what changes from frame to frame: drawn on a copy of the rest (see ``png``)
        self.dynamic = ([image for column in self.images for image in column]
                        + [self.lines, self.highlight, self.answer] + self.point_sets
                        + [self.marker, self.banner, self.answer_title, self.train_line,
                           self.test_line])
        self.dynamic.sort(key=lambda artist: artist.get_zorder())  # stable: lines under pictures
        for artist in self.dynamic:
            artist.set_animated(True)
        self._background, self._background_key = None, None

    @staticmethod
    def architecture(run) -> tuple:
        """What fixes the artists: features, layers, problem and the points."""
        s = run.settings
        return (s.features, s.hidden, s.activations(), s.problem, s.data, s.n_points, s.noise,
                s.train_ratio, s.seed, tuple(run.added_points))

    def _draw_points(self, run):
        ax = self.ax_out
        sets = []
        # training points edged in white, test points in black: both show on either colour
        for P, y, edge in ((run.P_train, run.y_train, "white"), (run.P_test, run.y_test, "black")):
            if self.problem == "classification":
                for label in (0, 1):
                    mine = y == label
                    colour = "#b35806" if label == 0 else "#542788"
                    sets.append(ax.scatter(P[mine, 0], P[mine, 1], s=20, c=colour,
                                           marker=MARKERS[label], edgecolors=edge,
                                           linewidths=0.7, zorder=3))
            else:
                sets.append(ax.scatter(P[:, 0], P[:, 1], s=20, c=y[:, 0], cmap=CMAP, vmin=-1,
                                       vmax=1, edgecolors=edge, linewidths=0.7, zorder=3))
        return sets

    def update(self, run, selected=None, point=(0.0, 0.0), show_test: bool = True) -> None:
        """Set every picture's data from ``run`` (the same architecture)."""
        # the neurons' pictures, each scaled to its own largest value so its shape shows
        for column, maps in zip(self.images, run.neuron_grids(NEURON_GRID), strict=False):
            for image, a in zip(column, maps, strict=True):
                top = np.max(np.abs(a))
                image.set_data(a / top if np.isfinite(top) and top > 0 else np.zeros_like(a))
        answer = run.output_grid(BOUNDARY_GRID)
        shown = answer if self.problem == "regression" else answer
        self.answer.set_data(np.nan_to_num(shown, nan=0.5))
        small = answer[::BOUNDARY_GRID // NEURON_GRID, ::BOUNDARY_GRID // NEURON_GRID]
        self.images[-1][0].set_data(2 * small - 1 if self.problem == "classification" else small)
        # the weights: thickness is the size, colour the sign, both relative to the largest
        # weight of the network (weights that grow together keep a readable picture)
        w = np.nan_to_num(np.concatenate([W.ravel() for W in run.weights()]))
        largest = max(float(np.abs(w).max()), 1e-12)
        self.lines.set_array(w / largest)
        self.lines.set_linewidths(0.2 + 4.8 * np.abs(w) / largest)
        for points in self.point_sets[len(self.point_sets) // 2:]:
            points.set_visible(show_test)
        # the selected neuron and the chosen point
        if selected is not None:
            layer, index = selected
            x, y = self.centres[layer][index]
            h = self.half + 0.05
            self.highlight.set_xy((x - h, y - h))
            self.highlight.set_visible(True)
        else:
            self.highlight.set_visible(False)
        self.marker.set_data([point[0]], [point[1]])
        self.banner.set_text("diverged: see the message" if run.diverged else "")
        self.banner.set_visible(bool(run.diverged))
        what = "P(class 1)" if self.problem == "classification" else "value"
        self.answer_title.set_text(f"network's answer ({what}), epoch {run.epoch}")
        # the losses
        ax = self.ax_loss
        epochs = np.array(run.epochs)
        self.train_line.set_data(epochs, run.train_loss)
        self.test_line.set_data(epochs, run.test_loss)
        if len(epochs):
            # limits in steps (10, 20, 50, 100, ...), so that the axes, and with them the
            # background, change rarely
            top = max(max(run.train_loss), max(run.test_loss))
            ax.set_xlim(0, _nice_ceiling(max(10, epochs[-1])))
            ax.set_ylim(0, _nice_ceiling(top * 1.05) if np.isfinite(top) and top > 0 else 1)

    def png(self, small: bool = False) -> bytes:
        """The figure as PNG bytes; ``small``: a 128-colour palette, about 4 times smaller and
        60 ms slower (for pictures saved in a notebook).

        Only the artists that change are drawn each time (``animated=True``), on a copy of the
        rest (axes, ticks, labels), which is drawn again only when the loss axes' limits
        change: text is most of matplotlib's drawing time. The PNG is written by Pillow from the
        canvas's pixels, without alpha and with light compression.
        """
        from PIL import Image

        key = (self.ax_loss.get_xlim(), self.ax_loss.get_ylim())
        if key != self._background_key:
            self.canvas.draw()  # every artist but the animated ones
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._background_key = key
        self.canvas.restore_region(self._background)
        for artist in self.dynamic:
            if artist.get_visible():
                self.fig.draw_artist(artist)
        pixels = np.asarray(self.canvas.buffer_rgba())[:, :, :3]
        buffer = io.BytesIO()
        if small:
            Image.fromarray(pixels).quantize(128, method=Image.Quantize.FASTOCTREE).save(
                buffer, format="png")
        else:
            Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


def _nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... (times a power of ten) that is >= ``x``."""
    power = 10.0 ** np.floor(np.log10(x))
    for step in (1, 2, 5, 10):
        if step * power >= x:
            return float(step * power)
    return float(10 * power)


def render(run, figure: PlaygroundFigure | None = None, small: bool = False,
           **view) -> tuple[PlaygroundFigure, bytes]:
    """Draw ``run`` on ``figure`` (a new one if None or if the architecture changed); returns the
    figure to reuse next time and the PNG (``small``: see ``PlaygroundFigure.png``)."""
    if figure is None or figure.shape != PlaygroundFigure.architecture(run):
        figure = PlaygroundFigure(run)
    figure.update(run, **view)
    return figure, figure.png(small=small)


def describe_picture(run) -> str:
    """The picture of ``run`` in words: its alt text, for a screen reader."""
    s = run.settings
    hidden = ", ".join(str(n) for n in s.hidden) or "none"
    answer = "the boundary between the two classes" if s.problem == "classification" \
        else "the predicted surface"
    return (f"The playground: the {s.data} data, with {answer} over the square and the "
            f"training and test points; inputs {', '.join(s.features)}; hidden layers of "
            f"{hidden} neurons, each with a small picture of what it responds to, and the "
            f"weights as lines whose thickness is their size; {run.summary()}.")


def show(run, **view) -> None:
    """Show ``run``'s picture in a notebook, as a plain image (it needs no running kernel),
    with its description as alt text."""
    from IPython.display import publish_display_data

    from ..viz.common import png_bundle

    data, metadata = png_bundle(render(run, small=True, **view)[1], describe_picture(run),
                                width=900)
    publish_display_data(data, metadata)
