"""Optimizers: turn each parameter's `.grad` into a step, w ← w − η·∂L/∂w and its refinements.

The update formulas are PyTorch's (torch.optim.SGD and Adam with their
defaults otherwise), written in the same order of operations, so a model
trained here and its `to_torch()` copy trained there follow the same
trajectory to within rounding.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

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
        self.lr = _check("lr", lr, low=0.0)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        settings = ", ".join(
            f"{k}={v}" for k, v in vars(self).items() if k != "params" and not k.startswith("_")
        )
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"


def _check(name: str, value: float, low: float, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value < high:
        raise ValueError(f"{name} must be a number in [{low}, {high}), got {value!r}")
    return float(value)


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
        self._buffers: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        lr, momentum, decay, buffers = self.lr, self.momentum, self.weight_decay, self._buffers
        if not (momentum or decay):  # plain w ← w − lr·g: the same formula, one pass with nothing else
            for p in self.params:
                p.data -= lr * p.grad
            return
        for i, p in enumerate(self.params):
            g = p.grad
            if decay:
                g = g + decay * p.data
            if momentum:
                buf = buffers[i]
                g = buffers[i] = g if buf is None else buf * momentum + g
            p.data -= lr * g


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
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        self.t += 1
        (beta1, beta2), eps, decay, m, v = self.betas, self.eps, self.weight_decay, self._m, self._v
        step_size = self.lr / (1 - beta1**self.t)
        correction2_sqrt = (1 - beta2**self.t) ** 0.5
        for i, p in enumerate(self.params):
            g = p.grad
            if decay:
                g = g + decay * p.data
            m[i] += (g - m[i]) * (1 - beta1)  # torch's lerp, = β₁·m + (1 − β₁)·g
            v[i] = v[i] * beta2 + (1 - beta2) * g * g
            p.data -= step_size * (m[i] / (math.sqrt(v[i]) / correction2_sqrt + eps))


__all__ = ["SGD", "Adam", "Optimizer"]
