"""`Value`: a scalar that remembers how it was computed.

A Value is a plain node: its number (`data`), its gradient (`grad`), the
ordered tuple of Values it was computed from (`_parents`), the op table
entry that computed it (`_op`, None for a leaf), that op's number
parameter if it has one (`_arg`) and a `label` for pictures. No closure,
no reference back to its children: a graph is freed by reference counting
alone, and every walk over it reads the op table (`engine.ops`).
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Iterable
from operator import attrgetter
from typing import Any, cast

from engine import graph, ops
from engine.modes import caller_site, state


def _as_float(data: Any) -> float:
    number = _number(data)  # int, float, bool, Fraction, numpy scalars
    if number is not None:
        return number
    raise TypeError(
        f"Value() takes a real number (int, float or a numpy scalar), got {type(data).__name__}"
        + (": use v.detach() for a new leaf with the same data" if isinstance(data, Value) else "")
    )


class Value:
    """A scalar node of a computation graph.

    Args:
        data: any real number; stored as a float.
        label: a name shown in pictures and derivations, e.g. ``"w1"``.
    """

    __slots__ = ("_arg", "_g", "_label", "_op", "_parents", "data", "grad")
    data: float
    grad: float
    _label: str
    _parents: tuple[Value, ...]
    _op: ops.Op | None
    _arg: float | tuple[float, ...] | None
    _g: Any  # scratch for the backward sweep: the derivative being summed; None outside one
    __array_ufunc__ = None  # numpy scalars hand `np.float64(2) * v` over to Value

    def __new__(cls, data: Any, label: str = "") -> Value:
        return _node(data if type(data) is float else _as_float(data), (), None, None, _checked_label(label))

    @property
    def label(self) -> str:
        """A name shown in pictures and derivations, e.g. ``"w1"`` ('' for none)."""
        return self._label

    @label.setter
    def label(self, text: str) -> None:  # checked here too: a label of 5 would break a drawing later
        self._label = _checked_label(text)

    # -- copy and pickle ------------------------------------------------------
    # A graph is pickled flat, in topological order (its leaves as
    # themselves, so pickle keeps them shared with anything else pickled
    # beside it), and rebuilt in one loop: no recursion, however deep.

    def __reduce__(self) -> tuple[Any, ...]:
        if self._op is None:
            return _node, (self.data, (), None, None, self.label, self.grad)
        index: dict[Value, int] = {}
        records: list[Value | tuple[Any, ...]] = []
        for node in graph.topological_order(self):
            index[node] = len(records)
            if node._op is None:
                records.append(node)
            else:
                parents = tuple(index[p] for p in node._parents)
                records.append((node.data, node.grad, node.label, node._op, node._arg, parents))
        return _restore_graph, (tuple(records),)

    def __copy__(self) -> Value:  # the same parents, op and numbers; a node of its own
        return _node(self.data, self._parents, self._op, self._arg, self.label, self.grad)

    @staticmethod
    def apply(op: ops.Op, parents: tuple[Value, ...], arg: float | tuple[float, ...] | None = None) -> Value:
        """Run `op` forward on the parents' data and record the new node.

        Every op's result is made here: under `no_grad()` it is a constant
        leaf; under `detect_anomaly()` a nan or inf result raises, naming the
        op and the caller's line.
        """
        # Fast paths for one and two inputs: the common case, worth ~40% here.
        # (graph._chain_by_rule has the same three for the rules; a helper shared
        # by both cost ~30% of forward and backward, one more call per node.)
        if arg is not None:  # a number operand (add_const, mul_const, pow), or dot_const's numbers
            if len(parents) == 1:
                data = op.forward(parents[0].data, arg)
            else:
                data = op.forward(*map(_DATA, parents), arg)
        elif len(parents) == 2:
            data = op.forward(parents[0].data, parents[1].data)
        elif len(parents) == 1:
            data = op.forward(parents[0].data)
        else:
            data = op.forward(*map(_DATA, parents))
        if state.usual:  # gradients on, anomaly off: one read of this thread's switches
            return _node(data, parents, op, arg)
        # Under no_grad() the result is a constant.
        out = _node(data, parents, op, arg) if state.grad_enabled else _node(data, (), None, None)
        if state.anomaly:
            site = caller_site()
            if not math.isfinite(data):
                # reprlib: a 784-input dot is shown by its first few numbers
                inputs = reprlib.repr([p.data for p in parents]) + (
                    "" if op.param is None else f" with {op.param.name}={reprlib.repr(arg)}"
                )
                raise FloatingPointError(
                    f"detect_anomaly: {op.name} produced {data!r} from {inputs} at {site}"
                )
            state.sites[out] = site
        return out

    # -- operators: primitives, and rewrites onto them ----------------------
    # A number operand is not made into a leaf: it becomes the parameter of
    # add_const or mul_const, so `y * 0.999` is one node.

    def __add__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return Value.apply(ops.ADD, (self, other))
        c = _number(other)
        return NotImplemented if c is None else Value.apply(ops.ADD_CONST, (self,), c)

    def __mul__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return Value.apply(ops.MUL, (self, other))
        c = _number(other)
        return NotImplemented if c is None else Value.apply(ops.MUL_CONST, (self,), c)

    def __pow__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return Value.apply(ops.VPOW, (self, other))
        n = _number(other)
        return NotImplemented if n is None else Value.apply(ops.POW, (self,), n)

    def __radd__(self, other: Any) -> Value:  # other + self
        return self + other

    def __rmul__(self, other: Any) -> Value:  # other * self
        return self * other

    def __rpow__(self, other: Any) -> Value:  # other ** self
        other = _lift(other)
        return NotImplemented if other is None else Value.apply(ops.VPOW, (other, self))

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return self + (-other)
        c = _number(other)
        return NotImplemented if c is None else self + -c

    def __rsub__(self, other: Any) -> Value:  # other - self
        c = _number(other)
        return NotImplemented if c is None else -self + c

    def __truediv__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return self * other**-1
        c = _number(other)
        if c is None:
            return NotImplemented
        if c == 0.0:
            raise ValueError(f"div: division by zero ({self.data!r} / {other!r})")
        return self * (1.0 / c)

    def __rtruediv__(self, other: Any) -> Value:  # other / self
        c = _number(other)
        return NotImplemented if c is None else self**-1 * c

    def __abs__(self) -> Value:
        return self.abs()

    # -- functions ----------------------------------------------------------

    def exp(self) -> Value:
        return Value.apply(ops.EXP, (self,))

    def log(self) -> Value:
        return Value.apply(ops.LOG, (self,))

    def sqrt(self) -> Value:
        return Value.apply(ops.SQRT, (self,))

    def tanh(self) -> Value:
        return Value.apply(ops.TANH, (self,))

    def sigmoid(self) -> Value:
        return Value.apply(ops.SIGMOID, (self,))

    def softplus(self) -> Value:
        return Value.apply(ops.SOFTPLUS, (self,))

    def relu(self) -> Value:
        return Value.apply(ops.RELU, (self,))

    def leaky_relu(self, slope: float | None = None) -> Value:
        """x for x > 0, else slope·x; slope 0.01 by default, as PyTorch's."""
        param = ops.LEAKY_RELU.param
        assert param is not None and param.default is not None
        return Value.apply(ops.LEAKY_RELU, (self,), param.default if slope is None else float(slope))

    def abs(self) -> Value:
        return Value.apply(ops.ABS, (self,))

    def step(self) -> Value:
        """1 where x > 0, else 0: the perceptron's activation (derivative 0)."""
        return Value.apply(ops.STEP, (self,))

    def sign(self) -> Value:
        return Value.apply(ops.SIGN, (self,))

    def max(self, other: Any) -> Value:
        """The larger of self and other (a Value or a number); a tie is self."""
        return Value.apply(ops.MAX, (self, lift(other)))

    def stop_gradient(self) -> Value:
        """The same number as a node whose derivative is 0: unlike `detach()`
        (a new leaf), it is computed again wherever the graph is (engine.compile)."""
        return Value.apply(ops.STOP_GRADIENT, (self,))

    # -- autograd -----------------------------------------------------------

    def backward(self) -> None:
        """Add ∂self/∂node to the `.grad` of every node of this graph.

        The graph's nodes, leaves and interior alike, get their derivative
        *added* to `.grad`, as in micrograd and PyTorch: calling backward()
        twice without zeroing in between doubles every gradient. Use
        `engine.zero_grad(self)` (or an optimizer's zero_grad()) between steps.
        """
        graph.backprop(self, 1.0)

    def detach(self) -> Value:
        """A new leaf with the same data and no history."""
        return Value(self.data)

    @property
    def is_leaf(self) -> bool:
        return self._op is None

    @property
    def op(self) -> ops.Op | None:
        """The op table entry that computed this node (None for a leaf)."""
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        return self._parents

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={_short(self.data)}, grad={_short(self.grad)}{label})"


