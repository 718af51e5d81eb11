"""Pictures: Optimizer: loss surfaces and paths (06_optimizer).

matplotlib is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import textwrap

import numpy as np

from .common import CYCLE, WRONG, _axes, describe, next_series_style, num, quiet, series_style


def plot_loss_surface(surface, ax=None, levels: int = 20, cmap: str = "viridis"):
    """Draw a 2-D loss surface as a map: filled contours, contour lines and the lowest point.

    ``surface`` is one of ``dlcore.interactive.SURFACES`` (anything with ``loss(w)`` for
    ``w: (..., 2)``, ``xlim``, ``ylim``, ``minimum`` and ``formula``). Each contour line joins
    points of equal loss, as the lines of a hiking map join points of equal height. The levels
    are spaced evenly on a log scale, so the flat floor of a valley shows as clearly as its
    steep walls. Axes ``w1`` (x) and ``w2`` (y); returns the filled ``QuadContourSet``.
    (``notebooks/06_optimizer.ipynb``.)
    """
    from matplotlib.colors import LogNorm

    ax = _axes(ax, (5, 4))
    W1, W2 = np.meshgrid(np.linspace(*surface.xlim, 150), np.linspace(*surface.ylim, 150))
    L = surface.loss(np.stack([W1, W2], axis=-1))
    top = float(L.max())
    bottom = max(float(L.min()), top * 1e-4)
    level_values = np.geomspace(bottom, top, levels)
    filled = ax.contourf(W1, W2, np.clip(L, bottom, top), levels=level_values, cmap=cmap,
                         norm=LogNorm(bottom, top), alpha=0.85)
    # thin lines without anti-aliasing: as readable, and the PNG in the notebook is 3x smaller
    ax.contour(W1, W2, L, levels=level_values, colors="white", linewidths=0.6, alpha=0.5,
               antialiased=False)
    ax.plot(*surface.minimum, marker="*", markersize=15, color="gold", markeredgecolor="black",
            linestyle="none", label="lowest point", zorder=5)
    ax.set_xlim(*surface.xlim)
    ax.set_ylim(*surface.ylim)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(getattr(surface, "formula", ""))
    describe(ax, _surface_sentence(surface, L))
    return filled


def _surface_sentence(surface, L) -> str:
    """What ``plot_loss_surface`` shows, in words."""
    formula = getattr(surface, "formula", "")
    (x0, x1), (y0, y1) = surface.xlim, surface.ylim
    return (f"A contour map of the loss{' ' + formula if formula else ''} over w1 from "
            f"{num(x0)} to {num(x1)} and w2 from {num(y0)} to {num(y1)}, the loss between "
            f"{num(L.min())} and {num(L.max())} (log-spaced levels, bright is high); the lowest "
            f"point, a star, at ({num(surface.minimum[0])}, {num(surface.minimum[1])}).")


def _path_sentence(path, label=None) -> str:
    path = np.asarray(path, dtype=np.float64).reshape(-1, 2)
    path = np.where(np.abs(path) < 1e-9 * max(np.abs(path).max(), 1e-300), 0.0, path)  # rounding
    return (f"{label + ': ' if label else ''}a path of {len(path) - 1} steps from "
            f"({num(path[0, 0])}, {num(path[0, 1])}), a square, to "
            f"({num(path[-1, 0])}, {num(path[-1, 1])})")


def plot_path(path, ax=None, label: str | None = None, color=None, markersize: float = 3):
    """Draw the path of two parameters, ``path: (k + 1, 2)``, as dots joined by lines.

    Points outside the axes' current limits are moved to the edge (clipped), so a run that
    flies off the map still shows where it left; the start is a square. Returns the ``Line2D``.
    """
    ax = _axes(ax, (5, 4))
    path = np.asarray(path, dtype=np.float64).reshape(-1, 2)
    x0, x1 = sorted(ax.get_xlim())
    y0, y1 = sorted(ax.get_ylim())
    x = np.clip(path[:, 0], x0, x1)
    y = np.clip(path[:, 1], y0, y1)
    (line,) = ax.plot(x, y, "o-", color=color, markersize=markersize, linewidth=1.2,
                      label=label, zorder=4)
    ax.plot(x[0], y[0], "s", color=line.get_color(), markersize=7, markeredgecolor="black",
            zorder=6)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    describe(ax, _path_sentence(path, label) + ".")
    return line


def plot_loss_per_step(losses, ax=None, label: str | None = None, color=None, log: bool = True):
    """Draw the loss after each step (step 0 = the start), on a log scale by default.

    On a log scale, a loss that shrinks by the same factor every step is a straight line, and
    the tiny losses near the end stay visible. Losses of exactly 0 are drawn at 1e-12.
    Returns the ``Line2D``.
    """
    ax = _axes(ax, (5, 4))
    losses = np.asarray(losses, dtype=np.float64)
    shown = np.maximum(losses, 1e-12) if log else losses
    style = next_series_style(ax, color, n_points=len(losses))  # a marker per run, too
    (line,) = ax.plot(np.arange(len(losses)), shown, label=label, markersize=3, **style)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss" + (" (log scale)" if log else ""))
    ax.grid(True, alpha=0.3)
    describe(ax, _losses_sentence(losses, label, log) + ".")
    return line


def _losses_sentence(losses, label=None, log=True) -> str:
    losses = np.asarray(losses, dtype=np.float64)
    return (f"{label + ': ' if label else ''}the loss after each of {len(losses) - 1} steps"
            f"{' on a log scale' if log else ''}, from {num(losses[0])} to {num(losses[-1])}")


def plot_surface_runs(surface, runs, axes=None, labels=None):
    """Two panels: the paths of ``runs`` on the loss surface, and their loss at every step.

    ``runs`` is a list of ``dlcore.interactive.SurfaceRun`` (the result of
    ``optimize_on_surface``). With one run, its ``message`` (crawling, converged, oscillating,
    diverged at step k, ...) is written on the plot; with several, the legend of the runs is on
    the loss panel, so that it hides no path. A diverged run gets a red cross where it left.
    Returns the two axes. (``notebooks/06_optimizer.ipynb`` and its widget.)
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax_map, ax_loss = axes
    if labels is None:
        labels = [f"{r.optimizer}, lr={r.lr:.3g}" for r in runs]
    with quiet():  # described once, below
        plot_loss_surface(surface, ax=ax_map)
    for i, (run, label) in enumerate(zip(runs, labels, strict=True)):
        color = CYCLE[1] if len(runs) == 1 else series_style(i + 1)["color"]
        with quiet():
            line = plot_path(run.path, ax=ax_map, label=label if len(runs) == 1 else None,
                             color=color, markersize=3 if len(runs) == 1 else 1.5)
            line.set_marker(series_style(i)["marker"])  # the same marker as its loss curve
            plot_loss_per_step(run.losses, ax=ax_loss, label=label, color=color)
        if run.diverged:
            x0, x1 = ax_map.get_xlim()
            y0, y1 = ax_map.get_ylim()
            end = run.path[-1]
            ax_map.plot(np.clip(end[0], x0, x1), np.clip(end[1], y0, y1), "X", color=WRONG,
                        markersize=14, markeredgecolor="black", zorder=7)
    ax_map.legend(loc="lower right", fontsize=8, framealpha=0.9)  # the star (and a single run)
    ax_loss.set_xlim(0, max(max(r.steps for r in runs), 1))
    if len(runs) == 1:
        run = runs[0]
        if run.diverged:
            ax_loss.axvline(run.diverged_at, color=WRONG, linestyle="--", linewidth=1)
        ax_loss.set_title(f"{run.optimizer}, learning rate {run.lr:.2g}: {run.outcome}")
        ax_loss.text(0.03, 0.03, textwrap.fill(run.message, 48), transform=ax_loss.transAxes,
                     fontsize=9, va="bottom", ha="left",
                     bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9},
                     color="darkred" if run.diverged else "black")
    else:
        ax_loss.set_title("loss at every step")
        ax_loss.legend(fontsize=8)
    describe(ax_map, _runs_sentence(surface, runs, labels, "Left: the paths on the map. "
                                    "Right: the loss at every step, log scale."))
    return axes


