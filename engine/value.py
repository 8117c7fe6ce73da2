"""`Value`: a scalar that remembers how it was computed.

A Value is a plain node: its number (`data`), its gradient (`grad`), the
ordered tuple of Values it was computed from (`parents`), the op table
entry that computed it (`op`, None for a leaf), that op's number
parameter if it has one (`arg`) and a `label` for pictures. No closure,
no reference back to its children: a graph is freed by reference counting
alone, and every walk over it reads the op table (`engine.ops`).

The backward sweep lives here too, beside the node it walks (`backprop`):
it asks each node's op for its local derivatives, and for the ops most
graphs are made of it has a faster one-step form of the same rule
(`FAST_STEPS`, keyed by op; an op without one runs its rule).
"""

from __future__ import annotations

import math
import numbers
import reprlib
import threading
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any, cast

import engine.ops as ops
from engine.modes import caller_site, site_of, state


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
    _g: Any  # scratch for the backward sweep: the derivative being summed; None outside one
    __array_ufunc__ = None  # numpy scalars hand `np.float64(2) * v` over to Value

    def __new__(cls, data: Any, label: str = "") -> Value:
        node = _node(data if type(data) is float else _as_float(data), (), None, None, _checked_label(label))
        if state.trace is not None:  # engine.compile is tracing: a constant made anew
            state.trace.nodes.append(node)
            state.trace.made.add(id(node))
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
            # (_chain_by_rule has the same three for the rules; a helper shared
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
            local = _ieee_local_grads(self)
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
    for v in values:
        if type(v) is Value:
            v.__class__ = _Watched
            trace.watched.append(v)


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
        state.trace.nodes.append(node)
        state.trace.made.add(id(node))
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
            made = trace.made
            for p in parents:
                if type(p) is Value and id(p) not in made:
                    p.__class__ = _Watched
                    trace.watched.append(p)
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
        trace.nodes.append(out)
        trace.made.add(id(out))
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


# ---------------------------------------------------------------------------
# The backward sweep. It knows no op: each node's op gives its local
# derivatives (`local_grads`); FAST_STEPS below only make the common ones quicker.
# Nodes mark themselves in their scratch slot `_g` (None outside a sweep).
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
    Each node sums its derivative in its scratch slot, and once the sweep is
    through, each total goes out once: added to `.grad` (``into=None``:
    `backward()`), or, for the nodes that are keys of `into`, written there
    (`gradients()`). So both give the same numbers bit for bit, backward()
    twice adds exactly twice, and a sweep that raises (a derivative that is
    not finite) changes no `.grad`. With ``create_graph=True`` the rules run
    on the Values themselves, so each derivative is a Value with its own graph.

    On floats an op's step in `FAST_STEPS` runs when it has one; under
    `detect_anomaly()` every share is checked.
    """
    with _SWEEPING:
        _sweep(root, seed, into, create_graph)


def _sweep(root: Value, seed: Any, into: dict[Value, Any] | None, create_graph: bool) -> None:
    anomaly = state.anomaly
    interior, leaves = _sweep_order(root, _NOTHING_YET if create_graph else 0.0)
    root._g = seed
    steps = dict(FAST_STEPS)  # this sweep's own: an op without a fast step gets its rule, once
    try:
        if not (create_graph or anomaly):  # floats: each op's fast step, else its rule
            for node in interior:
                try:
                    step = steps[node.op]  # type: ignore[index]
                except KeyError:
                    step = steps[node.op] = _chain_by_rule  # type: ignore[index]
                try:
                    step(node, node._g)
                except (ZeroDivisionError, OverflowError):  # Python's floats raise where IEEE gives ±inf
                    _chain_ieee(node, node._g, check=False)
        else:
            for node in interior:
                _chain_checked(node, node._g, create_graph, anomaly)
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


def _chain_by_rule(node: Value, g: float, check: bool = False) -> None:
    """One chain-rule step on floats through the op's `local_grads` (each share
    checked for a nan or inf under detect_anomaly)."""
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
            _check_finite(g * d, op, node, parent)
    # One derivative per input (tests/test_ops.py checks every rule); strict= costs ~20% here.
    for parent, d in zip(parents, local):  # noqa: B905
        parent._g += g * d


def _chain_checked(node: Value, g: Any, create_graph: bool, anomaly: bool) -> None:
    """One chain-rule step through `local_grads`: on Values (create_graph), or
    on floats with every share checked (detect_anomaly)."""
    op, parents, arg = node.op, node.parents, node.arg
    assert op is not None
    if create_graph:
        local = op.local_grads(node, *parents) if arg is None else op.local_grads(node, *parents, arg)
    else:
        try:
            _chain_by_rule(node, g, check=True)
        except (ZeroDivisionError, OverflowError):
            _chain_ieee(node, g, check=True)
        return
    for parent, d in zip(parents, local, strict=True):
        contribution = g * d
        share = parent._g
        parent._g = contribution if share is _NOTHING_YET else share + contribution


def _chain_ieee(node: Value, g: float, check: bool) -> None:
    """The step of a rule whose float arithmetic raised (a division by zero, an
    overflow), run again as IEEE 754 computes it: ±inf or nan, as PyTorch's
    backward and engine.compile give, where Python's floats raise."""
    op = node.op
    assert op is not None
    for parent, d in zip(node.parents, _ieee_local_grads(node), strict=True):
        contribution = g * d
        if check:
            _check_finite(contribution, op, node, parent)
        parent._g += contribution


