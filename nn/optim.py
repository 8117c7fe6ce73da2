"""Optimizers: turn each parameter's `.grad` into a step, w ← w − η·∂L/∂w and its refinements.

The update formulas are PyTorch's (torch.optim.SGD and Adam with their
defaults otherwise), written in the same order of operations, so a model
trained here and its `to_torch()` copy trained there follow the same
trajectory to within rounding.

Each rule is written once, with operators, as a function of one parameter's
number and gradient (floats) or of every parameter's at once (numpy
arrays): `step()` runs it on the Values one by one, `step_arrays()` on a
whole model's parameters in one array (`nn.fit(compile=True)`), the same
numbers either way.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Iterable
from typing import Any

from engine import Value


class Optimizer:
    """Holds the parameters; `zero_grad()` clears their gradients, `step()` updates them."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list; pass model.parameters()")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"optimizer parameters must be Values, got {type(p).__name__}")
        if len(set(map(id, self.params))) != len(self.params):  # as PyTorch, which warns of it
            first: dict[int, int] = {}
            for i, p in enumerate(self.params):
                if first.setdefault(id(p), i) != i:
                    raise ValueError(
                        f"optimizer got the same parameter twice (at {first[id(p)]} and {i}): it would be "
                        "stepped twice a step. List each Value once (model.parameters() does, tied weights "
                        "too)"
                    )
        self.lr = _check("lr", lr, low=0.0)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its `.grad`."""
        raise NotImplementedError

    def step_arrays(self, data: Any, grad: Any) -> Any:
        """The same update on numpy arrays of every parameter's number and gradient
        (in the order of `params`): returns the new numbers; no Value is touched."""
        raise NotImplementedError(f"{type(self).__name__} has no step on arrays")

    @property
    def steps_arrays(self) -> bool:
        """Whether a compiled training step may run this optimizer on arrays
        (`step_arrays`, no `zero_grad`: each step's gradient is its own) and
        be the same as its steps on Values: `step_arrays` written by the class
        that wrote `step` or below it, `zero_grad` Optimizer's own. A subclass
        that overrides `step` (clipping) or `zero_grad` (accumulating
        gradients over steps) is stepped on its Values, its methods called as
        eager training calls them, unless it also overrides `step_arrays` with
        the same rule. One that overrides `step_arrays` alone, below a class
        whose `step` has its own array rule, would run a rule eager training
        never runs: TypeError, naming it."""
        cls = type(self)
        arrays, step, zero = (_defined_in(cls, name) for name in ("step_arrays", "step", "zero_grad"))
        # step_arrays changed below a class that wrote step with an array rule of its own (a subclass
        # of SGD overriding step_arrays alone); one below a class that changed step alone (clipping)
        # is that class's array rule, as the step above it is its rule on Values
        if arrays is not step and issubclass(arrays, step) and "step_arrays" in vars(step):
            raise TypeError(
                f"{arrays.__name__} overrides step_arrays but not step: compiled training would step with "
                f"{arrays.__name__}.step_arrays, eager training with {step.__name__}.step. Override both "
                "with the same rule (or step alone: then it is stepped on its Values)"
            )
        return arrays is not Optimizer and issubclass(arrays, step) and zero is Optimizer

    def __repr__(self) -> str:
        settings = ", ".join(
            f"{k}={v}" for k, v in vars(self).items() if k != "params" and not k.startswith("_")
        )
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"


def _defined_in(cls: type, name: str) -> type:
    """The class of cls's MRO whose own body defines `name`."""
    return next(k for k in cls.__mro__ if name in vars(k))


def _check(name: str, value: float, low: float, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value < high:
        raise ValueError(f"{name} must be a number in [{low}, {high}), got {reprlib.repr(value)}")
    try:
        return float(value)
    except OverflowError:  # an int past ±1.8e308
        raise ValueError(f"{name} must be a number in [{low}, {high}), got {reprlib.repr(value)}") from None


class SGD(Optimizer):
    """Stochastic gradient descent: w ← w − lr·g.

    With weight_decay, g = ∂L/∂w + weight_decay·w (L2 regularisation); with
    momentum, g is replaced by the running buf = momentum·buf + g (buf starts
    as the first g), as in torch.optim.SGD without dampening or Nesterov.
    """

    def __init__(
        self, params: Iterable[Value], lr: float = 0.01, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check("momentum", momentum, low=0.0)
        self.weight_decay = _check("weight_decay", weight_decay, low=0.0)
        self._buffers: Any = None  # momentum's running g: None until the first step, then one per parameter

    def step(self) -> None:
        lr, momentum, decay, params = self.lr, self.momentum, self.weight_decay, self.params
        if not (momentum or decay):  # _sgd's rule with nothing else, inline: no call per parameter
            rest = iter(params)
            try:
                for p in rest:  # no call here: Ctrl+C lands between two parameters, never inside one
                    p.data -= lr * p.grad
            except KeyboardInterrupt:  # all or nothing: finish the step, then stop
                for p in rest:
                    p.data -= lr * p.grad
                raise
            return
        buffers = self._buffers
        if buffers is None:
            buffers = [None] * len(params)
        elif not isinstance(buffers, list):  # step_arrays came first
            buffers = buffers.tolist()
        self._buffers, done = buffers, 0
        # All or nothing, as above: Ctrl+C lands at a call or a loop's end, so between two
        # parameters' stores (`done` counts them); then the rest are stepped before it goes on.
        try:
            for i, p in enumerate(params):
                p.data, buffers[i] = _sgd(p.data, p.grad, buffers[i], lr, momentum, decay)
                done = i + 1
        except KeyboardInterrupt:
            for i in range(done, len(params)):
                p = params[i]
                p.data, buffers[i] = _sgd(p.data, p.grad, buffers[i], lr, momentum, decay)
            raise

    def step_arrays(self, data: Any, grad: Any) -> Any:
        buffers = self._buffers
        if isinstance(buffers, list):  # eager steps came first (None: momentum has not started)
            buffers = None if buffers[0] is None else _array(buffers)
        data, self._buffers = _sgd(data, grad, buffers, self.lr, self.momentum, self.weight_decay)
        return data


def _sgd(w: Any, g: Any, buf: Any, lr: float, momentum: float, decay: float) -> tuple[Any, Any]:
    """One SGD update of w (a number or an array) with gradient g: (new w, new momentum buffer)."""
    if decay:
        g = g + decay * w
    if momentum:
        g = buf = g if buf is None else buf * momentum + g
    if isinstance(w, float):
        return w - lr * g, buf
    # Arrays (a compiled training block's parameters): the same number, w + (−lr)·g being
    # w − lr·g exactly (IEEE rounding is symmetric: (−lr)·g is −(lr·g), zeros' signs too),
    # with one temporary array and two passes where w - lr * g makes two and takes three
    # (the wider networks' parameters are hundreds of kilobytes, and each pass is paid for)
    update = g * -lr
    update += w
    return update, buf


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and its square.

        m ← β₁·m + (1 − β₁)·g        v ← β₂·v + (1 − β₂)·g²
        w ← w − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + eps)

    as torch.optim.Adam (weight_decay adds weight_decay·w to g; no amsgrad).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check("beta1", betas[0], 0.0, 1.0), _check("beta2", betas[1], 0.0, 1.0))
        self.eps = _check("eps", eps, low=0.0)
        if self.eps == 0.0:  # √v is 0 until a parameter gets a gradient: m/(0 + 0) would divide by zero
            raise ValueError("eps must be > 0 (it keeps Adam's step finite where √v is 0), got 0")
        self.weight_decay = _check("weight_decay", weight_decay, low=0.0)
        self.t = 0
        self._m: Any = [0.0] * len(self.params)  # running averages: lists, or arrays after step_arrays
        self._v: Any = [0.0] * len(self.params)

    def _constants(self, t: int) -> tuple[float, ...]:
        (beta1, beta2) = self.betas
        step_size = self.lr / (1 - beta1**t)
        correction2_sqrt = (1 - beta2**t) ** 0.5
        return step_size, correction2_sqrt, beta1, beta2, self.eps, self.weight_decay

    def step(self) -> None:
        t = self.t + 1
        constants = self._constants(t)
        m, v = (x if isinstance(x, list) else x.tolist() for x in (self._m, self._v))
        self._m, self._v, self.t, params, done = m, v, t, self.params, 0
        try:  # all or nothing, as SGD's step
            for i, p in enumerate(params):
                p.data, m[i], v[i] = _adam(p.data, p.grad, m[i], v[i], *constants)
                done = i + 1
        except KeyboardInterrupt:
            for i in range(done, len(params)):
                p = params[i]
                p.data, m[i], v[i] = _adam(p.data, p.grad, m[i], v[i], *constants)
            raise

    def step_arrays(self, data: Any, grad: Any) -> Any:
        t = self.t + 1
        m, v = (_array(x) if isinstance(x, list) else x for x in (self._m, self._v))
        data, self._m, self._v = _adam(data, grad, m, v, *self._constants(t))
        self.t = t
        return data


def _adam(
    w: Any,
    g: Any,
    m: Any,
    v: Any,
    step_size: float,
    correction2_sqrt: float,
    beta1: float,
    beta2: float,
    eps: float,
    decay: float,
) -> tuple[Any, Any, Any]:
    """One Adam update of w (a number or an array): (new w, new m, new v)."""
    if decay:
        g = g + decay * w
    m = m + (g - m) * (1 - beta1)  # torch's lerp, = β₁·m + (1 − β₁)·g
    v = v * beta2 + (1 - beta2) * g * g
    return w - step_size * (m / (_sqrt(v) / correction2_sqrt + eps)), m, v


def _sqrt(x: Any) -> Any:
    return math.sqrt(x) if type(x) is float else _numpy().sqrt(x)


def _array(numbers: list[float]) -> Any:
    return _numpy().array(numbers, dtype=float)


def _numpy() -> Any:
    import numpy  # only for step_arrays, which only nn.fit(compile=True) calls

    return numpy


__all__ = ["SGD", "Adam", "Optimizer"]
