"""Derivatives as values: `gradients` (like torch.autograd.grad) and `grad` (like jax.grad)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from engine.backward import backprop
from engine.value import Value, lift


def gradients(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """The derivatives of `output` with respect to each of `inputs`.

    Unlike `output.backward()` this writes to no `.grad`.

    Args:
        output: the Value to differentiate.
        inputs: the Values to differentiate with respect to; an input that
            `output` does not depend on gets 0.
        create_graph: False gives floats. True gives Values whose own graph
            can be differentiated again (second and higher derivatives).

    Returns:
        A list with one derivative per input, in order.
    """
    if not isinstance(output, Value):
        raise TypeError(f"gradients: output must be a Value, got {type(output).__name__}")
    inputs = list(inputs)  # a generator too: read once, here
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"gradients: inputs[{i}] must be a Value, got {type(x).__name__}")
    found: dict[Value, Any] = dict.fromkeys(inputs)
    backprop(output, Value(1.0) if create_graph else 1.0, into=found, create_graph=create_graph)
    if create_graph:
        return [Value(0.0) if found[x] is None else found[x] for x in inputs]
    return [0.0 if found[x] is None else found[x] for x in inputs]


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The function that returns the derivative of `f`, JAX style.

    ``grad(f)(x)`` is f'(x); transforms compose, so ``grad(grad(f))(x)`` is
    f''(x). Called with plain numbers it returns floats; called with Values
    (as an outer `grad` does) it returns Values that carry their own graph.

    Args:
        f: a function of Values returning a Value.
        argnums: which positional argument(s) to differentiate with respect
            to; a sequence gives a tuple of derivatives.
    """
    many = not isinstance(argnums, int)
    nums: tuple[int, ...] = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def df(*args: Any) -> Any:
        for i in nums:
            if not -len(args) <= i < len(args):
                raise IndexError(f"grad: argnums {i} is out of range for {len(args)} argument(s)")
        nested = any(isinstance(a, Value) for a in args)
        values = [lift(a) for a in args]
        out = f(*values)
        wrt = [values[i] for i in nums]
        if isinstance(out, Value):
            ds = gradients(out, wrt, create_graph=nested)
        elif isinstance(out, (int, float)):  # a constant function
            ds = [Value(0.0) if nested else 0.0 for _ in wrt]
        else:
            raise TypeError(f"grad: f must return a Value or a number, got {type(out).__name__}")
        return tuple(ds) if many else ds[0]

    df.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    df.__doc__ = f"The derivative of {getattr(f, '__name__', 'f')} with respect to argument(s) {argnums}."
    return df