def _ieee_local_grads(node: Value) -> list[float]:
    """The node's local derivatives on floats, computed as IEEE 754 does (±inf, nan)
    where Python's floats raise: for the rare rule that divides by zero or overflows."""
    op, arg = node.op, node.arg
    assert op is not None
    xs = [_IEEE(p.data) for p in node.parents]
    local = (
        op.local_grads(_IEEE(node.data), *xs) if arg is None else op.local_grads(_IEEE(node.data), *xs, arg)
    )
    return [_number_of(d) for d in local]


def _sweep_order(root: Value, start: Any) -> tuple[list[Value], list[Value]]:
    """Every node `root`'s gradient reaches, each with its scratch slot set to `start`:
    the computed ones root first, each before its inputs, and the leaves (with
    the nodes no gradient goes past, `Op.stops_gradient`).
    Allocates nothing per node but the two lists.

    A depth-first walk with an explicit stack: a node goes on the stack
    again above its inputs, and is placed when it comes back, its inputs
    all placed by then (a leaf is placed when first seen).
    """
    order: list[Value] = []
    leaves: list[Value] = []
    if not root.parents or root.op.stops_gradient:  # type: ignore[union-attr]
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


def _check_finite(contribution: Any, op: ops.Op, node: Value, parent: Value) -> None:
    number = contribution if type(contribution) is float else contribution.data
    if not math.isfinite(number):
        raise FloatingPointError(
            f"detect_anomaly: backward of {op.name} (node made at {site_of(node)}) "
            f"produced {number!r} for its input {parent!r}"
        )


# ---------------------------------------------------------------------------
# IEEE 754 numbers for the few rules that raise on Python floats: x/0 and an
# overflowing ** raise there, where IEEE arithmetic (numpy, PyTorch) gives
# ±inf or nan. Only the step that raised is run again with them.


class _IEEE:
    """A float whose / and ** never raise: they give what IEEE 754 gives."""

    __slots__ = ("x",)

    def __init__(self, x: float) -> None:
        self.x = x

    def __add__(self, o: Any) -> _IEEE:
        return _IEEE(self.x + _number_of(o))

    def __radd__(self, o: Any) -> _IEEE:
        return _IEEE(_number_of(o) + self.x)

    def __sub__(self, o: Any) -> _IEEE:
        return _IEEE(self.x - _number_of(o))

    def __rsub__(self, o: Any) -> _IEEE:
        return _IEEE(_number_of(o) - self.x)

    def __mul__(self, o: Any) -> _IEEE:
        return _IEEE(self.x * _number_of(o))

    def __rmul__(self, o: Any) -> _IEEE:
        return _IEEE(_number_of(o) * self.x)

    def __truediv__(self, o: Any) -> _IEEE:
        return _IEEE(_divide(self.x, _number_of(o)))

    def __rtruediv__(self, o: Any) -> _IEEE:
        return _IEEE(_divide(_number_of(o), self.x))

    def __pow__(self, o: Any) -> _IEEE:
        return _IEEE(_power(self.x, _number_of(o)))

    def __rpow__(self, o: Any) -> _IEEE:
        return _IEEE(_power(_number_of(o), self.x))

    def __neg__(self) -> _IEEE:
        return _IEEE(-self.x)

    def __abs__(self) -> _IEEE:
        return _IEEE(abs(self.x))

    def __lt__(self, o: Any) -> bool:
        return self.x < _number_of(o)

    def __le__(self, o: Any) -> bool:
        return self.x <= _number_of(o)

    def __gt__(self, o: Any) -> bool:
        return self.x > _number_of(o)

    def __ge__(self, o: Any) -> bool:
        return self.x >= _number_of(o)

    def __eq__(self, o: object) -> bool:
        return self.x == _number_of(o)

    def __ne__(self, o: object) -> bool:
        return self.x != _number_of(o)

    __hash__ = None  # type: ignore[assignment]


