"""micrograd's own demo: MLP(2, [16, 16, 1]) learns two moons with hinge loss and L2; decision boundary.

As in micrograd's demo.ipynb: labels −1 and +1, the max-margin (hinge)
loss mean(max(0, 1 − y·score)) plus 1e-4·Σw² (L2), full-batch gradient
descent with the learning rate falling from 1.0 to 0.1. The two moons are
generated here, seeded (scikit-learn's make_moons recipe), so the demo
needs nothing to download.
"""

from __future__ import annotations

import math
import random

import engine
import nn
from demos.report import GREEN, RED, Report, pyplot
from engine import Value

ALPHA = 1e-4  # weight of the L2 term


def two_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[list[tuple[float, float]], list[int]]:
    """n points on two interleaved half circles, label −1 (upper) and +1 (lower), with Gaussian noise."""
    rng = random.Random(seed)
    upper, lower = n // 2, n - n // 2
    points, labels = [], []
    for count, label in ((upper, -1), (lower, 1)):
        for i in range(count):
            t = math.pi * i / max(count - 1, 1)
            x, y = (math.cos(t), math.sin(t)) if label == -1 else (1 - math.cos(t), 0.5 - math.sin(t))
            points.append((x + rng.gauss(0, noise), y + rng.gauss(0, noise)))
            labels.append(label)
    return points, labels


def score(model: nn.MLP, point: tuple[float, float]) -> float:
    """The trained model's score for one point, without recording a graph: > 0 means label +1."""
    with engine.no_grad():
        out = model(point)
    assert isinstance(out, Value)  # one output neuron
    return out.data


def accuracy(model: nn.MLP, points: list[tuple[float, float]], labels: list[int]) -> float:
    return sum((score(model, x) > 0) == (y > 0) for x, y in zip(points, labels, strict=True)) / len(labels)


def main(report: Report) -> None:
    samples, steps = (40, 50) if report.quick else (100, 200)
    points, labels = two_moons(samples, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)  # relu, relu, linear: micrograd's default
    print(f"{model.describe()}: {model.num_parameters()} parameters; {samples} points, {steps} steps")

    optimizer = nn.SGD(model.parameters(), lr=1.0)
    losses, bar = [], nn.training.progress_bar(steps)
    for k in range(steps):
        scores = [model(x) for x in points]
        loss = nn.hinge_loss(labels, scores) + ALPHA * engine.sum(p * p for p in model.parameters())
        optimizer.lr = 1.0 - 0.9 * k / steps
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
        if bar is not None:
            bar.set_postfix(loss=f"{loss.data:.4f}", refresh=False)
            bar.update(1)
    if bar is not None:
        bar.close()

    trained = accuracy(model, points, labels)
    print(
        f"loss {losses[0]:.4f} at step 1, {losses[-1]:.4f} at step {steps}, training accuracy {trained:.0%}"
    )
    report.results.update(losses=losses, accuracy=trained, samples=samples)
    _plot(report, model, points, labels, trained)


def _plot(
    report: Report, model: nn.MLP, points: list[tuple[float, float]], labels: list[int], trained: float
) -> None:
    plt = pyplot()
    from matplotlib.colors import ListedColormap

    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    cells = 40 if report.quick else 120
    left, right, bottom, top = min(xs) - 0.5, max(xs) + 0.5, min(ys) - 0.5, max(ys) + 0.5
    grid_x = [left + (right - left) * i / (cells - 1) for i in range(cells)]
    grid_y = [bottom + (top - bottom) * j / (cells - 1) for j in range(cells)]
    scores = [[score(model, (gx, gy)) for gx in grid_x] for gy in grid_y]

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.contourf(
        grid_x, grid_y, scores, levels=[-1e300, 0, 1e300], cmap=ListedColormap([RED, GREEN]), alpha=0.25
    )
    ax.contour(grid_x, grid_y, scores, levels=[0], colors="black", linewidths=1)
    for label, colour in ((-1, RED), (1, GREEN)):
        ax.scatter(
            [x for (x, _), y in zip(points, labels, strict=True) if y == label],
            [y_ for (_, y_), y in zip(points, labels, strict=True) if y == label],
            c=colour,
            edgecolors="black",
            s=28,
            label=f"label {label:+d}",
        )
    ax.set_title(f"{model.describe()}\nhinge loss + L2, training accuracy {trained:.0%}", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    report.figure(fig, "moons_boundary.png")
