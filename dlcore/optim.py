"""Optimizers: the rules that turn gradients into better weights.

Introduced in ``notebooks/06_optimizer.ipynb``; ``fit`` (``07_training_loop``) uses them.

Every optimizer follows the same three-line loop, with the names PyTorch uses::

    optimizer = Adam(model.parameters(), lr=0.001)
    optimizer.zero_grad()        # forget the previous mini-batch's gradients
    ...forward, loss, backward...  # layers add dL/dw into each Parameter.grad
    optimizer.step()             # move every weight w using its gradient g = dL/dw

The rules, simplest first, in the symbols of the papers (``w`` a weight array, ``g`` its gradient,
all operations elementwise):

=========  =============================================================================
SGD        w <- w - lr * g
+momentum  v <- momentum * v + g;              w <- w - lr * v
Adagrad    G <- G + g**2;                      w <- w - lr * g / (sqrt(G) + eps)
RMSprop    s <- beta * s + (1 - beta) * g**2;  w <- w - lr * g / (sqrt(s) + eps)
Adam       m <- beta1 * m + (1 - beta1) * g;   v <- beta2 * v + (1 - beta2) * g**2
           m_hat = m / (1 - beta1**t);         v_hat = v / (1 - beta2**t)
           w <- w - lr * m_hat / (sqrt(v_hat) + eps)
AdamW      Adam's rule on g, then w <- w - lr * weight_decay * w  (decoupled weight decay)
=========  =============================================================================

Each class writes its rule out in full, in these symbols and in this order, even where that
repeats a line of another class: SGD is not a special case of Adam here, because this code is
read to learn.

Weight decay (every optimizer, ``weight_decay=0`` by default): L2 regularisation, which pulls
every weight towards 0 a little at each step, so that the network prefers small weights and
overfits less (``notebooks/07_training_loop.ipynb``). SGD, Adagrad, RMSprop and Adam add it to
the gradient, ``g = dL/dw + weight_decay * w`` (the gradient of ``L + weight_decay/2 * ||w||^2``:
the *coupled* L2 form, as PyTorch's ``weight_decay``). In Adam that term is then divided by
``sqrt(v_hat)`` like the rest of the gradient, so weights with large gradients are hardly
decayed; ``AdamW`` (Loshchilov and Hutter, 2019) instead shrinks the weight directly, outside the
adaptive step (the *decoupled* form), which usually regularises better. It applies to every
parameter given to the optimizer, biases included.

Notes
-----
- Weights are updated *in place* (``w -= ...``), so ``p.value`` stays the same array object and
  every reference to it (a plot, a layer's cache) sees the new numbers.
- The optimizer's memory (velocity ``v``, sums ``G`` and ``s``, moments ``m`` and ``v``) is
  kept in ``state[i]`` under the names of the formula, made on the first step with the dtype of
  the parameter. float32 parameters stay float32 and float64 ones float64; if a model is cast
  with ``model.to(dtype)`` after the optimizer was made, the state is cast too, on the next step.
- ``clip_norm`` (every optimizer): rescales all gradients together when their global L2 norm is
  larger than ``clip_norm``; this is what keeps recurrent networks (``10_recurrent``) from
  exploding. See ``Optimizer.step``.
"""

from __future__ import annotations

import math

import numpy as np

from .module import Layer, Parameter
from .validate import describe, fraction, non_negative_number, positive_number

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]


# --- argument checks (shared by every optimizer's constructor) ----------------------------------
def _check_positive(where: str, name: str, value, hint: str) -> float:
    """``value`` must be a finite number > 0; returned as a Python float."""
    return positive_number(value, name, where, hint)


def _check_decay(where: str, name: str, value, hint: str) -> float:
    """``value`` must be a number in [0, 1): a fraction of the past that is kept each step."""
    return fraction(value, name, where, hint)


def _check_weight_decay(where: str, value) -> float:
    return non_negative_number(
        value, "weight_decay", where,
        "weight_decay is the strength of the pull towards 0; 1e-4 to 1e-2 is usual, 0 is off.",
    )