def _number_of(x: Any) -> float:
    return x.x if type(x) is _IEEE else x


def _divide(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:  # ±inf with the signs' product, or nan for 0/0
        return math.nan if a == 0.0 or a != a else math.copysign(math.inf, a) * math.copysign(1.0, b)


def _power(a: float, b: float) -> float:
    odd = float(b).is_integer() and b % 2 == 1
    try:
        result = a**b
    except ZeroDivisionError:  # 0 to a negative power: +inf, or ±inf (0's sign) for an odd one
        return math.copysign(math.inf, a) if odd else math.inf
    except OverflowError:
        return math.copysign(math.inf, a) if odd else math.inf
    return math.nan if isinstance(result, complex) else result


class _OnIEEE:
    """Ops called inside a rule run again on IEEE numbers: their forward on the floats."""

    def run(self, op: ops.Op, inputs: tuple[Any, ...], arg: Any) -> Any:
        xs = [_number_of(x) for x in inputs]
        return _IEEE(op.forward(*xs) if arg is None else op.forward(*xs, arg))

    def where(self, condition: Any, x: Any, y: Any) -> Any:
        return x if condition else y


ops.interpret(_IEEE, _OnIEEE())


# ---------------------------------------------------------------------------
# Fast steps, for the sweep on floats only: an op's rule written as one step
# of the sweep, adding g·∂out/∂xᵢ to each input's running sum with no tuple
# and no second call. Each gives exactly the numbers of its op's
# `local_grads` (tests/test_ops.py checks every one, bit for bit, against
# the sweep by rule); an op without one runs its `local_grads`.


def _add_step(node: Value, g: float) -> None:
    a, b = node.parents
    a._g += g  # g·1 is g, exactly
    b._g += g


def _mul_step(node: Value, g: float) -> None:
    a, b = node.parents
    a._g += g * b.data
    b._g += g * a.data


def _add_const_step(node: Value, g: float) -> None:
    node.parents[0]._g += g


def _mul_const_step(node: Value, g: float) -> None:
    node.parents[0]._g += g * node.arg  # type: ignore[operator]


def _pow_step(node: Value, g: float) -> None:
    (x,), n = node.parents, cast(float, node.arg)
    x._g += g * (n * x.data ** (n - 1) if n != 0 else 0.0)


def _exp_step(node: Value, g: float) -> None:
    node.parents[0]._g += g * node.data


def _tanh_step(node: Value, g: float) -> None:
    out = node.data
    node.parents[0]._g += g * (1 - out * out)


def _sigmoid_step(node: Value, g: float) -> None:
    out = node.data
    node.parents[0]._g += g * (out * (1 - out))


def _relu_step(node: Value, g: float) -> None:
    x = node.parents[0]
    x._g += g * (1.0 if x.data > 0.0 else 0.0)


def _leaky_relu_step(node: Value, g: float) -> None:
    x, slope = node.parents[0], cast(float, node.arg)
    x._g += g * (slope + (1 - slope) * (1.0 if x.data > 0.0 else 0.0))


def _sum_step(node: Value, g: float) -> None:
    for x in node.parents:
        x._g += g


def _dot_step(node: Value, g: float) -> None:
    xs = node.parents
    n = len(xs) // 2
    for w, x in zip(xs[:n], xs[n:]):  # noqa: B905 - halves of one tuple
        w._g += g * x.data
    for w, x in zip(xs[:n], xs[n:]):  # noqa: B905 - the same order as dot's rule: ws, then xs
        x._g += g * w.data


def _dot_const_step(node: Value, g: float) -> None:
    for w, c in zip(node.parents, cast(tuple, node.arg)):  # noqa: B905 - one constant per input
        w._g += g * c


FAST_STEPS: dict[ops.Op, Callable[[Value, float], None]] = {
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


__all__ = [
    "FAST_STEPS",
    "Value",
    "as_floats",
    "backprop",
    "dot",
    "lift",
    "sum",
    "sweep_order",
    "trace_input",
    "weighted_sum",
]
