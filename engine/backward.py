"""The backward sweep: ∂root/∂node for every node a root depends on.

`backprop` is micrograd's `backward()`: put the nodes in order, the root
first and every node before its inputs; seed the root's gradient with
∂root/∂root; then let each node, in that order, pass its gradient on to its
inputs, times its op's local derivatives (the chain rule). The rest of this
module is what makes that loop fast and safe, each piece below it:

- the chain-rule steps: `FAST_STEPS` (keyed by op: the common ops' rules
  written as one step each, on floats) and `by_rule` (any op, its
  `local_grads`), the checked one for `detect_anomaly()`, and the one on
  Values for `create_graph=True`;
- where a rule's float arithmetic raises (``1/0``), its step run again as
  IEEE 754 computes it (`engine.ieee`);
- the order (`sweep_order`), and the scratch slot each node's gradient is
  summed in while a sweep runs.

The scratch slot, a node's `_g`, is the sweep's alone. It holds:

    None           outside a sweep (every node, between sweeps)
    PLACING        the ordering walk has the node on its stack, its inputs being placed
    a number       placed: the sum of the shares that have reached it so far (0.0 to start)
    NO_SHARE_YET   placed, create_graph: nothing yet (0.0 + v would add a node to the new graph)
    a Value        create_graph: the sum so far, itself a node of the new graph

Every node goes back to None when the sweep ends, or stops on an error.
The slot is shared by every sweep over a node, so sweeps take turns: two
threads differentiating graphs that share parameters never interleave.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

import engine.ieee as ieee
import engine.ops as ops
from engine.modes import site_of, state


class Node(Protocol):
    """What the sweep reads and writes of a node (`engine.value.Value` is one)."""

    grad: Any
    _g: Any  # the scratch slot (above)

    @property
    def data(self) -> float: ...
    @property
    def parents(self) -> tuple[Node, ...]: ...
    @property
    def op(self) -> ops.Op | None: ...
    @property
    def arg(self) -> Any: ...


N = TypeVar("N", bound=Node)


def backprop(root: Node, seed: Any, into: dict[Any, Any] | None = None, create_graph: bool = False) -> None:
    """∂root/∂node for every node `root` depends on, added to its `.grad` (`backward()`),
    or written into `into` for the nodes that are its keys (`gradients()`). `seed` is
    ∂root/∂root; with create_graph=True the rules run on Values, and each derivative
    is a Value with a graph of its own (for higher derivatives)."""
    with SWEEPING:
        order, leaves = _order(root, NO_SHARE_YET if create_graph else 0.0)  # root first
        root._g = seed  # ∂root/∂root
        steps, other_ops = chain_rule_steps(create_graph)
        try:
            for node in order:  # each node's gradient is whole when it is reached: pass it on
                step = steps.get(node.op, other_ops)  # type: ignore[arg-type]
                try:
                    step(node, node._g)  # adds g·∂node/∂x to the running sum of each input x
                except (ZeroDivisionError, OverflowError):  # Python's floats raise where IEEE gives ±inf
                    if create_graph:
                        raise
                    rerun_ieee(node, node._g, check=state.anomaly)
        except BaseException:
            clear(order, leaves)
            raise
        hand_out(order, leaves, into)  # only now, every total known: a failed sweep changes no .grad


# Why the totals go out only at the end: backward() and gradients() then give the same
# numbers bit for bit, backward() twice adds exactly twice, and a sweep that raises (a
# derivative that is not finite, under detect_anomaly) leaves every .grad as it was.


def hand_out(order: list[Node], leaves: list[Node], into: dict[Any, Any] | None) -> None:
    """Each node's total, once: added to `.grad` (into=None), or written into `into`
    for the nodes that are its keys; every scratch slot back to None."""
    for nodes in (order, leaves):
        if into is None:
            for node in nodes:
                node.grad += node._g
                node._g = None
        else:
            for node in nodes:
                if node in into:
                    into[node] = node._g
                node._g = None


# ---------------------------------------------------------------------------
# The chain-rule steps: `step(node, g)` adds g·∂node/∂x to the running sum of each
# input x. On floats an op's step in FAST_STEPS when it has one, else `by_rule`;
# under detect_anomaly() every share is checked; with create_graph the rules run
# on the Values themselves, so each derivative is a Value with a graph of its own.

ChainRuleStep = Callable[[Node, Any], None]


def chain_rule_steps(create_graph: bool) -> tuple[dict[ops.Op, ChainRuleStep], ChainRuleStep]:
    """The steps this sweep takes: (op -> its own step, the step of every other op)."""
    if create_graph:
        return {}, on_values
    if state.anomaly:
        return {}, by_rule_checked
    return FAST_STEPS, by_rule


def by_rule(node: Node, g: float, check: bool = False) -> None:
    """One chain-rule step on floats through the op's `local_grads` (each share
    checked for a nan or inf with check=True, as under detect_anomaly)."""
    op, parents, arg = node.op, node.parents, node.arg
    assert op is not None
    if arg is not None:  # fast paths for one and two inputs, as in Value.apply
        local = op.local_grads(node.data, *[p.data for p in parents], arg)
    elif len(parents) == 2:
        local = op.local_grads(node.data, parents[0].data, parents[1].data)
    elif len(parents) == 1:
        local = op.local_grads(node.data, parents[0].data)
    else:
        local = op.local_grads(node.data, *[p.data for p in parents])
    if check:
        local = tuple(local)
        for parent, d in zip(parents, local, strict=True):
            check_finite(g * d, op, node, parent)
    # One derivative per input (tests/test_ops.py checks every rule); strict= costs ~20% here.
    for parent, d in zip(parents, local):  # noqa: B905
        parent._g += g * d


def by_rule_checked(node: Node, g: float) -> None:
    """`by_rule`, each share checked (detect_anomaly)."""
    by_rule(node, g, check=True)


def on_values(node: Node, g: Node) -> None:
    """One chain-rule step on Values (create_graph): each share a node of the new graph."""
    op, parents, arg = node.op, node.parents, node.arg
    assert op is not None
    local = op.local_grads(node, *parents) if arg is None else op.local_grads(node, *parents, arg)
    for parent, d in zip(parents, local, strict=True):
        share = g * d
        total = parent._g
        parent._g = share if total is NO_SHARE_YET else total + share


def rerun_ieee(node: Node, g: float, check: bool) -> None:
    """The step of a rule whose float arithmetic raised (a division by zero, an
    overflow), run again as IEEE 754 computes it: ±inf or nan, as PyTorch's
    backward and engine.compile give, where Python's floats raise."""
    op = node.op
    assert op is not None
    for parent, d in zip(node.parents, ieee.local_grads(node), strict=True):
        share = g * d
        if check:
            check_finite(share, op, node, parent)
        parent._g += share


