"""The documents' 2-2-1 sigmoid network (SEEDS.md §4), labelled as they write it."""

from __future__ import annotations

import random
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import nn
from engine import Value


class SeedNetwork(nn.Module):
    """h1 = f(w1·x1 + w2·x2 + b1), h2 = f(w3·x1 + w4·x2 + b2),
    y_pred = f(w5·h1 + w6·h2 + b3), f = sigmoid; parameters named w1..w6, b1..b3.

    A `Module`, so `nn.fit`, the optimizers and `nn.save`/`nn.load` treat it
    like an MLP, while every node keeps the documents' name in derivations
    and pictures.

    Args:
        weights, biases: w1..w6 and b1..b3. Left out, every weight is 1 and
            every bias 0 — or, when `seed` (an int) is given, each is drawn
            from a standard normal distribution, as the tutorial starts
            (np.random.normal), weights first.

        >>> SeedNetwork(weights=[0, 1] * 3)([2, 3]).data  # the documents' forward value
        0.7216325609518421
    """

    def __init__(
        self,
        weights: Sequence[float] | None = None,
        biases: Sequence[float] | None = None,
        seed: int | None = None,
    ) -> None:
        rng = random.Random(seed)
        if weights is None:
            weights = [1.0] * 6 if seed is None else [rng.gauss(0, 1) for _ in range(6)]
        if biases is None:
            biases = [0.0] * 3 if seed is None else [rng.gauss(0, 1) for _ in range(3)]
        if len(weights) != 6 or len(biases) != 3:
            raise ValueError(
                f"SeedNetwork takes 6 weights and 3 biases, got {len(weights)} and {len(biases)}"
            )
        self.weights = [Value(w, label=f"w{i}") for i, w in enumerate(weights, 1)]
        self.biases = [Value(b, label=f"b{i}") for i, b in enumerate(biases, 1)]

    def forward(self, x: Sequence[float]) -> SimpleNamespace:
        """Every node of one forward pass by its name: .x1, .w1, .h1, .y_pred, ..."""
        if len(x) != 2:
            raise ValueError(f"SeedNetwork takes 2 inputs (x1, x2), got {len(x)}")
        x1, x2 = Value(x[0], label="x1"), Value(x[1], label="x2")
        w1, w2, w3, w4, w5, w6 = self.weights
        b1, b2, b3 = self.biases
        h1 = (w1 * x1 + w2 * x2 + b1).sigmoid()
        h2 = (w3 * x1 + w4 * x2 + b2).sigmoid()
        y_pred = (w5 * h1 + w6 * h2 + b3).sigmoid()
        h1.label, h2.label, y_pred.label = "h1", "h2", "y_pred"
        return SimpleNamespace(**{k: v for k, v in locals().items() if isinstance(v, Value)})

    def loss(self, x: Sequence[float], y_true: float) -> SimpleNamespace:
        """`forward(x)` plus the loss of one sample, L = (y_true − y_pred)², as .L."""
        net = self.forward(x)
        net.L = (y_true - net.y_pred) ** 2
        net.L.label = "L"
        return net

    def __call__(self, x: Any) -> Value:
        return self.forward(x).y_pred

    def _members(self) -> list[tuple[str, Any]]:
        return [("w", self.weights), ("b", self.biases)]  # w1..w6, b1..b3

    def config(self) -> dict[str, Any]:
        return {}  # one architecture; the numbers are the state

    def describe(self) -> str:
        return "SeedNetwork (the documents' 2-2-1 sigmoid network)"

    def __repr__(self) -> str:
        numbers = ", ".join(f"{p.label}={p.data:.4g}" for p in self.parameters())
        return f"SeedNetwork({numbers})"


def seed_network(
    x: Sequence[float] = (-2.0, -1.0),
    y_true: float = 1.0,
    weights: Sequence[float] = (1.0,) * 6,
    biases: Sequence[float] = (0.0,) * 3,
) -> SimpleNamespace:
    """One sample through a fresh SeedNetwork and its loss L = (y_true − y_pred)².

    The defaults are sample Alice (weight −2, height −1, label 1) with every
    weight 1 and every bias 0. Returns every Value by its name: net.L, net.w1, ...

        >>> net = seed_network()
        >>> round(net.y_pred.data, 4)
        0.5237
    """
    return SeedNetwork(weights, biases).loss(x, y_true)