def _as_parameter_list(params, where: str) -> list[Parameter]:
    """The parameters as a list without repeats, or a ``TypeError``/``ValueError`` with a hint."""
    usage = f"write {where}(model.parameters(), lr=...)"
    if isinstance(params, Layer) or callable(getattr(params, "parameters", None)):
        raise TypeError(
            f"{where}: expected the model's parameters (an iterable of Parameter), received the "
            f"{type(params).__name__} model itself. Hint: {usage}."
        )
    if isinstance(params, Parameter):
        raise TypeError(
            f"{where}: expected an iterable of Parameter, received a single {params!r}. "
            f"Hint: put it in a list, {where}([p], lr=...)."
        )
    if isinstance(params, np.ndarray):
        raise TypeError(
            f"{where}: expected an iterable of Parameter, received a NumPy "
            f"{describe(params)}. Hint: an optimizer needs Parameter objects (value and "
            f"grad together); {usage}."
        )
    try:
        items = list(params)
    except TypeError:
        raise TypeError(
            f"{where}: expected an iterable of Parameter, received "
            f"{type(params).__name__} {params!r}. Hint: {usage}."
        ) from None
    if not items:
        raise ValueError(
            f"{where}: expected at least one Parameter, received an empty list. Hint: check that "
            f"the model has layers with weights (Dense, Conv2D, ...) and that you pass "
            f"model.parameters() of that model."
        )
    unique: list[Parameter] = []
    seen: set[int] = set()
    for i, p in enumerate(items):
        if not isinstance(p, Parameter):
            what = describe(p) if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(
                f"{where}: expected every item to be a Parameter, received {what} at position "
                f"{i}. Hint: an optimizer needs Parameter objects (value and grad together), "
                f"not bare arrays or layers; {usage}."
            )
        # A weight shared by two layers is listed twice by model.parameters(); it is still one
        # array, so it gets one update (with the gradient both uses added into its .grad).
        if id(p) not in seen:
            seen.add(id(p))
            unique.append(p)
    return unique


