"""The activation functions the documents teach, as functions of Values.

Each takes a Value (or a number, made a constant leaf) and returns a Value;
its derivative comes from the engine's op table, so `backward()` through an
activation is the rule the documents write down, e.g. sigmoid's
f'(x) = f(x)(1 − f(x)). `ACTIVATIONS` maps the names `Neuron`, `Layer` and
`MLP` accept to these functions.

`softmax` and `log_softmax` act on a whole list of Values (a layer's
outputs), not on one neuron.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import engine
from engine import Value
from engine.value import lift


def linear(z: Any) -> Value:
    """g(z) = z: the identity (unbounded; alone it cannot capture complex patterns)."""
    return lift(z)


def step(z: Any) -> Value:
    """1 if z > 0 else 0: the perceptron's all-or-nothing activation.

    Its derivative is 0 everywhere it exists, so no gradient flows through
    it: a network of step neurons cannot learn by backpropagation.
    """
    return lift(z).step()


def sigmoid(z: Any) -> Value:
    """σ(z) = 1/(1 + e⁻ᶻ), in (0, 1); f'(z) = f(z)(1 − f(z)), at most 1/4."""
    return lift(z).sigmoid()


def tanh(z: Any) -> Value:
    """tanh z, in (−1, 1) and zero-centred; f'(z) = 1 − f(z)²."""
    return lift(z).tanh()


def relu(z: Any) -> Value:
    """max(0, z): cheap and unbounded; its gradient is 0 for z < 0 ("dying ReLU")."""
    return lift(z).relu()


def leaky_relu(z: Any, slope: float = 0.01) -> Value:
    """z for z > 0, else slope·z: a small gradient survives for z < 0."""
    return lift(z).leaky_relu(slope)


def prelu(z: Any, a: Value) -> Value:
    """z for z > 0, else a·z, where the slope `a` is a Value learned with the weights.

    Written as max(0, z) + a·min(0, z), with min(0, z) = z − max(0, z): so
    ∂/∂z is 1 or a, and ∂/∂a is min(0, z).
    """
    z = lift(z)
    positive = z.relu()
    return positive + a * (z - positive)


def softmax(zs: Sequence[Any]) -> list[Value]:
    """e^zᵢ / Σⱼ e^zⱼ for a list of Values: outputs in (0, 1) that sum to 1.

    The largest zᵢ is subtracted first (it cancels), so no exponential
    overflows: logits of ±1000 are fine.
    """
    zs = _logits(zs, "softmax")
    top = max(z.data for z in zs)
    exps = [(z - top).exp() for z in zs]
    inverse = engine.sum(exps) ** -1
    return [e * inverse for e in exps]


def log_softmax(zs: Sequence[Any]) -> list[Value]:
    """zᵢ − log Σⱼ e^zⱼ, computed as zᵢ − m − log Σⱼ e^(zⱼ − m) with m = max z (stable)."""
    zs = _logits(zs, "log_softmax")
    top = max(z.data for z in zs)
    log_total = engine.sum((z - top).exp() for z in zs).log() + top
    return [z - log_total for z in zs]


def _logits(zs: Sequence[Any], name: str) -> list[Value]:
    if isinstance(zs, (Value, str)) or not isinstance(zs, Sequence):
        raise TypeError(f"{name}: expected a list of Values or numbers, got {type(zs).__name__}")
    if not zs:
        raise ValueError(f"{name}: expected at least one value, got an empty list")
    return [lift(z) for z in zs]


# The names Neuron, Layer and MLP take. prelu is here too, but a neuron
# passes it its own learnable slope.
ACTIVATIONS: dict[str, Callable[..., Value]] = {
    "linear": linear,
    "step": step,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "prelu": prelu,
}


def check_activation(name: Any) -> str:
    """`name` if it is one of ACTIVATIONS, else a ValueError listing them."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        hint = (
            " (softmax acts on a whole layer: apply nn.softmax to the outputs, or train the logits "
            "with nn.cross_entropy)"
            if name in ("softmax", "log_softmax")
            else ""
        )
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}{hint}")
    return name


__all__ = [
    "ACTIVATIONS",
    "leaky_relu",
    "linear",
    "log_softmax",
    "prelu",
    "relu",
    "sigmoid",
    "softmax",
    "step",
    "tanh",
]