def check_finite(share: Any, op: ops.Op, node: Node, parent: Node) -> None:
    """detect_anomaly's check of one share: a nan or inf raises, naming the op and where it was made."""
    number = share if type(share) is float else share.data
    if not math.isfinite(number):
        raise FloatingPointError(
            f"detect_anomaly: backward of {op.name} (node made at {site_of(node)}) "
            f"produced {number!r} for its input {parent!r}"
        )


# ---------------------------------------------------------------------------
# The order, and the scratch slot's marks (see the module's docstring).

SWEEPING = threading.RLock()  # held by the sweep (and sweep_order) that uses the slots now
PLACING = object()  # on the ordering walk's stack: its inputs are being placed; it goes next
NO_SHARE_YET = object()  # create_graph: no share has reached it yet


def sweep_order(root: N) -> list[N]:
    """Every node `root` depends on, in the order `backprop` visits them: root
    first, each node after all of its users, then the leaves (the step-by-step
    pictures follow it)."""
    with SWEEPING:
        order, leaves = _order(root, 0.0)
        clear(order, leaves)
    return cast(list[N], order + leaves)  # (the nodes below a root are of its kind)


def _order(root: Node, start: Any) -> tuple[list[Node], list[Node]]:
    """Every node `root`'s gradient reaches, each with its scratch slot set to `start`:
    the computed ones root first, each before its inputs, and the leaves (with
    the nodes no gradient goes past, `Op.stops_gradient`).
    Allocates nothing per node but the two lists.

    A depth-first walk with an explicit stack: a node goes on the stack
    again above its inputs, and is placed when it comes back, its inputs
    all placed by then (a leaf is placed when first seen).
    """
    order: list[Node] = []
    leaves: list[Node] = []
    if not root.parents or root.op.stops_gradient:  # type: ignore[union-attr]
        root._g = start
        return order, [root]
    stack = [root]
    try:
        while stack:
            node = stack.pop()
            mark = node._g
            if mark is not None:
                if mark is PLACING:
                    node._g = start
                    order.append(node)
                continue
            node._g = PLACING
            stack.append(node)
            for parent in node.parents:
                if parent._g is None:
                    if parent.parents and not parent.op.stops_gradient:  # type: ignore[union-attr]
                        stack.append(parent)
                    else:  # a leaf, or a node no gradient goes past (stop_gradient): placed, not run
                        parent._g = start
                        leaves.append(parent)
    except BaseException:  # interrupted: every mark set so far is reachable from root through marks
        stack = [root]
        while stack:
            node = stack.pop()
            if node._g is not None:
                node._g = None
                stack.extend(node.parents)
        raise
    order.reverse()
    return order, leaves


