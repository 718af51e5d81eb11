"""Benchmarks: dlcore against PyTorch (CPU, eager), scikit-learn and the matrix-product floor.

Run on purpose, never by the test suite::

    python benchmarks/bench.py                 # everything, a few minutes on 2 cores
    python benchmarks/bench.py --quick         # a smoke run: fewer runs and samples
    python benchmarks/bench.py --only mlp      # or conv, or course
    python benchmarks/bench.py --runs 7 --threads 1 2
    python benchmarks/bench.py --compare-ref <git revision>   # dlcore then, beside dlcore now
    python benchmarks/bench.py --render-only   # rewrite RESULTS.md from results.json

What is measured (see ``benchmarks/README.md`` for the why):

- mlp: one epoch of a 784-256-128-10 ReLU network with softmax cross-entropy and plain SGD over
  60 000 synthetic samples, for each batch size and thread count, by four "peers":
  ``dlcore.fit`` as a learner calls it, PyTorch eager with an index loop, scikit-learn's
  ``MLPClassifier``, and the floor (only the matrix products an epoch needs).
- conv: ``Conv2D`` forward + backward on (64, 1, 28, 28) with 8 3x3 filters, padding 1, against
  ``torch.nn.functional.conv2d`` with autograd.
- course: each notebook under nbval, and each widget's compute function.

Every (peer, threads, batch size) configuration runs in a fresh worker process, with
``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` set before NumPy is imported
(and ``torch.set_num_threads``), so that the thread count is what it claims and the peak memory
belongs to that configuration alone; the workers of one configuration take turns, one run each
per round. The results go to ``benchmarks/results.json`` and ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "RESULTS.md"
NOTES_MD = HERE / "NOTES.md"
PLAYGROUND_MD = HERE / "PLAYGROUND.md"  # written by benchmarks/playground.py

PEERS = ("dlcore", "torch", "sklearn", "floor", "floor-torch")
SIZES = (784, 256, 128, 10)
LR = 0.1

# The targets of the benchmark issue (measured here, never asserted in tests).
TARGET_TORCH_RATIO_128 = 0.85  # dlcore epoch time / PyTorch's, batch 128
TARGET_FLOOR_RATIO_128 = 1.15  # dlcore epoch time / the floor's, batch 128
TARGET_TORCH_RATIO_OTHER = 1.0  # batch 32 and 512: no worse than PyTorch
TARGET_CONV_RATIO = 1.5
TARGET_MEMORY_RATIO = 0.6
TARGET_NOTEBOOK_S = 20.0
TARGET_COURSE_S = 120.0
TARGET_BIAS_WIDGET_S = 0.150
TARGET_RETRAIN_WIDGET_S = 1.0


# =================================================================================================
# Memory: the peak of one epoch
# =================================================================================================
# "Peak memory of the epoch" = the highest resident set size (RSS) reached while the epoch runs,
# minus the RSS just before it starts, once the data, the model and the optimizer exist. It
# counts everything the training itself allocates (batch copies, activations, gradients,
# optimizer state, temporaries, PyTorch's autograd graph and allocator caches), whatever library
# allocated it, so it is the same measure for every peer. Linux lets a process reset its RSS
# high-water mark (VmHWM) by writing "5" to /proc/self/clear_refs; where that is not possible, the
# fallback is getrusage's ru_maxrss, which cannot be reset (then the number is a lower bound).
# Before the baseline is taken, glibc is asked to hand its free memory back to the system
# (malloc_trim): otherwise memory freed earlier (while the data was made) stays resident, is
# reused by the epoch, and hides what the epoch allocates. All peers allocate through glibc's
# malloc (NumPy directly, PyTorch's CPU allocator through posix_memalign), so all are measured
# alike.


def _release_free_memory() -> None:
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to release
        pass


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """``with PeakMemory() as m: ...`` then ``m.peak_mib``: the RSS growth at its highest."""

    def __enter__(self):
        _release_free_memory()
        self.resettable = False
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.resettable = True
        except OSError:
            pass
        self.before = _status_kib("VmRSS")
        if self.before is None:  # not Linux: ru_maxrss only
            import resource

            self.before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return self

    def __exit__(self, *exc):
        peak = _status_kib("VmHWM")
        if peak is None:
            import resource

            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.peak_mib = max(peak - self.before, 0) / 1024
        return False


# =================================================================================================
# The data: 60 000 samples labelled by a fixed random teacher network
# =================================================================================================


def make_data(n: int, seed: int = 0):
    """X: (n, 784) float32 in [0, 1]; y: (n,) int64 in 0..9, from a fixed random teacher.

    The pixels are sparse like MNIST's (about 80 % are 0, the rest spread over (0, 1]), so that
    plain SGD on raw [0, 1] inputs makes visible progress in one epoch. The teacher is a random
    one-layer network: 10 random linear scores of the centred pixels, the label being the
    largest, so the task is learnable by the student MLP and the classes are balanced. Built
    in chunks, so that no temporary as large as X itself is ever allocated.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.random((n, SIZES[0]), dtype=np.float32)
    W = rng.standard_normal((SIZES[0], SIZES[-1])).astype(np.float32)
    y = np.empty(n, dtype=np.int64)
    for start in range(0, n, 4096):
        chunk = X[start:start + 4096]
        np.putmask(chunk, chunk < 0.8, 0)  # 80 % of the pixels are dark ...
        np.subtract(chunk, 0.8, out=chunk, where=chunk > 0)  # ... the rest in (0, 1]
        np.multiply(chunk, 5, out=chunk)
        y[start:start + 4096] = np.argmax((chunk - 0.1) @ W, axis=1)  # 0.1 is the mean pixel
    return X, y


# =================================================================================================
# The four peers: each builds its model untimed, then trains one epoch (timed)
# =================================================================================================


class DlcorePeer:
    """``dlcore.fit`` exactly as a learner calls it, with the progress bar off."""

    name = "dlcore"

    def __init__(self, X, y, batch_size, threads):
        self.X, self.y, self.batch_size = X, y, batch_size

    def setup(self, run: int):
        from dlcore.activations import ReLU
        from dlcore.layers import Dense
        from dlcore.losses import SoftmaxCrossEntropy
        from dlcore.module import Sequential
        from dlcore.optim import SGD

        self.model = Sequential(
            Dense(784, 256, seed=run), ReLU(),
            Dense(256, 128, seed=run + 1), ReLU(),
            Dense(128, 10, seed=run + 2),
        )
        self.loss = SoftmaxCrossEntropy()
        self.optimizer = SGD(self.model.parameters(), lr=LR)

    def epoch(self, run: int):
        from dlcore.train import fit

        fit(self.model, self.loss, self.optimizer, self.X, self.y, epochs=1,
            batch_size=self.batch_size, seed=run, progress=False)

    def accuracy(self) -> float:
        import numpy as np

        return float(np.mean(self.model.predict(self.X).argmax(axis=1) == self.y))


