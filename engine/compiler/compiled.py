"""`engine.compile`: trace a scalar function once, replay it over a whole batch with numpy.

    >>> import engine
    >>> w = engine.Value(2.0, label="w")
    >>> f = engine.compile(lambda x: (w * x).tanh(), 0.5)
    >>> f([0.0, 0.5, 1.0]).round(4).tolist()
    [0.0, 0.7616, 0.964]
    >>> round(f.backward([0.0, 0.5, 1.0]), 4), round(w.grad, 4)
    (0.5752, 0.0935)

Tracing runs `fn` once, eagerly, on Values made from the example, and
keeps the graph. A call then runs that graph on arrays with one row per
example: the nodes of a graph that do the same thing side by side (a
layer's neurons, its biases, its activations) run as one numpy operation,
and every `dot` over the same inputs (a layer's weighted sums) becomes one
matrix product, X @ Wᵀ. Each op runs by the op table's rules, on arrays
instead of floats: its array form from `engine.compiler.kernels` and its own
`local_grads`. An op with no array form runs on floats one example at a
time, as eager does (slowly; a note says so). Nothing here knows an op by name.

The Values `fn` reads that are not its arguments (the parameters) are read
again on every call, so `optimizer.step()` between calls is seen; backward
adds to their `.grad`, as eager `backward()` of the batch mean would.

As `torch.jit.trace` and `jax.jit`, the graph is the one the example built:
a Python `if` on `.data`, or an index chosen by a number, would be frozen
at the example's choice. Only code that looks at a number can choose by it,
so the trace watches the arguments, the parameters (the Values from before
the call that the ops read) and every node computed from them: if no code
but the ops read one, the graph is the same for every input (one more trace
of the same example, computing no numbers, catches a graph that changes from
call to call). If code read an argument's, the first batch is traced again at
its first, middle and last example. If it read a parameter's, `fn` is traced
again whenever the parameters change, and training blocks refuse it.
`check_args` are traced at once; a graph that differs is refused, naming the
difference.

The plan is made in one walk over the trace, which made its nodes in a
topological order: `engine.compiler.groups` has its pieces.

(Over 500 lines for one reason: `Compiled` traces, plans and runs, and the three
share its state; the checks of arguments and graphs below it are what it refuses.)
"""

from __future__ import annotations

import inspect
import itertools
import math
import numbers
import time
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from operator import attrgetter
from typing import Any, cast

import numpy as np

from engine.compiler.groups import Columns, Group, Location, group_key, make_group
from engine.compiler.kernels import KERNELS
from engine.compiler.program import Plan, write
from engine.graph import topological_order
from engine.modes import Trace, TraceStopped, collector_paused, enable_grad, state, tracing
from engine.ops import fsum
from engine.value import Value, trace_input, unwatch, watch

_DATA = attrgetter("data")
_OP = attrgetter("op")
_PARENTS = attrgetter("parents")
DTYPES = ("float64", "float32")


class SlowOpWarning(UserWarning):
    """A compiled function uses an op with no array form: it runs per example (eager's numbers)."""