def _runs_sentence(surface, runs, labels, layout: str) -> str:
    """What ``plot_surface_runs`` and ``plot_surface_paths`` show, in words."""
    W1, W2 = np.meshgrid(np.linspace(*surface.xlim, 150), np.linspace(*surface.ylim, 150))
    L = surface.loss(np.stack([W1, W2], axis=-1))  # the grid plot_loss_surface draws
    words = [f"{layout} {_surface_sentence(surface, L)}"]
    for run, label in zip(runs, labels, strict=True):
        end = np.asarray(run.path)[-1]
        words.append(f"{label}: {run.outcome}, the loss from {num(run.losses[0])} to "
                     f"{num(run.losses[-1])} in {run.steps} steps"
                     + (f", left the map at step {run.diverged_at}, a cross" if run.diverged
                        else f", ending at ({num(end[0])}, {num(end[1])})") + ".")
    return " ".join(words)


def plot_surface_paths(surface, runs, axes=None, labels=None, levels: int = 14):
    """One small map per run, each with its own path, and a last panel with every loss curve.

    Several paths on one map hide each other; side by side, each run's path is read on its
    own, and the shared loss panel compares them (``notebooks/06_optimizer.ipynb``: learning
    rates too small, right and too large; the optimizers' race on the valley). Each map is
    titled with the run's label and its ``outcome`` (crawling, converged, oscillating,
    diverged, ...); a diverged run gets a red cross where it left the map.

    Parameters
    ----------
    surface : one of ``dlcore.interactive.SURFACES``
    runs : list of ``SurfaceRun`` (from ``optimize_on_surface``)
    axes : ``len(runs) + 1`` axes, optional: one map per run, then the loss panel. Default: a
        new figure with all of them in one row.
    labels : list of str, optional. Default: "optimizer, lr=...".
    levels : int, the number of contour levels of each map (fewer than a big map: they are small)

    Returns
    -------
    The list of axes (maps first, the loss panel last).
    """
    import matplotlib.pyplot as plt

    if labels is None:
        labels = [f"{r.optimizer}, lr={r.lr:.3g}" for r in runs]
    if axes is None:
        _, axes = plt.subplots(1, len(runs) + 1, figsize=(3.3 * (len(runs) + 1), 2.8),
                               layout="constrained")
    axes = list(np.ravel(axes))
    if len(axes) != len(runs) + 1 or len(labels) != len(runs):
        raise ValueError(
            f"plot_surface_paths: expected {len(runs) + 1} axes (one map per run, then the loss "
            f"panel) and {len(runs)} labels, received {len(axes)} axes and {len(labels)} labels."
        )
    ax_loss = axes[-1]
    for i, (ax, run, label) in enumerate(zip(axes[:-1], runs, labels, strict=True)):
        color = series_style(i + 1)["color"]  # the same colours as plot_surface_runs
        with quiet():  # described once, below
            plot_loss_surface(surface, ax=ax, levels=levels)
            plot_path(run.path, ax=ax, color=color, markersize=2)
        if run.diverged:
            x0, x1 = ax.get_xlim()
            y0, y1 = ax.get_ylim()
            end = run.path[-1]
            ax.plot(np.clip(end[0], x0, x1), np.clip(end[1], y0, y1), "X", color=WRONG,
                    markersize=11, markeredgecolor="black", zorder=7)
        ax.set_title(f"{label}: {run.outcome}", fontsize=10)
        ax.tick_params(labelsize=8)
        with quiet():
            plot_loss_per_step(run.losses, ax=ax_loss, label=label, color=color)
    ax_loss.set_xlim(0, max(max(r.steps for r in runs), 1))
    ax_loss.set_title("loss at every step", fontsize=10)
    ax_loss.legend(fontsize=8)
    describe(axes[0], _runs_sentence(surface, runs, labels, f"{len(runs)} small maps, one per "
                      f"run, then a panel with the loss of every run at every step."))
    return axes