def _short(x: float) -> str:
    """4 significant digits, still looking like a float: 0.7216, 6.0, 1e-08."""
    text = f"{x:.4g}"
    return text + ".0" if text.lstrip("-").isdigit() else text


_new = object.__new__
_DATA = attrgetter("data")  # a node's number, in C: faster than a comprehension over 784 inputs


def _node(
    data: float,
    parents: tuple[Value, ...],
    op: ops.Op | None,
    arg: float | tuple[float, ...] | None,
    label: str = "",
    grad: float = 0.0,
) -> Value:
    """The one place a node is made: leaves (`Value(x)`) and results of ops (`Value.apply`)."""
    node = _new(Value)
    node.data = data
    node.grad = grad
    node._label = label
    node._parents = parents
    node._op = op
    node._arg = arg
    node._g = None
    return node


def _checked_label(text: Any) -> str:
    if not isinstance(text, str):
        raise TypeError(f"Value label must be a str, got {type(text).__name__}")
    return text


def _restore_graph(records: tuple[Value | tuple[Any, ...], ...]) -> Value:
    """The graph `Value.__reduce__` wrote: its output, with every node below it."""
    nodes: list[Value] = []
    for record in records:
        if isinstance(record, Value):
            nodes.append(record)
            continue
        data, grad, label, op, arg, parents = record
        nodes.append(_node(data, tuple(nodes[i] for i in parents), op, arg, label, grad))
    return nodes[-1]


