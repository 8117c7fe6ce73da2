"""The op table: every primitive the engine knows, defined once.

Each `Op` holds
  * ``forward``: the op on plain floats,
  * ``local_grads``: the local derivatives ∂out/∂xᵢ, one per input,
  * ``formula``: the rule as the documents write it, for pictures and docs,
  * ``symbol`` and ``notation``: how the op is written, ``σ`` in a picture's
    op node and ``σ(z)`` in a formula; ``notation`` builds the expression
    with operators (``a + b``, ``c·x``) for the ops that are not written as
    a function call ``symbol(x)``,
  * ``kinks``: points where the op is not differentiable or its domain ends.

``local_grads(out, *xs)`` is written with Python operators and the helpers
below (``log``, ``sigmoid``, ``step``, ``sign``), never with ``math``
directly, so the same rule runs on floats (the eager backward), on Values
(``create_graph=True``: derivatives that can be differentiated again) and
on anything else that has those methods: the named expressions of
`engine.symbolic`, which write a derivative out as ``w5·y_pred·(1 − y_pred)``. An op that takes a number
parameter (the exponent of ``pow``, the slope of ``leaky_relu``) names it
in ``param``; it is passed after the inputs to both functions. (One op's
parameter is a tuple of numbers: ``dot_const``'s constant operand.)

Everything that is not here (``-a``, ``a - b``, ``a / b``, the reflected
operators) is a rewrite onto these primitives in ``engine.value``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from operator import mul
from typing import Any


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive of the table (the fields are described at the top of this module).

    `arity` is how many inputs it takes (None: any number); `param` names its
    number parameter, if it has one. `notation` takes the same arguments as
    `forward`, but named expressions instead of floats.
    """

    name: str
    forward: Callable[..., float]
    local_grads: Callable[..., tuple[Any, ...]]
    formula: str
    symbol: str
    notation: Callable[..., Any] | None = None  # None: written symbol(x)
    arity: int | None = 1  # None: any number of inputs
    param: str | None = None
    kinks: tuple[float, ...] = ()

    def __repr__(self) -> str:
        return f"Op({self.name!r}: {self.formula})"


# ---------------------------------------------------------------------------
# Helpers the rules are written with: floats go to `math`, anything else
# (a Value, or a symbol in a picture) to its own method of the same name.


def log(x: Any) -> Any:
    return math.log(x) if type(x) is float else x.log()


def sigmoid(x: Any) -> Any:
    return _sigmoid(x) if type(x) is float else x.sigmoid()


def step(x: Any) -> Any:
    return (1.0 if x > 0.0 else 0.0) if type(x) is float else x.step()


def sign(x: Any) -> Any:
    return _sign(x) if type(x) is float else x.sign()


def value_of(x: Any) -> float:
    """The number behind `x`, for the few rules that branch on it."""
    return x if type(x) is float else x.data


# ---------------------------------------------------------------------------
# Forward functions on floats. They raise ValueError, naming the op and the
# value, outside their domain, and overflow to ±inf as IEEE arithmetic
# does, where Python's `math` would raise OverflowError.


def _domain_error(op: str, expected: str, got: float) -> ValueError:
    return ValueError(f"{op}: expected {expected}, got {got!r}")


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x: float) -> float:
    if not x > 0.0:
        raise _domain_error("log", "an input > 0", x)
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise _domain_error("sqrt", "an input >= 0", x)
    return math.sqrt(x)


def _pow(a: float, n: float) -> float:
    if a == 0.0 and n < 0:
        raise ValueError(f"pow: 0 to a negative power ({n!r}) is a division by zero")
    if a < 0.0 and not float(n).is_integer():
        raise ValueError(f"pow: a negative base ({a!r}) to a non-integer power ({n!r}) is not a real number")
    try:
        return a**n
    except OverflowError:
        return math.copysign(math.inf, a) if n % 2 == 1 else math.inf


def _vpow(a: float, b: float) -> float:
    if a < 0.0:
        raise ValueError(
            f"pow: a negative base ({a!r}) to a Value power is not differentiable in the "
            "exponent (∂/∂b aᵇ = aᵇ·ln a); use a number exponent"
        )
    return _pow(a, b)


def _sigmoid(x: float) -> float:
    # Only ever exp of a negative number: no overflow for any finite x.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    # log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|), stable for any finite x.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