def clear(*lists: list[Node]) -> None:
    """Every node's scratch slot back to None (a sweep that stopped)."""
    for nodes in lists:
        for node in nodes:
            node._g = None


# ---------------------------------------------------------------------------
# Fast steps, for the sweep on floats only: an op's rule written as one step
# of the sweep, adding g·∂out/∂xᵢ to each input's running sum with no tuple
# and no second call. Each gives exactly the numbers of its op's
# `local_grads` (tests/test_ops.py checks every one, bit for bit, against
# the sweep by rule); an op without one runs `by_rule`.


def _add_step(node: Node, g: float) -> None:
    a, b = node.parents
    a._g += g  # g·1 is g, exactly
    b._g += g


def _mul_step(node: Node, g: float) -> None:
    a, b = node.parents
    a._g += g * b.data
    b._g += g * a.data


def _add_const_step(node: Node, g: float) -> None:
    node.parents[0]._g += g


def _mul_const_step(node: Node, g: float) -> None:
    node.parents[0]._g += g * node.arg


def _pow_step(node: Node, g: float) -> None:
    (x,), n = node.parents, cast(float, node.arg)
    x._g += g * (n * x.data ** (n - 1) if n != 0 else 0.0)


def _exp_step(node: Node, g: float) -> None:
    node.parents[0]._g += g * node.data


def _tanh_step(node: Node, g: float) -> None:
    out = node.data
    node.parents[0]._g += g * (1 - out * out)


def _sigmoid_step(node: Node, g: float) -> None:
    out = node.data
    node.parents[0]._g += g * (out * (1 - out))


def _relu_step(node: Node, g: float) -> None:
    x = node.parents[0]
    x._g += g * (1.0 if x.data > 0.0 else 0.0)


def _leaky_relu_step(node: Node, g: float) -> None:
    x, slope = node.parents[0], cast(float, node.arg)
    x._g += g * (slope + (1 - slope) * (1.0 if x.data > 0.0 else 0.0))


def _sum_step(node: Node, g: float) -> None:
    for x in node.parents:
        x._g += g


def _dot_step(node: Node, g: float) -> None:
    xs = node.parents
    n = len(xs) // 2
    for w, x in zip(xs[:n], xs[n:]):  # noqa: B905 - halves of one tuple
        w._g += g * x.data
    for w, x in zip(xs[:n], xs[n:]):  # noqa: B905 - the same order as dot's rule: ws, then xs
        x._g += g * w.data


def _dot_const_step(node: Node, g: float) -> None:
    for w, c in zip(node.parents, cast(tuple, node.arg)):  # noqa: B905 - one constant per input
        w._g += g * c


FAST_STEPS: dict[ops.Op, Callable[[Node, float], None]] = {
    ops.ADD: _add_step,
    ops.MUL: _mul_step,
    ops.ADD_CONST: _add_const_step,
    ops.MUL_CONST: _mul_const_step,
    ops.POW: _pow_step,
    ops.EXP: _exp_step,
    ops.TANH: _tanh_step,
    ops.SIGMOID: _sigmoid_step,
    ops.RELU: _relu_step,
    ops.LEAKY_RELU: _leaky_relu_step,
    ops.SUM: _sum_step,
    ops.DOT: _dot_step,
    ops.DOT_CONST: _dot_const_step,
}


__all__ = ["FAST_STEPS", "backprop", "sweep_order"]
