"""Walks over a computation graph. None of them knows an individual op.

Every walk is iterative (an explicit stack, never recursion), so a graph a
million nodes deep is fine; micrograd's recursive topological sort stops
near a depth of 1,000.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from engine.modes import site_of, state

if TYPE_CHECKING:
    from engine.ops import Op
    from engine.value import Value


def consumers(*roots: Value) -> dict[Value, int]:
    """For every node the roots depend on: how many edges leave it within that graph.

    `x * x` counts two edges out of `x`. The roots themselves start at 0.
    """
    count = dict.fromkeys(roots, 0)
    stack = list(count)
    while stack:
        for parent in stack.pop()._parents:
            if parent in count:
                count[parent] += 1
            else:
                count[parent] = 1
                if parent._parents:
                    stack.append(parent)
    return count


def topological_order(*roots: Value) -> list[Value]:
    """Every node the roots depend on, each after all of its parents.

    Kahn's algorithm run from the outputs: a node is placed once every edge
    out of it has been seen. Deterministic: the same graph always gives the
    same list.
    """
    remaining = consumers(*roots)
    ready = [node for node, n in remaining.items() if n == 0]
    order: list[Value] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node._parents:
            remaining[parent] -= 1
            if remaining[parent] == 0:
                ready.append(parent)
    order.reverse()
    return order


def backprop(root: Value, seed: Any, create_graph: bool = False) -> dict[Value, Any]:
    """Reverse-mode sweep: ∂root/∂node for every node `root` depends on.

    `seed` is ∂root/∂root. A node passes its derivative on to its parents,
    times the op table's local derivatives (the chain rule), once every node
    that uses it has passed its own share down, so each node is visited
    once. With ``create_graph=False`` everything is a float; with
    ``create_graph=True`` the rules run on the Values themselves, so each
    derivative is a Value with its own graph that can be differentiated
    again. Nothing is written to `.grad`.
    """
    remaining = consumers(root)
    grads: dict[Value, Any] = {root: seed}
    anomaly = state.anomaly
    ready = [root]
    while ready:
        node = ready.pop()
        op = node._op
        if op is None:
            continue
        parents, arg = node._parents, node._arg
        try:  # fast paths for one and two inputs, as in Value.apply
            if create_graph:
                local = op.local_grads(node, *parents) if arg is None else op.local_grads(node, *parents, arg)
            elif arg is not None:
                local = op.local_grads(node.data, *[p.data for p in parents], arg)
            elif len(parents) == 2:
                local = op.local_grads(node.data, parents[0].data, parents[1].data)
            elif len(parents) == 1:
                local = op.local_grads(node.data, parents[0].data)
            else:
                local = op.local_grads(node.data, *[p.data for p in parents])
        except (ZeroDivisionError, OverflowError):
            raise ValueError(
                f"{op.name}: its derivative at {reprlib.repr([p.data for p in parents])} is not finite "
                f"({op.formula})"
            ) from None
        g = grads[node]
        # One derivative per input (tests/test_ops.py checks every rule); strict= costs ~20% here.
        for parent, d in zip(parents, local):  # noqa: B905
            contribution = g * d
            if anomaly:
                _check_finite(contribution, op, node, parent)
            if parent in grads:
                grads[parent] += contribution
            else:
                grads[parent] = contribution
            if parent._op is None:
                continue  # a leaf passes nothing on
            left = remaining[parent] - 1
            if left:
                remaining[parent] = left
            else:  # every use of `parent` has passed its share down
                ready.append(parent)
    return grads


def _check_finite(contribution: Any, op: Op, node: Value, parent: Value) -> None:
    number = contribution if type(contribution) is float else contribution.data
    if not math.isfinite(number):
        raise FloatingPointError(
            f"detect_anomaly: backward of {op.name} (node made at {site_of(node)}) "
            f"produced {number!r} for its input {parent!r}"
        )


def zero_grad(*roots: Value) -> None:
    """Set `.grad = 0.0` on every node the roots depend on."""
    for node in topological_order(*roots):
        node.grad = 0.0


def replay(output: Value, inputs: Iterable[Value], new_inputs: Iterable[Value]) -> Value:
    """The same computation as `output`, run again with `new_inputs` in place of `inputs`.

    Re-evaluates the graph op by op from the op table, building a new graph;
    nodes that do not depend on `inputs` are shared with the old one.
    """
    from engine.value import Value  # here: engine.value imports this module

    new: dict[Value, Value] = dict(zip(inputs, new_inputs, strict=True))
    for node in topological_order(output):
        if node in new or node._op is None:
            continue
        parents = tuple(new.get(p, p) for p in node._parents)
        if any(p is not q for p, q in zip(parents, node._parents, strict=True)):
            new[node] = Value.apply(node._op, parents, node._arg)
    return new.get(output, output)
