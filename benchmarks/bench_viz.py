"""Drawing a big network: chainrule's draw_dot vs a micrograd-style drawing, side by side.

The graph: the loss (mean squared error) of MLP(784, [16, 16, 10]) on one
example, after backward, each engine's own MLP. micrograd has no drawing
in its package; its `trace_graph.ipynb` draws one record per Value (label,
data, grad) and one node per op, every node of the graph. The rival here is
that drawing, written to the notebook's recipe. chainrule's `draw_dot`
summarises a graph above `max_nodes` (default 400) Values, grouping nodes
by their labels' prefix (one box per neuron here); its full drawing
(`max_nodes=None`) is timed too.

Each: seconds to build the Digraph (Python), and seconds for Graphviz's
`dot` to lay it out and write SVG, stopped after --timeout seconds. The
bound this project keeps: the default drawing of this graph renders in
under 5 seconds. Ratios are micrograd-style / chainrule.

    python benchmarks/bench_viz.py [--timeout 60]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import graphviz

import nn
from engine import topological_order
from engine.viz import draw_dot

try:
    from micrograd.engine import Value as MicroValue
    from micrograd.nn import MLP as MicroMLP
except ImportError:  # pragma: no cover - the bench extra installs it
    sys.exit("micrograd is not installed: pip install 'micrograd==0.1.0' (the `bench` extra)")

BOUND_S = 5.0


def micrograd_style(root):
    """One record per Value and one node per op, as micrograd's trace_graph.ipynb draws (iteratively here:
    its recursive trace is not what is being timed)."""
    nodes, edges, stack = set(), set(), [root]
    while stack:
        v = stack.pop()
        if v in nodes:
            continue
        nodes.add(v)
        for child in v._prev:
            edges.add((child, v))
            stack.append(child)
    dot = graphviz.Digraph(graph_attr={"rankdir": "LR"})
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label=f"{{ data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for a, b in edges:
        dot.edge(str(id(a)), str(id(b)) + b._op)
    return dot, len(nodes)


def render_seconds(source: str, timeout: float) -> float | None:
    """Seconds for `dot -Tsvg` on `source`; None when stopped at `timeout`."""
    start = time.perf_counter()
    command = ["dot", "-Tsvg"]
    try:
        subprocess.run(command, input=source.encode(), capture_output=True, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="stop a layout after this many seconds")
    args = parser.parse_args()

    rng = random.Random(0)
    x = [rng.random() for _ in range(784)]
    target = [0.0] * 3 + [1.0] + [0.0] * 6

    model = nn.MLP(784, [16, 16, 10], seed=0)
    loss = nn.mse_loss(target, model(x))
    loss.label = "L"
    loss.backward()
    n_values = len(topological_order(loss))

    random.seed(0)
    micro = MicroMLP(784, [16, 16, 10])
    outs = micro([MicroValue(v) for v in x])
    micro_loss = sum((o - t) ** 2 for o, t in zip(outs, target, strict=True)) * (1 / 10)
    micro_loss.backward()

    rows = []
    for name, build in (
        ("chainrule draw_dot (default)", lambda: (draw_dot(loss, parameters=model.parameters()), n_values)),
        ("chainrule draw_dot(max_nodes=None)", lambda: (draw_dot(loss, max_nodes=None), n_values)),
        ("micrograd-style, every node", lambda: micrograd_style(micro_loss)),
    ):
        start = time.perf_counter()
        drawing, count = build()
        source = drawing.source
        built = time.perf_counter() - start
        rendered = render_seconds(source, args.timeout)
        rows.append((name, count, source.count("\n"), built, rendered))

    print(f"MLP(784, [16, 16, 10]) loss graph, one example; layouts stopped after {args.timeout:.0f} s\n")
    print(f"{'drawing':<36} {'Values':>8} {'DOT lines':>10} {'build s':>8} {'dot -Tsvg s':>12}")
    for name, count, lines, built, rendered in rows:
        shown = f"{rendered:.2f}" if rendered is not None else f"> {args.timeout:.0f}"
        print(f"{name:<36} {count:>8,} {lines:>10,} {built:>8.3f} {shown:>12}")
    ours = rows[0][3] + (rows[0][4] or 0.0)
    rival = rows[2][3] + (rows[2][4] if rows[2][4] is not None else args.timeout)
    more = "" if rows[2][4] is not None else "at least "
    print(
        f"\nbuild + render: chainrule's default drawing {ours:.2f} s (bound {BOUND_S:.0f} s: "
        f"{'met' if ours < BOUND_S else 'MISSED'}); micrograd-style {more}{rival:.1f} s, "
        f"{more}{rival / ours:.0f}× longer"
    )


if __name__ == "__main__":
    main()
