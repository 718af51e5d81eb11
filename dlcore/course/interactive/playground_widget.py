"""The playground (11_playground), part 4: the widget.

``playground("linear_circles")`` shows the controls, the picture (one PNG in an ``Image``,
see ``playground_draw``) and a one-line summary, and trains a ``playground_state.Playground``:

- play / pause / step / reset: play trains in a background thread, ``epochs per frame`` epochs
  between two redraws, until pause (or 5,000 epochs); step trains one epoch; reset goes back to
  epoch 0 with the same starting weights (the seed);
- every setting of ``PlaygroundSettings``: changing one pauses and starts the run again;
- the glass box: pick a neuron and a point to read the neuron's weights, bias, activation there
  and the gradients of the last step; "show code" prints the dlcore program of this very run;
- points added by hand, at the marked point, with the label chosen.

A setting that cannot make a run (no input ticked, say) and a run that diverges are answered by
a message inside the widget, never a traceback. Works with ipywidgets 7 and 8.
"""

from __future__ import annotations

import html
import threading
import time

from .common import explorer_box
from .playground_data import (
    ACTIVATIONS,
    DATASETS,
    FEATURES,
    L2_RATES,
    LEARNING_RATES,
    MAX_LAYERS,
    MAX_NEURONS,
    OPTIMIZERS,
    PRESETS,
    PlaygroundSettings,
    PlaygroundSettingsError,
    preset,
)
from .playground_draw import render
from .playground_state import Playground

MAX_EPOCHS = 5000  # play pauses there, so a forgotten tab does not keep a core busy


