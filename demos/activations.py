"""Every activation the documents list, beside its derivative as the engine's backward computes it; softmax.

Each derivative curve is `v.grad` after `g(v).backward()` at each point:
the op table's rules at work, not a formula typed in here. Then softmax
turns a small vector into probabilities, and the documents' output
(0.98, 0.02) is compared with the truth (1, 0): the gap is the error that
learning reduces, and backward shows it as the gradient of the loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import nn
from demos.report import GREEN, GREY, RED, Report, pyplot
from engine import Value

LEAKY, PRELU = nn.ACTIVATIONS["leaky_relu"].slope, nn.ACTIVATIONS["prelu"].slope
ACTIVATIONS: dict[str, tuple[Callable[[Value], Value], str]] = {
    "linear": (nn.linear, "g(z) = z: unbounded"),
    "step": (nn.step, "all or nothing; f' = 0"),
    "sigmoid": (nn.sigmoid, "1/(1 + e⁻ᶻ); f' = f(1 − f)"),
    "tanh": (nn.tanh, "in (−1, 1), zero-centred"),
    "relu": (nn.relu, "max(0, z)"),
    "leaky_relu": (nn.leaky_relu, f"slope {LEAKY} for z < 0"),
    # PReLU's slope is a parameter (a fresh one each call), here where a neuron's starts
    "prelu": (lambda z: nn.prelu(z, Value(PRELU, label="a")), f"slope a (learned) for z < 0; a = {PRELU}"),
}
SMALL_VECTOR = [2.0, 1.0, 0.1]


def derivative(g: Callable[[Value], Value], z: float) -> tuple[float, float]:
    """(g(z), g'(z)), the derivative from backward."""
    v = Value(z)
    out = g(v)
    out.backward()
    return out.data, v.grad


def main(report: Report) -> None:
    points = 81 if report.quick else 801
    zs = [-4 + 8 * i / (points - 1) for i in range(points)]
    curves = {name: [derivative(g, z) for z in zs] for name, (g, _) in ACTIVATIONS.items()}
    report.results.update(zs=zs, curves=curves)
    print(
        f"1. {len(ACTIVATIONS)} activations and their derivatives by backward at {points} points in [−4, 4]"
    )
    for name, curve in curves.items():
        lowest, highest = min(d for _, d in curve), max(d for _, d in curve)
        print(f"   {name:<11} g' from {lowest:g} to {highest:g}")

    print(f"\n2. softmax({SMALL_VECTOR})")
    probabilities = [p.data for p in nn.softmax(SMALL_VECTOR)]
    shown = ", ".join(f"{p:.4f}" for p in probabilities)
    print(f"   = [{shown}], summing to {math.fsum(probabilities):g}")
    report.results.update(softmax=probabilities)

    print("\n3. The documents' output (0.98, 0.02) against the truth (1, 0)")
    logits = [Value(math.log(49), label="z1"), Value(0.0, label="z2")]  # softmax = (49/50, 1/50)
    output = [p.data for p in nn.softmax(logits)]
    squared = nn.mse_loss([1, 0], output).data
    cross_entropy = nn.cross_entropy(logits, 0)
    cross_entropy.backward()
    gradient = [z.grad for z in logits]
    print(f"   softmax(ln 49, 0) = ({output[0]:.2f}, {output[1]:.2f})")
    print(f"   mean squared error = {squared:.6f};  cross-entropy −ln 0.98 = {cross_entropy.data:.6f}")
    print(
        f"   backward: ∂loss/∂z = ({gradient[0]:+.4f}, {gradient[1]:+.4f}) = output − truth: "
        "the gap learning closes"
    )
    report.results.update(output=output, mse=squared, cross_entropy=cross_entropy.data, gradient=gradient)
    _plot(report, zs, curves, probabilities, output)


def _plot(
    report: Report,
    zs: list[float],
    curves: dict[str, list[tuple[float, float]]],
    probabilities: list[float],
    output: list[float],
) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(4, 4, figsize=(13, 10.5))
    panels = iter(axes.flat)
    for name, curve in curves.items():
        f, df = next(panels), next(panels)
        f.plot(zs, [y for y, _ in curve], color=GREEN)
        f.set_title(f"{name}: {ACTIVATIONS[name][1]}", fontsize=9)
        df.plot(zs, [d for _, d in curve], color=RED)
        df.set_title(f"{name}'  (engine backward)", fontsize=9)
        for ax in (f, df):
            ax.axhline(0, color=GREY, lw=0.5)
            ax.axvline(0, color=GREY, lw=0.5)
            ax.set_xlabel("z", fontsize=8, labelpad=1)
            ax.tick_params(labelsize=7)

    bars, gap = next(panels), next(panels)
    labels = [f"z{i} = {z:g}" for i, z in enumerate(SMALL_VECTOR, 1)]
    bars.bar_label(bars.bar(labels, probabilities, color=GREEN), fmt="%.3f", fontsize=7)
    bars.set_title(f"softmax({', '.join(f'{z:g}' for z in SMALL_VECTOR)}): sums to 1", fontsize=9)
    bars.set_ylim(0, 1)
    places = range(2)
    gap.bar_label(
        gap.bar([i - 0.2 for i in places], output, width=0.4, color=GREEN, label="output (0.98, 0.02)"),
        fmt="%.2f",
        fontsize=7,
    )
    gap.bar([i + 0.2 for i in places], [1, 0], width=0.4, color=GREY, label="truth (1, 0)")
    gap.set_xticks(list(places), ["class 1", "class 2"])
    gap.set_title("the gap is the error learning reduces", fontsize=9)
    gap.legend(fontsize=7)
    for ax in (bars, gap):
        ax.tick_params(labelsize=7)
    fig.suptitle("The documents' activations (green) and their derivatives by backward (red)")
    fig.tight_layout()
    report.figure(fig, "activations.png")
