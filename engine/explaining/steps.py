"""The forward and backward passes as steps a learner can follow, one named node at a time.

    >>> from engine import Value
    >>> from engine.explaining import walkthrough
    >>> x, w = Value(2.0, label="x"), Value(-0.5, label="w")
    >>> y = (w * x).sigmoid(); y.label = "y"
    >>> for step in walkthrough(y): print(step)
    forward   y = σ(w·x) = σ(−1) = 0.2689
    backward  ∂y/∂y = 1
    backward  ∂y/∂w = ∂y/∂y · ∂y/∂w = 1·0.3932 = 0.3932
    backward  ∂y/∂x = ∂y/∂y · ∂y/∂x = 1·(−0.09831) = −0.09831

Forward, the named nodes (the labelled ones, and the output) in topological
order, each computed from its inputs: ``h1 = σ(w1·x1 + w2·x2 + b1) = σ(−3)
= 0.04743``. Backward, the named nodes in the order the engine's sweep
(`engine.backward.backprop`) really reaches them, each gradient formed by the
chain rule from its users' gradients: ``∂L/∂h1 = ∂L/∂y_pred · ∂y_pred/∂h1
= (−0.9526)·0.2494 = −0.2376``. As in `explain`, unlabelled nodes in
between are folded into the factors (label a node to see it as a step);
each step lists them too, so a picture can fill them in. The factors come
from the op table's rules (`engine.explaining.paths`), the numbers from
`engine.gradients`: the last step's are those `backward()` gives.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from engine.autodiff import gradients
from engine.backward import sweep_order
from engine.explaining.paths import Factor, Writer, factors_below
from engine.explaining.symbolic import Sym, number_text
from engine.graph import topological_order
from engine.value import Value


@dataclass(frozen=True, eq=False)
class Step:
    """One step of a pass.

    Attributes:
        phase: "forward" or "backward".
        node: the named node the step computes (its data forward, its
            gradient backward); `name` is its label.
        formula: how, in names: ``h1 = σ(w1·x1 + w2·x2 + b1)``,
            ``∂L/∂h1 = ∂L/∂y_pred · ∂y_pred/∂h1``.
        numbers: the same with the numbers: ``σ(−3) = 0.04743``.
        value: the number it finds (data forward, ∂output/∂node backward).
        factors: backward, each (user's gradient, factor) it sums: the
            factor's own formula is ``factor.formula``.
        filled: every node whose number this step completes: the node
            and the unlabelled nodes folded into it.
        edges: the graph's edges (input, user) the step goes through.
    """

    phase: str
    node: Value
    name: str
    formula: str
    numbers: str
    value: float
    factors: tuple[tuple[float, Factor], ...]
    filled: tuple[Value, ...]
    edges: tuple[tuple[Value, Value], ...]

    @property
    def text(self) -> str:
        return f"{self.formula} = {self.numbers}" if self.numbers else self.formula

    def __str__(self) -> str:
        return f"{self.phase:<9} {self.text}"


def walkthrough(output: Value) -> list[Step]:
    """The forward steps, then the backward steps, of `output`'s graph."""
    order = topological_order(output)
    writer = Writer(output, output)  # named: the labelled nodes and the output
    return _forward(output, order, writer) + _backward(output, order, writer)


def _forward(output: Value, order: list[Value], writer: Writer) -> list[Step]:
    steps, pending = [], []  # unlabelled nodes computed since the last step
    for node in order:
        if node.op is None:
            continue
        pending.append(node)
        if not writer.is_named(node):
            continue
        bare = node.op.notation is None  # a call, σ(−3), needs no parentheses of its own
        inputs = tuple(_as_written(p.data, bare) for p in node.parents)  # σ(−3), 0.4763²: as they are
        numbers = Sym.apply(node.op, inputs, node.arg, data=node.data).text()
        edges = _edges_into(node, set(pending), writer)
        steps.append(
            Step(
                "forward",
                node,
                writer.name(node),
                f"{writer.name(node)} = {writer.definition(node).text()}",
                f"{numbers} = {number_text(node.data)}",
                node.data,
                (),
                tuple(pending),
                edges,
            )
        )
        pending = []
    return steps


def _backward(output: Value, order: list[Value], writer: Writer) -> list[Step]:
    index = {node: i for i, node in enumerate(order)}
    grads = dict(zip(order, gradients(output, order), strict=True))
    # the nodes a named node is below (itself included): only their rules are written out,
    # so a rule that has no derivative where nothing named needs one (√ of a constant 0) is never run
    above_named: set[Value] = set()
    uses: dict[Value, list[Value]] = {}  # node -> each node that reads it, once per input it is
    for node in order:
        if writer.is_named(node) or any(p in above_named for p in node.parents):
            above_named.add(node)
        for p in node.parents:
            uses.setdefault(p, []).append(node)
    users: dict[Value, list[Factor]] = {}  # named node -> the factors from its named users down to it
    for node in order:
        if node.op is not None and writer.is_named(node):
            for factor in factors_below(node, writer, above_named, order, index):
                users.setdefault(factor.bottom, []).append(factor)
    of = writer.name(output)
    steps: list[Step] = []
    pending: list[Value] = []
    for node in sweep_order(output):
        pending.append(node)
        if not writer.is_named(node):
            continue
        factors = tuple((grads[f.top], f) for f in users.get(node, []))
        name = writer.name(node)
        if node is output:
            formula, numbers = f"∂{of}/∂{of}", "1"
        else:
            formula = f"∂{of}/∂{name} = " + " + ".join(f"∂{of}/∂{f.of} · {f.name}" for _, f in factors)
            terms = " + ".join(f"{_factor_number(g)}·{_factor_number(f.value)}" for g, f in factors)
            numbers = f"{terms} = {number_text(grads[node])}"
        steps.append(
            Step(
                "backward",
                node,
                name,
                formula,
                numbers,
                grads[node],
                factors,
                tuple(pending),
                _edges_above(node, uses, writer) if node is not output else (),
            )
        )
        pending = []
    if pending:  # unlabelled nodes the sweep reaches after the last named one (a constant leaf)
        steps[-1] = replace(steps[-1], filled=steps[-1].filled + tuple(pending))
    return steps


def _edges_above(
    node: Value, uses: dict[Value, list[Value]], writer: Writer
) -> tuple[tuple[Value, Value], ...]:
    """The edges (input, user) from `node` up to its named users, through the
    unlabelled nodes folded into its factors: what a backward step goes through.
    A walk up from the node, each edge once (x·x's twice, as it has two)."""
    edges, seen, stack = [], {node}, [node]
    while stack:
        below = stack.pop()
        for user in uses.get(below, ()):
            edges.append((below, user))
            if user not in seen:
                seen.add(user)
                if not writer.is_named(user):
                    stack.append(user)
    return tuple(edges)


def _edges_into(top: Value, below: set[Value], writer: Writer) -> tuple[tuple[Value, Value], ...]:
    """The edges into `top` and into the unlabelled nodes of `below` folded into it (forward)."""
    edges, stack, seen = [], [top], {top}
    while stack:
        node = stack.pop()
        for parent in node.parents:
            edges.append((parent, node))
            if (
                parent not in seen
                and parent.op is not None
                and not writer.is_named(parent)
                and parent in below
            ):
                seen.add(parent)
                stack.append(parent)
    return tuple(edges)


def _as_written(x: float, bare: bool) -> Sym:
    """A number that stays as it is in an expression (a name, not folded with
    others), in parentheses when negative unless `bare`: (−2)·3, σ(−3)."""
    return Sym.name(number_text(x) if bare else _factor_number(x), x)


def _factor_number(x: float) -> str:
    text = number_text(x)
    return f"({text})" if text.startswith("−") else text


__all__ = ["Step", "walkthrough"]
