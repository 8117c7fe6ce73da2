"""Tools for your own gradient tests: `gradcheck`, `gradgradcheck` and hypothesis strategies.

    from hypothesis import given
    from engine.testing import expressions, gradcheck

    @given(expressions())
    def test_gradients_match_finite_differences(expr):
        gradcheck(*expr)

`check_engine(Value)` checks an autograd engine of your own against
chainrule (`engine.testing.checker`), `assert_engine(Value)` in a pytest test;
`chainrule-check my_engine.py:Value` (or a folder of a class's engines) from a
shell, each engine in a child process of its own (`engine.testing.grader`).

`gradcheck` needs nothing beyond the standard library; the strategies and the checker need
hypothesis (the `test` extra), imported when first used. Installed, chainrule
registers a strategy for `Value` with hypothesis (its entry point), so
``st.from_type(Value)`` and type inference draw Values too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from engine.autodiff import gradients
from engine.graph import replay
from engine.ops import OPS, Op, Param
from engine.testing.checker import Finding, NotAnEngine, Report, UsageError, assert_engine, check_engine
from engine.value import Value, lift
from engine.value import sum as vsum

Function = Callable[..., Value]


def _as_function(func: Function | Value, inputs: Any) -> tuple[Function, list[float], list[str]]:
    """`func` as a function of Values, the point to check at, and the inputs' names."""
    if isinstance(inputs, (Value, int, float)) and not isinstance(
        inputs, bool
    ):  # one input, as PyTorch takes
        inputs = [inputs]
    points = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    names = [
        f"input {i}" + (f" ({x.label})" if isinstance(x, Value) and x.label else "")
        for i, x in enumerate(inputs)
    ]
    if isinstance(func, Value):
        output, leaves = func, list(inputs)
        if not all(isinstance(x, Value) for x in leaves):
            raise TypeError("gradcheck: with an output Value, inputs must be the Values it was built from")
        return (lambda *xs: replay(output, leaves, xs)), points, names
    if not callable(func):
        raise TypeError(f"gradcheck: func must be a function or a Value, got {type(func).__name__}")
    return func, points, names


def _evaluate(f: Function, points: list[float], i: int, shift: float) -> float:
    """f at `points` with input i shifted. The graph stays on: f may itself
    differentiate (gradgradcheck's does)."""
    shifted = [Value(p + shift if j == i else p) for j, p in enumerate(points)]
    return lift(f(*shifted)).data


def _check(
    f: Function, points: list[float], names: list[str], eps: float, atol: float, rtol: float, what: str
) -> None:
    xs = [Value(p, label=f"x{i}") for i, p in enumerate(points)]
    out = lift(f(*xs))
    analytic = gradients(out, xs)
    for i in range(len(points)):
        numeric = (_evaluate(f, points, i, eps) - _evaluate(f, points, i, -eps)) / (2 * eps)
        if not math.isclose(analytic[i], numeric, rel_tol=rtol, abs_tol=atol) and not (
            math.isnan(analytic[i]) and math.isnan(numeric)
        ):
            raise GradcheckError(
                f"{what} mismatch for {names[i]} (at {points}): engine gives {analytic[i]!r}, "
                f"central finite differences give {numeric!r} "
                f"(difference {abs(analytic[i] - numeric):.3g}, allowed {atol + rtol * abs(numeric):.3g})"
            )


class GradcheckError(AssertionError):
    """A derivative that differs from finite differences (PyTorch's name; an AssertionError for pytest)."""


