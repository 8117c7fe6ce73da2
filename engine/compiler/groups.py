"""The pieces of a compiled plan: where each node's numbers are (`Columns`) and
one numpy operation over many nodes (`Group`); `engine.compiler.program` writes
them out as the function a call runs.

Blocks are 2-D arrays, one row per example (or a single row, for numbers that
are the same for every example); each node of the graph is one column of one
block. Block 0 holds the live Values (`LIVE`: the parameters, read on every
call), then one block per argument, then one per group. All of a plan's blocks
have one dtype (float64 or float32).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple, cast

import numpy as np

from engine.compiler.kernels import KERNELS, elementwise, rowwise, sum_rows
from engine.ops import Op
from engine.value import Value

LIVE = 0
Location = tuple[int, int]  # (block, column): where one node's numbers are

# How a group's nodes meet numpy (see `Group`).
Kind = Literal["each", "columns", "matmul", "pairs"]


class Part(NamedTuple):
    """A run of one block's columns, part of a group's input (`Columns`)."""

    block: int
    at: slice | np.ndarray  # which columns: a slice where they are evenly spaced, else their indices
    width: int  # how many columns
    unique: bool | None  # True: no column twice (a slice); None: not known (indices may repeat)


class Grid(NamedTuple):
    """Columns that are a k × n matrix of the live block, row after row (a layer's weights)."""

    start: int  # the first column
    rows: int  # k
    width: int  # n
    stride: int  # from one row's start to the next (n, or more where each row has a bias after it)


def _index(cols: Any) -> slice | np.ndarray:
    """Columns as a slice where they are evenly spaced (reading them copies nothing),
    else as an index array."""
    n = len(cols)
    if n == 1:
        return slice(int(cols[0]), int(cols[0]) + 1)
    stride = int(cols[1] - cols[0])
    if stride > 0 and (n == 2 or bool((np.diff(cols) == stride).all())):
        return slice(int(cols[0]), int(cols[-1]) + 1, None if stride == 1 else stride)
    return cast(np.ndarray, cols)


class Columns:
    """An input of a group: columns of blocks, side by side.

    `parts` are runs of one block each (`Part`), the index a slice where the
    columns are evenly spaced (a layer's outputs, a layer's biases), else an
    index array. `grid` is set where the columns are a k × n matrix whose rows
    are evenly spaced runs of the live block (a layer's weights, neuron after
    neuron, `Grid`): read as a strided view, no copy.
    """

    def __init__(self, runs: Sequence[tuple[int, Any]]) -> None:
        self.parts: list[Part] = []
        for block, cols in runs:
            index = _index(cols)
            unique = True if isinstance(index, slice) else None
            self.parts.append(Part(block=block, at=index, width=len(cols), unique=unique))
        self.width = sum(part.width for part in self.parts)
        self.grid: Grid | None = None

    @classmethod
    def of(cls, nodes: Sequence[Value], live: dict[Value, int], where: dict[Value, Location]) -> Columns:
        """Where `nodes` are: `live` numbers the live Values, `where` places the others."""
        cols = list(map(live.get, nodes, itertools.repeat(-1)))
        if -1 not in cols:  # all live (a layer's weights): one run, found in C
            return cls([(LIVE, np.array(cols, dtype=np.intp))])
        at = np.array(
            [(LIVE, c) if c >= 0 else where[v] for v, c in zip(nodes, cols, strict=True)], dtype=np.intp
        ).reshape(-1, 2)
        starts = [0, *(np.flatnonzero(np.diff(at[:, 0])) + 1).tolist(), len(at)]  # runs of one block
        return cls([(int(at[a, 0]), at[a:b, 1]) for a, b in itertools.pairwise(starts)])

    def find_grid(self, rows: int) -> None:
        """Set `grid` if these columns are `rows` evenly spaced runs of one block."""
        if len(self.parts) != 1 or self.width % rows:
            return
        block, index = self.parts[0].block, self.parts[0].at
        cols = np.arange(index.start, index.stop, index.step) if isinstance(index, slice) else index
        matrix = cols.reshape(rows, -1)
        n = matrix.shape[1]
        if n > 1 and not (np.diff(matrix, axis=1) == 1).all():
            return
        stride = int(matrix[1, 0] - matrix[0, 0]) if rows > 1 else n
        if stride < n or (rows > 2 and not (np.diff(matrix[:, 0]) == stride).all()):
            return
        if block == LIVE:
            self.grid = Grid(start=int(matrix[0, 0]), rows=rows, width=n, stride=stride)


class Group:
    """One numpy operation: `op` on k nodes side by side.

    kind "each": input i of the k nodes is a block of k columns (an op of
    fixed arity); "columns": one node whose inputs are the columns of one
    matrix (sum, dot_const); "matmul": k contraction nodes sharing their
    second half, X @ Wᵀ; "pairs": one contraction node whose halves both
    depend on the example, Σ W·X row by row.
    """

    def __init__(self, *, op: Op, kind: Kind, inputs: list[Columns], arg: Any, nodes: list[Value]) -> None:
        self.op, self.kind, self.inputs, self.arg, self.nodes = op, kind, inputs, arg, nodes
        self.kernel = KERNELS.get(op)  # None: the op runs on each example's floats
        # its rule runs on a whole "each" group's arrays as it is (else: _local_grads decides)
        self.rule_on_arrays = kind == "each" and self.kernel is not None and self.kernel.rule
        self.block = -1  # where its output goes, set by the plan
        self.constant_local: Any = None  # a "columns" rule's local derivatives, where they are numbers
        self.wanted = [True] * len(inputs)  # which inputs need a gradient, set by the plan
        if kind == "matmul":
            inputs[0].find_grid(len(nodes))

    def forward(self, ins: list[Any]) -> Any:
        """The group on its inputs' arrays (a matmul, X @ Wᵀ, is written out by the program)."""
        if self.kind == "pairs":  # Σ wᵢ·xᵢ row by row, summed as a sum is (exact where it cancels)
            w, x = ins
            return sum_rows(w * x)
        kernel = self.kernel
        if kernel is not None and kernel.forward is not None:
            return kernel.forward(*ins) if self.arg is None else kernel.forward(*ins, self.arg)
        if self.kind == "columns":  # no array form: the op on each example's floats
            return rowwise(self.op.forward, ins[0], self.nodes[0].arg)
        return elementwise(self.op.forward, ins, arg=self.arg, outputs=1)[0]

    def backward(self, ins: list[Any], out: Any, g: Any, *, wanted: list[bool]) -> list[Any]:
        """g·∂out/∂input for each wanted input (None for the others), by the op's
        `local_grads` on arrays (a matmul's are written out by the program)."""
        if self.kind == "pairs":
            w, x = ins
            local_w, local_x = self.op.local_grads(out, w, x)  # dot's: ∂/∂w = x, ∂/∂x = w
            return [g * local_w if wanted[0] else None, g * local_x if wanted[1] else None]
        if self.rule_on_arrays:
            op, arg = self.op, self.arg
            local: Any = op.local_grads(out, *ins) if arg is None else op.local_grads(out, *ins, arg)
        else:
            local = self._local_grads(ins, out)
        # (a local derivative of 0 sends g·0, nan where g is inf: IEEE, as eager)
        return [g * d if want else None for d, want in zip(local, wanted, strict=True)]

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
            if self.constant_local is not None:
                return [self.constant_local]
            columns = [matrix[:, j : j + 1] for j in range(matrix.shape[1])]
            local = op.local_grads(out, *columns) if arg is None else op.local_grads(out, *columns, arg)
            if all(type(d) is float for d in local):
                # Numbers, not arrays, from arrays: a rule of operators gave them without reading
                # an input (sum's 1s), so they are the same every call: kept, not asked again.
                self.constant_local = np.array(local, dtype=matrix.dtype).reshape(1, -1)
                return [self.constant_local]
            rows = matrix.shape[0]
            return [
                np.concatenate(
                    [np.broadcast_to(np.asarray(d, dtype=matrix.dtype), (rows, 1)) for d in local], axis=1
                )
            ]
        if kernel is None or not kernel.rule:
            return elementwise(op.local_grads, [out, *ins], arg=self.arg, outputs=len(ins))
        return list(op.local_grads(out, *ins) if self.arg is None else op.local_grads(out, *ins, self.arg))

    def describe(self, row: int, col: int, ins: list[Any]) -> str:
        """The inputs of node `col` in example `row`, for an error message."""
        if self.kind == "each":
            numbers = [float(x[min(row, x.shape[0] - 1), col]) for x in ins]
        else:  # a matrix of inputs: its first few
            numbers = [float(v) for v in ins[-1][min(row, ins[-1].shape[0] - 1), :4]]
        return repr(numbers)


def group_key(node: Value, depth: int, batched: Any) -> tuple[Any, ...]:
    """Nodes with the same key run as one group; the key starts with the depth.
    `batched(v, False)` says whether v changes from example to example."""
    op, parents = node.op, node.parents
    assert op is not None
    kernel = KERNELS.get(op)
    if kernel is not None and kernel.contraction:
        n = len(parents) // 2
        halves = parents[:n], parents[n:]
        for w, x in (halves, halves[::-1]):
            if not any(map(batched, w, itertools.repeat(False))):  # the same for every example: X @ Wᵀ
                return (depth, op, "matmul", x, halves[0] is w)  # (Values hash and compare by identity)
        return (depth, op, "pairs", id(node))
    if op.arity is None:  # any number of inputs: one node a group, its inputs as columns
        return (depth, op, "columns", id(node))
    if op.param is not None and not isinstance(node.arg, (int, float)):  # (x ** 2 keeps an int)
        return (depth, op, "each", id(node))
    return (depth, op, "each", len(parents), tuple(batched(p, False) for p in parents))


def make_group(
    key: tuple[Any, ...],
    nodes: list[Value],
    *,
    live: dict[Value, int],
    where: dict[Value, Location],
    dtype: Any,
) -> Group:
    """The group of `nodes` (those with `key`), its inputs found by `live` (the live
    Values' columns of block 0) and `where` (the other nodes' places)."""
    op, kind = key[1], key[2]
    if kind in ("matmul", "pairs"):
        n = len(nodes[0].parents) // 2
        first = key[4] if kind == "matmul" else True
        ws = [p for node in nodes for p in (node.parents[:n] if first else node.parents[n:])]
        xs = nodes[0].parents[n:] if first else nodes[0].parents[:n]
        inputs = [Columns.of(ws, live, where), Columns.of(xs, live, where)]
        return Group(op=op, kind=kind, inputs=inputs, arg=None, nodes=nodes)
    if kind == "columns":
        (node,) = nodes
        row = None if node.arg is None else np.asarray(node.arg, dtype=dtype).reshape(1, -1)
        return Group(op=op, kind=kind, inputs=[Columns.of(node.parents, live, where)], arg=row, nodes=nodes)
    inputs = [
        Columns.of([node.parents[i] for node in nodes], live, where) for i in range(len(nodes[0].parents))
    ]
    arg: Any = None
    if op.param is not None:  # one number for all (numpy's x ** 2.0 is then x·x), or a row of them
        args = [node.arg for node in nodes]
        first = float(args[0]) if type(args[0]) is int else args[0]  # (x ** 2's int: numpy's x ** 2.0)
        arg = first if len(set(args)) == 1 else np.array([args], dtype=dtype)
    return Group(op=op, kind=kind, inputs=inputs, arg=arg, nodes=nodes)


__all__ = ["LIVE", "Columns", "Grid", "Group", "Kind", "Location", "Part", "group_key", "make_group"]
