"""The activation functions the documents teach, as functions of Values.

Each takes a Value (or a number, made a constant leaf) and returns a Value;
its derivative comes from the engine's op table, so `backward()` through an
activation is the rule the documents write down, e.g. sigmoid's
f'(x) = f(x)(1 − f(x)). `ACTIVATIONS` holds one `Activation` record per
name that `Neuron`, `Layer` and `MLP` accept: its function, the name its
neurons show, the PyTorch module that computes it, and its slope. Adding
an activation is adding a record there.

`softmax` and `log_softmax` act on a whole list of Values (a layer's
outputs), not on one neuron.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


def leaky_relu(z: Any, slope: float | None = None) -> Value:
    """z for z > 0, else slope·z: a small gradient survives for z < 0.

    `slope` defaults to the leaky_relu record's, 0.01 (PyTorch's).
    """
    return lift(z).leaky_relu(ACTIVATIONS["leaky_relu"].slope if slope is None else slope)


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
    exps = [s.exp() for s in _shifted(zs)]
    inverse = engine.sum(exps) ** -1
    return [e * inverse for e in exps]


def log_softmax(zs: Sequence[Any]) -> list[Value]:
    """zᵢ − log Σⱼ e^zⱼ, computed as (zᵢ − m) − log Σⱼ e^(zⱼ − m) with m = max z.

    Stable, and accurate at any magnitude: the shifted logits are formed
    first (exactly 0 for the largest), so adding m back never swallows the
    small log-sum (logits of 1e17 give −ln 2 each, not 0).
    """
    shifted = _shifted(_logits(zs, "log_softmax"))
    log_total = engine.sum(s.exp() for s in shifted).log()
    return [s - log_total for s in shifted]


def _shifted(zs: list[Value]) -> list[Value]:
    """zᵢ − m for m = max z, the shift that cancels in (log-)softmax: m is a
    node of the graph (so a compiled graph shifts each example by its own
    largest logit) whose gradient is stopped, as PyTorch's is (it cancels)."""
    top = zs[0]
    for z in zs[1:]:
        top = top.max(z)
    minus_top = -top.stop_gradient()
    return [z + minus_top for z in zs]


def _logits(zs: Sequence[Any], name: str) -> list[Value]:
    if isinstance(zs, (Value, str)) or not isinstance(zs, Sequence):
        raise TypeError(f"{name}: expected a list of Values or numbers, got {type(zs).__name__}")
    if not zs:
        raise ValueError(f"{name}: expected at least one value, got an empty list")
    return [lift(z) for z in zs]


@dataclass(frozen=True)
class Activation:
    """Everything `nn` knows of one activation, in one place.

    Attributes:
        name: what Neuron, Layer and MLP take (``"leaky_relu"``).
        function: g(z) on a Value; with `learned_slope`, g(z, a).
        title: how its neurons are shown (``LeakyReLUNeuron(2)``).
        torch: the `torch.nn` module that computes it, None if there is
            none; ``"Identity"`` is left out of a Sequential, as a Linear
            layer computes z already.
        slope: the slope for z < 0: fixed (leaky_relu) or where a learned
            one starts (prelu); None for the others.
        learned_slope: each neuron has its own slope `a`, a parameter
            trained with its weights (prelu).
    """

    name: str
    function: Callable[..., Value]
    title: str
    torch: str | None
    slope: float | None = None
    learned_slope: bool = False

    def __call__(self, z: Any, *slope: Value) -> Value:
        """g(z); a neuron passes its own slope `a` when the slope is learned."""
        if self.slope is not None and not self.learned_slope:
            return self.function(z, self.slope)
        return self.function(z, *slope)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("linear", linear, "Linear", torch="Identity"),
        Activation("step", step, "Step", torch=None),  # no torch.nn module, and no gradient to train
        Activation("sigmoid", sigmoid, "Sigmoid", torch="Sigmoid"),
        Activation("tanh", tanh, "Tanh", torch="Tanh"),
        Activation("relu", relu, "ReLU", torch="ReLU"),
        # 0.01 and 0.25: PyTorch's LeakyReLU slope and PReLU's starting slope
        Activation("leaky_relu", leaky_relu, "LeakyReLU", torch="LeakyReLU", slope=0.01),
        Activation("prelu", prelu, "PReLU", torch="PReLU", slope=0.25, learned_slope=True),
    )
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
    "Activation",
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
