"""Walks over a computation graph. None of them knows an individual op.

Every walk is iterative (an explicit stack, never recursion), so a graph a
million nodes deep is fine; micrograd's recursive topological sort stops
near a depth of 1,000.
"""

from __future__ import annotations

import math
import reprlib
import threading
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


# The sweep's marks in a node's scratch slot `_g` (None outside a sweep).
# The slot is shared by every sweep over a node, so sweeps take turns: two
# threads differentiating graphs that share parameters must not interleave.
_SWEEPING = threading.RLock()
_EXPANDED = object()  # its inputs are being placed; it goes next
_NOTHING_YET = object()  # create_graph: no share arrived yet (0.0 + v would add a node to the new graph)


def backprop(
    root: Value, seed: Any, into: dict[Value, Any] | None = None, create_graph: bool = False
) -> None:
    """Reverse-mode sweep: ∂root/∂node for every node `root` depends on.

    `seed` is ∂root/∂root. Nodes are visited in reverse topological order,
    so a node's derivative is whole when it is reached; it then passes it on
    to its inputs, times the op table's local derivatives (the chain rule).
    Each node sums its derivative in its scratch slot `_g`, and once the
    sweep is through, each total goes out once: added to `.grad`
    (``into=None``: `backward()`), or, for the nodes that are keys of
    `into`, written there (`gradients()`). So both give the same numbers
    bit for bit, backward() twice adds exactly twice, and a sweep that
    raises (a derivative that is not finite) changes no `.grad`. With
    ``create_graph=True`` the rules run on the Values themselves, so each
    derivative is a Value with its own graph.

    On floats an op's `chain` (its rule written as one chain-rule step)
    runs when it has one; under `detect_anomaly()` every share is checked.
    """
    with _SWEEPING:
        _sweep(root, seed, into, create_graph)


def _sweep(root: Value, seed: Any, into: dict[Value, Any] | None, create_graph: bool) -> None:
    anomaly = state.anomaly
    interior, leaves = _sweep_order(root, _NOTHING_YET if create_graph else 0.0)
    root._g = seed
    node = root
    try:
        if not (create_graph or anomaly):  # floats: each op's chain step, else its rule
            for node in interior:
                chain = node._op.chain  # type: ignore[union-attr]
                if chain is not None:
                    chain(node, node._g)
                else:
                    _chain_by_rule(node, node._g)
        else:
            for node in interior:
                _chain_checked(node, node._g, create_graph, anomaly)
    except (ZeroDivisionError, OverflowError):
        _unmark(interior, leaves)
        assert node._op is not None
        raise ValueError(
            f"{node._op.name}: its derivative at {reprlib.repr([p.data for p in node._parents])} is not "
            f"finite ({node._op.formula})"
        ) from None
    except BaseException:
        _unmark(interior, leaves)
        raise
    # Only now, with every total known, write them out: a sweep that fails changes no .grad.
    for nodes in (interior, leaves):
        if into is None:
            for node in nodes:
                node.grad += node._g
                node._g = None
        else:
            for node in nodes:
                if node in into:
                    into[node] = node._g
                node._g = None


def _chain_by_rule(node: Value, g: float) -> None:
    """One chain-rule step on floats through the op's `local_grads`."""
    op, parents, arg = node._op, node._parents, node._arg
    assert op is not None
    if arg is not None:  # fast paths for one and two inputs, as in Value.apply
        local = op.local_grads(node.data, *[p.data for p in parents], arg)
    elif len(parents) == 2:
        local = op.local_grads(node.data, parents[0].data, parents[1].data)
    elif len(parents) == 1:
        local = op.local_grads(node.data, parents[0].data)
    else:
        local = op.local_grads(node.data, *[p.data for p in parents])
    # One derivative per input (tests/test_ops.py checks every rule); strict= costs ~20% here.
    for parent, d in zip(parents, local):  # noqa: B905
        parent._g += g * d


def _chain_checked(node: Value, g: Any, create_graph: bool, anomaly: bool) -> None:
    """One chain-rule step through `local_grads`: on Values (create_graph), or
    on floats with every share checked (detect_anomaly)."""
    op, parents, arg = node._op, node._parents, node._arg
    assert op is not None
    if create_graph:
        local = op.local_grads(node, *parents) if arg is None else op.local_grads(node, *parents, arg)
    else:
        data = [p.data for p in parents]
        local = op.local_grads(node.data, *data) if arg is None else op.local_grads(node.data, *data, arg)
    for parent, d in zip(parents, local, strict=True):
        contribution = g * d
        if anomaly:
            _check_finite(contribution, op, node, parent)
        share = parent._g
        parent._g = contribution if share is _NOTHING_YET else share + contribution


def _sweep_order(root: Value, start: Any) -> tuple[list[Value], list[Value]]:
    """Every node `root` depends on, each with its scratch slot set to `start`:
    the computed ones root first, each before its inputs, and the leaves.
    Allocates nothing per node but the two lists.

    A depth-first walk with an explicit stack: a node goes on the stack
    again above its inputs, and is placed when it comes back, its inputs
    all placed by then (a leaf is placed when first seen).
    """
    order: list[Value] = []
    leaves: list[Value] = []
    if not root._parents:
        root._g = start
        return order, [root]
    stack = [root]
    try:
        while stack:
            node = stack.pop()
            mark = node._g
            if mark is not None:
                if mark is _EXPANDED:
                    node._g = start
                    order.append(node)
                continue
            node._g = _EXPANDED
            stack.append(node)
            for parent in node._parents:
                if parent._g is None:
                    if parent._parents:
                        stack.append(parent)
                    else:
                        parent._g = start
                        leaves.append(parent)
    except BaseException:  # interrupted: every mark set so far is reachable from root through marks
        stack = [root]
        while stack:
            node = stack.pop()
            if node._g is not None:
                node._g = None
                stack.extend(node._parents)
        raise
    order.reverse()
    return order, leaves


def sweep_order(root: Value) -> list[Value]:
    """Every node `root` depends on, in the order `backprop` visits them: root
    first, each node after all of its users, then the leaves (the step-by-step
    pictures follow it)."""
    with _SWEEPING:
        interior, leaves = _sweep_order(root, 0.0)
        _unmark(interior, leaves)
    return interior + leaves


def _unmark(*lists: list[Value]) -> None:
    for nodes in lists:
        for node in nodes:
            node._g = None


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
