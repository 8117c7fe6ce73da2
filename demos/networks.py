"""The documents' 2-2-1 sigmoid network (SEEDS.md §4), labelled as they write it."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

from engine import Value


def seed_network(
    x: Sequence[float] = (-2.0, -1.0),
    y_true: float = 1.0,
    weights: Sequence[float] = (1.0,) * 6,
    biases: Sequence[float] = (0.0,) * 3,
) -> SimpleNamespace:
    """h1 = f(w1·x1 + w2·x2 + b1), h2 = f(w3·x1 + w4·x2 + b2),
    y_pred = f(w5·h1 + w6·h2 + b3), L = (y_true − y_pred)², f = sigmoid.

    The defaults are sample Alice (weight −2, height −1, label 1) with every
    weight 1 and every bias 0. Returns every Value by its name: net.L, net.w1, ...

        >>> net = seed_network()
        >>> round(net.y_pred.data, 4)
        0.5237
    """
    x1, x2 = Value(x[0], label="x1"), Value(x[1], label="x2")
    w1, w2, w3, w4, w5, w6 = (Value(w, label=f"w{i}") for i, w in enumerate(weights, 1))
    b1, b2, b3 = (Value(b, label=f"b{i}") for i, b in enumerate(biases, 1))
    h1 = (w1 * x1 + w2 * x2 + b1).sigmoid()
    h2 = (w3 * x1 + w4 * x2 + b2).sigmoid()
    y_pred = (w5 * h1 + w6 * h2 + b3).sigmoid()
    L = (y_true - y_pred) ** 2
    h1.label, h2.label, y_pred.label, L.label = "h1", "h2", "y_pred", "L"
    return SimpleNamespace(**{k: v for k, v in locals().items() if isinstance(v, Value)})