class TorchPeer:
    """PyTorch eager: ``nn.Sequential`` + ``torch.optim.SGD`` + a DataLoader-free index loop."""

    name = "torch"

    def __init__(self, X, y, batch_size, threads):
        import torch

        torch.set_num_threads(threads)
        self.torch = torch
        self.X = torch.from_numpy(X)  # shares memory with the NumPy array: no copy
        self.y = torch.from_numpy(y)
        self.batch_size = batch_size

    def setup(self, run: int):
        torch, nn = self.torch, self.torch.nn
        self.model = nn.Sequential(
            nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
        )
        # the same starting weights as dlcore's Dense(seed=...), so both start alike
        linears = [m for m in self.model if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for layer, (W, b) in zip(linears, dlcore_initial_weights(run), strict=True):
                layer.weight.copy_(torch.from_numpy(W.T.copy()))  # torch keeps (D_out, D_in)
                layer.bias.copy_(torch.from_numpy(b))
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LR)

    def epoch(self, run: int):
        torch = self.torch
        N, bs = len(self.X), self.batch_size
        g = torch.Generator().manual_seed(run)
        order = torch.randperm(N, generator=g)
        losses = []
        self.model.train()
        for start in range(0, N, bs):
            idx = order[start:start + bs]
            X_batch, y_batch = self.X[idx], self.y[idx]
            self.optimizer.zero_grad()
            loss = self.loss_fn(self.model(X_batch), y_batch)
            loss.backward()
            self.optimizer.step()
            losses.append(loss.item())  # what a learner's loop logs, as fit does

    def accuracy(self) -> float:
        torch = self.torch
        with torch.no_grad():
            return float((self.model(self.X).argmax(dim=1) == self.y).float().mean())


def dlcore_initial_weights(run: int):
    """The (W, b) pairs of ``Dense(784, 256, seed=run)``, ``Dense(256, 128, seed=run + 1)``, ...

    PyTorch starts from these too, so that dlcore and PyTorch train the same network from the
    same point and their accuracies can be compared.
    """
    from dlcore.layers import Dense

    layers = [Dense(a, b, seed=run + i) for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True))]
    return [(layer.W.value, layer.b.value) for layer in layers]


class SklearnPeer:
    """scikit-learn's ``MLPClassifier``: sgd, momentum 0, one epoch (``max_iter=1``)."""

    name = "sklearn"

    def __init__(self, X, y, batch_size, threads):
        self.X, self.y, self.batch_size = X, y, batch_size

    def setup(self, run: int):
        from sklearn.neural_network import MLPClassifier

        self.model = MLPClassifier(
            hidden_layer_sizes=SIZES[1:-1], activation="relu", solver="sgd",
            learning_rate_init=LR, momentum=0.0, nesterovs_momentum=False, alpha=0.0,
            batch_size=self.batch_size, max_iter=1, shuffle=True, random_state=run,
            early_stopping=False, tol=0.0, n_iter_no_change=10**9,
        )

    def epoch(self, run: int):
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=1 is on purpose
            self.model.fit(self.X, self.y)

    def accuracy(self) -> float:
        return float(self.model.score(self.X, self.y))


class FloorPeer:
    """Only the matrix products of one epoch, on preallocated float32 arrays.

    Per batch of m samples: forward ``x @ W1``, ``h1 @ W2``, ``h2 @ W3``; weight gradients
    ``h2.T @ dz``, ``h1.T @ dh2``, ``x.T @ dh1``; input gradients ``dz @ W3.T`` and
    ``dh2 @ W2.T`` (the first layer's input gradient is not needed: the data is not learned).
    Nothing else: no activation, no loss, no update, no shuffle (x is a contiguous slice of X).
    Every product writes into a preallocated array (``out=``). No real training can be faster
    with the same BLAS, so it is the yardstick for the Python and NumPy overhead of the others.
    """

    name = "floor"

    def __init__(self, X, y, batch_size, threads):
        import numpy as np

        self.X, self.batch_size = X, batch_size
        rng = np.random.default_rng(0)
        d0, d1, d2, d3 = SIZES
        m = batch_size
        f32 = np.float32
        self.W = [rng.standard_normal(s, dtype=f32) * 0.05 for s in ((d0, d1), (d1, d2), (d2, d3))]
        self.dW = [np.empty_like(W) for W in self.W]
        self.h1, self.h2, self.z = (np.empty((m, d), f32) for d in (d1, d2, d3))
        self.dz = rng.standard_normal((m, d3), dtype=f32) * 0.01
        self.dh2, self.dh1 = np.empty((m, d2), f32), np.empty((m, d1), f32)

    def setup(self, run: int):
        pass

    def epoch(self, run: int):
        import numpy as np

        mm = np.matmul
        (W1, W2, W3), (dW1, dW2, dW3) = self.W, self.dW
        X, N, bs = self.X, len(self.X), self.batch_size
        for start in range(0, N, bs):
            x = X[start:start + bs]
            m = len(x)
            h1, h2, z = self.h1[:m], self.h2[:m], self.z[:m]
            dz, dh2, dh1 = self.dz[:m], self.dh2[:m], self.dh1[:m]
            mm(x, W1, out=h1)
            mm(h1, W2, out=h2)
            mm(h2, W3, out=z)
            mm(h2.T, dz, out=dW3)
            mm(dz, W3.T, out=dh2)
            mm(h1.T, dh2, out=dW2)
            mm(dh2, W2.T, out=dh1)
            mm(x.T, dh1, out=dW1)

    def accuracy(self):
        return None  # the floor does not learn


class TorchFloorPeer(FloorPeer):
    """The same eight products through PyTorch (MKL here), ``torch.matmul(..., out=...)``.

    Not a target: it shows how much of a difference between dlcore and PyTorch comes from
    the two BLAS libraries rather than from the code around the products.
    """

    name = "floor-torch"

    def __init__(self, X, y, batch_size, threads):
        import torch

        super().__init__(X, y, batch_size, threads)
        torch.set_num_threads(threads)
        self.torch = torch
        as_tensor = torch.from_numpy  # shares memory with the NumPy arrays: no copy
        self.X = as_tensor(X)
        self.W, self.dW = [as_tensor(a) for a in self.W], [as_tensor(a) for a in self.dW]
        self.h1, self.h2, self.z, self.dz, self.dh2, self.dh1 = (
            as_tensor(a) for a in (self.h1, self.h2, self.z, self.dz, self.dh2, self.dh1))

    def epoch(self, run: int):
        mm = self.torch.matmul
        (W1, W2, W3), (dW1, dW2, dW3) = self.W, self.dW
        X, N, bs = self.X, len(self.X), self.batch_size
        for start in range(0, N, bs):
            x = X[start:start + bs]
            m = len(x)
            h1, h2, z = self.h1[:m], self.h2[:m], self.z[:m]
            dz, dh2, dh1 = self.dz[:m], self.dh2[:m], self.dh1[:m]
            mm(x, W1, out=h1)
            mm(h1, W2, out=h2)
            mm(h2, W3, out=z)
            mm(h2.T, dz, out=dW3)
            mm(dz, W3.T, out=dh2)
            mm(h1.T, dh2, out=dW2)
            mm(dh2, W2.T, out=dh1)
            mm(x.T, dh1, out=dW1)


PEER_CLASSES = {"dlcore": DlcorePeer, "torch": TorchPeer, "sklearn": SklearnPeer,
                "floor": FloorPeer, "floor-torch": TorchFloorPeer}



# =================================================================================================
# Sessions: one configuration in one (fresh) worker process, timed run by run
# =================================================================================================
# The parent starts one worker process per peer of a configuration (threads x batch size), then
# asks them in turn for one run each, round after round: dlcore, torch, sklearn, floor, dlcore,
# torch, ... So every peer sees the same mix of quiet and busy moments of a shared machine, and
# the ratios stay fair even when the absolute numbers move.


def _clock():
    """(wall, cpu) now. cpu is this process's CPU time, all threads together."""
    return time.perf_counter(), time.process_time()


def _since(start) -> dict:
    wall, cpu = _clock()
    return {"wall": wall - start[0], "cpu": cpu - start[1]}


