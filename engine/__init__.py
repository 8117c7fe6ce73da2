"""chainrule's engine: scalar reverse-mode automatic differentiation.

    >>> from engine import Value
    >>> x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    >>> y = (x1 * w1 + 1).sigmoid()
    >>> y.backward()
    >>> round(w1.grad, 6)
    0.013296

Imports only the standard library. The core is this folder (`value`: the
node and its backward sweep, `ops`: the op table, `graph`: walks,
`autodiff`, `modes`, `files`); each layer above it is a folder:
`engine.testing` (gradcheck, strategies, the engine checker and grader),
`engine.explaining` (`explain(L, w1)` writes ∂L/∂w1 out by the chain rule),
`engine.viz` (pictures; needs the graphviz package) and `engine.compiler`
(`compile(fn, *example)` runs fn over a whole batch at once; needs numpy).
"""

from __future__ import annotations

__version__ = "0.2.0"

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from engine.autodiff import grad, gradients
from engine.explaining import Derivation, explain
from engine.graph import topological_order, zero_grad
from engine.modes import detect_anomaly, is_grad_enabled, no_grad
from engine.ops import OPS, Op
from engine.value import Value, dot

if TYPE_CHECKING:  # engine.compiler imports numpy: only when compile is called
    from engine.compiler import Compiled

# engine.sum, as torch.sum; the redundant alias re-exports it while keeping it
# out of __all__, so `from engine import *` never shadows the builtin.
from engine.value import sum as sum

__all__ = [
    "OPS",
    "Derivation",
    "Op",
    "Value",
    "detect_anomaly",
    "dot",
    "explain",
    "grad",
    "gradients",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
    "zero_grad",
]


def compile(  # noqa: A001 - engine.compile, as torch.compile; kept out of __all__ as engine.sum is
    fn: Callable[..., Any],
    *example_args: Any,
    check_args: Sequence[Sequence[Any]] = (),
    dtype: Any = "float64",
) -> Compiled:
    """Trace `fn` once on an example and return it compiled: it then runs on a
    whole batch at once with numpy, gradients included (`engine.compiler`).

    Args:
        fn: a function of numbers and lists of numbers that returns a Value
            (a loss) or a list of Values, built from the op table.
        example_args: one example of each argument (a number, or a nested
            list of numbers: one row of the batch).
        check_args: further examples to trace on at once; a graph that
            differs is refused.
        dtype: "float64" (eager's numbers to rounding) or "float32" (half
            the memory traffic and twice the arithmetic rate; results within
            about 1e-5 of eager's, relative).

    Returns:
        A `Compiled`: ``f(*batch)`` gives fn on every example (shape (B,) or
        (B, k)); ``f.backward(*batch, reduction="mean")`` adds ∂mean/∂p to
        the `.grad` of every Value fn reads, as eager backward would.
    """
    try:
        from engine.compiler import compile as compile_
    except ImportError as error:
        raise ImportError(str(error)) from None
    return compile_(fn, *example_args, check_args=check_args, dtype=dtype)