class Compiled:
    """`fn` traced once and run over batches: what `engine.compile` returns.

    Attributes:
        outputs: the traced graph's output Values (draw them with `draw_dot`).
        leaves: the Values it reads live on every call (the parameters, and
            constants `fn` made) and whose `.grad` `backward` adds to, in the
            order the graph first reads them (a model's `parameters()` order).
        dtype: the numbers' type on arrays, "float64" or "float32".
        one_graph: how the rule "one graph for every input" was made sure of,
            in words; `proved` is True where tracing proved it (no code looked
            at a number computed from the arguments or the parameters).
        reads_parameters: where code read the number of a parameter (or of a
            node computed from one), in words; None if none did. Then the
            graph may change with the parameters: a call traces `fn` again
            when their numbers changed, a training block refuses it.
        nodes: how many nodes the traced graph has (arguments, live Values,
            computed nodes).
        seconds: what compiling took, in parts: "trace" (fn run once on
            Values), "check" (traced again and compared), "plan".
        notes: what it could not run on whole arrays (an op with no array
            form runs one example at a time), one sentence each.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        example_args: Sequence[Any],
        *,
        check_args: Sequence[Sequence[Any]] = (),
        dtype: Any = "float64",
    ):
        if not callable(fn):
            raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
        with collector_paused():
            self._compile(fn, example_args, check_args=check_args, dtype=dtype)

    def _compile(
        self,
        fn: Callable[..., Any],
        example_args: Sequence[Any],
        *,
        check_args: Sequence[Sequence[Any]],
        dtype: Any,
    ) -> None:
        self.fn = fn
        self._example, self._check_args = list(example_args), list(check_args)
        self.dtype = _dtype(dtype)
        self._numpy_dtype = np.dtype(self.dtype)
        self._names = _argument_names(fn, len(example_args))
        self._shapes: list[tuple[int, ...]] = []
        self._returns_list = False
        self._before: list[Value] = []  # (found by the first trace)
        start = time.perf_counter()
        self._trace_of = self._trace(example_args, record_shapes=True)
        traced = time.perf_counter()
        trace, self.outputs = self._trace_of
        self._single = len(self.outputs) == 1 and not self._returns_list
        self._n_inputs = sum(math.prod(shape) for shape in self._shapes)
        for args in check_args:
            self._check(args, where="check_args")
        # The Values from before fn ran that its ops read (the parameters), watched from the
        # start of every trace after this one: a read before an op first uses one is seen too.
        self._before = list(trace.watched)
        looked, on_parameters = trace.looked, trace.looked_at_parameters
        if looked is None and on_parameters is None:
            # No code looked at a number computed from the arguments or the parameters: the
            # graph cannot depend on them. One more trace, of the graph's shape alone (no
            # numbers: cheap; code that reads one is stopped), catches a graph that changes
            # from call to call anyway (Python randomness, a counter), or a parameter's number
            # read before its first use.
            again = self._trace(example_args, dry=True)
            looked, on_parameters = again[0].looked, again[0].looked_at_parameters
            if looked is None and on_parameters is None:
                self._refuse(_difference(*self._trace_of, *again, self._n_inputs), "a second call")
        elif on_parameters is None:  # (a full trace again: fn looks at numbers, none may be made up)
            on_parameters = self._trace(example_args)[0].looked_at_parameters
        # Where fn looked at the arguments' numbers, the first batch is traced again at its
        # first, middle and last examples. Where it looked at a parameter's, it is traced again
        # whenever they change (a training block, fit, refuse it).
        self.reads_parameters = on_parameters
        self.proved = looked is None and on_parameters is None
        self._checked = looked is None
        if self.proved:
            self.one_graph = (
                "proved while tracing: no code looked at a number computed from the arguments or the "
                "parameters, and a second trace built the same graph"
            )
        elif on_parameters is not None:
            self.one_graph = (
                f"not proved: {on_parameters}, so the graph may change with the parameters' numbers: "
                "traced again whenever they change"
            )
        else:
            self.one_graph = f"checked on the first batch's first, middle and last examples, as {looked}"
        checked = time.perf_counter()
        self._plan(trace, self.outputs)
        self.seconds = {
            "trace": traced - start,
            "check": checked - traced,
            "plan": time.perf_counter() - checked,
        }

    # -- tracing ---------------------------------------------------------------

    def _trace(
        self, example_args: Sequence[Any], record_shapes: bool = False, dry: bool = False
    ) -> tuple[Trace, list[Value]]:
        """Run fn eagerly on Values made from one example: the trace (every node made,
        the arguments' leaves first) and fn's outputs."""
        arrays = self._numbers(example_args, "one example: a number or a (nested) list of numbers")
        for i, array in enumerate(arrays):
            if record_shapes:
                self._shapes.append(array.shape)
            elif array.shape != self._shapes[i]:
                raise ValueError(
                    f"argument {i} ({self._names[i]}) has shape {array.shape}, traced as {self._shapes[i]}"
                )
        if record_shapes:  # each argument's leaves' labels, x[0] … x[783], made once
            self._labels = [
                [
                    self._names[i] + ("" if a.ndim == 0 else str(list(at)).replace(" ", ""))
                    for at in np.ndindex(a.shape)
                ]
                for i, a in enumerate(arrays)
            ]
        with enable_grad(), tracing(dry) as trace:
            try:
                if not record_shapes:
                    watch(self._before)
                args = []
                for array, labels in zip(arrays, self._labels, strict=True):
                    leaves = list(map(trace_input, array.ravel().tolist(), labels))
                    args.append(
                        leaves[0]
                        if array.ndim == 0
                        else np.array(leaves, dtype=object).reshape(array.shape).tolist()
                    )
                result = self.fn(*args)
            except TraceStopped:  # a dry trace, where code read a number: `looked` says where
                return trace, []
            finally:
                unwatch(trace)
        self._returns_list = isinstance(result, (list, tuple))
        outputs = list(result) if self._returns_list else [result]
        for out in outputs:
            if not isinstance(out, Value):
                raise TypeError(
                    f"{self._name()} must return a Value or a list of Values, got {type(out).__name__}"
                )
        if not outputs:
            raise ValueError(f"{self._name()} returned an empty list; expected at least one Value")
        return trace, outputs

    def _check(self, args: Sequence[Any], where: str) -> None:
        """Trace again on `args` and refuse a graph that differs from the first one."""
        self._refuse(_difference(*self._trace_of, *self._trace(args), self._n_inputs), where)

    def _refuse(self, difference: str, where: str) -> None:
        if difference:
            raise ValueError(
                f"engine.compile: {self._name()} builds a different graph for {where} than for the "
                f"example it was traced on: {difference}. A compiled function must build the same graph "
                "whatever the numbers, on every call: no Python `if` on .data, no max(..., key=...) or "
                "index chosen by a number (use Value.max, relu, step, which choose per example, and give "
                "class targets one-hot), no Python randomness — compile traces once, as torch.jit.trace "
                "and jax.jit do"
            )

    def same_graph(self, *example_args: Any) -> bool:
        """Whether fn, traced again on this example, builds the graph this was compiled
        from (the same ops on the same Values): one run of fn, no planning (a dry one,
        computing no numbers, where one graph was proved). `nn.fit` asks this before it
        reuses a compiled step."""
        try:
            again = self._trace(example_args, dry=self.proved)
        except (TypeError, ValueError):
            return False
        trace = again[0]
        return (
            trace.looked is None
            and trace.looked_at_parameters is None
            and not _difference(*self._trace_of, *again, self._n_inputs)
        )

    # -- the plan: groups over blocks --------------------------------------------

    def _plan(self, trace: Trace, outputs: list[Value]) -> None:
        """Cut the traced graph into array groups. The trace made its nodes in a
        topological order, so one walk back from the outputs over it finds what
        they need, and one forward places everything: no other pass over the graph."""
        made = trace.nodes
        arguments = made[: self._n_inputs]
        needed = set(outputs)
        for node in reversed(made):
            if node.op is not None and node in needed:
                needed.update(node.parents)
        created = set(made)
        before = needed - created  # Values that existed before the trace: its parameters, mostly
        if before and set(map(_OP, before)) != {None}:  # fn uses a node computed before it ran
            order = topological_order(*outputs)  # (then a walk of the whole graph finds what it needs)
            computed = [v for v in order if v.op is not None]
            leafy = {v for v in order if v.op is None} - set(arguments)
        else:
            computed = [v for v in made if v.op is not None and v in needed]
            leafy = {v for v in made[self._n_inputs :] if v.op is None} | before
        # The live Values, numbered in the order the graph first reads them (for nn's
        # modules, parameters() order): each a leaf that is no argument (sets, in C).
        first_seen = dict.fromkeys(
            itertools.chain(itertools.chain.from_iterable(map(_PARENTS, computed)), outputs)
        )
        self.leaves: list[Value] = list(filter(leafy.__contains__, first_seen))
        live = dict(zip(self.leaves, range(len(self.leaves)), strict=True))

        where: dict[Value, Location] = {}
        starts = list(itertools.accumulate((math.prod(shape) for shape in self._shapes), initial=0))
        for block, (start, stop) in enumerate(itertools.pairwise(starts)):
            for col, leaf in enumerate(arguments[start:stop]):
                where[leaf] = (1 + block, col)

        # Group the computed nodes: same depth, same op, same kind of inputs.
        depth = dict.fromkeys(arguments, 0)
        batched = dict.fromkeys(arguments, True)  # changes from example to example
        depth_of, batched_of, zero, no = depth.get, batched.get, itertools.repeat(0), itertools.repeat(False)
        groups: dict[Any, list[Value]] = {}
        for node in computed:
            parents = node.parents
            d = depth[node] = 1 + max(map(depth_of, parents, zero))
            batched[node] = any(map(batched_of, parents, no))
            groups.setdefault(group_key(node, d, batched_of), []).append(node)
        self._groups: list[Group] = []
        block = 1 + len(self._shapes)
        for key, nodes in sorted(groups.items(), key=lambda item: item[0][0]):  # by depth, stable
            group = make_group(key, nodes, live=live, where=where, dtype=self._numpy_dtype)
            group.block = block
            for col, node in enumerate(nodes):
                where[node] = (block, col)
            self._groups.append(group)
            block += 1
        self.nodes = len(computed) + len(self.leaves) + len(arguments)
        slow = {group.op: None for group in self._groups if group.op not in KERNELS}
        self.notes = [
            f"op {op.name!r} has no array form (engine.compiler.kernels.register): it runs one "
            "example at a time, the same numbers as eager but slower"
            for op in slow
        ]
        for note in self.notes:
            warnings.warn(f"engine.compile: {note}", SlowOpWarning, stacklevel=4)
        output = Columns.of(outputs, live, where)
        wants = [True] + [False] * len(self._shapes)  # gradients for the live Values, none for arguments
        for group in self._groups:
            group.wanted = [any(wants[part.block] for part in columns.parts) for columns in group.inputs]
            wants.append(any(group.wanted))
        widths = [len(self.leaves), *(math.prod(shape) for shape in self._shapes)]
        widths += [len(group.nodes) for group in self._groups]
        batched_blocks = [False] + [True] * len(self._shapes) + [batched[g.nodes[0]] for g in self._groups]
        plan = Plan(
            groups=self._groups,
            output=output,
            wants=wants,
            widths=widths,
            batched=batched_blocks,
            arguments=len(self._shapes),
            dtype=self._numpy_dtype,
            check_forward=_check_forward,
            check_share=_check_share,
        )
        self._plan_of, self._program = plan, write(plan)
        self._checking: Any = None  # the program with detect_anomaly's checks, written when first needed
        # where fn read a parameter's number: the numbers the graph was traced at
        self._traced_at = self.read_leaves() if self.reads_parameters is not None else None

    @property
    def source(self) -> str:
        """The numpy function every call runs: the plan written out, one group a few lines."""
        return self._program.source

    # -- running ----------------------------------------------------------------

    def __call__(self, *batch: Any) -> Any:
        """fn on every example of the batch: shape (B,), or (B, k) for k outputs."""
        values, _, rows = self._run(batch, backward=False)
        values = np.broadcast_to(values, (rows, values.shape[1])).copy()  # its own, whole batch
        return values[:, 0] if self._single else values

    def backward(self, *batch: Any, reduction: str = "mean") -> float:
        """Run the batch and backpropagate its mean (or sum): add ∂mean/∂p to `p.grad`
        of every live Value p, exactly what eager `mean.backward()` adds. Returns the mean (sum)."""
        loss, grads = self.gradient(self.read_leaves(), *batch, reduction=reduction)
        for p, d in zip(self.leaves, grads.tolist(), strict=True):
            p.grad += d
        return loss

    def read_leaves(self) -> Any:
        """The live Values' numbers now, as one array in the order of `leaves`."""
        return np.fromiter(map(_DATA, self.leaves), dtype=self._numpy_dtype, count=len(self.leaves))

    def gradient(
        self, leaves: Any, *batch: Any, reduction: str = "mean", rows: Any = None
    ) -> tuple[float, Any]:
        """`backward` as a function of arrays, reading and writing no Value: with
        the live Values' numbers given as `leaves` (as `read_leaves()` gives them),
        the batch's mean (or sum) and its gradient, an array in the same order.
        `training` steps on it, the parameters in one array. With `rows` (integers),
        each argument is the whole data and the batch is its rows `rows`: the program
        gathers them itself (a first layer's in chunks, each multiplied while in cache)."""
        if reduction not in ("mean", "sum"):
            raise ValueError(f"backward: reduction must be 'mean' or 'sum', got {reduction!r}")
        if not self._single:
            raise ValueError(
                f"backward needs a function that returns one Value (a loss); {self._name()} returns "
                f"{len(self.outputs)}"
            )
        out, live, count = self._run(batch, backward=True, leaves=leaves, reduction=reduction, rows=rows)
        losses = out[:, 0].tolist() if out.shape[0] == count else [float(out[0, 0])] * count
        total = fsum(lambda: losses)
        mean = total * (1.0 / count) if reduction == "mean" else total  # as eager: sum(losses) * (1/B)
        return mean, live

    def training(self, optimizer: Any, hold: bool = True) -> Any:
        """Your own training loop at fit's speed: ``with f.training(optimizer) as train:``
        then ``loss = train(X_batch, Y_batch)`` zeroes the gradients, backpropagates the
        batch's mean loss and steps the optimizer. The optimizer's parameters live in one
        array while the block runs, and go back to their Values (numbers and the last
        gradients) when it ends, on an exception or Ctrl+C too (see `Training`). Meanwhile
        a parameter's Value reads and writes the array (`hold`); a loop that reads none
        may pass ``hold=False``: the Values then keep their old numbers until the end."""
        from engine.compiler.training import Training

        return Training(self, optimizer, hold=hold)

    def _run(
        self,
        batch: Sequence[Any],
        backward: bool,
        leaves: Any = None,
        reduction: str = "mean",
        rows: Any = None,
    ) -> tuple[Any, Any, int]:
        """The program on a batch (the rows `rows` of the data in `batch`, where given): the
        outputs' columns, the live Values' gradient of the batch's mean (sum) if `backward`,
        and how many examples. Non-finite numbers flow through, as in eager (IEEE
        arithmetic); under detect_anomaly the first one raises. A call's arrays are its own:
        threads may share `self`."""
        arrays, count = self._arguments(batch)
        index = None if rows is None else self._rows(rows, count if arrays else 0)
        if index is not None:
            count = len(index)
        if self.reads_parameters is not None:  # the graph may be the parameters' choice
            held = self.read_leaves()
            now = held if leaves is None else np.asarray(leaves, dtype=self._numpy_dtype)
            if not np.array_equal(now, cast(Any, self._traced_at)):
                if not np.array_equal(now, held):
                    raise ValueError(
                        f"{self._name()}'s graph may be chosen by its parameters' numbers "
                        f"({self.reads_parameters}); gradient() with other numbers than its Values "
                        "hold cannot trace the graph they choose. Give it read_leaves(), or compute "
                        "the choice with Value ops"
                    )
                with collector_paused():  # the parameters changed: the graph they choose, anew
                    # (the same arguments' shapes and dtype: the batch's arrays stay as they are)
                    self._compile(self.fn, self._example, check_args=self._check_args, dtype=self.dtype)
        if not self._checked:  # fn looked at numbers: the same graph at the first batch's examples
            for b in sorted({0, count // 2, count - 1}):
                at = b if index is None else int(index[b])
                self._check(
                    [a[at].reshape(s).tolist() for a, s in zip(arrays, self._shapes, strict=True)],
                    f"example {b} of the first batch",
                )
            self._checked = True
        if leaves is None:
            leaves = self.read_leaves()
        elif np.shape(leaves) != (len(self.leaves),):
            raise ValueError(
                f"leaves has shape {np.shape(leaves)}; expected ({len(self.leaves)},), one per live Value"
            )
        live = np.asarray(leaves, dtype=self._numpy_dtype).reshape(1, -1)
        seed = 1.0 / count if reduction == "mean" else 1.0
        program = self._program
        if state.anomaly:
            if self._checking is None:
                self._checking = write(self._plan_of, checks=True)
            program = self._checking
        with np.errstate(all="ignore"):
            out, grad = program.run(live, *arrays, count, seed, backward, IX=index)
        return out, grad, count

    def _rows(self, rows: Any, n: int) -> Any:
        """`rows` as an array of the batch's places in data of n examples, or the error."""
        index = np.asarray(rows)
        if index.ndim != 1 or (index.dtype.kind not in "iu" and index.size):
            raise TypeError(
                f"rows must be a 1-D array of integers (the batch's examples' places in the data), got "
                f"{index.ndim}-D {index.dtype}"
            )
        if not index.size:
            raise ValueError("the batch is empty; expected at least one example")
        low, high = int(index.min()), int(index.max())
        if low < -n or high >= n:
            bad = low if low < -n else high
            raise IndexError(f"rows must be in [-{n}, {n}), the data's {n} examples; got {bad}")
        return index.astype(np.intp, copy=False)

    def _arguments(self, batch: Sequence[Any]) -> tuple[list[Any], int]:
        arrays, rows = [], None
        numbers = self._numbers(batch, "a batch of examples: an array of numbers")
        for i, (array, shape) in enumerate(zip(numbers, self._shapes, strict=True)):
            if array.ndim != 1 + len(shape) or array.shape[1:] != shape:
                raise ValueError(
                    f"argument {i} ({self._names[i]}) has shape {array.shape}; expected {('B', *shape)}: "
                    "a batch of examples, each shaped like the one traced"
                )
            if rows is not None and array.shape[0] != rows:
                raise ValueError(
                    f"argument {i} ({self._names[i]}) has {array.shape[0]} examples, argument 0 has {rows}"
                )
            rows = array.shape[0]
            if rows == 0:
                raise ValueError("the batch is empty; expected at least one example")
            arrays.append(array.reshape(rows, -1).astype(self._numpy_dtype, copy=False))
        return arrays, 1 if rows is None else rows

    def _numbers(self, args: Sequence[Any], expected: str) -> list[Any]:
        """Each argument as an array of floats, as many as were traced (once there was a trace)."""
        if self._shapes and len(args) != len(self._shapes):
            raise TypeError(
                f"{self._name()} was traced with {len(self._shapes)} argument(s), got {len(args)}"
            )
        # (the place named only when it is wrong: a call's usual batch costs no message's text)
        return [_as_numbers(x, partial(self._argument, i), expected) for i, x in enumerate(args)]

    def _argument(self, i: int) -> str:
        return f"argument {i} ({self._names[i]})"

    def _name(self) -> str:
        return getattr(self.fn, "__name__", "fn")

    def __repr__(self) -> str:
        dtype = "" if self.dtype == "float64" else f", {self.dtype}"
        return (
            f"Compiled({self._name()}: {len(self._shapes)} argument(s), {self.nodes} nodes in "
            f"{len(self._groups)} array groups, {len(self.leaves)} live Values{dtype})"
        )


def _dtype(dtype: Any) -> str:
    try:
        name = np.dtype(dtype).name if dtype is not None else None
    except TypeError:
        name = None
    if name not in DTYPES:
        raise ValueError(f"compile: dtype must be 'float64' or 'float32', got {dtype!r}")
    return name


def _as_numbers(x: Any, place: Callable[[], str], expected: str) -> Any:
    """`x` as an array of floats, refusing what `Value()` refuses (None, text,
    complex numbers, ints past float range) and ragged lists, naming the argument
    (`place()`, asked only for an error)."""
    try:
        array = np.asarray(x)
    except ValueError:  # numpy's "inhomogeneous shape"
        raise ValueError(f"{place()} is ragged (rows of different lengths); expected {expected}") from None
    if array.dtype.kind == "f":  # any float: the plan's dtype is made of it once, in _arguments
        return array
    if array.dtype.kind in "biu":
        return array.astype(float)
    for v in (
        array.ravel().tolist() if array.dtype.kind == "O" else [array.ravel()[0] if array.size else None]
    ):
        if not isinstance(v, numbers.Real):
            raise TypeError(
                f"{place()} holds a {type(v).__name__}; expected {expected} (real numbers, as Value() "
                "takes: int, float or numpy scalars)"
            )
    try:
        return array.astype(float)
    except OverflowError:  # an int past ±1.8e308
        raise ValueError(
            f"{place()} holds an int too large for a float (the largest is about 1.8e308)"
        ) from None


def _check_forward(group: Group, ins: list[Any], out: Any) -> None:
    """detect_anomaly, forward: a group's first number that is not finite raises, naming it."""
    if not np.isfinite(out).all():
        row, col = (int(i) for i in np.argwhere(~np.isfinite(out))[0])
        raise FloatingPointError(
            f"detect_anomaly: {group.op.name} produced {float(out[row, col])!r} from "
            f"{group.describe(row, col, ins)} in example {row} (compiled)"
        )


def _check_share(group: Group, ins: list[Any], g: Any, share: Any) -> None:
    """detect_anomaly, backward: the first share that is not finite raises, naming
    the op and the example (the shares before it, and so `g`, were finite)."""
    bad = ~np.isfinite(share)
    if not bad.any():
        return
    row, col = (int(i) for i in np.argwhere(bad)[0])
    value = float(share[row, col])
    if group.kind == "matmul" and share.shape[0] == len(group.nodes) and g.shape[0] > 1:
        # a weight's ∂/∂w summed over the batch (row: the node, col: the input): find the example
        per_example = g[:, row] * ins[1][:, col]
        found = np.flatnonzero(~np.isfinite(per_example))
        row, col = (int(found[0]) if found.size else 0), row
    raise FloatingPointError(
        f"detect_anomaly: backward of {group.op.name} produced {value!r} "
        f"from {group.describe(row, col, ins)} "
        f"in example {row} (compiled)"
    )


def _difference(
    trace: Trace, outputs: list[Value], other: Trace, other_outputs: list[Value], n_inputs: int
) -> str:
    """'' if the two traces built the same graph, else the first difference in words.

    Node i of one is node i of the other (the trace makes nodes in order, the
    arguments first): the same op, parameter and inputs, where an input is the
    same node of the other trace or the very same Value (a parameter). A leaf fn
    made (`Value(2.0)`) is compared by its number.
    """
    ours = dict(zip(other.nodes, trace.nodes, strict=False)).get  # node of `other` -> node of `trace`
    for i, (a, b) in enumerate(zip(trace.nodes, other.nodes, strict=False)):
        if (
            a.op is not b.op
            or not _same_number(a.arg, b.arg)
            or a.parents != tuple(map(ours, b.parents, b.parents))
        ):
            return f"node {i} is {_node_text(b, other)} where the trace had {_node_text(a, trace)}"
        if a.op is None and i >= n_inputs and not _same_number(a.data, b.data):
            return f"node {i} is {_node_text(b, other)} where the trace had {_node_text(a, trace)}"
    m, n = len(trace.nodes), len(other.nodes)
    if n > m:
        return f"it made {n} nodes where the trace made {m}: node {m} is {_node_text(other.nodes[m], other)}"
    if n < m:
        missing = _node_text(trace.nodes[n], trace)
        return f"it made {n} nodes where the trace made {m}: it has no node {n}, {missing}"
    if tuple(outputs) != tuple(map(ours, other_outputs, other_outputs)):
        return "it returns other nodes than the trace did"
    return ""


def _same_number(a: Any, b: Any) -> bool:
    return a == b or (a != a and b != b)  # nan is nan here


def _node_text(node: Value, trace: Trace) -> str:
    op = node.op
    if op is None:
        return f"a constant of {node.data!r} made by fn"
    index = {v: i for i, v in enumerate(trace.nodes)}
    names = [
        str(index[p]) if p in index else f"an existing Value {p.label or ''} at {id(p):#x}".replace("  ", " ")
        for p in node.parents
    ]
    param = "" if op.param is None else f" with {op.param.name}={node.arg!r}"
    return f"{op.name}{param} of nodes [{', '.join(names)}]"


def _argument_names(fn: Callable[..., Any], n: int) -> list[str]:
    """fn's parameter names (x, y), for labels and messages; arg0, arg1 where there are none."""
    try:
        names = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        names = []
    return (names + [f"arg{i}" for i in range(len(names), n)])[:n]


def compile(  # noqa: A001
    fn: Callable[..., Any],
    *example_args: Any,
    check_args: Sequence[Sequence[Any]] = (),
    dtype: Any = "float64",
) -> Compiled:
    """See `engine.compile`."""
    return Compiled(fn, example_args, check_args=check_args, dtype=dtype)