class MlpSession:
    """One peer, one thread count, one batch size.

    Built once: the data, a warm-up on two batches (loads kernels, starts thread pools; not
    measured), then a first full epoch from a fresh model under ``PeakMemory`` (its accuracy is
    the one reported). Then each ``run(r)`` trains one epoch from a fresh model (built outside
    the timer).
    """

    def __init__(self, peer_name: str, threads: int, batch_size: int, samples: int):
        import gc

        X, y = make_data(samples)
        cls = PEER_CLASSES[peer_name.split("@")[0]]
        warm = cls(X[: 2 * batch_size], y[: 2 * batch_size], batch_size, threads)
        warm.setup(0)
        warm.epoch(0)
        del warm
        self.peer = peer = cls(X, y, batch_size, threads)
        peer.setup(0)
        gc.collect()
        with PeakMemory() as memory:
            start = _clock()
            peer.epoch(0)
            first = _since(start)
        self.summary = {"first_epoch": first, "memory_mib": memory.peak_mib,
                        "memory_resettable": memory.resettable, "accuracy": peer.accuracy()}
        if peer_name.startswith("dlcore"):  # which dlcore ran: this checkout, or a snapshot
            import dlcore

            folder = Path(dlcore.__file__).resolve().parent
            self.summary["dlcore_from"] = ("this checkout" if folder == ROOT / "dlcore"
                                           else "a git snapshot")
        self.summary["blas_threads"] = _blas_threads()

    def run(self, run: int) -> dict:
        import gc

        self.peer.setup(run)
        gc.collect()
        start = _clock()
        self.peer.epoch(run)
        return _since(start)


class ConvSession:
    """Conv2D(1 -> 8, 3x3, padding 1) forward + backward on (64, 1, 28, 28).

    Both peers compute the same three gradients (weights, bias and input: a convolution in the
    middle of a network needs its input gradient), from the same weights, input and upstream
    gradient; a checksum of the gradients lets the parent check that they agree. One run is
    ``reps`` calls; its time is per call.
    """

    def __init__(self, peer_name: str, threads: int, reps: int):
        import numpy as np

        from dlcore.conv import Conv2D

        self.reps = reps
        rng = np.random.default_rng(0)
        x = rng.random((64, 1, 28, 28), dtype=np.float32)
        dout = rng.standard_normal((64, 8, 28, 28), dtype=np.float32)
        layer = Conv2D(1, 8, 3, padding=1, seed=0)
        W, b = layer.W.value.copy(), layer.b.value.copy()

        if peer_name.startswith("dlcore"):
            def step():
                layer.zero_grad()
                layer.forward(x)
                return layer.backward(dout)

            def gradients():
                dx = step()
                return dx, layer.W.grad, layer.b.grad
        else:
            import torch
            import torch.nn.functional as F

            torch.set_num_threads(threads)
            xt = torch.from_numpy(x).requires_grad_()
            wt = torch.from_numpy(W).requires_grad_()
            bt = torch.from_numpy(b).requires_grad_()
            dt = torch.from_numpy(dout)

            def step():
                xt.grad = wt.grad = bt.grad = None
                F.conv2d(xt, wt, bt, padding=1).backward(dt)

            def gradients():
                step()
                return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()

        for _ in range(5):  # warm-up
            step()
        self.step = step
        dx, dW, db = (np.asarray(a, dtype=np.float64) for a in gradients())
        self.summary = {"checksum": [float(dx.sum()), float(np.abs(dW).sum()), float(db.sum())]}

    def run(self, run: int) -> dict:
        start = _clock()
        for _ in range(self.reps):
            self.step()
        return {k: v / self.reps for k, v in _since(start).items()}


def _blas_threads():
    try:
        from threadpoolctl import threadpool_info

        return sorted({p["num_threads"] for p in threadpool_info()})
    except ImportError:
        return None


SESSIONS = {"mlp": MlpSession, "conv": ConvSession}


