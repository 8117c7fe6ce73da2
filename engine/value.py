"""`Value`: a scalar that remembers how it was computed.

A Value is a plain node: its number (`data`), its gradient (`grad`), the
ordered tuple of Values it was computed from (`parents`), the op table
entry that computed it (`op`, None for a leaf), that op's number
parameter if it has one (`arg`) and a `label` for pictures. No closure,
no reference back to its children: a graph is freed by reference counting
alone, and every walk over it reads the op table (`engine.ops`).

`backward()` runs the sweep of `engine.backward` (`backprop`); the
lecture's `_backward()`, a node's own chain-rule step, is here as a view.
Over 500 lines for one reason: the tracing subclasses (`_Traced`,
`_Watched`) and the one place a node is made (`_node`, `_apply_unusual`)
stay beside the node, for a trace swaps a Value's class in place.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Iterable
from operator import attrgetter
from typing import Any, cast

import engine.ieee as ieee
import engine.ops as ops
from engine.backward import backprop, sweep_order
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

    __slots__ = ("_g", "_label", "arg", "data", "grad", "op", "parents")
    data: float
    grad: float
    parents: tuple[Value, ...]  # the inputs it was computed from, in order (x * x: twice)
    op: ops.Op | None  # the op table's entry that computed it; None for a leaf
    arg: float | tuple[float, ...] | None  # that op's number parameter (x + 2: 2.0), if it has one
    _label: str
    _g: Any  # the backward sweep's scratch slot (engine.backward says what it holds); None outside one
    __array_ufunc__ = None  # numpy scalars hand `np.float64(2) * v` over to Value

    def __new__(cls, data: Any, label: str = "") -> Value:
        node = _node(data if type(data) is float else _as_float(data), (), None, None, _checked_label(label))
        if state.trace is not None:  # engine.compile is tracing: a constant made anew
            state.trace.record(node)
        return node

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
        if self.op is None:
            return _node, (self.data, (), None, None, self.label, self.grad)
        index: dict[Value, int] = {}
        records: list[Value | tuple[Any, ...]] = []
        for node in reversed(sweep_order(self)):  # each node after its inputs
            index[node] = len(records)
            if node.op is None:
                records.append(node)
            else:
                parents = tuple(index[p] for p in node.parents)
                records.append((node.data, node.grad, node.label, node.op, node.arg, parents))
        return _restore_graph, (tuple(records),)

    def __copy__(self) -> Value:  # the same parents, op and numbers; a node of its own
        return _node(self.data, self.parents, self.op, self.arg, self.label, self.grad)

    @staticmethod
    def apply(op: ops.Op, parents: tuple[Value, ...], arg: float | tuple[float, ...] | None = None) -> Value:
        """Run `op` forward on the parents' data and record the new node.

        Every op's result is made here: under `no_grad()` it is a constant
        leaf; under `detect_anomaly()` a nan or inf result raises, naming the
        op and the caller's line.
        """
        if state.usual:  # gradients on, anomaly off, no trace: one read of this thread's switches
            # Fast paths for one and two inputs: the common case, worth ~40% here.
            # (engine.backward's by_rule has the same three for the rules; a helper shared
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
            return _node(data, parents, op, arg)
        return _apply_unusual(op, parents, arg)

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
        # an int exponent stays an int (the same numbers): micrograd's _op is '**2' for x**2,
        # '**2.0' for x**2.0
        n = other if type(other) is int and abs(other) <= 2**53 else _number(other)
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
        backprop(self, 1.0)

    def detach(self) -> Value:
        """A new leaf with the same data and no history."""
        return Value(self.data)

    @property
    def is_leaf(self) -> bool:
        return self.op is None

    # -- micrograd's vocabulary, as views over what the node holds ------------------
    # The lecture's drawing code reads _prev and _op, and it steps backprop by hand
    # with _backward(); here they are read off `parents` and `op` (no closure).

    @property
    def _prev(self) -> set[Value]:
        """The node's distinct inputs, as micrograd keeps them (`parents` is the ordered tuple).
        A number operand is part of the op here (`x * 2` has one input), not a leaf."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name of the op that made the node: '+', '*', '**2', 'tanh', 'ReLU'; '' for a leaf."""
        op = self.op
        if op is None:
            return ""
        if "{n}" in op.lecture and isinstance(self.arg, (int, float)):
            # micrograd's f'**{other}': the exponent as it was given, 2 or 2.0
            return op.lecture.replace("{n}", str(self.arg))
        return op.lecture

    def _backward(self) -> None:
        """This node's chain-rule step, as micrograd's lecture steps backprop by hand: add
        self.grad·∂self/∂x to each input's `.grad`, ∂self/∂x by the op table's rule.
        Called on every node in reverse topological order (after ``o.grad = 1.0``),
        it is what `backward()` does."""
        op, parents = self.op, self.parents
        if op is None:
            return
        data: list[Any] = [p.data for p in parents] + ([] if self.arg is None else [self.arg])
        local: Any
        try:
            local = op.local_grads(self.data, *data)
        except (ZeroDivisionError, OverflowError):  # IEEE's inf or nan, as backward() gives
            local = ieee.local_grads(self)
        for parent, d in zip(parents, local, strict=True):
            parent.grad += self.grad * d

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={_short(self.data)}, grad={_short(self.grad)}{label})"