def _number(x: Any) -> float | None:
    """`x` as a float if it is a real number, else None."""
    if type(x) is float:
        return x
    if not isinstance(x, numbers.Real):
        # numpy's bool is no numbers.Real, though Python's bool is
        dtype = getattr(x, "dtype", None)
        return float(x) if getattr(dtype, "kind", "") == "b" and getattr(x, "ndim", None) == 0 else None
    try:
        return float(x)
    except OverflowError:  # an int past ±1.8e308
        raise ValueError(
            f"{reprlib.repr(x)} is too large for a float (the largest is about 1.8e308)"
        ) from None


def _lift(x: Any) -> Value | None:
    """`x` as a Value: Values as they are, numbers as constant leaves."""
    if isinstance(x, Value):
        return x
    number = _number(x)
    if number is not None:
        return _node(number, (), None, None)  # Value(x) without the checks: x is known to be a number
    return None


def lift(x: Any) -> Value:
    v = _lift(x)
    if v is None:
        raise TypeError(f"expected a Value or a real number, got {type(x).__name__}")
    return v


def sum(values: Iterable[Any]) -> Value:  # noqa: A001 - engine.sum, as torch.sum
    """Σ values as one node with one edge per term (not a chain of `+`)."""
    terms = tuple(lift(v) for v in values)
    return Value.apply(ops.SUM, terms) if terms else Value(0.0)


def dot(ws: Iterable[Any], xs: Iterable[Any]) -> Value:
    """Σ wᵢ·xᵢ as one node: a neuron's weighted sum in one step.

    The local derivative of each wᵢ is xᵢ and of each xᵢ is wᵢ. When one
    side is all numbers (a neuron fed raw inputs), they become the
    parameter of a `dot_const` node, as a number operand of `*` does.
    """
    ws, xs = tuple(ws), tuple(xs)
    if len(ws) != len(xs):
        raise ValueError(f"dot: ws has {len(ws)} values but xs has {len(xs)}; expected equal lengths")
    if not ws:
        return Value(0.0)
    for operand, other in ((ws, xs), (xs, ws)):
        constants = as_floats(other)
        if constants is not None:
            return weighted_sum(tuple(lift(v) for v in operand), constants)
    return weighted_sum(tuple(lift(v) for v in ws), tuple(lift(v) for v in xs))


def weighted_sum(ws: tuple[Value, ...], xs: tuple[float, ...] | tuple[Value, ...]) -> Value:
    """`dot` for operands already checked (as a neuron checks its inputs once
    per layer): `ws` Values, `xs` as many floats (one dot_const node) or Values."""
    if type(xs[0]) is float:
        return Value.apply(ops.DOT_CONST, ws, cast(tuple[float, ...], xs))
    return Value.apply(ops.DOT, ws + cast(tuple[Value, ...], xs))


def as_floats(items: tuple[Any, ...]) -> tuple[float, ...] | None:
    """`items` as floats if every one is a number (not a Value), else None."""
    numbers = []
    for x in items:
        number = _number(x)
        if number is None:
            return None
        numbers.append(number)
    return tuple(numbers)


__all__ = ["Value", "as_floats", "dot", "lift", "sum", "weighted_sum"]