def _dot(*xs: float) -> float:
    n = len(xs) // 2
    return math.fsum(map(mul, xs[:n], xs[n:]))


def _pow_grads(out: Any, a: Any, n: float) -> tuple[Any]:
    # d/da aⁿ = n·aⁿ⁻¹; for n = 0 the derivative is 0 even at a = 0.
    return (n * a ** (n - 1) if n != 0 else 0.0,)


def _vpow_grads(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # Only at a = 0 (the domain's edge) PyTorch's conventions replace what
    # would divide by zero: ∂/∂a = 0 when b = 0 too, and ∂/∂b = 0.
    at_zero = value_of(a) == 0.0
    da = 0.0 if at_zero and value_of(b) == 0.0 else b * a ** (b - 1)
    db = 0.0 if at_zero else out * log(a)
    return da, db


def _dot_grads(out: Any, *xs: Any) -> tuple[Any, ...]:
    # ∂(Σ wᵢ·xᵢ)/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ: each operand's derivative is the other.
    n = len(xs) // 2
    return xs[n:] + xs[:n]


def _dot_const(*ws_and_cs: Any) -> float:
    # (w₁..wₙ, (c₁..cₙ)): the constants are the op's parameter, after the inputs.
    return math.fsum(map(mul, ws_and_cs[:-1], ws_and_cs[-1]))


def _sum_notation(*xs: Any) -> Any:
    return sum(xs[1:], start=xs[0])


def _dot_notation(*xs: Any) -> Any:
    n = len(xs) // 2
    return _sum_notation(*map(mul, xs[:n], xs[n:]))


def _dot_const_notation(*ws_and_cs: Any) -> Any:
    return _sum_notation(*(c * w for w, c in zip(ws_and_cs[:-1], ws_and_cs[-1], strict=True)))


# ---------------------------------------------------------------------------
# The table.

ADD = Op(
    "add",
    forward=lambda a, b: a + b,
    local_grads=lambda out, a, b: (1.0, 1.0),
    symbol="+",
    notation=lambda a, b: a + b,
    formula="∂(a + b)/∂a = 1, ∂(a + b)/∂b = 1",
    arity=2,
)
MUL = Op(
    "mul",
    forward=lambda a, b: a * b,
    local_grads=lambda out, a, b: (b, a),
    symbol="×",
    notation=lambda a, b: a * b,
    formula="∂(a·b)/∂a = b, ∂(a·b)/∂b = a",
    arity=2,
)
# A number operand is kept as the op's parameter, not made into a leaf:
# `y * 0.999` is one node, as PyTorch treats Python scalars.
ADD_CONST = Op(
    "add_const",
    forward=lambda x, c: x + c,
    local_grads=lambda out, x, c: (1.0,),
    symbol="+",
    notation=lambda x, c: x + c,
    formula="∂(x + c)/∂x = 1",
    param="c",
)
MUL_CONST = Op(
    "mul_const",
    forward=lambda x, c: x * c,
    local_grads=lambda out, x, c: (c,),
    symbol="×",
    notation=lambda x, c: c * x,
    formula="∂(c·x)/∂x = c",
    param="c",
)
POW = Op(  # x ** n for a number n
    "pow",
    forward=_pow,
    local_grads=_pow_grads,
    symbol="^",
    notation=lambda x, n: x**n,
    formula="d(xⁿ)/dx = n·xⁿ⁻¹",
    param="n",
    kinks=(0.0,),
)
VPOW = Op(  # a ** b for a Value b
    "vpow",
    forward=_vpow,
    local_grads=_vpow_grads,
    symbol="^",
    notation=lambda a, b: a**b,
    formula="∂(aᵇ)/∂a = b·aᵇ⁻¹, ∂(aᵇ)/∂b = aᵇ·ln a",
    arity=2,
    kinks=(0.0,),
)
EXP = Op(
    "exp",
    forward=_exp,
    local_grads=lambda out, x: (out,),
    symbol="exp",
    formula="d(eˣ)/dx = eˣ",
)
LOG = Op(
    "log",
    forward=_log,
    local_grads=lambda out, x: (1 / x,),
    symbol="ln",
    formula="d(ln x)/dx = 1/x",
    kinks=(0.0,),
)
SQRT = Op(
    "sqrt",
    forward=_sqrt,
    local_grads=lambda out, x: (0.5 / out,),
    symbol="√",
    formula="d(√x)/dx = 1/(2√x)",
    kinks=(0.0,),
)
TANH = Op(
    "tanh",
    forward=math.tanh,
    local_grads=lambda out, x: (1 - out * out,),
    symbol="tanh",
    formula="f'(x) = 1 − f(x)²",
)
SIGMOID = Op(
    "sigmoid",
    forward=_sigmoid,
    local_grads=lambda out, x: (out * (1 - out),),
    symbol="σ",
    formula="f'(x) = f(x)(1 − f(x))",
)
SOFTPLUS = Op(
    "softplus",
    forward=_softplus,
    local_grads=lambda out, x: (sigmoid(x),),
    symbol="softplus",
    formula="f'(x) = σ(x)",
)
RELU = Op(
    "relu",
    forward=lambda x: 0.0 if x <= 0.0 else x,
    local_grads=lambda out, x: (step(x),),
    symbol="ReLU",
    formula="f'(x) = 1 if x > 0 else 0",
    kinks=(0.0,),
)
LEAKY_RELU = Op(
    "leaky_relu",
    forward=lambda x, slope: x if x > 0.0 else slope * x,
    local_grads=lambda out, x, slope: (slope + (1 - slope) * step(x),),
    symbol="LeakyReLU",
    formula="f'(x) = 1 if x > 0 else slope",
    param="slope",
    kinks=(0.0,),
)
ABS = Op(
    "abs",
    forward=abs,
    local_grads=lambda out, x: (sign(x),),
    symbol="abs",
    notation=abs,
    formula="d|x|/dx = sign(x)",
    kinks=(0.0,),
)
# step and sign are flat wherever they are differentiable; they are also the
# derivatives of relu and abs, which is what makes those twice differentiable.
STEP = Op(
    "step",
    forward=lambda x: 1.0 if x > 0.0 else 0.0,
    local_grads=lambda out, x: (0.0,),
    symbol="step",
    formula="f'(x) = 0",
    kinks=(0.0,),
)
SIGN = Op(
    "sign",
    forward=_sign,
    local_grads=lambda out, x: (0.0,),
    symbol="sign",
    formula="f'(x) = 0",
    kinks=(0.0,),
)
SUM = Op(
    "sum",
    forward=lambda *xs: math.fsum(xs),
    local_grads=lambda out, *xs: (1.0,) * len(xs),
    symbol="Σ",
    notation=_sum_notation,
    formula="∂(Σ xᵢ)/∂xᵢ = 1",
    arity=None,
)
DOT = Op(  # Σ wᵢ·xᵢ over (w₁..wₙ, x₁..xₙ)
    "dot",
    forward=_dot,
    local_grads=_dot_grads,
    symbol="Σ w·x",
    notation=_dot_notation,
    formula="∂(Σ wᵢ·xᵢ)/∂wᵢ = xᵢ, ∂(Σ wᵢ·xᵢ)/∂xᵢ = wᵢ",
    arity=None,
)
# A neuron fed raw numbers (a first layer's pixels): the numbers are the
# op's parameter, as in mul_const, not leaves. Backward then touches only
# the weights, about half the edges of `dot` with the numbers lifted.
DOT_CONST = Op(  # Σ wᵢ·cᵢ over (w₁..wₙ) with the numbers (c₁..cₙ)
    "dot_const",
    forward=_dot_const,
    local_grads=lambda out, *ws_and_cs: tuple(ws_and_cs[-1]),
    symbol="Σ w·c",
    notation=_dot_const_notation,
    formula="∂(Σ wᵢ·cᵢ)/∂wᵢ = cᵢ",
    arity=None,
    param="cs",
)

OPS: dict[str, Op] = {
    op.name: op
    for op in (
        ADD,
        MUL,
        ADD_CONST,
        MUL_CONST,
        POW,
        VPOW,
        EXP,
        LOG,
        SQRT,
        TANH,
        SIGMOID,
        SOFTPLUS,
        RELU,
        LEAKY_RELU,
        ABS,
        STEP,
        SIGN,
        SUM,
        DOT,
        DOT_CONST,
    )
}