def _short(x: float) -> str:
    """4 significant digits, still looking like a float: 0.7216, 6.0, 1e-08."""
    text = f"{x:.4g}"
    return text + ".0" if text.lstrip("-").isdigit() else text


_new = object.__new__
_DATA = attrgetter("data")  # a node's number, in C: faster than a comprehension over 784 inputs


# -- tracing (engine.compile) ---------------------------------------------------
# A traced function's graph can depend on its arguments' numbers only if some
# Python code looks at one. So while tracing, the arguments and every node
# computed from them are `_Traced`: the same node, whose number, read while
# tracing by any code but the ops (which read the slot), tells the trace
# (modes.Trace.looked). The Values that existed before the trace and that its
# ops read (the parameters) are `_Watched` while it runs, and so is every node
# computed from one: a graph chosen by a parameter's number is seen too
# (modes.Trace.looked_at_parameters), for training changes those numbers.

_NUMBER = cast(Any, Value.__dict__["data"])  # the slot itself, under _Traced's property
_NUMBER_OF = _NUMBER.__get__  # a node's number read from its slot, in C


def _read_number(node: Value) -> float:
    trace = state.trace
    if trace is not None:
        if type(node) is _Watched:
            trace.saw(
                "the number of a parameter (a Value made before the call), or of one computed from it, "
                "was read",
                parameters=True,
            )
        else:
            trace.saw("a number computed from the arguments was read")
    return cast(float, _NUMBER_OF(node))


class _Traced(Value):
    """A node made from a traced function's arguments (see above); otherwise a Value."""

    __slots__ = ()
    data = property(_read_number, _NUMBER.__set__)


class _Watched(_Traced):
    """A parameter, or a node computed from one, while a trace runs (see above)."""

    __slots__ = ()


_Traced.__name__ = _Traced.__qualname__ = "Value"  # what messages that name a type say (it is one)
_Watched.__name__ = _Watched.__qualname__ = "Value"


def watch(values: Any) -> None:
    """Inside `modes.tracing()`: record reads of these Values' numbers (and of nodes computed
    from them) as reads of parameters, from the start of the trace (`unwatch` ends it)."""
    trace = state.trace
    assert trace is not None, "watch() is for inside modes.tracing()"
    _watch(trace, values)


def _watch(trace: Any, values: Any) -> None:
    """Each of `values` that is a plain Value the trace did not make (one from before it)
    becomes `_Watched`, and the trace lists it (`unwatch` makes it plain again)."""
    fresh = [v for v in values if type(v) is Value]
    made = trace.made
    if made:  # (at the trace's start, watching a model's parameters, nothing is made yet)
        fresh = [v for v in fresh if id(v) not in made]
    for v in fresh:
        v.__class__ = _Watched
    trace.watched += fresh


def unwatch(trace: Any) -> None:
    """Make the Values a trace watched plain Values again (once it has run; `trace.watched`
    still lists them)."""
    for v in trace.watched:
        v.__class__ = Value


def trace_input(x: float, label: str) -> Value:
    """A leaf for one number of a traced function's argument (a float; `label` a str):
    inside `modes.tracing()`, reading its number, or that of any node computed from it,
    is recorded."""
    node = _node(x, (), None, None, label)
    node.__class__ = _Traced
    if state.trace is not None:
        state.trace.record(node)
    return node


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
    node.parents = parents
    node.op = op
    node.arg = arg
    node._g = None
    return node


def _apply_unusual(op: ops.Op, parents: tuple[Value, ...], arg: Any) -> Value:
    """`Value.apply` under no_grad(), detect_anomaly() or a trace (`modes.tracing`)."""
    trace = state.trace
    try:
        if trace is not None and trace.dry:  # the graph's shape alone
            numbers, data = [], 0.0
        else:
            numbers = list(map(_NUMBER_OF, parents))  # (the slot itself: a trace watches other readers)
            data = op.forward(*numbers) if arg is None else op.forward(*numbers, arg)
    except Exception:
        if trace is not None:  # a function that catches this chooses by a number
            trace.saw(f"{op.name} raised an error (it depends on the numbers)")
        raise
    # Under no_grad() the result is a constant.
    out = _node(data, parents, op, arg) if state.grad_enabled else _node(data, (), None, None)
    if trace is not None:  # engine.compile is tracing: record the node, watch its number
        kinds = set(map(type, parents))
        if Value in kinds:  # a Value from before the trace (a parameter): watched from now on
            _watch(trace, parents)
            kinds = set(map(type, parents))
        kind = _Watched if _Watched in kinds else _Traced if _Traced in kinds else None
        if kind is not None:
            out.__class__ = kind
            if out.op is None:  # no_grad(): a constant of this example's (or parameters') number
                source = "a parameter" if kind is _Watched else "the arguments"
                trace.saw(
                    f"a result computed from {source} under no_grad() became a constant",
                    parameters=kind is _Watched,
                )
        trace.record(out)
    if state.anomaly:
        site = caller_site()
        if not math.isfinite(data):
            # reprlib: a 784-input dot is shown by its first few numbers
            inputs = reprlib.repr(numbers) + (
                "" if op.param is None else f" with {op.param.name}={reprlib.repr(arg)}"
            )
            raise FloatingPointError(f"detect_anomaly: {op.name} produced {data!r} from {inputs} at {site}")
        state.sites[out] = site
    return out


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
        return Value(number)
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


__all__ = ["Value", "as_floats", "dot", "lift", "sum", "trace_input", "weighted_sum"]