# --- the base class ------------------------------------------------------------------------------
class Optimizer:
    """What every optimizer shares: the parameter list, ``zero_grad``, ``step`` and clipping.

    A subclass only writes ``_update(w, g, state)``: the rule for one weight array ``w`` with
    gradient ``g``, keeping whatever it needs between steps in the dict ``state``.

    Attributes
    ----------
    params : list of Parameter
        The parameters this optimizer updates, in the order given (repeats removed).
    lr : float
        The learning rate. A public attribute: it may be changed between steps (a schedule, a
        slider); a value that is not a finite number > 0 is refused.
    clip_norm : float or None
        If set, the global gradient norm is clipped to it before each update (see ``step``).
    weight_decay : float
        The strength of L2 weight decay (see the module docstring); 0 turns it off.
    t : int
        How many updates have been made so far (Adam's bias correction needs it).
    state : list of dict
        One dict per parameter with the optimizer's memory of past gradients, under the names of
        the formula (``"v"``, ``"G"``, ``"s"``, ``"m"``). Empty until the first step.
    """

    #: Shown in the error message for a bad learning rate.
    lr_hint = "try lr=0.01."

    def __init__(self, params, lr: float, clip_norm: float | None = None,
                 weight_decay: float = 0.0):
        where = type(self).__name__
        self.params = _as_parameter_list(params, where)
        self.lr = lr  # checked by the property below
        if clip_norm is not None:
            clip_norm = _check_positive(
                where, "clip_norm", clip_norm,
                "clip_norm is the largest gradient norm allowed, e.g. 1.0 or 5.0 for a recurrent "
                "network; use None for no clipping.",
            )
        self.clip_norm = clip_norm
        self.weight_decay = _check_weight_decay(where, weight_decay)
        self.t = 0
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        self._shapes = [p.value.shape for p in self.params]

    # --- the learning rate, checked every time it is set ---------------------------------------
    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        self._lr = _check_positive(
            type(self).__name__, "lr", value,
            f"the learning rate is the size of each step; {self.lr_hint}",
        )

    # --- the loop's two calls -------------------------------------------------------------------
    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero, before the next mini-batch's backward pass.

        Needed because layers *add* into ``Parameter.grad`` (``notebooks/05_back_propagation``).
        """
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update every parameter in place from its current gradient ``p.grad``.

        1. Check that each gradient still has its parameter's shape (all of them, before any
           weight is changed, so a failed step changes nothing).
        2. If ``clip_norm`` is set and the global norm ``sqrt(sum of g**2 over every parameter)``
           is larger than ``clip_norm``, multiply *every* gradient, in place on ``p.grad``, by
           ``clip_norm / norm``. The direction of the whole update is kept; only its length
           shrinks. A non-finite norm (a NaN or inf gradient) is left alone, so that ``fit``
           sees the divergence instead of a silently zeroed gradient.
        3. ``t <- t + 1`` and apply the optimizer's rule to each parameter.
        """
        self._check_parameters("step")
        if self.clip_norm is not None:
            norm = self._global_grad_norm()
            if math.isfinite(norm) and norm > self.clip_norm:
                scale = self.clip_norm / norm
                for p in self.params:
                    p.grad *= scale
        self.t += 1
        for i, p in enumerate(self.params):
            self._update(p.value, p.grad, self._state_for(i, p))

    def grad_norm(self) -> float:
        """The global L2 norm of all gradients, ``sqrt(sum over parameters of sum(g**2))``.

        The number ``clip_norm`` is compared with; plotting it step by step shows exploding
        gradients in a recurrent network (``notebooks/10_recurrent.ipynb``).
        """
        self._check_parameters("grad_norm")
        return self._global_grad_norm()

    # --- to be written by each optimizer --------------------------------------------------------
    def _update(self, w: np.ndarray, g: np.ndarray, state: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _update(w, g, state).")

    # --- bookkeeping ------------------------------------------------------------------------------
    def _check_parameters(self, method: str) -> None:
        where = f"{type(self).__name__}.{method}"
        for p, shape in zip(self.params, self._shapes, strict=True):
            w, g = p.value, p.grad
            if not (isinstance(w, np.ndarray) and w.dtype.kind == "f"):
                raise TypeError(
                    f"{where}: expected {p.name}.value to be a float array, received "
                    f"{describe(w)}. Hint: use p.to(np.float32) to change a dtype."
                )
            if w.shape != shape:
                raise ValueError(
                    f"{where}: expected {p.name}.value to keep its shape {shape}, received "
                    f"shape {w.shape}. Hint: the model changed after the optimizer was made; "
                    f"create a new optimizer for the new parameters."
                )
            if not isinstance(g, np.ndarray):
                raise TypeError(
                    f"{where}: expected {p.name}.grad to be a NumPy array of shape {shape}, "
                    f"received {describe(g)}. Hint: let backward() fill the gradients and "
                    f"call zero_grad() to reset them, rather than assigning p.grad."
                )
            if g.shape != shape:
                raise ValueError(
                    f"{where}: expected {p.name}.grad to have the shape of {p.name}.value, "
                    f"{shape}, received shape {g.shape}. Hint: backward() adds into p.grad in "
                    f"place; something replaced p.grad with an array of another shape."
                )

    def _global_grad_norm(self) -> float:
        norms = []
        for p in self.params:
            g_max = float(np.max(np.abs(p.grad))) if p.grad.size else 0.0
            if g_max == 0.0 or not math.isfinite(g_max):
                norms.append(g_max)
                continue
            # ||g|| = g_max * ||g / g_max||: dividing by the largest entry first means squaring
            # cannot overflow, even for the huge gradients clipping exists to tame.
            scaled = p.grad / g_max
            norms.append(g_max * math.sqrt(float(np.vdot(scaled, scaled))))
        return math.hypot(*norms)

    def _state_for(self, i: int, p: Parameter) -> dict:
        state = self.state[i]
        for key, arr in state.items():
            if arr.dtype != p.value.dtype:  # the model was cast with .to(dtype) since last step
                state[key] = arr.astype(p.value.dtype)
        return state

    def _hyperparameters(self) -> dict:
        return {"lr": self.lr}

    def __repr__(self) -> str:
        args = {**self._hyperparameters(), "clip_norm": self.clip_norm,
                "weight_decay": self.weight_decay}
        text = ", ".join(f"{k}={v!r}" for k, v in args.items())
        return f"{type(self).__name__}({text}, parameters={len(self.params)})"


# --- the optimizers, simplest first --------------------------------------------------------------
class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (``notebooks/06_optimizer.ipynb``).

    Plain::

        g = dL/dw + weight_decay * w             (just dL/dw when weight_decay = 0)
        w <- w - lr * g

    With momentum (the form PyTorch uses)::

        v <- momentum * v + g        (v starts at 0)
        w <- w - lr * v

    Plain SGD takes a step downhill on the current mini-batch's loss. Momentum keeps a running
    sum ``v`` of past gradients, like a ball rolling downhill: steps grow along directions where
    the gradients agree and the zig-zag across a narrow valley cancels out.

    CS231n writes momentum as ``v' <- mu * v' - lr * g; w <- w + v'``. With a constant learning
    rate the two are the same rule: ``v' = -lr * v`` at every step (by induction), so the weights
    follow exactly the same path. They differ only when ``lr`` changes during training: here the
    new ``lr`` scales the whole accumulated velocity at once.

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``.
    lr : float, default 0.01
        Learning rate, the size of each step: 0.01 to 0.1 is typical for SGD. Too large and the
        loss grows or oscillates; too small and training crawls.
    momentum : float in [0, 1), default 0.0
        How much of the previous velocity is kept each step. 0 is plain SGD; 0.9 is the usual
        choice (roughly an average over the last 1 / (1 - 0.9) = 10 gradients).
    clip_norm : float or None, default None
        Largest global gradient norm allowed; see ``Optimizer.step``.
    weight_decay : float >= 0, default 0.0
        L2 weight decay, added to the gradient (see the module docstring).

    State: ``state[i]["v"]``, the velocity, same shape and dtype as the parameter (only with
    momentum).
    """

    lr_hint = "try lr=0.01 for SGD (0.001 to 0.1 is the usual range; Adam uses 0.001)."

    def __init__(self, params, lr: float = 0.01, momentum: float = 0.0,
                 clip_norm: float | None = None, weight_decay: float = 0.0):
        self.momentum = _check_decay(
            "SGD", "momentum", momentum,
            "0.9 is the usual value; 0 turns momentum off. At 1 the velocity never forgets.",
        )
        super().__init__(params, lr, clip_norm, weight_decay)

    def _update(self, w, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * w
        if self.momentum == 0.0:
            w -= self.lr * g
            return
        if not state:
            state["v"] = np.zeros_like(w)  # the velocity starts at rest
        v = self.momentum * state["v"] + g
        w -= self.lr * v
        state["v"] = v

    def _hyperparameters(self):
        return {"lr": self.lr, "momentum": self.momentum}


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan and Singer, 2011), ``notebooks/06_optimizer.ipynb``::

        g = dL/dw + weight_decay * w           (just dL/dw when weight_decay = 0)
        G <- G + g**2                          (G starts at 0)
        w <- w - lr * g / (sqrt(G) + eps)

    Each weight gets its own step size: ``G`` adds up the squares of all its past gradients, so
    a weight that has had large gradients takes smaller steps, and a rarely-updated weight
    (a rare feature) keeps taking large ones. Because ``G`` only grows, the steps shrink for
    ever; RMSprop fixes that by forgetting old gradients.

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``.
    lr : float, default 0.01
        Learning rate; 0.01 is typical (the first step moves each weight by about ``lr``).
    eps : float, default 1e-8
        Added to ``sqrt(G)`` so that a weight whose gradients were all zero does not divide by 0.
    clip_norm : float or None, default None
        Largest global gradient norm allowed; see ``Optimizer.step``.
    weight_decay : float >= 0, default 0.0
        L2 weight decay, added to the gradient (see the module docstring).

    State: ``state[i]["G"]``, the sum of squared gradients.
    """

    lr_hint = "try lr=0.01 for Adagrad (0.001 to 0.1 is the usual range)."

    def __init__(self, params, lr: float = 0.01, eps: float = 1e-8,
                 clip_norm: float | None = None, weight_decay: float = 0.0):
        self.eps = _check_positive(
            "Adagrad", "eps", eps, "eps only guards against division by zero; 1e-8 is usual."
        )
        super().__init__(params, lr, clip_norm, weight_decay)

    def _update(self, w, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * w
        if not state:
            state["G"] = np.zeros_like(w)
        G = state["G"] + g**2
        w -= self.lr * g / (np.sqrt(G) + self.eps)
        state["G"] = G

    def _hyperparameters(self):
        return {"lr": self.lr, "eps": self.eps}


class RMSprop(Optimizer):
    """RMSprop (Hinton, Coursera lecture 6e, 2012), ``notebooks/06_optimizer.ipynb``::

        g = dL/dw + weight_decay * w           (just dL/dw when weight_decay = 0)
        s <- beta * s + (1 - beta) * g**2      (s starts at 0)
        w <- w - lr * g / (sqrt(s) + eps)

    Like Adagrad, each weight's step is divided by the size of its recent gradients, but ``s``
    is a moving average instead of an ever-growing sum, so old gradients are forgotten and the
    steps do not shrink to nothing. ``sqrt(s)`` is the root of the mean square: the name.

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``.
    lr : float, default 0.001
        Learning rate; 0.001 is typical.
    beta : float in [0, 1), default 0.9
        How much of the previous average ``s`` is kept each step: 0.9 averages over roughly the
        last 10 squared gradients. (PyTorch calls it ``alpha``, default 0.99; Keras ``rho``.)
    eps : float, default 1e-8
        Added to ``sqrt(s)`` so that a zero average does not divide by 0.
    clip_norm : float or None, default None
        Largest global gradient norm allowed; see ``Optimizer.step``.
    weight_decay : float >= 0, default 0.0
        L2 weight decay, added to the gradient (see the module docstring).

    State: ``state[i]["s"]``, the moving average of squared gradients.
    """

    lr_hint = "try lr=0.001 for RMSprop (0.0001 to 0.01 is the usual range)."

    def __init__(self, params, lr: float = 0.001, beta: float = 0.9, eps: float = 1e-8,
                 clip_norm: float | None = None, weight_decay: float = 0.0):
        self.beta = _check_decay(
            "RMSprop", "beta", beta, "0.9 is the usual value (0.99 in PyTorch)."
        )
        self.eps = _check_positive(
            "RMSprop", "eps", eps, "eps only guards against division by zero; 1e-8 is usual."
        )
        super().__init__(params, lr, clip_norm, weight_decay)

    def _update(self, w, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * w
        if not state:
            state["s"] = np.zeros_like(w)
        s = self.beta * state["s"] + (1 - self.beta) * g**2
        w -= self.lr * g / (np.sqrt(s) + self.eps)
        state["s"] = s

    def _hyperparameters(self):
        return {"lr": self.lr, "beta": self.beta, "eps": self.eps}


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), ``notebooks/06_optimizer.ipynb``::

        t <- t + 1
        g = dL/dw + weight_decay * w           (just dL/dw when weight_decay = 0)
        m <- beta1 * m + (1 - beta1) * g       (m, v start at 0)
        v <- beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        w <- w - lr * m_hat / (sqrt(v_hat) + eps)

    Momentum (``m``, a moving average of the gradient) and RMSprop (``v``, a moving average of
    its square) together. Because ``m`` and ``v`` start at 0 they are too small for the first
    steps; dividing by ``1 - beta**t`` (the *bias correction*) undoes exactly that, so that on
    the first step ``m_hat = g`` and ``v_hat = g**2`` and each weight moves by about
    ``lr * sign(g)``. Adam's defaults work for most networks, which is why it is the usual first
    choice.

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``.
    lr : float, default 0.001
        Learning rate: about the largest distance a weight moves in one step. 0.001 is the
        usual value (0.0001 to 0.01).
    beta1 : float in [0, 1), default 0.9
        How much of the previous average gradient ``m`` is kept (the momentum).
    beta2 : float in [0, 1), default 0.999
        How much of the previous average squared gradient ``v`` is kept: 0.999 averages over
        roughly the last 1000 steps.
    eps : float, default 1e-8
        Added to ``sqrt(v_hat)`` so that a zero average does not divide by 0.
    clip_norm : float or None, default None
        Largest global gradient norm allowed; see ``Optimizer.step``.
    weight_decay : float >= 0, default 0.0
        Coupled L2 weight decay, added to the gradient (``AdamW`` has the decoupled form).

    State: ``state[i]["m"]`` and ``state[i]["v"]``; the step counter ``t`` is ``self.t``.
    """

    lr_hint = "try lr=0.001 for Adam (0.0001 to 0.01 is the usual range; SGD uses 0.01)."

    def __init__(self, params, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, clip_norm: float | None = None, weight_decay: float = 0.0):
        where = type(self).__name__
        self.beta1 = _check_decay(
            where, "beta1", beta1, "0.9 is the usual value for the average gradient."
        )
        self.beta2 = _check_decay(
            where, "beta2", beta2, "0.999 is the usual value for the average squared gradient."
        )
        self.eps = _check_positive(
            where, "eps", eps, "eps only guards against division by zero; 1e-8 is usual."
        )
        super().__init__(params, lr, clip_norm, weight_decay)

    def _update(self, w, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * w  # coupled L2: decayed through the adaptive step below
        if not state:
            state["m"] = np.zeros_like(w)
            state["v"] = np.zeros_like(w)
        t = self.t  # already counts this step (Optimizer.step adds 1 before the updates)
        m = self.beta1 * state["m"] + (1 - self.beta1) * g
        v = self.beta2 * state["v"] + (1 - self.beta2) * g**2
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        w -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        state["m"], state["v"] = m, v

    def _hyperparameters(self):
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019), ``06_optimizer``::

        t <- t + 1
        m <- beta1 * m + (1 - beta1) * g       (g = dL/dw; m, v start at 0)
        v <- beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        w <- w - lr * m_hat / (sqrt(v_hat) + eps) - lr * weight_decay * w

    The same step as ``Adam``, plus a pull of every weight towards 0 by the fraction
    ``lr * weight_decay`` per step that does *not* pass through ``m`` and ``v``. In ``Adam``
    with ``weight_decay`` the decay term is part of ``g`` and so gets divided by
    ``sqrt(v_hat)``: weights whose gradients are large are barely decayed. Decoupled, every
    weight decays at the same rate, which usually regularises better; it is the usual choice for
    training with weight decay. With ``weight_decay=0`` it is exactly Adam.

    Parameters
    ----------
    params, lr, beta1, beta2, eps, clip_norm
        As for ``Adam``.
    weight_decay : float >= 0, default 0.01
        The fraction (times ``lr``) of each weight removed per step; 0.01 is PyTorch's default.

    State: ``state[i]["m"]`` and ``state[i]["v"]``; the step counter ``t`` is ``self.t``.
    """

    lr_hint = "try lr=0.001 for AdamW (0.0001 to 0.01 is the usual range)."

    def __init__(self, params, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, clip_norm: float | None = None, weight_decay: float = 0.01):
        # Adam's arguments and their checks; only the default weight decay differs.
        super().__init__(params, lr, beta1, beta2, eps, clip_norm, weight_decay)

    def _update(self, w, g, state):
        # Adam's step written out again, so that the one difference, the decay term outside
        # m and v, is visible in the update of w.
        if not state:
            state["m"] = np.zeros_like(w)
            state["v"] = np.zeros_like(w)
        t = self.t  # already counts this step (Optimizer.step adds 1 before the updates)
        m = self.beta1 * state["m"] + (1 - self.beta1) * g
        v = self.beta2 * state["v"] + (1 - self.beta2) * g**2
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        w -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps) + self.lr * self.weight_decay * w
        state["m"], state["v"] = m, v