class PlaygroundWidget:
    """The controls, the picture and the run behind ``playground()``; ``box`` is what shows."""

    def __init__(self, settings: PlaygroundSettings):
        import ipywidgets as w

        self.lock = threading.RLock()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.figure = None
        self.run: Playground | None = None
        self.added: list = []
        self.frames = 0
        self._holding = False
        s = settings
        wide = {"description_width": "initial"}

        def dropdown(description, options, value, width="190px"):
            return w.Dropdown(options=options, value=value, description=description,
                              style=wide, layout=w.Layout(width=width))

        # --- the buttons and what the run says ----------------------------------------------------
        self.play_button = w.Button(description="play", icon="play", tooltip="train until pause",
                                    layout=w.Layout(width="90px"))
        self.pause_button = w.Button(description="pause", icon="pause", tooltip="stop training",
                                     layout=w.Layout(width="90px"))
        self.step_button = w.Button(description="step", tooltip="train one epoch",
                                    layout=w.Layout(width="70px"))
        self.reset_button = w.Button(description="reset", tooltip="back to epoch 0, same seed",
                                     layout=w.Layout(width="70px"))
        self.summary = w.HTML(layout=w.Layout(width="560px"))
        self.message = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(width="900px"))

        # --- data ---------------------------------------------------------------------------------
        self.problem = dropdown("problem", list(DATASETS), s.problem)
        self.data = dropdown("data", list(DATASETS[s.problem]), s.data, "150px")
        self.noise = w.FloatSlider(value=s.noise, min=0, max=0.5, step=0.05, description="noise",
                                   continuous_update=False, style=wide,
                                   layout=w.Layout(width="230px"))
        self.train_share = w.IntSlider(value=round(100 * s.train_ratio), min=10, max=90, step=10,
                                       description="train %", continuous_update=False,
                                       style=wide, layout=w.Layout(width="230px"))
        self.seed = w.BoundedIntText(value=s.seed, min=0, max=10**6, description="seed",
                                     style=wide, layout=w.Layout(width="130px"))
        self.features = {name: w.Checkbox(value=name in s.features, description=label,
                                          indent=False, layout=w.Layout(width="78px"))
                         for name, (label, _) in FEATURES.items()}

        # --- network ------------------------------------------------------------------------------
        self.layers = w.IntSlider(value=len(s.hidden), min=0, max=MAX_LAYERS,
                                  description="hidden layers", continuous_update=False,
                                  style=wide, layout=w.Layout(width="250px"))
        acts = s.activations()
        self.neurons = [w.IntSlider(value=s.hidden[i] if i < len(s.hidden) else 4, min=1,
                                    max=MAX_NEURONS, description=f"layer {i + 1}",
                                    continuous_update=False, style=wide,
                                    layout=w.Layout(width="190px"))
                        for i in range(MAX_LAYERS)]
        self.layer_acts = [dropdown(f"act. {i + 1}", list(ACTIVATIONS),
                                    acts[i] if i < len(acts) else acts[0] if acts else "tanh",
                                    "130px") for i in range(MAX_LAYERS)]
        self.activation = dropdown("activation", list(ACTIVATIONS) + ["per layer"],
                                   s.activation if isinstance(s.activation, str) else "per layer",
                                   "190px")
        self.lr = dropdown("learning rate", list(LEARNING_RATES), s.lr)
        self.batch = w.IntSlider(value=s.batch_size, min=1, max=100, description="batch size",
                                 continuous_update=False, style=wide,
                                 layout=w.Layout(width="250px"))
        self.l2 = dropdown("L2", list(L2_RATES), s.l2, "140px")
        self.optimizer = dropdown("optimizer", list(OPTIMIZERS), s.optimizer, "170px")
        self.per_frame = w.IntSlider(value=s.epochs_per_frame, min=1, max=10,
                                     description="epochs per frame", continuous_update=False,
                                     style=wide, layout=w.Layout(width="250px"))

        # --- the glass box ------------------------------------------------------------------------
        self.neuron = dropdown("neuron", ["output"], "output", "210px")
        self.px = w.FloatSlider(value=0.0, min=-6, max=6, step=0.25, description="point x1",
                                continuous_update=False, style=wide,
                                layout=w.Layout(width="250px"))
        self.py = w.FloatSlider(value=0.0, min=-6, max=6, step=0.25, description="point x2",
                                continuous_update=False, style=wide,
                                layout=w.Layout(width="250px"))
        self.numbers = w.HTML()
        self.label = dropdown("label", [("class 0", 0.0), ("class 1", 1.0)], 1.0, "150px")
        self.add_button = w.Button(description="add point", tooltip="add the marked point to "
                                   "the training set (the run starts again)",
                                   layout=w.Layout(width="110px"))
        self.clear_button = w.Button(description="remove added points",
                                     layout=w.Layout(width="170px"))
        self.code_button = w.Button(description="show code", layout=w.Layout(width="110px"))
        self.code = w.HTML()

        # --- wiring -------------------------------------------------------------------------------
        self.play_button.on_click(lambda _: self.play())
        self.pause_button.on_click(lambda _: self.pause())
        self.step_button.on_click(lambda _: self._safe(self.step_once))
        self.reset_button.on_click(lambda _: self._safe(self.rebuild))
        self.add_button.on_click(lambda _: self._safe(self.add_point))
        self.clear_button.on_click(lambda _: self._safe(self.clear_points))
        self.code_button.on_click(lambda _: self._safe(self.toggle_code))
        self.problem.observe(lambda _: self._safe(self._problem_changed), names="value")
        self.activation.observe(lambda _: self._safe(self._activation_changed), names="value")
        for control in ([self.data, self.noise, self.train_share, self.seed, self.layers,
                         self.lr, self.batch, self.l2, self.optimizer, self.per_frame]
                        + list(self.features.values()) + self.neurons + self.layer_acts):
            control.observe(lambda _: self._safe(self.rebuild), names="value")
        for control in (self.neuron, self.px, self.py):
            control.observe(lambda _: self._safe(self.redraw), names="value")

        row = w.HBox
        self.layer_rows = [row([self.neurons[i], self.layer_acts[i]]) for i in range(MAX_LAYERS)]
        controls = w.VBox([
            row([self.problem, self.data, self.noise, self.train_share, self.seed]),
            row([w.HTML("<b>inputs</b>&nbsp;", layout=w.Layout(width="55px"))]
                + list(self.features.values())),
            row([self.layers, self.activation, self.optimizer, self.lr]),
            w.HBox(self.layer_rows[:3]), w.HBox(self.layer_rows[3:]),
            row([self.batch, self.l2, self.per_frame]),
        ])
        glass = w.VBox([
            row([w.HTML("<b>glass box</b>&nbsp;", layout=w.Layout(width="80px")), self.neuron,
                 self.px, self.py]),
            row([w.HTML("", layout=w.Layout(width="80px")), self.label, self.add_button,
                 self.clear_button, self.code_button]),
            self.numbers, self.code,
        ])
        buttons = row([self.play_button, self.pause_button, self.step_button, self.reset_button,
                       self.summary])
        self.box = explorer_box([buttons, self.message, self.image, controls, glass],
                                "dlcore-playground", what="widget")
        self.box.playground = self  # for tests and for the curious: box.playground.run
        self._safe(self.rebuild)

    # --- settings -----------------------------------------------------------------------------
    def settings(self) -> PlaygroundSettings:
        """The settings the controls show (checked by ``Playground``)."""
        n = self.layers.value
        per_layer = self.activation.value == "per layer"
        return PlaygroundSettings(
            problem=self.problem.value, data=self.data.value, noise=round(self.noise.value, 2),
            train_ratio=self.train_share.value / 100, seed=int(self.seed.value),
            features=tuple(k for k, box in self.features.items() if box.value),
            hidden=tuple(self.neurons[i].value for i in range(n)),
            activation=(tuple(self.layer_acts[i].value for i in range(n)) if per_layer
                        else self.activation.value),
            lr=self.lr.value, batch_size=self.batch.value, l2=self.l2.value,
            optimizer=self.optimizer.value, epochs_per_frame=self.per_frame.value)

    def _problem_changed(self):
        self.added = []
        self.data.options = list(DATASETS[self.problem.value])  # sets data: rebuilds
        self.label.options = ([("class 0", 0.0), ("class 1", 1.0)]
                              if self.problem.value == "classification"
                              else [(f"{v:+g}", v) for v in (-1.0, -0.5, 0.0, 0.5, 1.0)])
        self.rebuild()

    def _activation_changed(self):
        if self.activation.value != "per layer":
            self._holding = True  # one rebuild, not one per layer
            try:
                for box in self.layer_acts:
                    box.value = self.activation.value
            finally:
                self._holding = False
        self.rebuild()

    def rebuild(self) -> None:
        """Pause, then a new run from the controls' settings: epoch 0, the seed's weights."""
        if self._holding:
            return
        self.pause()
        n = self.layers.value
        for i, r in enumerate(self.layer_rows):
            r.layout.display = "" if i < n else "none"
        per_layer = self.activation.value == "per layer"
        for box in self.layer_acts:
            box.layout.display = "" if per_layer else "none"
        try:
            run = Playground(self.settings(), added_points=self.added)
        except PlaygroundSettingsError as exc:
            with self.lock:
                self.run = None
            self.summary.value = self._status("no run: " + str(exc).split(". Hint")[0]
                                              .removeprefix("playground: "))
            self._say(str(exc).removeprefix("playground: "), "⚠️")
            return
        with self.lock:
            self.run = run
        hidden = run.settings.hidden
        options = [(f"layer {i + 1}, neuron {j + 1}", f"{i + 1}.{j}")
                   for i, h in enumerate(hidden) for j in range(h)] + [("output", "output")]
        if self.neuron.value not in [v for _, v in options]:
            self.neuron.options = options  # its value becomes the first option
        else:
            current = self.neuron.value
            self.neuron.options = options
            self.neuron.value = current
        self._say("")
        self.redraw(small=True)

    # --- training -----------------------------------------------------------------------------
    def step_once(self) -> None:
        """One epoch, then a redraw."""
        self.pause()
        with self.lock:
            if self.run is None:
                return
            self.run.step(1)
        self.redraw()

    def play(self) -> None:
        """Train in a background thread until pause (or divergence, or MAX_EPOCHS)."""
        if self.run is None or (self.thread is not None and self.thread.is_alive()):
            return
        self.stop.clear()
        self.thread = threading.Thread(target=self._loop, name="dlcore-playground", daemon=True)
        self.thread.start()

    def pause(self) -> None:
        """Stop the background training after its current frame."""
        self.stop.set()
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)  # its last frame; it never waits for this thread
        self.thread = None

    def _loop(self) -> None:
        try:
            while not self.stop.is_set():
                with self.lock:
                    run = self.run
                    if run is None:
                        return
                    ok = run.step(run.settings.epochs_per_frame)
                self.redraw()
                if not ok or run.epoch >= MAX_EPOCHS:
                    if ok:
                        self._say(f"paused at epoch {run.epoch}: press play to go on.", "ℹ️")
                    return
                time.sleep(0.005)  # let the kernel answer the buttons between frames
        except Exception as exc:  # shown in the widget, never lost in a thread
            self._say(f"the training stopped: {type(exc).__name__}: {exc}", "⚠️")

    # --- the picture and the glass box --------------------------------------------------------
    def _selected(self):
        if self.neuron.value in (None, "output"):
            return len(self.run.settings.hidden) + 1, 0
        layer, index = self.neuron.value.split(".")
        return int(layer), int(index)

    def redraw(self, small: bool = False) -> None:
        """Draw the run as it is now: the picture, the summary, the neuron's numbers.
        ``small``: the compact PNG (after a rebuild, so that a saved notebook stays light)."""
        with self.lock:
            run = self.run
            if run is None:
                return
            selected = self._selected()
            point = (self.px.value, self.py.value)
            self.figure, png = render(run, self.figure, small=small, selected=selected,
                                      point=point)
            numbers = run.neuron(*selected, point=point).text()
            summary = run.summary()
            diverged = run.diverged
            code_open = bool(self.code.value)
            code = run.code() if code_open else ""
        self.image.value = png
        self.frames += 1
        self.summary.value = self._status(summary)
        self.numbers.value = (
            "<pre style='font-size:12px;line-height:1.25;margin:2px 0'>"
            + html.escape(numbers) + "</pre>")
        if code_open:
            self._show_code(code)
        if diverged:
            self._say("Training diverged. " + diverged.removeprefix("fit: "), "⚠️")

    @staticmethod
    def _status(text: str) -> str:
        """The one-line summary, announced to screen readers when it changes."""
        return (f"<div role='status' aria-live='polite' class='dlcore-playground-summary' "
                f"style='padding:4px 8px'>{html.escape(text)}</div>")

    def _say(self, text: str, icon: str = "") -> None:
        self.message.value = "" if not text else (
            f"<div class='dlcore-playground-message' role='alert' style='background:#fff4e5;"
            f"border-left:4px solid #e66101;padding:4px 8px;max-width:900px'>{icon} "
            f"{html.escape(text)}</div>")

    def _safe(self, action) -> None:
        """Run a callback; any error becomes a message in the widget, not a traceback."""
        try:
            action()
        except PlaygroundSettingsError as exc:
            self._say(str(exc), "⚠️")
        except Exception as exc:  # noqa: BLE001 - shown to the learner with its type
            self._say(f"{type(exc).__name__}: {exc}", "⚠️")

    def add_point(self) -> None:
        """Add the marked point, with the chosen label, to the training set; the run restarts."""
        self.added.append((self.px.value, self.py.value, float(self.label.value)))
        self.rebuild()

    def clear_points(self) -> None:
        self.added = []
        self.rebuild()

    def toggle_code(self) -> None:
        with self.lock:
            code = self.run.code() if self.run is not None else ""
        if self.code.value:
            self.code.value = ""
            self.code_button.description = "show code"
        else:
            self._show_code(code or "# no run: fix the settings first")
            self.code_button.description = "hide code"

    def _show_code(self, code: str) -> None:
        self.code.value = ("<pre class='dlcore-playground-code' style='font-size:12px;"
                           "background:#f6f6f6;padding:6px;max-width:900px;overflow:auto'>"
                           + html.escape(code) + "</pre>")


def playground(name: str | None = None, **changes):
    """The playground widget, set up as the experiment ``name`` (see ``PRESETS``) with any
    ``changes`` (e.g. ``hidden=(8, 8)``), or with the default settings if ``name`` is None."""
    if name is None:
        settings = PlaygroundSettings().replace(**changes)
    else:
        settings = preset(name, **changes)
    return PlaygroundWidget(settings).box


__all__ = ["PlaygroundWidget", "playground", "PRESETS"]