def gradcheck(
    func: Function | Value,
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the engine's first derivatives against central finite differences,
    as `torch.autograd.gradcheck` does (the same names and defaults).

    Args:
        func: a function taking one Value per input and returning a Value; or
            an output Value already built from `inputs`, which is then
            re-run through the op table at shifted inputs.
        inputs: the point to check at: numbers or Values, or one of them.
        eps: the finite-difference step.
        atol, rtol: a derivative passes when |engine − numeric| <= atol + rtol·|numeric|.
        raise_exception: raise `GradcheckError` (an AssertionError) naming
            the input and both numbers on a mismatch; False: return False.

    Returns:
        True when every derivative passes.
    """
    fn, points, names = _as_function(func, inputs)
    return _run(lambda: _check(fn, points, names, eps, atol, rtol, "gradient"), raise_exception)


def gradgradcheck(
    func: Function | Value,
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: each ∂func/∂xᵢ, itself differentiated by the
    engine (``create_graph=True``), against finite differences of it. The
    arguments and defaults are `gradcheck`'s (and `torch.autograd.gradgradcheck`'s)."""
    fn, points, names = _as_function(func, inputs)

    def check() -> None:
        for i in range(len(points)):

            def first_derivative(*xs: Value, i: int = i) -> Value:
                (d,) = gradients(lift(fn(*xs)), [xs[i]], create_graph=True)
                return d

            _check(first_derivative, points, names, eps, atol, rtol, f"second derivative (of ∂f/∂x{i})")

    return _run(check, raise_exception)


def _run(check: Callable[[], None], raise_exception: bool) -> bool:
    try:
        check()
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


# ---------------------------------------------------------------------------
# Hypothesis strategies.


def _parameter(param: Param, n_inputs: int) -> Any:
    """A strategy for an op's number parameter, from what the op says of it."""
    from hypothesis import strategies as st

    number = (
        st.sampled_from(param.choices)
        if param.choices
        else st.floats(param.low, param.high, allow_nan=False, allow_infinity=False)
    )
    if param.per_input:  # one per input: dot_const's constants
        return st.lists(number, min_size=n_inputs, max_size=n_inputs).map(tuple)
    return number


def _hypothesis_setup_hook() -> None:
    """Run by hypothesis when it loads (the `hypothesis` entry point in setup.cfg):
    ``st.from_type(engine.Value)`` and ``@given(v=...)`` for a ``v: Value`` draw
    leaf Values, as `values()` does."""
    from hypothesis import strategies as st

    st.register_type_strategy(Value, values())


def values(min_value: float = -3.0, max_value: float = 3.0, label: str = "") -> Any:
    """A strategy for leaf Values with finite data in [min_value, max_value]."""
    from hypothesis import strategies as st

    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False).map(
        lambda x: Value(x, label=label)
    )


def expressions(
    max_leaves: int = 4,
    max_ops: int = 8,
    ops: Sequence[Op] | None = None,
    margin: float = 0.1,
    bound: float = 100.0,
) -> Any:
    """A strategy for random graphs over the op table: ``(output, leaves)``.

    Each step applies a random op to random earlier nodes, so nodes are
    reused (``x * x``, a value feeding several ops). Every op's input stays
    at least `margin` away from its kinks and domain edges (`Op.kinks`),
    every value within ±`bound`, so the graph is smooth around the drawn
    point and finite differences are meaningful. The output is the sum of
    the nodes nothing else used, so the whole graph counts (or, where that
    sum would pass `bound`, the last of them).

    Args:
        max_leaves: leaves x0, x1, ... drawn in [-3, 3].
        max_ops: how many op applications at most.
        ops: the ops to draw from (default: the whole table but the ops whose
            rule is not their derivative on purpose, `Op.checkable`).
        margin: the least distance from a kink.
        bound: the largest magnitude a node may have.
    """
    from hypothesis import strategies as st

    table = list(ops if ops is not None else (op for op in OPS.values() if op.checkable))

    @st.composite
    def build(draw: Any) -> tuple[Value, list[Value]]:
        n_leaves = draw(st.integers(1, max_leaves))
        leaves = [draw(values(label=f"x{i}")) for i in range(n_leaves)]
        nodes: list[Value] = list(leaves)
        used: set[Value] = set()
        for _ in range(draw(st.integers(1, max_ops))):
            op = draw(st.sampled_from(table))
            arity = op.arity or draw(st.integers(1, 3)) * op.arity_multiple
            inputs = tuple(draw(st.sampled_from(nodes)) for _ in range(arity))
            arg = None if op.param is None else draw(_parameter(op.param, arity))
            at = inputs[0].data if op.kinked is None else op.kinked(*(x.data for x in inputs))
            if any(abs(at - k) < margin for k in op.kinks):
                continue
            try:
                out = Value.apply(op, inputs, arg)
            except ValueError:  # outside the op's domain: draw another op
                continue
            if not abs(out.data) <= bound:
                continue
            used.update(inputs)
            nodes.append(out)
        sinks = [v for v in nodes[n_leaves:] if v not in used] or leaves
        if len(sinks) == 1 or not abs(math.fsum(v.data for v in sinks)) <= bound:
            output = sinks[-1]
        else:
            output = vsum(sinks)
        return output, leaves

    return build()


__all__ = [
    "Finding",
    "GradcheckError",
    "NotAnEngine",
    "Report",
    "UsageError",
    "assert_engine",
    "check_engine",
    "expressions",
    "gradcheck",
    "gradgradcheck",
    "values",
]
