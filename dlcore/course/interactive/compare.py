"""Runs kept side by side: what the batch-size and learning-rate widgets compare.

A widget shows the run of its sliders' current values (the *current* run). The learner can keep
it ("add to comparison"), move the sliders and keep another, and so see several runs on one
picture; "clear runs" starts again. ``Comparison`` holds the kept runs and gives each one a
style that stays with it until it is cleared.

The styles tell runs apart without colour vision: the colours are Okabe and Ito's palette, made
for readers with any kind of colour blindness (the yellow left out: it hardly shows on white),
and each colour comes with its own line style and marker, so a print in grey still separates
them. The current run, not kept yet, is black.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class RunStyle:
    """How one run is drawn: a matplotlib colour, line style and marker."""

    color: str
    linestyle: str | tuple
    marker: str

    def kwargs(self) -> dict:
        """The keyword arguments of ``ax.plot`` for this style."""
        return {"color": self.color, "linestyle": self.linestyle, "marker": self.marker}


#: The kept runs' styles, in the order they are handed out (Okabe & Ito's colours: blue,
#: vermilion, bluish green, reddish purple, orange, sky blue).
RUN_STYLES = (
    RunStyle("#0072B2", "-", "o"),
    RunStyle("#D55E00", "--", "s"),
    RunStyle("#009E73", "-.", "^"),
    RunStyle("#CC79A7", ":", "D"),
    RunStyle("#E69F00", (0, (6, 2, 1, 2, 1, 2)), "v"),
    RunStyle("#56B4E9", (0, (2, 1)), "P"),
)
#: The style of the current run while it is not kept.
CURRENT_STYLE = RunStyle("#000000", "-", "x")


@dataclass(frozen=True)
class ShownRun:
    """One run as the picture shows it: the run, its style, and whether it is kept."""

    run: object
    style: RunStyle
    kept: bool


class Comparison:
    """The runs a widget keeps side by side, each with a style of ``RUN_STYLES``.

    ``key(run)`` says which runs are the same (the same batch size; the same optimizer and
    learning rate): keeping a run twice would draw one line over another, so ``add`` refuses
    it. At most ``len(RUN_STYLES)`` runs are kept (more lines would no longer be told apart);
    adding one more lets the oldest go. Every method that changes the runs returns a sentence
    for the learner that says what it did.
    """

    def __init__(self, key: Callable[[object], Hashable], describe: Callable[[object], str]):
        self.key = key
        self.describe = describe  # a run's name in sentences and legends: "batch size 32"
        self._kept: list[tuple[object, RunStyle]] = []

    @property
    def runs(self) -> list:
        """The kept runs, oldest first."""
        return [run for run, _ in self._kept]

    def __len__(self) -> int:
        return len(self._kept)

    def __contains__(self, run) -> bool:
        return any(self.key(kept) == self.key(run) for kept, _ in self._kept)

    def add(self, run) -> str:
        """Keep ``run`` (unless a run with its key is kept already); returns what happened."""
        name = self.describe(run)
        if run in self:
            return f"{name} is already in the comparison."
        dropped = ""
        if len(self._kept) == len(RUN_STYLES):
            oldest, _ = self._kept.pop(0)
            dropped = (f" At most {len(RUN_STYLES)} runs are compared, so the oldest, "
                       f"{self.describe(oldest)}, was taken out.")
        used = {style for _, style in self._kept}
        style = next(s for s in RUN_STYLES if s not in used)
        self._kept.append((run, style))
        return f"{name} added to the comparison.{dropped}"

    def clear(self) -> str:
        """Forget every kept run; returns what happened."""
        count = len(self._kept)
        self._kept.clear()
        return f"Comparison cleared ({count} run{'s' if count != 1 else ''} taken out)."

    def shown(self, current=None) -> list[ShownRun]:
        """The runs to draw: the kept ones in their styles, then ``current`` in black unless it
        is kept already (then it is drawn once, in its kept style)."""
        shown = [ShownRun(run, style, True) for run, style in self._kept]
        if current is not None and current not in self:
            shown.append(ShownRun(current, CURRENT_STYLE, False))
        return shown


def summary_html(status: str, summary: str) -> str:
    """The value of a widget's summary line (an ipywidgets ``HTML``): ``status`` (what the last
    click did, if anything) then ``summary`` (what the picture shows), escaped, in a live region
    (``role="status"``) that a screen reader reads out each time it changes."""
    text = (status + " " if status else "") + summary
    return (f'<div role="status" aria-live="polite" style="line-height: 1.4">'
            f"{html.escape(text)}</div>")


def comparison_controls(clear_tooltip: str, picture_height: float):
    """The controls both comparing widgets share: ``(add, clear, summary, out)``.

    "add to comparison" and "clear runs" buttons (``clear_tooltip`` says what clearing takes
    off), the summary line read by screen readers (``summary_html``), and the output area that
    holds the picture, ``picture_height`` pixels high (so the page does not jump as it redraws).
    """
    import ipywidgets as widgets

    add = widgets.Button(description="add to comparison", icon="plus",
                         tooltip="keep this run on the picture, to compare it with others",
                         layout=widgets.Layout(width="180px"))
    clear = widgets.Button(description="clear runs", icon="trash", tooltip=clear_tooltip,
                           layout=widgets.Layout(width="120px"))
    summary = widgets.HTML(layout=widgets.Layout(min_height="40px"))
    summary.add_class("dlcore-summary")
    out = widgets.Output(layout=widgets.Layout(height=f"{picture_height:.0f}px"))
    return add, clear, summary, out
