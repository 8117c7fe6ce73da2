"""Walks over a computation graph. None of them knows an individual op.

Every walk is iterative (an explicit stack, never recursion), so a graph a
million nodes deep is fine; micrograd's recursive topological sort stops
near a depth of 1,000. The backward sweep, the walk that writes gradients,
is `engine.backward` (`backprop`, `sweep_order`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.value import Value


def consumers(*roots: Value) -> dict[Value, int]:
    """For every node the roots depend on: how many edges leave it within that graph.

    `x * x` counts two edges out of `x`. The roots themselves start at 0.
    """
    count = dict.fromkeys(_checked(roots, "consumers"), 0)
    stack = list(count)
    while stack:
        for parent in stack.pop().parents:
            if parent in count:
                count[parent] += 1
            else:
                count[parent] = 1
                if parent.parents:
                    stack.append(parent)
    return count


def topological_order(*roots: Value) -> list[Value]:
    """Every node the roots depend on, each after all of its parents.

    Kahn's algorithm run from the outputs: a node is placed once every edge
    out of it has been seen. Deterministic: the same graph always gives the
    same list.
    """
    remaining = consumers(*_checked(roots, "topological_order"))
    ready = [node for node, n in remaining.items() if n == 0]
    order: list[Value] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            remaining[parent] -= 1
            if remaining[parent] == 0:
                ready.append(parent)
    order.reverse()
    return order


def zero_grad(*roots: Value) -> None:
    """Set `.grad = 0.0` on every node the roots depend on."""
    for node in topological_order(*_checked(roots, "zero_grad")):
        node.grad = 0.0


def replay(output: Value, inputs: Iterable[Value], new_inputs: Iterable[Value]) -> Value:
    """The same computation as `output`, run again with `new_inputs` in place of `inputs`.

    Re-evaluates the graph op by op from the op table, building a new graph;
    nodes that do not depend on `inputs` are shared with the old one.
    """
    new: dict[Value, Value] = dict(zip(inputs, new_inputs, strict=True))
    for node in topological_order(output):
        if node in new or node.op is None:
            continue
        parents = tuple(new.get(p, p) for p in node.parents)
        if any(p is not q for p, q in zip(parents, node.parents, strict=True)):
            new[node] = Value.apply(node.op, parents, node.arg)
    return new.get(output, output)


def _checked(roots: tuple[Any, ...], name: str) -> tuple[Value, ...]:
    for i, root in enumerate(roots):
        if not isinstance(root, Value):
            raise TypeError(f"{name}: expected Values, got {type(root).__name__} (argument {i})")
    return roots


__all__ = ["consumers", "replay", "topological_order", "zero_grad"]
