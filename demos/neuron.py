"""One neuron, a = g(w·x + b): the documents' sigmoid neuron and their two perceptrons, with truth tables.

- The code example: weights [0, 1], bias 4, sigmoid, fed x = [2, 3],
  outputs 0.9990889488055994.
- The music festival: x1 = you like the performers (weight 7), x2 = someone
  goes with you (weight 3). The documents give no bias; we take b = −5, so
  that, as they tell it, good performers are worth going alone and bad ones
  are not saved by company. First with the linear g(z) = z (a score, not a
  decision), then with the step (go or not).
- The weekend hike: the weather is fine (weight 10), no overtime (weight 8),
  the trail is easy to reach (weight 1); go when the weighted sum exceeds
  the threshold 5, i.e. bias −5 and a step.
"""

from __future__ import annotations

import itertools

import nn
from demos.report import Report, viz
from engine import Value


def main(report: Report) -> None:
    draw_dot = viz().draw_dot
    print("1. The documents' neuron: weights [0, 1], bias 4, sigmoid, fed x = [2, 3]")
    neuron = nn.Neuron(2, "sigmoid", weights=[0, 1], bias=4)
    a = neuron([Value(2.0, label="x1"), Value(3.0, label="x2")])
    a.label = "a"
    print(f"   a = σ(0·2 + 1·3 + 4) = σ(7) = {a.data!r}   (the documents: 0.9990889488055994)")
    report.results["neuron"] = a.data
    a.backward()  # the picture shows ∂a/∂w1 = x1·σ'(7) and the rest
    report.drawing(draw_dot(a, parameters=neuron.parameters()), "neuron")

    print("\n2. The music festival: x1 = likes the performers (w1 = 7), x2 = has company (w2 = 3), b = −5")
    print("   g(z) = z (linear) gives a score; the step g(z) = 1 if z > 0 else 0 decides")
    report.results["festival"] = _truth_table(["performers", "company"], weights=[7, 3], bias=-5)

    print("\n3. The weekend hike: go when 10·weather + 8·no_overtime + 1·easy_trail > 5 (b = −5, step)")
    report.results["hike"] = _truth_table(
        ["weather", "no_overtime", "easy_trail"], weights=[10, 8, 1], bias=-5
    )


def _truth_table(inputs: list[str], weights: list[float], bias: float) -> list[dict[str, object]]:
    """Print, for every 0/1 input, the linear neuron's z = w·x + b and the step neuron's decision."""
    linear, step = (nn.Neuron(len(inputs), g, weights=weights, bias=bias) for g in ("linear", "step"))
    terms = " + ".join(f"{w}·{name}" for w, name in zip(weights, inputs, strict=True))
    print(f"   z = {terms} − {-bias:g}")
    header = [*inputs, "linear: z", "step(z)", "decision"]
    rows, lines = [], [header]
    for x in itertools.product((0, 1), repeat=len(inputs)):
        z, fired = linear(list(x)).data, step(list(x)).data
        rows.append({"x": x, "z": z, "step": fired})
        lines.append([*map(str, x), f"{z:g}", f"{fired:g}", "go" if fired else "stay home"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("   " + "  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
    return rows
