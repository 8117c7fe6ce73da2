"""Array forms of the op table's ops: how `engine.compile` runs each on a whole batch.

These are the compiler's own speed-ups, keyed by op, kept here beside the
compiler rather than in the op table: a `Kernel` is an op's forward on
numpy arrays (rows are examples; outside the domain it raises the float
forward's ValueError, naming the example) and whether the op's own
`local_grads` runs on arrays as it is written (with operators, ops called
as functions and `where`).

An op with no kernel still compiles, and gives eager's numbers: its forward
and its rule run on floats, one example at a time (`elementwise`, `rowwise`),
slowly; `engine.compile` says so in a note. `register` gives an op of yours
a kernel. Nothing is ever guessed: a function written for floats is run on
floats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import engine.ops as ops
from engine.ops import Op, domain_error, fsum


@dataclass(frozen=True)
class Kernel:
    """How one op runs on arrays.

    Attributes:
        forward: the op on arrays; its parameter, if it has one, comes last
            (one number for the whole batch, or a row of them).
        rule: whether the op's `local_grads` runs on arrays as it is.
        columns: an op of any number of inputs gets them as the columns of
            one matrix (and its parameter as a row); else each input is an array.
        contraction: the op is Σᵢ aᵢ·bᵢ over its inputs' two halves (dot):
            the compiler runs a group of them as one matrix product.
        share: optional, ``share(g, out, *inputs[, arg])``: the shares g·∂out/∂xᵢ,
            one per input, bit for bit what ``g * d`` gives for each d of the
            op's `local_grads`, with fewer temporary arrays (the sweep's
            `FAST_STEPS` are the same idea on floats). A columns op's gets its
            inputs as one matrix and gives one share, a column each. Without
            one the rule runs.
    """

    forward: Callable[..., Any] | None
    rule: bool = True
    columns: bool = False
    contraction: bool = False
    share: Callable[..., Any] | None = None


KERNELS: dict[Op, Kernel] = {}


def register(
    op: Op,
    forward: Callable[..., Any],
    *,
    rule: bool = True,
    columns: bool = False,
) -> None:
    """Give `op` an array form for `engine.compile`.

    Args:
        op: the op (yours, or the table's).
        forward: the op on numpy arrays, one row per example, written so
            that it gives what `op.forward` gives on each example.
        rule: True if `op.local_grads` is written with operators, ops and
            `engine.ops.where` only (no `math`, no `if` on a number), so that
            it runs on arrays as it is; False runs it per example.
        columns: for an op of any number of inputs: `forward` takes them as
            the columns of one matrix (and a per-input parameter as a row).
    """
    if not isinstance(op, Op):
        raise TypeError(f"register: expected an Op, got {type(op).__name__}")
    if not callable(forward):
        raise TypeError(f"register: forward of {op.name!r} must be a function, got {forward!r}")
    if op.arity is None and not columns:
        raise ValueError(
            f"register: {op.name!r} takes any number of inputs; its forward must take them as the "
            "columns of one matrix: pass columns=True"
        )
    KERNELS[op] = Kernel(forward, rule=rule, columns=columns)


# ---------------------------------------------------------------------------
# No kernel: the op on floats, one example at a time. Exactly eager's numbers.


def elementwise(fn: Callable[..., Any], arrays: list[Any], *, arg: Any, outputs: int) -> list[Any]:
    """`fn(*numbers[, arg])` at every position of the broadcast `arrays`, on floats:
    `outputs` arrays of its results (fn returns one number, or a tuple of them)."""
    shaped = np.broadcast_arrays(*arrays, *([] if not isinstance(arg, np.ndarray) else [arg]))
    shape = shaped[0].shape
    flat = [a.ravel().tolist() for a in shaped]
    args = flat[: len(arrays)]
    per_position = flat[len(arrays)] if isinstance(arg, np.ndarray) else None
    results = []
    for i, numbers in enumerate(zip(*args, strict=True)):
        try:
            if arg is None:
                results.append(fn(*numbers))
            else:
                results.append(fn(*numbers, arg if per_position is None else per_position[i]))
        except ValueError as error:
            raise ValueError(f"{error} in example {i // shape[1] if len(shape) == 2 else 0}") from None
    if outputs == 1:
        return [np.array(results, dtype=float).reshape(shape)]
    return [np.array([r[k] for r in results], dtype=float).reshape(shape) for k in range(outputs)]


def rowwise(fn: Callable[..., Any], matrix: Any, arg: Any) -> Any:
    """`fn(*row[, arg])` for each row of `matrix` (the inputs of one node of any
    arity, as columns), on floats: a column of results, or one column a result."""
    results = []
    for i, row in enumerate(matrix.tolist()):
        try:
            results.append(fn(*row) if arg is None else fn(*row, arg))
        except ValueError as error:
            raise ValueError(f"{error} in example {i}") from None
    return np.array(results, dtype=float).reshape(len(results), -1)


class _Arrays:
    """Rules and ops called on numpy arrays: an op's kernel, or the op on
    floats at every position (registered with `engine.ops.interpret`)."""

    def run(self, op: Op, inputs: tuple[Any, ...], arg: Any) -> Any:
        kernel = KERNELS.get(op)
        if kernel is not None and kernel.forward is not None and not kernel.columns:
            return kernel.forward(*inputs) if arg is None else kernel.forward(*inputs, arg)
        return elementwise(op.forward, [np.asarray(x, dtype=float) for x in inputs], arg=arg, outputs=1)[0]

    def where(self, condition: Any, x: Any, y: Any) -> Any:
        return np.where(condition, x, y)


ops.interpret(np.ndarray, _Arrays())
ops.interpret(np.generic, _Arrays())  # numpy's scalars (a bool from a comparison)


# ---------------------------------------------------------------------------
# The table's ops. Outside its domain a kernel raises the float forward's
# ValueError, naming the example; overflow gives ±inf.


def check_domain(op: str, expected: str, x: Any, *, ok: Any) -> None:
    """Raise the float forward's domain error, naming the example, where `ok` is False."""
    if not ok.all():
        where_bad = tuple(int(i) for i in np.argwhere(~ok)[0])
        raise ValueError(f"{domain_error(op, expected, float(x[where_bad]))} in example {where_bad[0]}")


def _log(x: Any) -> Any:
    check_domain("log", "an input > 0", x, ok=x > 0.0)
    return np.log(x)


def _sqrt(x: Any) -> Any:
    check_domain("sqrt", "an input >= 0", x, ok=~(x < 0.0))
    return np.sqrt(x)


def _pow(a: Any, n: Any) -> Any:
    if isinstance(n, float):  # one exponent for the whole batch (x ** 2): check only what it can break
        if n < 0:
            check_domain("pow", "a base other than 0 for a negative power", a, ok=a != 0.0)
        if not n.is_integer():
            check_domain("pow", "a base >= 0 for a non-integer power", a, ok=~(a < 0.0))
        return a**n
    a, n = np.broadcast_arrays(a, n)  # a base the same for every example, a batch of exponents
    check_domain("pow", "a base other than 0 for a negative power", a, ok=~((a == 0.0) & (n < 0)))
    check_domain("pow", "a base >= 0 for a non-integer power", a, ok=~((a < 0.0) & (n != np.round(n))))
    return a**n


def _vpow(a: Any, b: Any) -> Any:
    check_domain("pow", "a base >= 0 (a negative base to a Value power has no ∂/∂b)", a, ok=~(a < 0.0))
    return _pow(a, b)


# A row whose terms are more than this many times the size of their sum has cancelled:
# it is summed again exactly (math.fsum, eager's sum).
CANCELLED = 16.0


def sum_rows(xs: Any) -> Any:
    """Σ of each row, as eager's exactly rounded sum gives it: numpy's sum where the
    terms do not cancel (then within n·2⁻⁴⁹ of it, relative; docs/compile.md), and
    math.fsum, exactly eager's number, for the rows where they do."""
    total = xs.sum(axis=1, keepdims=True)
    if xs.size and xs.min() >= 0.0:  # terms that are all >= 0 cannot cancel (a loss's squares): done
        return total
    cancelled = np.abs(xs).sum(axis=1) > CANCELLED * np.abs(total[:, 0])  # nan and inf compare False
    if cancelled.any():
        for row in np.flatnonzero(cancelled).tolist():
            total[row, 0] = fsum(xs[row].tolist)  # each call a fresh list of the row's terms
    return total


def _check(x: Any, allowed: ops.Range) -> Any:
    ok = np.isin(x, allowed.exactly) if allowed.exactly else (x >= allowed.low) & (x <= allowed.high)
    if not ok.all():
        row, col = (int(i) for i in np.argwhere(~ok)[0])
        raise ValueError(f"{allowed.error(float(x[row, col]))} in example {row}")
    return x


def _sigmoid(x: Any) -> Any:
    # The float forward's formula for x >= 0, and for x < 0 the same number to an ulp
    # (it takes e/(1 + e), e = exp(x)): four array operations where two branches take
    # nine, and σ runs on every neuron. Only where exp(-x) would overflow (x below
    # about -88 in float32, -709 in float64) does it take the branches.
    if x.min(initial=0.0) < -80.0:
        e = np.exp(-abs(x))  # exp of a number <= 0 only, as the float version
        return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
    # 1 / (1 + exp(-x)), the same operations in one array of its own: a new array for each
    # (four, 256 KB each for a 128-wide layer) costs more in page faults than the arithmetic
    t = np.negative(x)
    np.exp(t, out=t)
    t += 1.0
    return np.divide(1.0, t, out=t)


# Shares of the rules on the hot path, each the rule's operations in the rule's order on
# one array of its own (tests/test_compile.py holds each to g·rule bit for bit; a product
# in the other order is the same number: IEEE multiplication is commutative).


def _multiply_into(t: Any, g: Any) -> Any:
    """t·g, written into t where the shapes are the same (t is the share's own array)."""
    return np.multiply(t, g, out=t) if t.shape == g.shape else t * g


def _sigmoid_share(g: Any, out: Any, x: Any) -> tuple[Any]:
    t = np.subtract(1.0, out)  # the rule: out·(1 − out)
    np.multiply(t, out, out=t)
    return (_multiply_into(t, g),)


def _sum_share(g: Any, out: Any, matrix: Any) -> tuple[Any]:
    # A sum over a matrix's columns: ∂(Σ xᵢ)/∂xᵢ = 1, so each column's share is g·1.0, g
    # itself bit for bit (as `times` passes on a unit derivative): a read-only view.
    return (np.broadcast_to(g, (g.shape[0], matrix.shape[1])),)


def _tanh_share(g: Any, out: Any, x: Any) -> tuple[Any]:
    t = np.multiply(out, out)  # the rule: 1 − out·out
    np.subtract(1.0, t, out=t)
    return (_multiply_into(t, g),)


KERNELS.update(
    {
        # forwards written with operators only: they run on arrays as they are
        ops.ADD: Kernel(ops.ADD.forward),
        ops.MUL: Kernel(ops.MUL.forward),
        ops.ADD_CONST: Kernel(ops.ADD_CONST.forward),
        ops.MUL_CONST: Kernel(ops.MUL_CONST.forward),
        ops.ABS: Kernel(ops.ABS.forward),  # abs() is numpy's absolute on arrays
        ops.STOP_GRADIENT: Kernel(ops.STOP_GRADIENT.forward),
        ops.POW: Kernel(_pow),
        ops.VPOW: Kernel(_vpow),
        ops.EXP: Kernel(np.exp),
        ops.LOG: Kernel(_log),
        ops.SQRT: Kernel(_sqrt),
        ops.TANH: Kernel(np.tanh, share=_tanh_share),
        ops.SIGMOID: Kernel(_sigmoid, share=_sigmoid_share),
        ops.SOFTPLUS: Kernel(lambda x: np.maximum(x, 0.0) + np.log1p(np.exp(-abs(x)))),
        ops.RELU: Kernel(lambda x: np.where(x <= 0.0, 0.0, x)),
        ops.LEAKY_RELU: Kernel(lambda x, slope: np.where(x > 0.0, x, slope * x)),
        ops.STEP: Kernel(lambda x: np.where(x > 0.0, 1.0, 0.0)),
        ops.SIGN: Kernel(lambda x: np.where(x > 0.0, 1.0, np.where(x < 0.0, -1.0, 0.0))),
        ops.MAX: Kernel(lambda a, b: np.where(a >= b, a, b)),
        ops.CHECK: Kernel(_check),
        # the inputs as the columns of one matrix
        ops.SUM: Kernel(sum_rows, columns=True, share=_sum_share),
        ops.DOT_CONST: Kernel(lambda ws, cs: ws @ cs.T, columns=True),  # cs: the numbers, a row
        # Σ wᵢ·xᵢ: a group sharing its xs is one X @ Wᵀ (engine.compiler.compiled plans it)
        ops.DOT: Kernel(None, columns=True, contraction=True),
    }
)


__all__ = ["KERNELS", "Kernel", "check_domain", "elementwise", "register", "rowwise", "sum_rows"]
