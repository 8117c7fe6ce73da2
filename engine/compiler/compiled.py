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
at the example's choice. The first batch is traced again at its first,
middle and last example (and `check_args`, at once), and a graph that
differs is refused, naming the difference.
"""

from __future__ import annotations

import bisect
import inspect
import itertools
import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from operator import attrgetter, itemgetter
from typing import Any, cast

import numpy as np

from engine.compiler.kernels import KERNELS, elementwise, rowwise, sum_rows
from engine.graph import topological_order
from engine.modes import enable_grad, new_leaves, state
from engine.ops import Op, fsum
from engine.value import Value

_DATA = attrgetter("data")
Location = tuple[int, int]  # (block, column): where one node's numbers are

# Blocks are 2-D arrays, one row per example (or a single row, for numbers
# that are the same for every example); each node of the graph is one
# column of one block. Block 0 holds the live Values, then one block per
# argument, then one per step.
LIVE = 0


class _Columns:
    """An input of a step: columns of blocks, side by side (a slice where they
    are neighbours, as a layer's outputs are, so reading them copies nothing)."""

    def __init__(self, locations: Sequence[Location]) -> None:
        self.locations = locations
        self.parts: list[tuple[int, slice | np.ndarray, int, bool]] = []  # block, index, width, unique
        for block, run in itertools.groupby(locations, key=itemgetter(0)):
            cols = [c for _, c in run]
            if cols == list(range(cols[0], cols[0] + len(cols))):
                self.parts.append((block, slice(cols[0], cols[0] + len(cols)), len(cols), True))
            else:
                index = np.array(cols, dtype=np.intp)
                self.parts.append((block, index, len(cols), len(set(cols)) == len(cols)))
        self.width = len(locations)

    def read(self, blocks: list[Any]) -> Any:
        if len(self.parts) == 1:
            block, index, _, _ = self.parts[0]
            return blocks[block][:, index]
        arrays = [blocks[block][:, index] for block, index, _, _ in self.parts]
        rows = max(a.shape[0] for a in arrays)
        return np.concatenate([np.broadcast_to(a, (rows, a.shape[1])) for a in arrays], axis=1)

    def add(self, grads: _Gradients, contribution: Any) -> None:
        """Add `contribution` (rows × width) to the gradients of these columns."""
        if len(self.parts) == 1:
            grads.add(*self.parts[0], contribution)
            return
        start = 0
        for block, index, width, unique in self.parts:
            grads.add(block, index, width, unique, contribution[:, start : start + width])
            start += width


class _Gradients:
    """The backward sweep's running sums, block by block. A block's array is
    the first share that arrives when it covers the whole block (a layer's
    does), else zeros it is added to; the live Values' shares are kept and
    summed once, at the end (np.bincount), instead of each into 13,002 columns."""

    def __init__(self, blocks: list[Any], wants: list[bool]) -> None:
        self.blocks, self.wants = blocks, wants
        self.arrays: list[Any] = [None] * len(blocks)
        self.live: list[tuple[Any, Any]] = []  # (columns, numbers) read out of order
        self.live_in_order = np.zeros(blocks[LIVE].shape[1])  # what slices of it got

    def add(self, block: int, index: slice | np.ndarray, width: int, unique: bool, part: Any) -> None:
        if not self.wants[block]:  # an argument: no gradient wanted
            return
        shape = self.blocks[block].shape
        if shape[0] == 1 and part.shape[0] != 1:  # the same for every example: sum over the batch
            part = part.sum(axis=0, keepdims=True)
        if block == LIVE:
            if isinstance(index, slice):
                self.live_in_order[index] += part[0]
            else:
                self.live.append((index, part[0]))
            return
        g = self.arrays[block]
        if g is None:
            if part.shape == shape and isinstance(index, slice) and index.start == 0 and width == shape[1]:
                self.arrays[block] = part if part.flags.writeable else part.copy()
                return
            g = self.arrays[block] = np.zeros(shape)
        if unique:
            g[:, index] += part
        else:  # one node read twice (x·x): add.at adds both (numpy's stubs take no slice there; numpy does)
            np.add.at(g, cast(Any, (slice(None), index)), part)

    def of_live(self) -> Any:
        """The live Values' gradient, one number each."""
        if not self.live:
            return self.live_in_order
        columns, numbers = zip(*self.live, strict=True)
        n = len(self.live_in_order)
        return self.live_in_order + np.bincount(
            np.concatenate(columns), weights=np.concatenate(numbers), minlength=n
        )


class _Step:
    """One numpy operation: `op` on k nodes side by side.

    kind "each": input i of the k nodes is a block of k columns (an op of
    fixed arity); "columns": one node whose inputs are the columns of one
    matrix (sum, dot_const); "matmul": k contraction nodes sharing their
    second half, X @ Wᵀ; "pairs": one contraction node whose halves both
    depend on the example, Σ W·X row by row.
    """

    def __init__(self, op: Op, kind: str, inputs: list[_Columns], arg: Any, nodes: list[Value]) -> None:
        self.op, self.kind, self.inputs, self.arg, self.nodes = op, kind, inputs, arg, nodes
        self.kernel = KERNELS.get(op)  # None: the op runs on each example's floats
        # its rule runs on a whole "each" step's arrays as it is (else: _local_grads decides)
        self.rule_on_arrays = kind == "each" and self.kernel is not None and self.kernel.rule
        self.block = -1  # where its output goes, set by the plan
        self.wanted = [True] * len(inputs)  # which inputs need a gradient, set by the plan

    def forward(self, ins: list[Any]) -> Any:
        if self.kind == "matmul":
            w, x = ins
            return x @ w.reshape(len(self.nodes), -1).T
        if self.kind == "pairs":  # Σ wᵢ·xᵢ row by row, summed as a sum is (exact where it cancels)
            w, x = ins
            return sum_rows(w * x)
        kernel = self.kernel
        if kernel is not None and kernel.forward is not None:
            return kernel.forward(*ins) if self.arg is None else kernel.forward(*ins, self.arg)
        if self.kind == "columns":  # no array form: the op on each example's floats
            return rowwise(self.op.forward, ins[0], self.nodes[0].arg)
        return elementwise(self.op.forward, ins, self.arg, 1)[0]

    def backward(self, ins: list[Any], out: Any, g: Any, wanted: list[bool]) -> list[Any]:
        """g·∂out/∂input for each wanted input (None for the others), by the op's
        `local_grads` on arrays."""
        if self.kind in ("matmul", "pairs"):
            w, x = ins
            local_w, local_x = self.op.local_grads(out, w, x)  # dot's: ∂/∂w = x, ∂/∂x = w
            if self.kind == "pairs":
                return [g * local_w if wanted[0] else None, g * local_x if wanted[1] else None]
            k = len(self.nodes)
            return [
                (g.T @ local_w).reshape(1, -1) if wanted[0] else None,  # Σ over the batch, in the product
                g @ local_x.reshape(k, -1) if wanted[1] else None,
            ]
        if self.rule_on_arrays:
            op, arg = self.op, self.arg
            local: Any = op.local_grads(out, *ins) if arg is None else op.local_grads(out, *ins, arg)
        else:
            local = self._local_grads(ins, out)
        return [
            None if not want or (type(d) is float and d == 0.0) else g * d
            for d, want in zip(local, wanted, strict=True)
        ]

    def _local_grads(self, ins: list[Any], out: Any) -> list[Any]:
        """The op's `local_grads` on arrays where it runs on them (its kernel says so),
        else on each example's floats: one derivative (array or number) per input."""
        op, kernel = self.op, self.kernel
        if self.kind == "columns":  # one node, its inputs the columns of one matrix
            matrix, arg = ins[0], self.nodes[0].arg
            if kernel is None or not kernel.rule:
                rows = max(matrix.shape[0], out.shape[0])
                both = np.concatenate(
                    [np.broadcast_to(out, (rows, 1)), np.broadcast_to(matrix, (rows, matrix.shape[1]))],
                    axis=1,
                )
                return [rowwise(op.local_grads, both, arg)]
            columns = [matrix[:, j : j + 1] for j in range(matrix.shape[1])]
            local = op.local_grads(out, *columns) if arg is None else op.local_grads(out, *columns, arg)
            if all(type(d) is float for d in local):
                return [np.array(local, dtype=float).reshape(1, -1)]
            rows = matrix.shape[0]
            return [
                np.concatenate(
                    [np.broadcast_to(np.asarray(d, dtype=float), (rows, 1)) for d in local], axis=1
                )
            ]
        if kernel is None or not kernel.rule:
            return elementwise(op.local_grads, [out, *ins], self.arg, len(ins))
        return list(op.local_grads(out, *ins) if self.arg is None else op.local_grads(out, *ins, self.arg))

    def describe(self, row: int, col: int, ins: list[Any]) -> str:
        """The inputs of node `col` in example `row`, for an error message."""
        if self.kind == "each":
            numbers = [float(x[min(row, x.shape[0] - 1), col]) for x in ins]
        else:  # a matrix of inputs: its first few
            numbers = [float(v) for v in ins[-1][min(row, ins[-1].shape[0] - 1), :4]]
        return repr(numbers)


class SlowOpWarning(UserWarning):
    """A compiled function uses an op with no array form: it runs per example (eager's numbers)."""


class Compiled:
    """`fn` traced once and run over batches: what `engine.compile` returns.

    Attributes:
        outputs: the traced graph's output Values (draw them with `draw_dot`).
        leaves: the Values it reads live on every call (the parameters, and
            constants `fn` made) and whose `.grad` `backward` adds to.
        notes: what it could not run on whole arrays (an op with no array
            form runs one example at a time), one sentence each.
    """

    def __init__(
        self, fn: Callable[..., Any], example_args: Sequence[Any], check_args: Sequence[Sequence[Any]] = ()
    ):
        if not callable(fn):
            raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
        self.fn = fn
        self._names = _argument_names(fn, len(example_args))
        self._shapes: list[tuple[int, ...]] = []
        traced, inputs = self._trace(example_args, record_shapes=True)
        self.outputs = traced
        self._single = len(traced) == 1 and not self._returns_list
        self._inputs = inputs
        self._reference = _structure(traced, inputs, self._made)
        for args in check_args:
            self._check(args, where="check_args")
        self._checked = False
        self._plan()

    # -- tracing ---------------------------------------------------------------

    def _trace(
        self, example_args: Sequence[Any], record_shapes: bool = False
    ) -> tuple[list[Value], list[Value]]:
        """Run fn eagerly on Values made from one example: its outputs, and the leaves of its arguments."""
        arrays = self._numbers(example_args, "one example: a number or a (nested) list of numbers")
        args, inputs = [], []
        for i, array in enumerate(arrays):
            if record_shapes:
                self._shapes.append(array.shape)
            elif array.shape != self._shapes[i]:
                raise ValueError(
                    f"argument {i} ({self._names[i]}) has shape {array.shape}, traced as {self._shapes[i]}"
                )
            leaves = [
                Value(x, label=self._names[i] + ("" if array.ndim == 0 else str(list(at)).replace(" ", "")))
                for x, at in zip(
                    array.ravel().tolist(), np.ndindex(array.shape) if array.ndim else [()], strict=True
                )
            ]
            inputs += leaves
            args.append(
                leaves[0] if array.ndim == 0 else np.array(leaves, dtype=object).reshape(array.shape).tolist()
            )
        with enable_grad(), new_leaves() as made:
            result = self.fn(*args)
        self._made = made
        self._returns_list = isinstance(result, (list, tuple))
        outputs = list(result) if self._returns_list else [result]
        for out in outputs:
            if not isinstance(out, Value):
                raise TypeError(
                    f"{self._name()} must return a Value or a list of Values, got {type(out).__name__}"
                )
        if not outputs:
            raise ValueError(f"{self._name()} returned an empty list; expected at least one Value")
        return outputs, inputs

    def _check(self, args: Sequence[Any], where: str) -> None:
        """Trace again on `args` and refuse a graph that differs from the first one."""
        outputs, inputs = self._trace(args)
        difference = _difference(self._reference, _structure(outputs, inputs, self._made))
        if difference:
            raise ValueError(
                f"engine.compile: {self._name()} builds a different graph for {where} than for the "
                f"example it was traced on: {difference}. A compiled function must build the same graph "
                "whatever the numbers: no Python `if` on .data, no max(..., key=...) or index chosen by a "
                "number (use Value.max, relu, step, which choose per example, and give class targets "
                "one-hot) — compile traces once, as torch.jit.trace and jax.jit do"
            )

    # -- the plan: steps over blocks --------------------------------------------

    def _plan(self) -> None:
        order = topological_order(*self.outputs)
        argument_of = {leaf: i for i, leaf in enumerate(self._inputs)}
        self.leaves = [v for v in order if v.op is None and v not in argument_of]
        where: dict[Value, Location] = {v: (LIVE, j) for j, v in enumerate(self.leaves)}
        widths = [math.prod(shape) for shape in self._shapes]
        starts = list(itertools.accumulate(widths, initial=0))
        for leaf, i in argument_of.items():
            block = bisect.bisect_right(starts, i) - 1  # the argument leaf i belongs to
            where[leaf] = (1 + block, i - starts[block])
        batched = {v: v in argument_of for v in where}

        # Group the computed nodes: same depth, same op, same kind of inputs.
        depth = dict.fromkeys(where, 0)
        groups: dict[Any, list[Value]] = {}
        for node in order:
            if node.op is None:
                continue
            depth[node] = 1 + max(depth[p] for p in node.parents)
            batched[node] = any(batched[p] for p in node.parents)
            groups.setdefault(_group_key(node, depth[node], batched), []).append(node)
        sorted_groups = sorted(groups.items(), key=lambda item: item[0][0])  # by depth, stable
        for _, nodes in sorted_groups:  # a draft of where each group's outputs go, for the draft steps
            for col, node in enumerate(nodes):
                where[node] = (-1, col)

        # Number the live Values in the order the steps read them: a layer's weight
        # matrix is then a slice of the live block (no gather), its gradient a slice too.
        steps = [_make_step(key, nodes, where, batched) for key, nodes in sorted_groups]  # a first draft
        first_read = [
            self.leaves[c] for step in steps for cs in step.inputs for b, c in cs.locations if b == LIVE
        ]
        self.leaves = list(dict.fromkeys(first_read + self.leaves))
        where.update({v: (LIVE, j) for j, v in enumerate(self.leaves)})

        self._steps: list[_Step] = []
        block = 1 + len(widths)
        for key, nodes in sorted_groups:
            step = _make_step(key, nodes, where, batched)
            step.block = block
            for col, node in enumerate(nodes):
                where[node] = (block, col)
            self._steps.append(step)
            block += 1
        self._blocks = block
        slow = {step.op: None for step in self._steps if step.op not in KERNELS}
        self.notes = [
            f"op {op.name!r} has no array form (engine.compiler.kernels.register): it runs one "
            "example at a time, the same numbers as eager but slower"
            for op in slow
        ]
        for note in self.notes:
            warnings.warn(f"engine.compile: {note}", SlowOpWarning, stacklevel=4)
        self._output = _Columns([where[v] for v in self.outputs])
        wants = [True] + [False] * len(widths)  # gradients for the live Values, none for arguments
        for step in self._steps:
            step.wanted = [any(wants[b] for b, *_ in columns.parts) for columns in step.inputs]
            wants.append(any(step.wanted))
        self._wants = wants

    # -- running ----------------------------------------------------------------

    def __call__(self, *batch: Any) -> Any:
        """fn on every example of the batch: shape (B,), or (B, k) for k outputs."""
        blocks, _, rows = self._run(batch, keep=False)
        values = self._output.read(blocks)
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
        return np.fromiter(map(_DATA, self.leaves), dtype=float, count=len(self.leaves))

    def gradient(self, leaves: Any, *batch: Any, reduction: str = "mean") -> tuple[float, Any]:
        """`backward` as a function of arrays, reading and writing no Value: with
        the live Values' numbers given as `leaves` (as `read_leaves()` gives them),
        the batch's mean (or sum) and its gradient, an array in the same order.
        `nn.fit(compile=True)` trains on it, its parameters in one array."""
        if reduction not in ("mean", "sum"):
            raise ValueError(f"backward: reduction must be 'mean' or 'sum', got {reduction!r}")
        if not self._single:
            raise ValueError(
                f"backward needs a function that returns one Value (a loss); {self._name()} returns "
                f"{len(self.outputs)}"
            )
        blocks, saved, rows = self._run(batch, keep=True, leaves=leaves)
        losses = np.broadcast_to(self._output.read(blocks), (rows, 1))[:, 0].tolist()
        total = fsum(lambda: losses)
        seed = 1.0 / rows if reduction == "mean" else 1.0
        live = self._sweep(blocks, saved, seed, rows, check=state.anomaly)
        mean = total * (1.0 / rows) if reduction == "mean" else total  # as eager: sum(losses) * (1/B)
        return mean, live

    def _sweep(self, blocks: list[Any], saved: list[Any], seed: float, rows: int, check: bool) -> Any:
        """The backward sweep over the steps, last first: the live Values' gradient.
        Non-finite numbers flow through, as in eager backward (IEEE arithmetic);
        under detect_anomaly (`check`) the first share that is not finite raises."""
        grads = _Gradients(blocks, self._wants)
        self._output.add(grads, np.full((rows, 1), seed))
        with np.errstate(all="ignore"):
            for step, ins in zip(reversed(self._steps), reversed(saved), strict=True):
                g = grads.arrays[step.block]
                if g is None:  # nothing reached it: no gradient wanted, or all were 0
                    continue
                out = blocks[step.block]
                shares = step.backward(ins, out, g, step.wanted)
                for columns, share in zip(step.inputs, shares, strict=True):
                    if share is None:
                        continue
                    if share.shape[1] != columns.width:  # sum's local 1.0 stands for each of its inputs
                        share = np.broadcast_to(share, (share.shape[0], columns.width))
                    if check:
                        _check_share(step, ins, g, share)
                    columns.add(grads, share)
        return grads.of_live()

    def _run(self, batch: Sequence[Any], keep: bool, leaves: Any = None) -> tuple[list[Any], list[Any], int]:
        """The steps forward on a batch: every block, what each step read (if `keep`),
        and how many examples. A call's state is its own: threads may share `self`."""
        arrays, rows = self._arguments(batch)
        if not self._checked:  # the first batch: the same graph at its first, middle and last example
            for b in sorted({0, rows // 2, rows - 1}):
                self._check(
                    [a[b].reshape(s).tolist() for a, s in zip(arrays, self._shapes, strict=True)],
                    f"example {b} of the first batch",
                )
            self._checked = True
        if leaves is None:
            leaves = self.read_leaves()
        elif np.shape(leaves) != (len(self.leaves),):
            raise ValueError(
                f"leaves has shape {np.shape(leaves)}; expected ({len(self.leaves)},), one per live Value"
            )
        live = np.asarray(leaves, dtype=float).reshape(1, -1)
        blocks: list[Any] = [live, *arrays] + [None] * len(self._steps)
        saved: list[Any] = []
        anomaly = state.anomaly
        with np.errstate(all="ignore"):
            for step in self._steps:
                ins = [columns.read(blocks) for columns in step.inputs]
                out = step.forward(ins)
                if anomaly and not np.isfinite(out).all():
                    row, col = (int(i) for i in np.argwhere(~np.isfinite(out))[0])
                    raise FloatingPointError(
                        f"detect_anomaly: {step.op.name} produced {float(out[row, col])!r} from "
                        f"{step.describe(row, col, ins)} in example {row} (compiled)"
                    )
                blocks[step.block] = out
                if keep:
                    saved.append(ins)
        return blocks, saved, rows

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
            arrays.append(array.reshape(rows, -1))
        return arrays, 1 if rows is None else rows

    def _numbers(self, args: Sequence[Any], expected: str) -> list[Any]:
        """Each argument as an array of floats, as many as were traced (once there was a trace)."""
        if self._shapes and len(args) != len(self._shapes):
            raise TypeError(
                f"{self._name()} was traced with {len(self._shapes)} argument(s), got {len(args)}"
            )
        return [_as_numbers(x, f"argument {i} ({self._names[i]})", expected) for i, x in enumerate(args)]

    def _name(self) -> str:
        return getattr(self.fn, "__name__", "fn")

    def __repr__(self) -> str:
        nodes = len(self._reference) - 1
        return (
            f"Compiled({self._name()}: {len(self._shapes)} argument(s), {nodes} nodes in {len(self._steps)} "
            f"array steps, {len(self.leaves)} live Values)"
        )


def _group_key(node: Value, depth: int, batched: dict[Value, bool]) -> tuple[Any, ...]:
    """Nodes with the same key run as one step; the key starts with the depth."""
    op, parents = node.op, node.parents
    assert op is not None
    kernel = KERNELS.get(op)
    if kernel is not None and kernel.contraction:
        n = len(parents) // 2
        halves = parents[:n], parents[n:]
        for w, x in (halves, halves[::-1]):
            if not any(batched[v] for v in w):  # weights the same for every example: a matrix product
                return (depth, op, "matmul", tuple(map(id, x)), halves[0] is w)
        return (depth, op, "pairs", id(node))
    if op.arity is None:  # any number of inputs: one node a step, its inputs as columns
        return (depth, op, "columns", id(node))
    if op.param is not None and not isinstance(node.arg, float):
        return (depth, op, "each", id(node))
    return (depth, op, "each", len(parents), tuple(batched[p] for p in parents))


def _make_step(
    key: tuple[Any, ...], nodes: list[Value], where: dict[Value, Location], batched: dict[Value, bool]
) -> _Step:
    op, kind = key[1], key[2]
    if kind in ("matmul", "pairs"):
        n = len(nodes[0].parents) // 2
        first = key[4] if kind == "matmul" else True
        ws = [p for node in nodes for p in (node.parents[:n] if first else node.parents[n:])]
        xs = nodes[0].parents[n:] if first else nodes[0].parents[:n]
        return _Step(
            op, kind, [_Columns([where[v] for v in ws]), _Columns([where[v] for v in xs])], None, nodes
        )
    if kind == "columns":
        (node,) = nodes
        row = None if node.arg is None else np.asarray(node.arg, dtype=float).reshape(1, -1)
        return _Step(op, kind, [_Columns([where[v] for v in node.parents])], row, nodes)
    inputs = [_Columns([where[node.parents[i]] for node in nodes]) for i in range(len(nodes[0].parents))]
    arg: Any = None
    if op.param is not None:  # one number for all (numpy's x ** 2.0 is then x·x), or a row of them
        args = [node.arg for node in nodes]
        arg = args[0] if len(set(args)) == 1 else np.array([args], dtype=float)
    return _Step(op, kind, inputs, arg, nodes)


def _as_numbers(x: Any, where: str, expected: str) -> Any:
    """`x` as an array of floats, refusing what `Value()` refuses (None, text,
    complex numbers, ints past float range) and ragged lists, naming the argument."""
    try:
        array = np.asarray(x)
    except ValueError:  # numpy's "inhomogeneous shape"
        raise ValueError(f"{where} is ragged (rows of different lengths); expected {expected}") from None
    if array.dtype.kind in "biuf":
        return array.astype(float, copy=False)
    for v in (
        array.ravel().tolist() if array.dtype.kind == "O" else [array.ravel()[0] if array.size else None]
    ):
        if not isinstance(v, numbers.Real):
            raise TypeError(
                f"{where} holds a {type(v).__name__}; expected {expected} (real numbers, as Value() "
                "takes: int, float or numpy scalars)"
            )
    try:
        return array.astype(float)
    except OverflowError:  # an int past ±1.8e308
        raise ValueError(
            f"{where} holds an int too large for a float (the largest is about 1.8e308)"
        ) from None


def _check_share(step: _Step, ins: list[Any], g: Any, share: Any) -> None:
    """detect_anomaly, backward: the first share that is not finite raises, naming
    the op and the example (the shares before it, and so `g`, were finite)."""
    bad = ~np.isfinite(share)
    if not bad.any():
        return
    row, col = (int(i) for i in np.argwhere(bad)[0])
    value = float(share[row, col])
    if share.shape[0] == 1 and g.shape[0] > 1 and step.kind == "matmul":
        # ∂/∂W summed over the batch: find the example whose own share is not finite
        k = len(step.nodes)
        per_example = g[:, col // (share.shape[1] // k)] * ins[1][:, col % (share.shape[1] // k)]
        found = np.flatnonzero(~np.isfinite(per_example))
        row = int(found[0]) if found.size else 0
    raise FloatingPointError(
        f"detect_anomaly: backward of {step.op.name} produced {value!r} from {step.describe(row, col, ins)} "
        f"in example {row} (compiled)"
    )


def _structure(outputs: list[Value], inputs: list[Value], made: set[Value]) -> list[Any]:
    """The graph as records that two traces can be compared by, node by node. A
    leaf is an argument, a Value that existed before the trace (compared by
    identity: the same parameter), or a constant fn made (compared by number)."""
    order = topological_order(*outputs)
    index = {node: i for i, node in enumerate(order)}
    argument = {leaf: i for i, leaf in enumerate(inputs)}
    records: list[Any] = []
    for node in order:
        if node in argument:
            records.append(("argument", argument[node]))
        elif node.op is None:
            records.append(("leaf", node, node in made))
        else:
            records.append((node.op, node.arg, tuple(index[p] for p in node.parents)))
    records.append(("outputs", tuple(index[v] for v in outputs)))
    return records


def _difference(reference: list[Any], other: list[Any]) -> str:
    """'' if the two graphs are the same, else the first difference in words."""
    if len(reference) != len(other):
        return f"it has {len(other) - 1} nodes where the trace had {len(reference) - 1}"
    for i, (a, b) in enumerate(zip(reference, other, strict=True)):
        if a[0] == "leaf" and b[0] == "leaf":
            (_, va, new_a), (_, vb, new_b) = a, b
            same = va.data == vb.data or (va.data != va.data and vb.data != vb.data)  # nan is nan here
            if not (same and new_a and new_b) and va is not vb:
                return f"node {i} is {_record_text(b)} where the trace had {_record_text(a)}"
        elif a != b:
            return f"node {i} is {_record_text(b)} where the trace had {_record_text(a)}"
    return ""


def _record_text(record: Any) -> str:
    kind = record[0]
    if kind == "argument":
        return f"argument value {record[1]}"
    if kind == "leaf":
        _, v, new = record
        if new:
            return f"a constant of {v.data!r} made by fn"
        return f"an existing Value ({v!r} at {id(v):#x})"
    if kind == "outputs":
        return f"outputs {list(record[1])}"
    op, arg, parents = record
    param = "" if op.param is None else f" with {op.param.name}={arg!r}"
    return f"{op.name}{param} of nodes {list(parents)}"


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


def compile(fn: Callable[..., Any], *example_args: Any, check_args: Sequence[Sequence[Any]] = ()) -> Compiled:  # noqa: A001
    """See `engine.compile`."""
    return Compiled(fn, example_args, check_args)
