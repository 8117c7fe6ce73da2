"""The op table: every primitive the engine knows, defined once.

Each `Op` holds
  * ``forward``: the op on plain floats,
  * ``local_grads``: the local derivatives ∂out/∂xᵢ, one per input,
  * ``formula``: the rule as the documents write it, for pictures and docs,
  * how it is written: ``symbol`` in a picture's op node (``σ``, ``×``);
    in a formula either ``notation``, which builds it with operators
    (``a + b``, ``c·x``), or a call, ``text`` and ``latex`` with ``{x}``
    for the input (``σ({x})``, default ``symbol({x})``),
  * ``checkable``: False for an op whose rule is not the derivative of its
    forward on purpose (stop_gradient), which finite differences cannot check,
  * ``activation``: an activation function, whose rule a derivation's
    picture states in its caption (σ: f'(x) = f(x)(1 − f(x))),
  * ``arity`` (and ``arity_multiple``), ``param`` (a `Param`: its number
    parameter and the range tests draw it from) and ``kinks`` (points where
    it is not differentiable or its domain ends: values of its first input,
    or of ``kinked(*inputs)``, max's a − b),
  * ``chain`` (optional, for speed): the same rule on floats written as one
    step of the backward sweep, ``chain(node, g)`` adding g·∂out/∂xᵢ to
    each input's running sum ``_g``; it must give exactly what
    ``local_grads`` gives (tests/test_ops.py checks it bit for bit),
  * ``batched``: the forward on numpy arrays, one number per example, for
    `engine.compile` (None: ``forward`` is written with operators and
    runs on arrays as it is). An op of any arity gets its inputs side by
    side as the columns of one matrix. ``contraction`` marks Σᵢ aᵢ·bᵢ over
    the two halves of the inputs (dot), which the compiler runs as matrix
    products.

``local_grads(out, *xs)`` is written with Python operators and the helpers
below (``log``, ``sigmoid``, ``step``, ``sign``, ``where``), never with
``math`` directly and never with an ``if`` on a number, so the same rule
runs on floats (the eager backward), on Values (``create_graph=True``:
derivatives that can be differentiated again), on numpy arrays (a whole
batch at once, `engine.compile`) and on anything else with operators and
an ``apply(op, inputs)``: the named expressions of `engine.symbolic`, which
write a derivative out as ``w5·y_pred·(1 − y_pred)``. An op with a number parameter (the exponent of
``pow``, the slope of ``leaky_relu``) gets it after the inputs in both
functions.

Everything that is not here (``-a``, ``a - b``, ``a / b``, the reflected
operators) is a rewrite onto these primitives in ``engine.value``.

Adding an op:
  1. Define it below with ``Op(...)``: forward on floats, the local
     derivatives written with operators and the helpers, a formula, a
     symbol; ``OPS`` picks it up by itself.
  2. If its rule needs a function that is not a helper yet, add a helper
     beside ``log``: floats to ``math``, anything else through
     ``_through(OP, x)``. If its forward does more than operators, give it
     a ``batched`` forward on arrays, beside the others.
  3. Optionally, a `Value` method that applies it (``Value.sin``), and,
     for an op on a hot path, a ``chain`` step beside its rule.
Backward, second derivatives, gradcheck, the hypothesis strategies,
``explain`` and the pictures then handle it with no other edit
(tests/test_new_op.py defines one in a test file and checks each).
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import mul
from typing import Any


@dataclass(frozen=True)
class Param:
    """An op's number parameter: its name, and the numbers tests draw it from.

    Args:
        name: as formulas and errors call it (``n``, ``slope``).
        low, high: the range hypothesis draws it from.
        choices: a set to draw from instead (pow's exponents).
        per_input: one number per input, as a tuple (dot_const's constants).
        default: what a Value method uses when it is not given.
    """

    name: str
    low: float = -2.0
    high: float = 2.0
    choices: tuple[float, ...] = ()
    per_input: bool = False
    default: float | None = None


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive of the table (the fields are described at the top of this module).

    `arity` is how many inputs it takes (None: any number, a multiple of
    `arity_multiple`: dot's (w₁..wₙ, x₁..xₙ)). `notation` takes the same
    arguments as `forward`, but named expressions instead of floats.
    """

    name: str
    forward: Callable[..., float]
    local_grads: Callable[..., tuple[Any, ...]]
    formula: str
    symbol: str
    notation: Callable[..., Any] | None = None  # None: written as a call, `text`
    text: str = ""  # default "symbol({x})"
    latex: str = ""  # default r"\operatorname{symbol}\left({x}\right)"
    activation: bool = False
    arity: int | None = 1
    arity_multiple: int = 1
    param: Param | None = None
    kinks: tuple[float, ...] = ()
    kinked: Callable[..., float] | None = None  # what `kinks` are points of; None: the first input
    chain: Callable[[Any, float], None] | None = None
    batched: Callable[..., Any] | None = None  # None: `forward` runs on arrays as it is
    contraction: bool = False
    checkable: bool = True  # False: its rule is not its forward's derivative, on purpose

    def __post_init__(self) -> None:
        if not self.text:
            object.__setattr__(self, "text", f"{self.symbol}({{x}})")
        if not self.latex:
            object.__setattr__(self, "latex", rf"\operatorname{{{self.symbol}}}\left({{x}}\right)")
        if self.batched is None and not self.contraction:
            object.__setattr__(self, "batched", self.forward)

    def write(self, x: str, latex: bool = False) -> str:
        """The op written as a call on `x`, already written: ``σ(z)``, ``|z|``, ``\\sqrt{z}``."""
        return (self.latex if latex else self.text).replace("{x}", x)

    # An op is a constant of the table: copies are itself, pickles are its name.
    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __reduce__(self) -> tuple[Callable[[str], Op], tuple[str]]:
        if OPS.get(self.name) is not self:
            raise pickle.PicklingError(
                f"op {self.name!r} is not in engine.ops.OPS: only the table's ops pickle (by name)"
            )
        return op_named, (self.name,)

    def __repr__(self) -> str:
        return f"Op({self.name!r}: {self.formula})"


def op_named(name: str) -> Op:
    """The table's op called `name` (how a pickled op is found again)."""
    try:
        return OPS[name]
    except KeyError:
        raise ValueError(f"no op named {name!r} in the table; expected one of {', '.join(OPS)}") from None


# ---------------------------------------------------------------------------
# Helpers the rules are written with: floats go to `math`, anything else
# (a Value, or a named expression in a picture) applies the table's op
# through its own type's `apply`, so no type needs a method per helper.


def _through(op: Op, x: Any) -> Any:
    """`op` on a Value or a named expression (through its type's `apply`), or on an array."""
    apply = getattr(x, "apply", None)
    return op.batched(x) if apply is None else apply(op, (x,))  # type: ignore[misc]


def log(x: Any) -> Any:
    return math.log(x) if type(x) is float else _through(LOG, x)


def sigmoid(x: Any) -> Any:
    return _sigmoid(x) if type(x) is float else _through(SIGMOID, x)


def step(x: Any) -> Any:
    return (1.0 if x > 0.0 else 0.0) if type(x) is float else _through(STEP, x)


def sign(x: Any) -> Any:
    return _sign(x) if type(x) is float else _through(SIGN, x)


def value_of(x: Any) -> Any:
    """The number behind `x` (a Value's or a named expression's data), for the
    few rules that test a number; floats and arrays are their own."""
    return x.data if hasattr(x, "apply") else x


def where(condition: Any, x: Any, y: Any) -> Any:
    """x where `condition` holds, else y: a choice between two numbers (or
    Values), or elementwise over arrays, so a rule that tests a number
    (vpow's at 0) runs on a whole batch too."""
    if isinstance(condition, bool):
        return x if condition else y
    return _numpy().where(condition, x, y)


def _numpy() -> Any:
    import numpy  # only ever for arrays, which only `engine.compile` makes

    return numpy


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


def _fsum(terms: Callable[[], Iterable[float]]) -> float:
    """Σ terms(), exactly rounded (math.fsum) where that is finite; otherwise
    what a chain of `+` gives under IEEE (inf, −inf or nan), where fsum would
    raise on inf + −inf or on an overflow along the way."""
    try:
        return math.fsum(terms())
    except (ValueError, OverflowError):
        total = 0.0
        for t in terms():
            total += t
        return total


def _dot(*xs: float) -> float:
    n = len(xs) // 2
    return _fsum(lambda: map(mul, xs[:n], xs[n:]))


def _pow_grads(out: Any, a: Any, n: Any) -> tuple[Any]:
    # d/da aⁿ = n·aⁿ⁻¹; for n = 0 the derivative is 0 even at a = 0 (0·1⁻¹).
    return (n * where(n == 0, 1.0, a) ** (n - 1),)


def _vpow_grads(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # Only at a = 0 (the domain's edge) PyTorch's conventions replace what
    # would divide by zero: ∂/∂a = 0 when b = 0 too, and ∂/∂b = 0.
    # Each is a constant 0 there (no derivative of its own, as PyTorch's masked
    # gradient), computed at a harmless 1 in its place so that no branch divides by 0.
    at_zero = value_of(a) == 0.0
    both_zero = at_zero & (value_of(b) == 0.0)
    da = where(both_zero, 0.0, b * where(both_zero, 1.0, a) ** (b - 1))
    db = where(at_zero, 0.0, out * log(where(at_zero, 1.0, a)))
    return da, db


def _max_grads(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # 1 for the larger input, 0 for the other; a tie goes to the first, a.
    b_wins = step(b - a)
    return 1 - b_wins, b_wins


def _dot_grads(out: Any, *xs: Any) -> tuple[Any, ...]:
    # ∂(Σ wᵢ·xᵢ)/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ: each operand's derivative is the other.
    n = len(xs) // 2
    return xs[n:] + xs[:n]


def _dot_const(*ws_and_cs: Any) -> float:
    # (w₁..wₙ, (c₁..cₙ)): the constants are the op's parameter, after the inputs;
    # map stops with them, at the last weight.
    return _fsum(lambda: map(mul, ws_and_cs, ws_and_cs[-1]))


def _sum_notation(*xs: Any) -> Any:
    # In halves: a chain x₁ + x₂ + … would rebuild the growing sum n times (n² for
    # 8,000 terms); halves merge each term log n times. Depth log n.
    if len(xs) == 1:
        return xs[0]
    half = len(xs) // 2
    return _sum_notation(*xs[:half]) + _sum_notation(*xs[half:])


def _dot_notation(*xs: Any) -> Any:
    n = len(xs) // 2
    return _sum_notation(*map(mul, xs[:n], xs[n:]))


def _dot_const_notation(*ws_and_cs: Any) -> Any:
    return _sum_notation(*(c * w for w, c in zip(ws_and_cs[:-1], ws_and_cs[-1], strict=True)))


# ---------------------------------------------------------------------------
# Forward functions on arrays, for `engine.compile`: the same functions on a
# whole batch (rows are examples). Outside the domain they raise ValueError
# as the float ones do, naming the example; overflow gives ±inf.


def _check_domain(op: str, expected: str, x: Any, ok: Any) -> None:
    if not ok.all():
        where_bad = tuple(int(i) for i in _numpy().argwhere(~ok)[0])
        raise ValueError(f"{_domain_error(op, expected, float(x[where_bad]))} in example {where_bad[0]}")


def _log_array(x: Any) -> Any:
    _check_domain("log", "an input > 0", x, x > 0.0)
    return _numpy().log(x)


def _sqrt_array(x: Any) -> Any:
    _check_domain("sqrt", "an input >= 0", x, ~(x < 0.0))
    return _numpy().sqrt(x)


def _pow_array(a: Any, n: Any) -> Any:
    if isinstance(n, float):  # one exponent for the whole batch (x ** 2): check only what it can break
        if n < 0:
            _check_domain("pow", "a base other than 0 for a negative power", a, a != 0.0)
        if not n.is_integer():
            _check_domain("pow", "a base >= 0 for a non-integer power", a, ~(a < 0.0))
        return a**n
    np = _numpy()
    a, n = np.broadcast_arrays(a, n)  # a base the same for every example, a batch of exponents
    _check_domain("pow", "a base other than 0 for a negative power", a, ~((a == 0.0) & (n < 0)))
    _check_domain("pow", "a base >= 0 for a non-integer power", a, ~((a < 0.0) & (n != np.round(n))))
    return a**n


def _vpow_array(a: Any, b: Any) -> Any:
    _check_domain("pow", "a base >= 0 (a negative base to a Value power has no ∂/∂b)", a, ~(a < 0.0))
    return _pow_array(a, b)


def _sigmoid_array(x: Any) -> Any:
    np = _numpy()
    e = np.exp(-abs(x))  # exp of a number <= 0 only, as the float version
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sign_array(x: Any) -> Any:
    np = _numpy()
    return np.where(x > 0.0, 1.0, np.where(x < 0.0, -1.0, 0.0))


# ---------------------------------------------------------------------------
# Chain-rule steps on floats, for the ops most graphs are made of: the rule
# beside them written as one step of the backward sweep, adding g·∂out/∂xᵢ
# to each input's sum `_g` with no tuple and no second call. Each gives
# exactly the numbers of its op's `local_grads` (tests/test_ops.py checks
# every one, bit for bit); an op without one runs its `local_grads`.


def _add_chain(node: Any, g: float) -> None:
    a, b = node._parents
    a._g += g  # g·1 is g, exactly
    b._g += g


def _mul_chain(node: Any, g: float) -> None:
    a, b = node._parents
    a._g += g * b.data
    b._g += g * a.data


def _add_const_chain(node: Any, g: float) -> None:
    node._parents[0]._g += g


def _mul_const_chain(node: Any, g: float) -> None:
    node._parents[0]._g += g * node._arg


def _pow_chain(node: Any, g: float) -> None:
    (x,), n = node._parents, node._arg
    x._g += g * (n * x.data ** (n - 1) if n != 0 else 0.0)


def _exp_chain(node: Any, g: float) -> None:
    node._parents[0]._g += g * node.data


def _tanh_chain(node: Any, g: float) -> None:
    out = node.data
    node._parents[0]._g += g * (1 - out * out)


def _sigmoid_chain(node: Any, g: float) -> None:
    out = node.data
    node._parents[0]._g += g * (out * (1 - out))


def _relu_chain(node: Any, g: float) -> None:
    x = node._parents[0]
    x._g += g * (1.0 if x.data > 0.0 else 0.0)


def _leaky_relu_chain(node: Any, g: float) -> None:
    x, slope = node._parents[0], node._arg
    x._g += g * (slope + (1 - slope) * (1.0 if x.data > 0.0 else 0.0))


def _sum_chain(node: Any, g: float) -> None:
    for x in node._parents:
        x._g += g


def _dot_chain(node: Any, g: float) -> None:
    xs = node._parents
    n = len(xs) // 2
    for w, x in zip(xs[:n], xs[n:]):  # noqa: B905 - halves of one tuple
        w._g += g * x.data
    for w, x in zip(xs[:n], xs[n:]):  # noqa: B905 - the same order as _dot_grads: ws, then xs
        x._g += g * w.data


def _dot_const_chain(node: Any, g: float) -> None:
    for w, c in zip(node._parents, node._arg):  # noqa: B905 - one constant per input
        w._g += g * c


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
    chain=_add_chain,
)
MUL = Op(
    "mul",
    forward=lambda a, b: a * b,
    local_grads=lambda out, a, b: (b, a),
    symbol="×",
    notation=lambda a, b: a * b,
    formula="∂(a·b)/∂a = b, ∂(a·b)/∂b = a",
    arity=2,
    chain=_mul_chain,
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
    param=Param("c"),
    chain=_add_const_chain,
)
MUL_CONST = Op(
    "mul_const",
    forward=lambda x, c: x * c,
    local_grads=lambda out, x, c: (c,),
    symbol="×",
    notation=lambda x, c: c * x,
    formula="∂(c·x)/∂x = c",
    param=Param("c"),
    chain=_mul_const_chain,
)
POW = Op(  # x ** n for a number n
    "pow",
    forward=_pow,
    local_grads=_pow_grads,
    symbol="^",
    notation=lambda x, n: x**n,
    formula="d(xⁿ)/dx = n·xⁿ⁻¹",
    # negative, fractional, zero and integer exponents
    param=Param("n", choices=(-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0)),
    kinks=(0.0,),
    chain=_pow_chain,
    batched=_pow_array,
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
    batched=_vpow_array,
)
EXP = Op(
    "exp",
    forward=_exp,
    local_grads=lambda out, x: (out,),
    symbol="exp",
    latex=r"\exp\left({x}\right)",
    formula="d(eˣ)/dx = eˣ",
    chain=_exp_chain,
    batched=lambda x: _numpy().exp(x),
)
LOG = Op(
    "log",
    forward=_log,
    local_grads=lambda out, x: (1 / x,),
    symbol="ln",
    latex=r"\ln\left({x}\right)",
    formula="d(ln x)/dx = 1/x",
    kinks=(0.0,),
    batched=_log_array,
)
SQRT = Op(
    "sqrt",
    forward=_sqrt,
    local_grads=lambda out, x: (0.5 / out,),
    symbol="√",
    latex=r"\sqrt{{x}}",
    formula="d(√x)/dx = 1/(2√x)",
    kinks=(0.0,),
    batched=_sqrt_array,
)
TANH = Op(
    "tanh",
    forward=math.tanh,
    local_grads=lambda out, x: (1 - out * out,),
    symbol="tanh",
    latex=r"\tanh\left({x}\right)",
    formula="f'(x) = 1 − f(x)²",
    activation=True,
    chain=_tanh_chain,
    batched=lambda x: _numpy().tanh(x),
)
SIGMOID = Op(
    "sigmoid",
    forward=_sigmoid,
    local_grads=lambda out, x: (out * (1 - out),),
    symbol="σ",
    latex=r"\sigma\left({x}\right)",
    formula="f'(x) = f(x)(1 − f(x))",
    activation=True,
    chain=_sigmoid_chain,
    batched=_sigmoid_array,
)
SOFTPLUS = Op(
    "softplus",
    forward=_softplus,
    local_grads=lambda out, x: (sigmoid(x),),
    symbol="softplus",
    formula="f'(x) = σ(x)",
    activation=True,
    batched=lambda x: _numpy().maximum(x, 0.0) + _numpy().log1p(_numpy().exp(-abs(x))),
)
RELU = Op(
    "relu",
    forward=lambda x: 0.0 if x <= 0.0 else x,
    local_grads=lambda out, x: (step(x),),
    symbol="ReLU",
    formula="f'(x) = 1 if x > 0 else 0",
    activation=True,
    kinks=(0.0,),
    chain=_relu_chain,
    batched=lambda x: _numpy().where(x <= 0.0, 0.0, x),
)
LEAKY_RELU = Op(
    "leaky_relu",
    forward=lambda x, slope: x if x > 0.0 else slope * x,
    local_grads=lambda out, x, slope: (slope + (1 - slope) * step(x),),
    symbol="LeakyReLU",
    formula="f'(x) = 1 if x > 0 else slope",
    activation=True,
    param=Param("slope", low=0.0, high=0.5, default=0.01),  # PyTorch's default slope
    kinks=(0.0,),
    chain=_leaky_relu_chain,
    batched=lambda x, slope: _numpy().where(x > 0.0, x, slope * x),
)
ABS = Op(
    "abs",
    forward=abs,
    local_grads=lambda out, x: (sign(x),),
    symbol="abs",
    text="|{x}|",
    latex=r"\left|{x}\right|",
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
    activation=True,
    kinks=(0.0,),
    batched=lambda x: _numpy().where(x > 0.0, 1.0, 0.0),
)
SIGN = Op(
    "sign",
    forward=_sign,
    local_grads=lambda out, x: (0.0,),
    symbol="sign",
    formula="f'(x) = 0",
    activation=True,  # abs's derivative, written f'(x) as the activations' rules are
    kinks=(0.0,),
    batched=_sign_array,
)
# max and stop_gradient make log-softmax's shift by the largest logit a part
# of the graph (computed for every example, as a compiled graph needs)
# rather than a number read off at the time the graph was built.
MAX = Op(
    "max",
    forward=lambda a, b: a if a >= b else b,
    local_grads=_max_grads,
    symbol="max",
    text="max({x})",
    latex=r"\max\left({x}\right)",
    formula="∂max(a, b)/∂a = 1 if a ≥ b else 0, ∂max(a, b)/∂b = 1 if b > a else 0",
    arity=2,
    kinks=(0.0,),
    kinked=lambda a, b: a - b,
    batched=lambda a, b: _numpy().where(a >= b, a, b),
)
STOP_GRADIENT = Op(
    "stop_gradient",
    forward=lambda x: x,
    local_grads=lambda out, x: (0.0,),
    symbol="stop",
    text="stop({x})",
    formula="∂stop(x)/∂x = 0: the number passes, the gradient stops (JAX's stop_gradient)",
    checkable=False,  # finite differences see the identity
)

SUM = Op(
    "sum",
    forward=lambda *xs: _fsum(lambda: xs),
    local_grads=lambda out, *xs: (1.0,) * len(xs),
    symbol="Σ",
    notation=_sum_notation,
    formula="∂(Σ xᵢ)/∂xᵢ = 1",
    arity=None,
    chain=_sum_chain,
    batched=lambda xs: xs.sum(axis=1, keepdims=True),  # the inputs are the columns
)
DOT = Op(  # Σ wᵢ·xᵢ over (w₁..wₙ, x₁..xₙ)
    "dot",
    forward=_dot,
    local_grads=_dot_grads,
    symbol="Σ w·x",
    notation=_dot_notation,
    formula="∂(Σ wᵢ·xᵢ)/∂wᵢ = xᵢ, ∂(Σ wᵢ·xᵢ)/∂xᵢ = wᵢ",
    arity=None,
    arity_multiple=2,
    chain=_dot_chain,
    contraction=True,  # engine.compile: one matrix product per group sharing the xs
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
    param=Param("cs", per_input=True),
    chain=_dot_const_chain,
    batched=lambda ws, cs: ws @ cs.T,  # the inputs are the columns, cs a row
)

# Every Op defined above, in the order defined: nothing to keep in step by hand.
OPS: dict[str, Op] = {v.name: v for v in list(globals().values()) if isinstance(v, Op)}
