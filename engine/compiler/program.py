"""A compiled plan written out as one numpy function: what every call runs.

`write(plan)` turns the groups into the source of one function, compiled once
with Python's `compile`:

    def run(B0, B1, B2, rows, seed, backward, IX=None):
        if IX is not None:  # the data's rows IX: the batch
            B2 = np.take(B2, IX, axis=0)
        # group 3: dot of 16 nodes, X @ Wᵀ
        I3_0 = B0[0, 0:12560].reshape(16, 785)[:, :784]
        I3_1 = B1
        if IX is None:
            B3 = I3_1 @ I3_0.T
        ...

(the documents' network's program begins so: tests/golden/program_documents_network.txt
is all of it, and a test compares it with what is written). The names: B0
holds the live Values (one row), B1… the arguments, B3… each group's output
(one column a node), OUT the outputs' columns, DT the dtype; Ik_j is group
k's input j; G… are the backward sweep's running sums, GL the live Values'
gradient, SCATTER its shares at scattered places; IX the batch's rows of
the data, where the arguments are the whole data (`gather_product` gathers
a first layer's in chunks); S a share (first
`seed_column`, ∂mean/∂ each example's output), P its sum over the batch
(`batch_sum`), L a rule's local derivatives (LW, LX a matmul's) or an op's
shares; `times(G, d)` is G·d (G itself, read-only, where d is 1.0); K…,
RULE…, SHARE…, GROUP…, IX…, ARG… are the kernels, rules, ops' array forms of
their shares (`Kernel.share`), groups, index arrays and arguments the
source names (`Program.names`).

Forward runs the groups in order; backward (when asked) runs each
group's chain-rule shares, last group first, adding them where the group read
its inputs. Every decision the plan can make once — which kernel, which
columns, whether a gradient is wanted at all — is made while writing, so a
call is a straight run of numpy operations with nothing looked up.
`Compiled.source` shows it. The arithmetic is the groups' own (`Group`: its
kernel, its op's `local_grads`); the unusual cases (an op with no array
form, a group of many inputs as columns) call the `Group`'s methods.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from numpy.lib.stride_tricks import as_strided

from engine.compiler.groups import LIVE, Columns, Group
from engine.compiler.kernels import sum_rows


@dataclass(kw_only=True)
class Plan:
    """What the program is written from (made by `Compiled`'s planning)."""

    groups: list[Group]
    output: Columns
    wants: list[bool]  # per block: whether its gradient is needed
    widths: list[int]  # per block: its number of columns
    batched: list[bool]  # per block: one row per example (else one row for all)
    arguments: int  # how many argument blocks (B1 … Bn)
    dtype: Any
    check_forward: Callable[..., None]  # (group, ins, out): detect_anomaly's forward check
    check_share: Callable[..., None]  # (group, ins, g, share): its backward check


@dataclass
class Program:
    """The plan as source code and the function it compiles to.

    `names` are the objects the source names (K0, RULE0, GROUP0, IX0, ...):
    ``exec(source, dict(names))`` defines the same `run` again, to step
    through in a debugger or time line by line (a line profiler)."""

    source: str
    run: Callable[..., tuple[Any, Any]]
    names: dict[str, Any] = field(repr=False)


class _Writer:
    def __init__(self, plan: Plan, checks: bool) -> None:
        self.plan, self.checks = plan, checks
        # float32: a kernel or rule may give float64 (np.where of two numbers): cast back.
        # (Every array operation on float64 gives float64: no line for it.)
        self.cast = np.dtype(plan.dtype) != np.float64
        self.lines: list[str] = []
        self.chunked: set[int] = set()  # the products that gather their X in chunks (write())
        self.names: dict[str, Any] = {
            "np": np,
            "DT": plan.dtype,
            "sum_rows": sum_rows,
            "accumulate": accumulate,
            "times": times,
            "gather_product": gather_product,
            "batch_sum": batch_sum,
            "seed_column": seed_column,
            "live_gradient": live_gradient,
            "grid_add": grid_add,
            "grid_read": grid_read,
            "joined": joined,
            "check_forward": plan.check_forward,
            "check_share": plan.check_share,
        }
        self.named: dict[tuple[str, int], str] = {}  # (prefix, id of the object) -> its name
        self.counts: dict[str, int] = {}  # prefix -> how many names it has

    def name(self, prefix: str, value: Any) -> str:
        """A name in the program for a constant (an index array, a kernel, a group): the
        same one each time the same object is named (`names` keeps it, so its id stays its own)."""
        key = (prefix, id(value))
        if key not in self.named:
            self.named[key] = f"{prefix}{self.counts.get(prefix, 0)}"
            self.counts[prefix] = self.counts.get(prefix, 0) + 1
            self.names[self.named[key]] = value
        return self.named[key]

    def emit(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)

    # -- reading columns -----------------------------------------------------

    def index(self, index: slice | np.ndarray) -> str:
        if isinstance(index, slice):
            return f"{index.start}:{index.stop}" + ("" if index.step is None else f":{index.step}")
        return self.name("IX", index)

    def read(self, columns: Columns) -> str:
        parts = []
        for block, index, *_ in columns.parts:
            whole = isinstance(index, slice) and index == slice(0, self.plan.widths[block])
            parts.append(f"B{block}" if whole else f"B{block}[:, {self.index(index)}]")
        return parts[0] if len(parts) == 1 else f"joined(({', '.join(parts)},))"

    def read_matrix(self, columns: Columns, rows: int) -> str:
        """A matmul's weights as a rows × n matrix: a view of the live block where they are a grid."""
        if columns.grid is None:
            return f"{self.read(columns)}.reshape({rows}, -1)"
        start, k, n, stride = columns.grid
        if start + k * stride <= self.plan.widths[LIVE]:  # a slice reshaped: no copy, no helper
            cut = "" if stride == n else f"[:, :{n}]"
            return f"B0[0, {start}:{start + k * stride}].reshape({k}, {stride}){cut}"
        return f"grid_read(B0[0], {tuple(columns.grid)})"

    # -- the program -----------------------------------------------------------

    def write(self) -> Program:
        plan = self.plan
        # How many shares each block's gradient gets: a block read once (most) takes its one
        # share as its gradient, with no running sum.
        # And how many each live Value's gets: a layer's weights, read by one matmul only, get
        # theirs written straight into the live gradient (np.matmul's out=).
        self.shares = [0] * len(plan.widths)
        self.live_shares = np.zeros(plan.widths[LIVE], dtype=np.intp)
        for columns, wanted in [(plan.output, True)] + [
            (c, w) for group in plan.groups for c, w in zip(group.inputs, group.wanted, strict=True)
        ]:
            for block, index, *_ in columns.parts if wanted else ():
                self.shares[block] += 1
                if block == LIVE:
                    np.add.at(self.live_shares, cast(Any, index), 1)  # (a slice, or indices that may repeat)
        blocks = ", ".join(f"B{b}" for b in range(1 + plan.arguments))
        self.emit(f"def run({blocks}, rows, seed, backward, IX=None):", 0)
        # Given IX, the arguments are the whole data and the batch is its rows IX: each argument's
        # rows are gathered first, but a first layer's, read by its product alone, in chunks.
        readers = [0] * len(plan.widths)
        for columns in [plan.output] + [c for group in plan.groups for c in group.inputs]:
            for part in columns.parts:
                readers[part.block] += 1
        self.chunked = {g.block for g in plan.groups if self.gathers_in_chunks(g, readers)}
        by_product = {g.inputs[1].parts[0].block for g in plan.groups if g.block in self.chunked}
        gathered = [b for b in range(1, 1 + plan.arguments) if b not in by_product]
        if gathered:
            self.emit("if IX is not None:  # the data's rows IX: the batch")
            for b in gathered:
                self.emit(f"B{b} = np.take(B{b}, IX, axis=0)", 2)
        for group in plan.groups:
            self.forward(group)
        self.emit(f"OUT = {self.read(plan.output)}")
        self.emit("if not backward:")
        self.emit("return OUT, None", 2)
        self.emit("# backward: each group's shares, last group first")
        self.emit(f"GL, SCATTER = np.zeros({plan.widths[LIVE]}, DT), []")
        for group in plan.groups:
            if plan.wants[group.block]:
                self.emit(f"G{group.block} = None")
        self.emit("S = seed_column(rows, seed, DT)  # ∂mean/∂(each example's output)")
        self.add(plan.output, 1, group=None, fresh=True)
        for group in reversed(plan.groups):
            if any(group.wanted):
                self.backward(group)
        self.emit("return OUT, live_gradient(GL, SCATTER)")
        source = "\n".join(self.lines) + "\n"
        scope = dict(self.names)
        exec(compile(source, "<engine.compile program>", "exec"), scope)  # our own source, no input in it
        return Program(source, cast(Callable[..., tuple[Any, Any]], scope["run"]), self.names)

    def forward(self, group: Group) -> None:
        o, n = group.block, len(group.nodes)
        kind = "X @ Wᵀ" if group.kind == "matmul" else f"{group.kind}"
        self.emit(f"# group {o}: {group.op.name} of {n} node{'s' * (n > 1)}, {kind}")
        ins = [f"I{o}_{j}" for j in range(len(group.inputs))]
        if group.kind == "matmul":
            self.emit(f"{ins[0]} = {self.read_matrix(group.inputs[0], n)}")
            self.emit(f"{ins[1]} = {self.read(group.inputs[1])}")
            if o in self.chunked:
                self.emit("if IX is None:")
                self.emit(f"B{o} = {ins[1]} @ {ins[0]}.T", 2)
                self.emit("else:  # the batch's rows gathered in chunks, each multiplied while in cache")
                self.emit(f"{ins[1]}, B{o} = gather_product({ins[1]}, IX, {ins[0]})", 2)
            else:
                self.emit(f"B{o} = {ins[1]} @ {ins[0]}.T")
        else:
            for name, columns in zip(ins, group.inputs, strict=True):
                self.emit(f"{name} = {self.read(columns)}")
            kernel = group.kernel
            if group.kind in ("each", "columns") and kernel is not None and kernel.forward is not None:
                arg = "" if group.arg is None else f", {self.constant(group.arg)}"
                self.emit(f"B{o} = {self.name('K', kernel.forward)}({', '.join(ins)}{arg})")
            else:  # pairs, columns, an op without an array form: the group's own method
                self.emit(f"B{o} = {self.name('GROUP', group)}.forward([{', '.join(ins)}])")
        if self.cast:
            self.emit(f"if B{o}.dtype is not DT: B{o} = B{o}.astype(DT)")
        if self.checks:
            self.emit(f"check_forward({self.name('GROUP', group)}, [{', '.join(ins)}], B{o})")

    def gathers_in_chunks(self, group: Group, readers: list[int]) -> bool:
        """Whether a product X·Wᵀ gathers its X, a whole argument that nothing else reads, in
        chunks (`gather_product`): where its W is narrow (a layer of CHUNKED_WIDTH neurons or
        fewer: the product waits on memory, not arithmetic, and a chunk just gathered is in cache)."""
        if group.kind != "matmul" or len(group.nodes) > CHUNKED_WIDTH:
            return False
        (part, *others) = group.inputs[1].parts
        whole = isinstance(part.at, slice) and part.at == slice(0, self.plan.widths[part.block])
        return not others and 1 <= part.block <= self.plan.arguments and whole and readers[part.block] == 1

    def constant(self, value: Any) -> str:
        if isinstance(value, float) and math.isfinite(value):
            return repr(value)
        return self.name("ARG", value)

    def backward(self, group: Group) -> None:
        o = group.block
        ins = [f"I{o}_{j}" for j in range(len(group.inputs))]
        self.emit(f"if G{o} is not None:  # group {o}: {group.op.name}")
        if group.kind == "matmul":
            rule = self.name("RULE", group.op.local_grads)
            self.emit(f"LW, LX = {rule}(B{o}, {ins[0]}, {ins[1]})", 2)
            if group.wanted[0] and not self.matrix_into_live(group):  # (else a product to add)
                self.emit(f"S = (LW.T @ G{o}).T", 2)
                self.add_matrix(group)
            if group.wanted[1]:
                self.emit(f"S = G{o} @ LX", 2)
                self.add(group.inputs[1], 2, group, fresh=True)
            return
        kernel = group.kernel
        arg = "" if group.arg is None else f", {self.constant(group.arg)}"
        if (
            kernel is not None
            and kernel.share is not None
            and (group.rule_on_arrays or group.kind == "columns")
        ):  # the op's own array form of g·∂out/∂x (a columns op's: of its matrix), fewer temporaries
            share = self.name("SHARE", kernel.share)
            self.emit(f"L = {share}(G{o}, B{o}, {', '.join(ins)}{arg})", 2)
            shares = "L[{j}]"
        elif group.rule_on_arrays:
            rule = self.name("RULE", group.op.local_grads)
            self.emit(f"L = {rule}(B{o}, {', '.join(ins)}{arg})", 2)
            shares = "times(G{o}, L[{j}])"
        else:  # the group's own: per example, or inputs as columns
            call = (
                f"{self.name('GROUP', group)}.backward([{', '.join(ins)}], B{o}, G{o}, wanted={group.wanted})"
            )
            self.emit(f"L = {call}", 2)
            shares = "L[{j}]"
        for j, columns in enumerate(group.inputs):
            if not group.wanted[j]:
                continue
            if group.rule_on_arrays:  # (a local derivative of 0 sends G·0: nan where G is inf, as eager)
                self.emit(f"S = {shares.format(o=o, j=j)}", 2)
                self.add(columns, 2, group, fresh=True)
            else:
                self.emit(f"if L[{j}] is not None:", 2)
                self.emit(f"S = {shares.format(o=o, j=j)}", 3)
                self.add(columns, 3, group, fresh=False)

    def matrix_into_live(self, group: Group) -> bool:
        """A matmul's weights' share, Gᵀ·X, written by BLAS straight into their place in the
        live gradient (a strided view: its rows are the weights' grid), where nothing else
        adds to them: no product to keep, no sum to add it to. False where it cannot."""
        columns = group.inputs[0]
        if columns.grid is None or self.checks:  # (detect_anomaly checks each share: it keeps S)
            return False
        start, k, n, stride = columns.grid
        if start + k * stride > self.plan.widths[LIVE]:
            return False
        view = self.live_shares[start : start + k * stride].reshape(k, stride)[:, :n]
        if view.max(initial=0) != 1:
            return False
        cut = "" if stride == n else f"[:, :{n}]"
        o = group.block
        self.emit(
            f"np.matmul(G{o}.T, LW, out=GL[{start}:{start + k * stride}].reshape({k}, {stride}){cut})", 2
        )
        return True

    def add_matrix(self, group: Group) -> None:
        """A matmul's weights' share, a k × n matrix, into the live gradient."""
        columns = group.inputs[0]
        self.check(group, 2)
        if columns.grid is None:
            self.emit("S = S.reshape(1, -1)", 2)
            self.add(columns, 2, group=None, fresh=False)
            return
        if self.cast:
            self.emit("if S.dtype is not DT: S = S.astype(DT, copy=False)", 2)
        start, k, n, stride = columns.grid
        if start + k * stride <= self.plan.widths[LIVE]:
            cut = "" if stride == n else f"[:, :{n}]"
            self.emit(f"GL[{start}:{start + k * stride}].reshape({k}, {stride}){cut}[...] += S", 2)
        else:
            self.emit(f"grid_add(GL, {tuple(columns.grid)}, S)", 2)

    def check(self, group: Group | None, indent: int) -> None:
        if group is not None and self.checks:
            o = group.block
            ins = ", ".join(f"I{o}_{j}" for j in range(len(group.inputs)))
            self.emit(f"check_share({self.name('GROUP', group)}, [{ins}], G{o}, S)", indent)

    def add(self, columns: Columns, indent: int, group: Group | None, fresh: bool) -> None:
        """Add the share S (rows × width) to the running sums of `columns`' blocks. `fresh`:
        S is an array of its own (a product just made), which a block may keep as it is."""
        if not any(self.plan.wants[part.block] for part in columns.parts):
            return
        self.check(group, indent)
        if not fresh:  # a group's own backward: a number's derivative may stand for each column
            self.emit(
                f"if S.shape[1] != {columns.width}: S = np.broadcast_to(S, (S.shape[0], {columns.width}))",
                indent,
            )
        if self.cast:
            self.emit("if S.dtype is not DT: S = S.astype(DT, copy=False)", indent)
        start = 0
        for block, index, width, unique in columns.parts:
            part = "S" if len(columns.parts) == 1 else f"S[:, {start}:{start + width}]"
            start += width
            if not self.plan.wants[block]:
                continue
            if block == LIVE:
                self.emit(f"P = batch_sum({part})", indent)
                if isinstance(index, slice):
                    self.emit(f"GL[{self.index(index)}] += P", indent)
                else:
                    self.emit(f"SCATTER.append(({self.index(index)}, P))", indent)
                continue
            if unique is None:
                unique = len(np.unique(cast(np.ndarray, index))) == width
            whole = isinstance(index, slice) and index == slice(0, self.plan.widths[block])
            if whole and fresh and self.shares[block] == 1 and self.plan.batched[block]:
                self.emit(f"G{block} = {part}  # its one share: all of its gradient", indent)
                continue
            at = "None" if whole else (repr(index) if isinstance(index, slice) else self.index(index))
            self.emit(f"G{block} = accumulate(G{block}, {part}, B{block}, at={at}, unique={unique})", indent)


def write(plan: Plan, checks: bool = False) -> Program:
    """The plan's program: its source, and `run` compiled from it. With `checks`, each
    group's numbers are checked as they are made (detect_anomaly: the first nan or inf raises)."""
    return _Writer(plan, checks).write()


# -- what the program calls ------------------------------------------------------


def times(g: Any, d: Any) -> Any:
    """The share g·d a local derivative d sends on. Where d is the number 1.0 (add's, a
    constant's), g·1.0 is g bit for bit: g itself, read-only (a block that keeps it as its
    running sum copies it first: `accumulate`), instead of a pass over the array."""
    if type(d) is float and d == 1.0:
        same = g.view()
        same.flags.writeable = False
        return same
    return g * d


# A product X·Wᵀ whose W has this many rows or fewer gathers its X in chunks of GATHER_ROWS
# rows (64 rows of 784 float64 are 400 KB: within a core's L2). Measured here on the
# documents' network (16 neurons): its whole step 911 -> 826 µs in float64, 415 -> 395 in
# float32; on a 128-neuron layer, arithmetic and not memory is what it waits on: no gain.
CHUNKED_WIDTH = 32
GATHER_ROWS = 64


def gather_product(data: Any, rows: Any, w: Any) -> tuple[Any, Any]:
    """data[rows] and data[rows]·wᵀ, the rows gathered GATHER_ROWS at a time and each chunk
    multiplied at once, while it is still in cache (the rows are checked before: in bounds).
    The products are the rows' dot products, as X @ wᵀ's, to rounding (BLAS may add a chunk
    in another order)."""
    x = np.empty((len(rows), data.shape[1]), data.dtype)
    out = np.empty((len(rows), w.shape[0]), np.result_type(data, w))
    for start in range(0, len(rows), GATHER_ROWS):
        chunk = slice(start, start + GATHER_ROWS)
        np.take(data, rows[chunk], axis=0, out=x[chunk], mode="wrap")  # (no copy of out: in bounds)
        np.matmul(x[chunk], w.T, out=out[chunk])
    return x, out


def batch_sum(share: Any) -> Any:
    """Σ of a share over the batch, one row (a live Value is the same for every example, so its
    gradient is the sum of its shares): ones·S, one BLAS product (numpy's sum over axis 0 adds
    row after row, a loop per row: 4× slower on a layer's 256 × 16 biases). The same sum to
    rounding, as a sum in any order is; where every term is ±0 both give +0 once added to the
    gradient's zeros, and nan and inf flow through as in any sum."""
    if share.shape[0] == 1:
        return share[0]
    return _ones(share.shape[0], share.dtype) @ share


def seed_column(rows: int, seed: float, dtype: Any) -> Any:
    """∂mean/∂(each example's output), a column of `seed`: read-only, made once per batch size."""
    return _constant((rows, 1), seed, dtype)


def _ones(rows: int, dtype: Any) -> Any:
    return _constant((rows,), 1.0, dtype)


@functools.lru_cache(maxsize=32)
def _constant(shape: tuple[int, ...], value: float, dtype: Any) -> Any:
    array = np.full(shape, value, dtype)
    array.flags.writeable = False  # shared by every call: nothing may write to it
    return array


def accumulate(g: Any, part: Any, block: Any, *, at: slice | np.ndarray | None, unique: bool) -> Any:
    """The running sum of a block's gradient after adding `part` at its columns `at` (None: the
    whole block). The first share that covers the whole block becomes the sum (a
    layer's does); else the sum starts as zeros."""
    if block.shape[0] == 1 and part.shape[0] != 1:  # the same for every example: sum over the batch
        part = part.sum(axis=0, keepdims=True)
    if g is None:
        if at is None and part.shape == block.shape:
            return part if part.flags.writeable else part.copy()
        g = np.zeros(block.shape, dtype=part.dtype)
    if at is None:
        g += part
    elif unique:
        g[:, at] += part
    else:  # one node read twice (x·x): add.at adds both
        np.add.at(g, cast(Any, (slice(None), at)), part)
    return g


def live_gradient(in_order: Any, scattered: list[tuple[Any, Any]]) -> Any:
    """The live Values' gradient: what slices added, plus the shares read out of order."""
    if not scattered:
        return in_order
    columns, numbers = zip(*scattered, strict=True)
    summed = np.bincount(np.concatenate(columns), weights=np.concatenate(numbers), minlength=len(in_order))
    return in_order + summed.astype(in_order.dtype, copy=False)


def grid_read(row: Any, grid: tuple[int, int, int, int]) -> Any:
    """The k × n matrix of a 1-D array's evenly spaced runs, as a view."""
    start, k, n, stride = grid
    return as_strided(row[start:], shape=(k, n), strides=(stride * row.itemsize, row.itemsize))


def grid_add(row: Any, grid: tuple[int, int, int, int], part: Any) -> None:
    view = grid_read(row, grid)
    view += part


def joined(arrays: tuple[Any, ...]) -> Any:
    """Columns of several blocks side by side (a block of one row stands for every example)."""
    rows = max(a.shape[0] for a in arrays)
    return np.concatenate([np.broadcast_to(a, (rows, a.shape[1])) for a in arrays], axis=1)


__all__ = [
    "CHUNKED_WIDTH",
    "GATHER_ROWS",
    "Plan",
    "Program",
    "accumulate",
    "batch_sum",
    "gather_product",
    "grid_add",
    "grid_read",
    "joined",
    "live_gradient",
    "seed_column",
    "write",
]