def serve(kind: str, kwargs: dict) -> None:
    """The worker's loop: build the session, then answer ``run`` requests, one JSON line each."""
    session = SESSIONS[kind](**kwargs)
    print(json.dumps(session.summary), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("run") is None:
            break
        print(json.dumps(session.run(request["run"])), flush=True)


def worker_profile(batch_size: int, samples: int, top: int = 14) -> dict:
    """cProfile of one ``dlcore.fit`` epoch: where the time goes, by function (own time)."""
    import cProfile
    import io
    import pstats

    X, y = make_data(samples)
    peer = DlcorePeer(X, y, batch_size, 1)
    peer.setup(0)
    peer.epoch(0)  # warm-up
    peer.setup(1)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    peer.epoch(1)
    profiler.disable()
    elapsed = time.perf_counter() - start
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    rows = []
    for (filename, line, func), (_, nc, tt, ct, _) in stats.stats.items():
        where = Path(filename).name if filename != "~" else ""
        rows.append((tt, ct, nc, f"{where}:{line}({func})" if where else func))
    rows.sort(reverse=True)
    return {"elapsed": elapsed, "rows": [
        {"tottime": tt, "cumtime": ct, "calls": nc, "function": fn} for tt, ct, nc, fn in rows[:top]
    ]}


def _short(layer) -> str:
    config = layer.config()
    if "in_features" in config:
        return f"{type(layer).__name__} {config['in_features']} -> {config['out_features']}"
    return type(layer).__name__


def worker_stages(batch_sizes: list, samples: int, runs: int = 3) -> dict:
    """CPU time of each step of a dlcore epoch, next to the floor, at each batch size (1 thread).

    The loop is ``fit``'s four steps written out, with each layer's forward and backward timed
    on its own (``time.process_time``, so waiting for a busy machine does not count); the
    difference between a whole ``fit`` epoch and this loop is fit's own work (input checks,
    loss and accuracy bookkeeping). Medians over ``runs`` epochs. Milliseconds per epoch.
    """
    from collections import defaultdict

    from dlcore.data import BatchLoader

    X, y = make_data(samples)
    clock = time.process_time
    out = {}
    for bs in batch_sizes:
        peer, floor = DlcorePeer(X, y, bs, 1), FloorPeer(X, y, bs, 1)
        floor.epoch(0)
        per_run = defaultdict(list)
        for run in range(runs + 1):
            stage = defaultdict(float)
            peer.setup(run)
            model, loss, optimizer = peer.model, peer.loss, peer.optimizer
            # as fit does; and, since this loop calls each layer's backward itself instead of
            # model.backward, the first layer is told too, as Sequential.backward tells it
            model.needs_input_grad = False
            model.layers[0].needs_input_grad = False
            loader = BatchLoader(X, y, bs, seed=run)
            t = clock()
            for X_batch, y_batch in loader:
                t1 = clock()
                stage["mini-batch copy X[idx] (BatchLoader)"] += t1 - t
                optimizer.zero_grad()
                t2 = clock()
                stage["optimizer.zero_grad"] += t2 - t1
                a = X_batch
                for i, layer in enumerate(model.layers):
                    a = layer.forward(a)
                    t3 = clock()
                    stage[f"forward {i}: {_short(layer)}"] += t3 - t2
                    t2 = t3
                loss(a, y_batch)
                d = loss.backward()
                t3 = clock()
                stage["loss forward + backward"] += t3 - t2
                t2 = t3
                for i in reversed(range(len(model.layers))):
                    d = model.layers[i].backward(d)
                    t3 = clock()
                    stage[f"backward {i}: {_short(model.layers[i])}"] += t3 - t2
                    t2 = t3
                    if d is None:
                        break
                optimizer.step()
                t = clock()
                stage["optimizer.step (SGD)"] += t - t2
            model.needs_input_grad = model.layers[0].needs_input_grad = True
            peer.setup(run)
            t0 = clock()
            peer.epoch(run)
            stage["whole fit epoch"] = clock() - t0
            t0 = clock()
            floor.epoch(run)
            stage["floor: the eight matrix products"] = clock() - t0
            if run > 0:  # the first is a warm-up
                for k, v in stage.items():
                    per_run[k].append(v)
        out[str(bs)] = {k: statistics.median(v) * 1e3 for k, v in per_run.items()}
    return out


# --- the course: widget callbacks -----------------------------------------------------------------
# Each widget's callback first computes (a plain function in dlcore.course.interactive, the part timed
# here) and then draws. The inputs are the ones its notebook passes; for a retraining widget both
# the default slider position and the slowest one are timed. kind "bias" has the 150 ms target,
# "retrain" the 1 s target, "view" none (reported only). A function not (yet) in
# dlcore.course.interactive is reported as missing.


def _widget_calls() -> dict:
    import numpy as np

    import dlcore.course.interactive as ia

    def digits_split():
        from dlcore.data import train_val_test_split
        from dlcore.datasets import load_digits

        X, y = load_digits()
        (X_train, y_train), _, _ = train_val_test_split(X / 16.0, y, ratios=(0.6, 0.2, 0.2),
                                                        seed=0, stratify=True)
        return X_train, y_train

    def bias_call():
        """What the bias explorer recomputes on every slider step (see ``_BiasView.update``)."""
        from dlcore.datasets import make_blobs

        X, y = make_blobs(200, centers=[[-2.0, -1.5], [2.0, 1.5]], cluster_std=1.0, seed=0)
        X = np.asarray(X, dtype=np.float64)
        xs = np.linspace(-3, 3, 241)
        lo, hi = X.min(axis=0) - 1.0, X.max(axis=0) + 1.0
        xlim, ylim = (lo[0], hi[0]), (lo[1], hi[1])
        w, b = np.array([1.0, 1.0]), 0.35

        def call():
            ia.neuron_response(xs, w[:1], b, "relu")
            ia.neuron_response(np.array([-0.35]), w[:1], b, "relu")
            ia.firing_region(w, b, xlim, ylim)
            ia.decision_line(w, b, xlim, ylim)
            ia.side_counts(ia.neuron_response(X, w, b).fires, y)
        return call

    def batch_size_call(batch_size):
        def build():
            X, y = digits_split()
            return lambda: ia.train_with_batch_size(batch_size, X, y, epochs=3, seed=0)
        return build

    def digit_call():
        from dlcore.datasets import load_digits

        X, y = load_digits()
        return lambda: ia.digit_view(X, y, 5)

    return {
        "digit explorer (00, 01): digit_view":
            ("view", ("digit_view",), digit_call),
        "batch explorer (01): batch_plan(10, 4)":
            ("view", ("batch_plan",), lambda: (lambda: ia.batch_plan(10, 4, False, epochs=3))),
        "bias explorer (02): neuron_response, firing_region, decision_line, side_counts":
            ("bias", ("neuron_response", "decision_line", "firing_region", "side_counts"),
             bias_call),
        "learning-rate explorer (06): optimize_on_surface, SGD on the bowl (default)":
            ("retrain", ("optimize_on_surface",),
             lambda: (lambda: ia.optimize_on_surface("bowl", "SGD", 0.1))),
        "learning-rate explorer (06): optimize_on_surface, Adam on the valley (slowest)":
            ("retrain", ("optimize_on_surface",),
             lambda: (lambda: ia.optimize_on_surface("valley", "Adam", 0.1))),
        "batch-size explorer (07): train_with_batch_size, batch 64 (default)":
            ("retrain", ("train_with_batch_size",), batch_size_call(64)),
        "batch-size explorer (07): train_with_batch_size, batch 1 (slowest)":
            ("retrain", ("train_with_batch_size",), batch_size_call(1)),
    }


def worker_widgets(runs: int) -> dict:
    import dlcore.course.interactive as ia

    out = {}
    for name, (kind, needs, build) in _widget_calls().items():
        missing = [fn for fn in needs if not hasattr(ia, fn)]
        if missing:
            out[name] = {"kind": kind, "missing": missing}
            continue
        try:
            call = build()
            call()  # warm-up
            wall, cpu = [], []
            for _ in range(runs):
                start = _clock()
                call()
                took = _since(start)
                wall.append(took["wall"])
                cpu.append(took["cpu"])
            out[name] = {"kind": kind, "wall": wall, "cpu": cpu}
        except Exception as exc:  # a widget being rewritten: report it, do not stop
            out[name] = {"kind": kind, "error": f"{type(exc).__name__}: {exc}"[:200]}
    return out


def worker_info() -> dict:
    """The machine and the software versions, for RESULTS.md."""
    import numpy as np

    info = {"python": platform.python_version(), "numpy": np.__version__,
            "os": f"{platform.system()} {platform.release()}", "cpu": platform.processor()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cores"] = os.cpu_count()
    if hasattr(os, "sched_getaffinity"):
        info["cores_usable"] = len(os.sched_getaffinity(0))
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        info["memory_gib"] = round(kib / 1024**2, 1)
    except (OSError, StopIteration):
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["numpy_blas"] = f"{blas.get('name')} {blas.get('version')}"
        info["numpy_blas_config"] = " ".join(str(blas.get("openblas configuration", "")).split())
    except Exception:  # older NumPy: no dict mode
        info["numpy_blas"] = "unknown"
    try:
        from threadpoolctl import threadpool_info

        info["numpy_blas_runtime"] = [
            {k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for p in threadpool_info()
        ]
    except ImportError:
        pass
    try:
        import sklearn

        info["sklearn"] = sklearn.__version__
    except ImportError:
        info["sklearn"] = None
    try:
        import torch

        info["torch"] = torch.__version__
        config = torch.__config__.show()
        info["torch_blas"] = "MKL" if "Math Kernel Library" in config else "other"
        info["torch_cpu_capability"] = next(
            (line.split(":", 1)[1].strip() for line in config.splitlines()
             if "CPU capability" in line), "")
    except ImportError:
        info["torch"] = None
    return info


WORKERS = {"profile": worker_profile, "stages": worker_stages, "widgets": worker_widgets,
           "info": worker_info}


# =================================================================================================
# The parent: one subprocess per configuration, then RESULTS.md
# =================================================================================================


def thread_env(threads: int | None, dlcore_root: Path | None = None) -> dict:
    """The environment of a worker: thread counts, and where ``import dlcore`` finds it."""
    env = dict(os.environ)
    if threads is not None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
    roots = [str(dlcore_root or ROOT), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, roots))
    return env


def run_worker(kind: str, threads: int | None, timeout: float = 900, **kwargs) -> dict:
    """Run ``WORKERS[kind](**kwargs)`` in a fresh interpreter with ``threads`` BLAS/OMP threads."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, json.dumps(kwargs)]
    proc = subprocess.run(cmd, env=thread_env(threads), capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Worker:
    """A worker process holding one session; ``run(r)`` asks it for one timed run."""

    def __init__(self, kind: str, threads: int, dlcore_root: Path | None = None, **kwargs):
        kwargs = {**kwargs, "threads": threads}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", kind, json.dumps(kwargs)]
        self.proc = subprocess.Popen(cmd, env=thread_env(threads, dlcore_root), cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.summary = self._answer()

    def _answer(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            error = self.proc.stderr.read().strip().splitlines() or ["the worker stopped"]
            return {"error": error[-1]}
        return json.loads(line)

    def run(self, run: int) -> dict:
        self.proc.stdin.write(json.dumps({"run": run}) + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write(json.dumps({"run": None}) + "\n")
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def interleaved(kind: str, threads: int, peers: list[str], runs: dict, roots: dict,
                **kwargs) -> dict:
    """Start one worker per peer (one after the other), then run them in rounds.

    Returns {peer: {"wall": [...], "cpu": [...], **summary}}; a peer that fails has "error".
    """
    workers, results = {}, {}
    for peer in peers:
        w = Worker(kind, threads, roots.get(peer), peer_name=peer, **kwargs)
        if "error" in w.summary:
            results[peer] = w.summary
            w.close()
            continue
        workers[peer] = w
        results[peer] = {**w.summary, "wall": [], "cpu": []}
    try:
        for r in range(1, max(runs.values()) + 1):
            for peer, w in workers.items():
                if r > runs[peer] or "error" in results[peer]:
                    continue
                answer = w.run(r)
                if "error" in answer:
                    results[peer]["error"] = answer["error"]
                    continue
                results[peer]["wall"].append(answer["wall"])
                results[peer]["cpu"].append(answer["cpu"])
    finally:
        for w in workers.values():
            w.close()
    return results


def available(module: str) -> bool:
    env = thread_env(1)
    return subprocess.run([sys.executable, "-c", f"import {module}"], env=env,
                          capture_output=True).returncode == 0


def snapshot_dlcore(ref: str) -> Path:
    """``dlcore/`` as it was at git revision ``ref``, unpacked into a temporary folder."""
    import io
    import tarfile
    import tempfile

    archive = subprocess.run(["git", "archive", ref, "dlcore"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    folder = Path(tempfile.mkdtemp(prefix="dlcore-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _log_row(what: str, peer: str, row: dict, unit: float = 1.0, suffix: str = "s") -> None:
    if "wall" not in row or not row["wall"]:
        log(f"{what} {peer:<10} error: {row.get('error')}")
        return
    wall, cpu = row["wall"], row["cpu"]
    extra = ""
    if "memory_mib" in row:
        extra = f"  mem {row['memory_mib']:6.1f} MiB  acc {_fmt(row['accuracy'], '.3f')}"
    log(f"{what} {peer:<10} wall median {statistics.median(wall) * unit:8.3f} {suffix} "
        f"(min {min(wall) * unit:.3f}, max {max(wall) * unit:.3f})  cpu median "
        f"{statistics.median(cpu) * unit:8.3f}{extra}")


def bench_mlp(args, peers, roots) -> list[dict]:
    """Every configuration, ``args.repeat`` times over, each time in fresh worker processes.

    The repeats go round all the configurations before the next one starts, so that each
    configuration meets several stretches of the machine's load; the runs of all repeats are
    pooled (the accuracy and the memory are those of the first repeat). Fresh processes also
    matter on their own: where NumPy's arrays happen to land in memory can favour one process
    over another by a few per cent for its whole life.
    """
    rows: dict = {}
    for repeat in range(args.repeat):
        for threads in args.threads:
            for batch_size in args.batch_sizes:
                runs = {p: args.sklearn_runs if p == "sklearn" else args.runs for p in peers}
                result = interleaved("mlp", threads, peers, runs, roots, batch_size=batch_size,
                                     samples=args.samples)
                for peer, row in result.items():
                    what = f"mlp  threads={threads} batch={batch_size:<4}"
                    if args.repeat > 1:
                        what += f" repeat {repeat + 1}/{args.repeat}"
                    _log_row(what, peer, row)
                    key = (peer, threads, batch_size)
                    median = _median(row)
                    if key not in rows:
                        rows[key] = {"peer": peer, "threads": threads, "batch_size": batch_size,
                                     **row, "median_by_repeat": [median]}
                        continue
                    pooled = rows[key]
                    pooled["median_by_repeat"].append(median)
                    for clock in ("wall", "cpu"):
                        pooled.setdefault(clock, []).extend(row.get(clock, []))
                    if "error" in row:
                        pooled.setdefault("error", row["error"])
    return list(rows.values())


def bench_conv(args, peers, roots) -> list[dict]:
    rows = []
    conv_peers = [p for p in peers if p.startswith("dlcore") or p == "torch"]
    for threads in args.threads:
        runs = {p: args.runs for p in conv_peers}
        result = interleaved("conv", threads, conv_peers, runs, roots,
                             reps=10 if args.quick else 40)
        for peer, row in result.items():
            rows.append({"peer": peer, "threads": threads, **row})
            _log_row(f"conv threads={threads}", peer, row, 1e3, "ms")
    return rows


NOTEBOOKS = ("00_start_here", "01_data", "02_architecture", "03_loss", "04_forward_propagation",
             "05_back_propagation", "06_optimizer", "07_training_loop",
             "08_deep_network_step_by_step", "09_convolution", "10_recurrent")


def bench_course(args) -> dict:
    """The course as CI runs it: every notebook in ONE pytest + nbval run (pytest starts once).

    Per notebook: the sum of its cells' times as pytest reports them in JUnit XML (setup, call
    and teardown, so the kernel's start-up counts too); and the wall time of the whole run.
    """
    import tempfile
    import xml.etree.ElementTree as ET

    present = [stem for stem in NOTEBOOKS if (ROOT / "notebooks" / f"{stem}.ipynb").exists()]
    notebooks = {stem: {"notebook": stem, "missing": True} for stem in NOTEBOOKS}
    for stem in NOTEBOOKS:
        if stem not in present:
            log(f"course {stem}: missing")
    total_wall = None
    if present:
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "junit.xml"
            cmd = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-q",
                   "-p", "no:cacheprovider", f"--junitxml={report}",
                   *[f"notebooks/{stem}.ipynb" for stem in present]]
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, env=thread_env(None), capture_output=True,
                                  text=True, timeout=1800)
            total_wall = time.perf_counter() - start
            log(f"course: {total_wall:.1f} s for {len(present)} notebooks "
                f"({(proc.stdout.strip().splitlines() or [''])[-1]})")
            cases = ET.parse(report).getroot().iter("testcase") if report.exists() else []
            for case in cases:
                stem = Path(case.get("file") or case.get("classname", "").replace(".", "/")).stem
                stem = next((s for s in present if s in (case.get("classname", "") + stem)), None)
                if stem is None:
                    continue
                entry = notebooks[stem]
                entry.pop("missing", None)
                entry["seconds"] = entry.get("seconds", 0.0) + float(case.get("time", 0.0))
                entry["cells"] = entry.get("cells", 0) + 1
                failed = any(child.tag in ("failure", "error") for child in case)
                entry["failed"] = entry.get("failed", 0) + int(failed)
    for stem in present:
        entry = notebooks[stem]
        if "seconds" in entry:
            entry["passed"] = entry["failed"] == 0
            entry["summary"] = f"{entry['cells']} cells, {entry['failed']} failed"
            log(f"course {stem}: {entry['seconds']:6.1f} s  {entry['summary']}")
        else:
            entry.update(missing=False, seconds=0.0, passed=False, summary="no result")
    widgets = run_worker("widgets", None, runs=3 if args.quick else 7)
    for name, w in widgets.items():
        shown = f"{statistics.median(w['wall']) * 1e3:.2f} ms" if w.get("wall") else w
        log(f"widget {name}: {shown}")
    return {"notebooks": list(notebooks.values()), "total_wall": total_wall, "widgets": widgets}


def load_avg() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


# =================================================================================================
# RESULTS.md
# =================================================================================================


def _median(row, clock: str = "wall"):
    values = row.get(clock) if isinstance(row, dict) else None
    return statistics.median(values) if values else None


def _fmt(x, spec=".3f", none="—"):
    return none if x is None else format(x, spec)


def _ratio(a, b):
    return a / b if a is not None and b else None


def _mark(ok):
    return "—" if ok is None else ("met" if ok else "**missed**")


def _by_config(rows: list[dict]) -> dict:
    """{(threads, batch): {peer: row}} (batch None for conv)"""
    table: dict = {}
    for row in rows:
        table.setdefault((row["threads"], row.get("batch_size")), {})[row["peer"]] = row
    return table


def _before_peer(peers) -> str | None:
    return next((p for p in peers if p.startswith("dlcore@")), None)


def targets(results: dict) -> list[tuple]:
    """(target, measured on the wall clock, the same on CPU time, met on the wall clock?, met
    on CPU time?) for every target that has numbers.

    The issue asks for median wall-clock times; the CPU time (each process's own CPU seconds)
    gives the same comparison without the time a busy machine spent on other people's work.
    """
    out = []
    table = _by_config(results.get("mlp", []))
    for (threads, bs), peers in sorted(table.items()):
        d, t, f = (peers.get(p, {}) for p in ("dlcore", "torch", "floor"))
        if _median(d) is None:
            continue
        checks = []
        if _median(t) is not None:
            limit = TARGET_TORCH_RATIO_128 if bs == 128 else TARGET_TORCH_RATIO_OTHER
            checks.append((f"dlcore ≤ {limit} × PyTorch", t, limit))
        if _median(f) is not None and bs == 128:
            checks.append((f"dlcore ≤ {TARGET_FLOOR_RATIO_128} × floor", f,
                           TARGET_FLOOR_RATIO_128))
        for text, other, limit in checks:
            wall = _ratio(_median(d), _median(other))
            cpu = _ratio(_median(d, "cpu"), _median(other, "cpu"))
            out.append((f"epoch, batch {bs}, {threads} thread(s): {text}",
                        f"{wall:.2f} × ({_median(d):.3f} s vs {_median(other):.3f} s)",
                        f"{_fmt(cpu, '.2f')} ×", wall <= limit,
                        None if cpu is None else cpu <= limit))
    for (threads, bs), peers in sorted(table.items()):
        d, t = peers.get("dlcore", {}), peers.get("torch", {})
        if bs == 128 and "memory_mib" in d and "memory_mib" in t:
            ratio = _ratio(d["memory_mib"], t["memory_mib"])
            out.append((f"peak memory of the epoch, batch 128, {threads} thread(s): dlcore ≤ "
                        f"{TARGET_MEMORY_RATIO} × PyTorch",
                        f"{_fmt(ratio, '.2f')} × ({d['memory_mib']:.1f} MiB vs "
                        f"{t['memory_mib']:.1f} MiB)", "",
                        None if ratio is None else ratio <= TARGET_MEMORY_RATIO, None))
    for (threads, _), peers in sorted(_by_config(results.get("conv", [])).items()):
        d, t = peers.get("dlcore", {}), peers.get("torch", {})
        if _median(d) is not None and _median(t) is not None:
            wall = _median(d) / _median(t)
            cpu = _ratio(_median(d, "cpu"), _median(t, "cpu"))
            out.append((f"Conv2D forward + backward, {threads} thread(s): dlcore ≤ "
                        f"{TARGET_CONV_RATIO} × PyTorch",
                        f"{wall:.2f} × ({_median(d) * 1e3:.2f} ms vs {_median(t) * 1e3:.2f} ms)",
                        f"{_fmt(cpu, '.2f')} ×", wall <= TARGET_CONV_RATIO,
                        None if cpu is None else cpu <= TARGET_CONV_RATIO))
    course = results.get("course")
    if course:
        present = [n for n in course["notebooks"] if not n.get("missing")]
        if present:
            worst = max(present, key=lambda n: n["seconds"])
            out.append((f"every notebook ≤ {TARGET_NOTEBOOK_S:.0f} s under nbval",
                        f"slowest {worst['notebook']}: {worst['seconds']:.1f} s "
                        f"({len(present)} of {len(NOTEBOOKS)} notebooks present)", "",
                        worst["seconds"] <= TARGET_NOTEBOOK_S, None))
            total = course.get("total_wall") or sum(n["seconds"] for n in present)
            complete = len(present) == len(NOTEBOOKS)
            out.append((f"whole course ≤ {TARGET_COURSE_S:.0f} s under nbval",
                        f"{total:.1f} s" + ("" if complete else " (notebooks missing)"), "",
                        total <= TARGET_COURSE_S if complete or total > TARGET_COURSE_S
                        else None, None))
        for name, w in course["widgets"].items():
            limit = {"bias": TARGET_BIAS_WIDGET_S, "retrain": TARGET_RETRAIN_WIDGET_S}.get(
                w.get("kind"))
            if limit is None or not w.get("wall"):
                continue
            m = statistics.median(w["wall"])
            out.append((f"widget compute ≤ {limit * 1e3:.0f} ms: {name}", f"{m * 1e3:.1f} ms", "",
                        m <= limit, None))
    return out


def _machine_lines(results: dict) -> list[str]:
    info = results.get("machine", {})
    torch = info.get("torch")
    return [
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        f"| CPU | {info.get('cpu', '?')} |",
        f"| cores | {info.get('cores', '?')} (usable: {info.get('cores_usable', '?')}) |",
        f"| memory | {info.get('memory_gib', '?')} GiB |",
        f"| OS | {info.get('os', '?')} |",
        f"| Python | {info.get('python', '?')} |",
        f"| NumPy | {info.get('numpy', '?')}, BLAS: {info.get('numpy_blas', '?')} "
        f"({info.get('numpy_blas_config', '')}); at run time: "
        + ", ".join(f"{b.get('internal_api')} {b.get('version')} with {b.get('architecture')} "
                    f"kernels" for b in info.get("numpy_blas_runtime") or []) + " |",
        f"| PyTorch | {torch or 'not installed'}"
        + (f", BLAS: {info.get('torch_blas')}, CPU capability "
           f"{info.get('torch_cpu_capability')}" if torch else "") + " |",
        f"| scikit-learn | {info.get('sklearn') or 'not installed'} (BLAS: NumPy's and SciPy's) |",
        f"| load average (1, 5, 15 min) | at start {results.get('load_start')}, at end "
        f"{results.get('load_end')} |",
        "",
    ]


def _mlp_lines(results: dict) -> list[str]:
    s = results.get("settings", {})
    repeat = s.get("repeat", 1)
    runs, sklearn_runs, sets = s.get("runs"), s.get("sklearn_runs"), ""
    if repeat > 1:  # --repeat: the runs of several sets of fresh worker processes, pooled
        runs, sklearn_runs = runs * repeat, sklearn_runs * repeat
        sets = f" in {repeat} sets of fresh worker processes"
    sklearn_runs = (f" ({sklearn_runs} for scikit-learn, whose epochs are slow)"
                    if any(row["peer"] == "sklearn" for row in results["mlp"]) else "")
    table = _by_config(results["mlp"])
    lines = [
        "## MLP: one epoch, 784-256-128-10, ReLU, softmax cross-entropy, plain SGD",
        "",
        f"{s.get('samples')} synthetic samples (float32 pixels in [0, 1], about 80 % of them 0 as "
        f"in MNIST; labels from a fixed random one-layer teacher network), learning rate {LR}, "
        f"plain SGD, the same starting weights for dlcore and PyTorch "
        f"(scikit-learn uses its own initialisation). *wall*: seconds per epoch, median of "
        f"{runs} runs{sklearn_runs}{sets}, "
        f"each from a fresh model, with min and max. *cpu*: the median CPU seconds of the "
        f"process (all threads), which a busy machine does not inflate. Ratios are of medians. "
        f"*accuracy*: on the whole training set after one epoch (the floor does not learn). "
        f"*peak MiB*: the highest resident memory during a first, untimed epoch minus the "
        f"resident memory just before it (data, model and optimizer already built): what "
        f"training itself allocates, whichever library allocates it.",
        "",
    ]
    for threads in sorted({k[0] for k in table}):
        lines += [f"### {threads} thread(s)", "",
                  "| batch | peer | wall s | min s | max s | cpu s | × PyTorch (wall / cpu) | "
                  "× floor (wall / cpu) | accuracy | peak MiB |",
                  "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for bs in sorted(k[1] for k in table if k[0] == threads):
            peers = table[(threads, bs)]
            t, f = peers.get("torch", {}), peers.get("floor", {})
            for p in PEERS:
                row = peers.get(p)
                if row is None:
                    continue
                if not row.get("wall"):
                    lines.append(f"| {bs} | {p} | error: {row.get('error')} | | | | | | | |")
                    continue
                m, c = _median(row), _median(row, "cpu")
                lines.append(
                    f"| {bs} | {p} | {m:.3f} | {min(row['wall']):.3f} | {max(row['wall']):.3f} "
                    f"| {c:.3f} | {_fmt(_ratio(m, _median(t)), '.2f')} / "
                    f"{_fmt(_ratio(c, _median(t, 'cpu')), '.2f')} | "
                    f"{_fmt(_ratio(m, _median(f)), '.2f')} / "
                    f"{_fmt(_ratio(c, _median(f, 'cpu')), '.2f')} | "
                    f"{_fmt(row.get('accuracy'), '.3f')} | {row['memory_mib']:.1f} |")
        lines.append("")
    return lines


def _conv_lines(results: dict) -> list[str]:
    lines = ["## Conv2D forward + backward", "",
             "Input (64, 1, 28, 28), 8 filters 3×3, padding 1, float32; weight, bias and input "
             "gradients from both. Milliseconds per forward + backward: median of "
             f"{results.get('settings', {}).get('runs')} runs of many calls each.", "",
             "| threads | peer | wall ms | min ms | max ms | cpu ms | × PyTorch (wall / cpu) | "
             "same gradients |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for (threads, _), peers in sorted(_by_config(results["conv"]).items()):
        t = peers.get("torch", {})
        for p, row in peers.items():
            if not row.get("wall"):
                lines.append(f"| {threads} | {p} | error: {row.get('error')} | | | | | |")
                continue
            agree = "—"
            if p != "torch" and "checksum" in row and "checksum" in t:
                agree = "yes" if all(abs(x - y) <= 1e-3 * max(1.0, abs(y))
                                     for x, y in zip(row["checksum"], t["checksum"], strict=True)) else "NO"
            m, c = _median(row), _median(row, "cpu")
            lines.append(
                f"| {threads} | {p} | {m * 1e3:.2f} | {min(row['wall']) * 1e3:.2f} | "
                f"{max(row['wall']) * 1e3:.2f} | {c * 1e3:.2f} | "
                f"{_fmt(_ratio(m, _median(t)), '.2f')} / "
                f"{_fmt(_ratio(c, _median(t, 'cpu')), '.2f')} | {agree} |")
    lines.append("")
    return lines


def _course_lines(course: dict) -> list[str]:
    lines = ["## The course", "",
             "All notebooks in one `pytest --nbval-lax --nbval-current-env notebooks/...` run, as "
             "CI runs them (default threads, i.e. both cores). Per notebook: the sum of its "
             "cells' times from pytest's JUnit report (the kernel's start-up included); the "
             "total is the wall time of the whole run, pytest's own start-up included.", "",
             "| notebook | seconds | result |", "| --- | ---: | --- |"]
    for n in course["notebooks"]:
        if n.get("missing"):
            lines.append(f"| {n['notebook']} | — | not in the repository yet |")
            continue
        lines.append(f"| {n['notebook']} | {n['seconds']:.1f} | "
                     f"{'passed' if n['passed'] else 'FAILED'}: {n['summary']} |")
    total = course.get("total_wall") or 0.0
    lines += [f"| **whole run** | **{total:.1f}** | |", "",
              "Widget callbacks, compute part only (what the callback computes before it draws): "
              "median wall time of several calls.", "",
              "| widget | kind | median ms | target |", "| --- | --- | ---: | --- |"]
    for name, w in course["widgets"].items():
        limit = {"bias": "≤ 150 ms", "retrain": "≤ 1000 ms"}.get(w.get("kind"), "—")
        if w.get("wall"):
            value = f"{statistics.median(w['wall']) * 1e3:.2f}"
        elif "missing" in w:
            value = f"not written yet ({', '.join(w['missing'])})"
        else:
            value = f"error: {w.get('error')}"
        lines.append(f"| {name} | {w.get('kind')} | {value} | {limit} |")
    lines.append("")
    return lines


def _stages_lines(stages: dict) -> list[str]:
    by_batch = stages["by_batch"]
    if "error" in by_batch:
        return [f"Stage timing failed: {by_batch['error']}", ""]
    sizes = sorted(by_batch, key=int)
    names = list(dict.fromkeys(k for bs in sizes for k in by_batch[bs]))
    first = [n for n in names if not n.startswith(("whole", "floor"))]
    lines = ["## Where a dlcore epoch spends its time, step by step", "",
             f"CPU milliseconds per epoch of {stages['samples']} samples, 1 thread, median of 3 "
             f"epochs: `fit`'s loop written out with each step timed on its own (see "
             f"`worker_stages` in `bench.py`). The `Dense` steps contain the matrix products; "
             f"everything else is what NumPy does around them.", "",
             "| step | " + " | ".join(f"batch {bs}" for bs in sizes) + " |",
             "| --- |" + " ---: |" * len(sizes)]
    for name in first:
        lines.append(f"| {name} | " + " | ".join(f"{by_batch[bs].get(name, 0.0):.1f}"
                                                 for bs in sizes) + " |")
    loop = {bs: sum(by_batch[bs].get(n, 0.0) for n in first) for bs in sizes}
    dense = {bs: sum(v for n, v in by_batch[bs].items() if "Dense" in n) for bs in sizes}
    floor = {bs: by_batch[bs].get("floor: the eight matrix products", 0.0) for bs in sizes}
    whole = {bs: by_batch[bs].get("whole fit epoch", 0.0) for bs in sizes}
    rows = [
        ("**the loop above, total**", loop),
        ("**whole `fit` epoch** (the loop + fit's checks and bookkeeping)", whole),
        ("the floor: the eight matrix products alone", floor),
        ("`Dense` steps beyond the floor (bias, allocation, checks)",
         {bs: dense[bs] - floor[bs] for bs in sizes}),
        ("everything else in the loop (copy, activations, loss, optimizer)",
         {bs: loop[bs] - dense[bs] for bs in sizes}),
    ]
    for label, values in rows:
        lines.append(f"| {label} | " + " | ".join(f"{values[bs]:.1f}" for bs in sizes) + " |")
    lines.append("")
    return lines


def _profile_lines(prof: dict) -> list[str]:
    lines = ["## Where a dlcore epoch spends its time", "",
             f"cProfile of one `fit` epoch, batch {prof.get('batch_size')}, 1 thread, "
             f"{prof.get('samples')} samples ({prof['elapsed']:.2f} s under the profiler, which "
             f"adds a little to every Python call). Own time per function, largest first; the "
             f"matrix products run inside `Dense.forward` and `Dense.backward`.", "",
             "| own s | cumulative s | calls | function |", "| ---: | ---: | ---: | --- |"]
    for r in prof["rows"]:
        lines.append(f"| {r['tottime']:.3f} | {r['cumtime']:.3f} | {r['calls']} | "
                     f"`{r['function']}` |")
    lines.append("")
    return lines


def _before_after_lines(results: dict) -> list[str]:
    mlp, conv = _by_config(results.get("mlp", [])), _by_config(results.get("conv", []))
    # each part is compared with the revision it was run beside (--only may have kept an older
    # part, measured against another revision)
    before_mlp = _before_peer(sorted({p for peers in mlp.values() for p in peers}))
    before_conv = _before_peer(sorted({p for peers in conv.values() for p in peers}))
    if before_mlp is None and before_conv is None:
        return []
    refs = ", ".join(f"`{b}`" for b in dict.fromkeys(filter(None, (before_mlp, before_conv))))
    lines = ["## Before and after: dlcore now against an earlier revision", "",
             f"{refs}: dlcore as it was at that git revision, run in the same rounds as today's "
             f"dlcore (`--compare-ref`). Medians; seconds per epoch, or ms per call for Conv2D. "
             f"A speed-up below 1 means that today's dlcore is slower.", "",
             "| threads | batch | before | before wall | after wall | speed-up (wall / cpu) | "
             "before MiB | after MiB |",
             "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for key, peers in sorted(mlp.items()):
        before = before_mlp
        a, b = peers.get(before, {}), peers.get("dlcore", {})
        if _median(a) and _median(b):
            lines.append(f"| {key[0]} | {key[1]} | {before.split('@', 1)[1]} | "
                         f"{_median(a):.3f} | {_median(b):.3f} | "
                         f"{_median(a) / _median(b):.2f} × / "
                         f"{_median(a, 'cpu') / _median(b, 'cpu'):.2f} × | "
                         f"{a['memory_mib']:.1f} | {b['memory_mib']:.1f} |")
    for key, peers in sorted(conv.items()):
        before = before_conv
        a, b = peers.get(before, {}), peers.get("dlcore", {})
        if _median(a) and _median(b):
            lines.append(f"| {key[0]} | Conv2D | {before.split('@', 1)[1]} | "
                         f"{_median(a) * 1e3:.2f} ms | "
                         f"{_median(b) * 1e3:.2f} ms | {_median(a) / _median(b):.2f} × / "
                         f"{_median(a, 'cpu') / _median(b, 'cpu'):.2f} × | | |")
    lines.append("")
    return lines


def render(results: dict) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Generated by `python benchmarks/bench.py` (see `benchmarks/README.md`); do not edit by "
        "hand: the analysis at the end is included from `benchmarks/NOTES.md`.",
        "",
        f"Run: {results.get('date', '?')}, command `{results.get('command', '?')}`.",
        "",
        *_machine_lines(results),
        "The machine is shared: other work ran at the same time, so the wall-clock numbers move "
        "between runs (see min and max). The peers take turns run by run, so they all meet the "
        "same mix of quiet and busy moments; the CPU-time columns give the same comparison "
        "without the waiting.",
        "",
    ]
    skipped = results.get("skipped_peers", {})
    if skipped:
        lines += ["Skipped peers: " + "; ".join(f"{k} ({v})" for k, v in skipped.items()), ""]
    rows = targets(results)
    if rows:
        lines += ["## Targets", "",
                  "Medians of wall-clock times, as the issue asks, and the same ratio on CPU "
                  "time; each judged against the target.", "",
                  "| target | measured (wall) | wall | cpu ratio | cpu |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| {t} | {m} | {_mark(ok)} | {c or '—'} | {_mark(ok_cpu)} |"
                  for t, m, c, ok, ok_cpu in rows]
        lines.append("")
    if results.get("mlp"):
        lines += _mlp_lines(results)
    if results.get("conv"):
        lines += _conv_lines(results)
    if results.get("course"):
        lines += _course_lines(results["course"])
    if results.get("stages", {}).get("by_batch"):
        lines += _stages_lines(results["stages"])
    if results.get("profile", {}).get("rows"):
        lines += _profile_lines(results["profile"])
    lines += _before_after_lines(results)
    if PLAYGROUND_MD.exists():
        lines += [PLAYGROUND_MD.read_text().strip(), ""]
    if NOTES_MD.exists():
        lines += [NOTES_MD.read_text().strip(), ""]
    return "\n".join(lines)


# =================================================================================================
# main
# =================================================================================================


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("mlp", "conv", "course"), action="append",
                        help="run only this part (may be repeated); the other parts' earlier "
                             "results are kept in results.json and RESULTS.md")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 2 runs, 12 000 samples, 1 thread")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per configuration")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure the MLP configurations this many times, each time in "
                             "fresh worker processes, and pool the runs")
    parser.add_argument("--sklearn-runs", type=int, default=3,
                        help="timed runs for scikit-learn (one epoch takes several seconds)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--peers", nargs="+", choices=PEERS, default=list(PEERS))
    parser.add_argument("--compare-ref", metavar="GIT_REF",
                        help="also run dlcore as it was at this git revision (e.g. the commit "
                             "before an optimisation), in the same rounds: before/after table")
    parser.add_argument("--no-write", action="store_true", help="print, do not write files")
    parser.add_argument("--render-only", action="store_true",
                        help="measure nothing: rewrite RESULTS.md from results.json (e.g. after "
                             "editing NOTES.md)")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "JSON"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        kind, kwargs = args.worker
        print(json.dumps(WORKERS[kind](**json.loads(kwargs))))
        return 0
    if args.serve:
        kind, kwargs = args.serve
        serve(kind, json.loads(kwargs))
        return 0

    if args.render_only:
        RESULTS_MD.write_text(render(json.loads(RESULTS_JSON.read_text())))
        log(f"wrote {RESULTS_MD.relative_to(ROOT)} from {RESULTS_JSON.relative_to(ROOT)}")
        return 0
    if args.quick:
        args.runs, args.sklearn_runs, args.samples = 2, 1, 12_000
        args.threads = args.threads if args.threads != [1, 2] else [1]
    parts = args.only or ["mlp", "conv", "course"]

    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    results["date"] = time.strftime("%Y-%m-%d %H:%M")
    results["command"] = "python benchmarks/bench.py " + " ".join(sys.argv[1:] if argv is None
                                                                   else argv)
    results["load_start"] = load_avg()
    results["machine"] = run_worker("info", 1)

    peers = list(args.peers)
    skipped = {}
    for peer, module in (("torch", "torch"), ("floor-torch", "torch"), ("sklearn", "sklearn")):
        if peer in peers and not available(module):
            peers.remove(peer)
            skipped[peer] = f"`{module}` is not installed: pip install -r benchmarks/requirements.txt"
            log(f"skipping {peer}: {module} is not installed")
    results["skipped_peers"] = skipped
    roots = {}
    if args.compare_ref and "dlcore" in peers:
        before = f"dlcore@{args.compare_ref}"
        roots[before] = snapshot_dlcore(args.compare_ref)
        peers.insert(peers.index("dlcore") + 1, before)

    try:
        measure(args, parts, peers, roots, results)
    finally:
        for folder in roots.values():  # the git snapshots of --compare-ref
            shutil.rmtree(folder, ignore_errors=True)
    results["load_end"] = load_avg()

    text = render(results)
    if args.no_write:
        print(text)
    else:
        RESULTS_JSON.write_text(json.dumps(results, indent=1))
        RESULTS_MD.write_text(text)
        log(f"wrote {RESULTS_MD.relative_to(ROOT)} and {RESULTS_JSON.relative_to(ROOT)}")
    return 0


def measure(args, parts, peers, roots, results) -> None:
    """Run the parts asked for, storing their results in ``results``."""
    if "mlp" in parts:
        results["settings"] = {"runs": args.runs, "sklearn_runs": args.sklearn_runs,
                               "repeat": args.repeat,
                               "samples": args.samples, "threads": args.threads,
                               "batch_sizes": args.batch_sizes}
        results["mlp"] = bench_mlp(args, peers, roots)
        if "dlcore" in peers:
            bs = 128 if 128 in args.batch_sizes else args.batch_sizes[0]
            results["profile"] = {**run_worker("profile", 1, batch_size=bs, samples=args.samples),
                                  "batch_size": bs, "samples": args.samples}
            results["stages"] = {"samples": args.samples, "by_batch": run_worker(
                "stages", 1, batch_sizes=args.batch_sizes, samples=args.samples)}
    if "conv" in parts:
        results["conv"] = bench_conv(args, peers, roots)
    if "course" in parts:
        results["course"] = bench_course(args)


if __name__ == "__main__":
    sys.exit(main())
