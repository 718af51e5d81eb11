"""How fast the playground of 11_playground trains and redraws, measured as a learner meets it.

A frame of "play" is what the widget's background thread does between two pictures: train
``epochs per frame`` epochs with dlcore's ``fit`` (every training point once per epoch, in
mini-batches of 10: 25 updates per epoch for 250 training points), then compute every neuron's
picture and the answer over the square, update the figure's artists and write one PNG, and hand
it to the ``Image`` widget. "One step" is the step button: one epoch and one such redraw.

Targets: at least 10 redraws per second while playing, for 2 hidden layers of 8 neurons on 500
points with several training steps (updates) per redraw; one step answered within 100 ms. The
widget is driven from Python (``PlaygroundWidget``), so the time is the kernel's whole path
except the browser's decoding of the PNG.

Writes ``benchmarks/PLAYGROUND.md`` and then rewrites ``RESULTS.md`` (``bench.py
--render-only``), which includes it::

    python benchmarks/playground.py            # about a minute
    python benchmarks/playground.py --no-write # print only
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(settings, frames: int, per_frame: int) -> dict:
    from dlcore.course.interactive.playground_draw import render
    from dlcore.course.interactive.playground_state import Playground

    run = Playground(settings)
    figure, _ = render(run, None)  # the figure is made once per architecture, as in the widget
    compute, draw, total, cpu = [], [], [], []
    for _ in range(frames):
        c0 = time.process_time()
        t0 = time.perf_counter()
        run.step(per_frame)
        t1 = time.perf_counter()
        figure, png = render(run, figure, selected=(1, 0), point=(1.0, 1.0))
        run.neuron(1, 0, point=(1.0, 1.0)).text()  # the glass box, redrawn every frame
        t2 = time.perf_counter()
        cpu.append(time.process_time() - c0)
        compute.append(t1 - t0)
        draw.append(t2 - t1)
        total.append(t2 - t0)
    return {"train": statistics.median(compute), "draw": statistics.median(draw),
            "frame": statistics.median(total), "cpu": statistics.median(cpu), "worst": max(total), "png_kb": len(png) / 1024,
            "updates": per_frame * -(-len(run.X_train) // settings.batch_size)}


def widget_step(settings, repeats: int) -> dict:
    """The step button of the real widget (ipywidgets, no browser): click to picture sent."""
    from dlcore.course.interactive.playground_widget import PlaygroundWidget

    pg = PlaygroundWidget(settings)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        pg.step_button.click()
        times.append(time.perf_counter() - t0)
    pg.play_button.click()
    time.sleep(5.0)
    frames_before = pg.frames
    t0 = time.perf_counter()
    time.sleep(5.0)
    fps = (pg.frames - frames_before) / (time.perf_counter() - t0)
    pg.pause_button.click()
    return {"step": statistics.median(times), "step_worst": max(times), "play_fps": fps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    from dlcore.course.interactive.playground_data import PlaygroundSettings

    load_start = os.getloadavg()
    rows = []
    for n_points in (500, 1000):
        for per_frame in (1, 3):
            s = PlaygroundSettings(data="spiral", n_points=n_points, hidden=(8, 8),
                                   features=("x1", "x2"), batch_size=10,
                                   epochs_per_frame=per_frame)
            m = measure(s, args.frames, per_frame)
            rows.append((n_points, per_frame, m))
            print(f"{n_points} points, {per_frame} epoch(s)/frame ({m['updates']} updates): "
                  f"frame {1000 * m['frame']:.0f} ms = train {1000 * m['train']:.0f} + draw "
                  f"{1000 * m['draw']:.0f} -> {1 / m['frame']:.1f} redraws/s (CPU time "
                  f"{1000 * m['cpu']:.0f} ms)", flush=True)
    w = widget_step(PlaygroundSettings(data="spiral", n_points=500, hidden=(8, 8),
                                       epochs_per_frame=1), repeats=20)
    print(f"widget: step {1000 * w['step']:.0f} ms (worst {1000 * w['step_worst']:.0f}), "
          f"play {w['play_fps']:.1f} redraws/s", flush=True)
    load_end = os.getloadavg()

    lines = [
        "## Playground (11_playground)",
        "",
        f"Measured by `python benchmarks/playground.py` on {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} cores, shared: load average (1, 5, 15 min) "
        f"{[round(x, 2) for x in load_start]} at start, {[round(x, 2) for x in load_end]} at "
        f"end. The network: 2 hidden layers of 8 tanh neurons, inputs x1 and x2, SGD, batch 10, "
        f"the spiral; half the points train. A frame is what play does between two pictures: "
        f"train, then every neuron's picture, the answer over the square, the artists updated "
        f"and one PNG. Medians of {args.frames} frames.",
        "",
        "| points | epochs per frame (updates) | train | draw + PNG | frame | redraws/s | worst "
        "frame | CPU time per frame | redraws/s on CPU time | PNG |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n_points, per_frame, m in rows:
        lines.append(
            f"| {n_points} | {per_frame} ({m['updates']}) | {1000 * m['train']:.0f} ms | "
            f"{1000 * m['draw']:.0f} ms | {1000 * m['frame']:.0f} ms | {1 / m['frame']:.1f} | "
            f"{1000 * m['worst']:.0f} ms | {1000 * m['cpu']:.0f} ms | {1 / m['cpu']:.1f} | "
            f"{m['png_kb']:.0f} KB |")
    ok_fps = 1 / rows[0][2]["frame"] >= 10
    lines += [
        "",
        f"The widget itself (`PlaygroundWidget`, driven from Python: the click to the PNG "
        f"handed to the `Image`), 500 points: **one step {1000 * w['step']:.0f} ms** (median of "
        f"20, worst {1000 * w['step_worst']:.0f} ms; target 100 ms: "
        f"{'met' if w['step'] <= 0.1 else '**missed**'}); **play {w['play_fps']:.1f} redraws/s** "
        f"over 5 s with 1 epoch (25 updates) per frame (target 10: "
        f"{'met' if w['play_fps'] >= 10 else '**missed**'}). The compute+render path alone: "
        f"{1 / rows[0][2]['frame']:.1f} redraws/s (target 10: {'met' if ok_fps else '**missed**'})."
        f" Not included: the browser decoding and showing each PNG. Wall-clock time on a "
        f"shared machine includes waiting for the cores; the CPU-time columns give the "
        f"playground's own cost (NumPy's BLAS threads counted in it).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        (HERE / "PLAYGROUND.md").write_text(text)
        subprocess.run([sys.executable, str(HERE / "bench.py"), "--render-only"], check=True)


if __name__ == "__main__":
    main()
