"""The op table: every primitive the engine knows, each defined once, on one screen.

(Over 500 lines for one reason: it is the table, some 25 records of about 20
lines each; one op per file would scatter what a reader compares side by side.)

An `Op` is one record of what the op *is*:
  * ``forward``: the op on plain floats,
  * ``local_grads(out, *xs)``: the local derivatives ∂out/∂xᵢ, one per input,
  * ``formula``: the rule as the documents write it, for pictures and docs,
  * how it is written: ``symbol`` in a picture's op node (``σ``, ``×``);
    in a formula either ``notation``, which builds it with operators
    (``a + b``, ``c·x``), or a call, ``text`` and ``latex`` with ``{x}``
    for the input (``σ({x})``, default ``symbol({x})``),
  * ``activation``: an activation function, whose rule a derivation's
    picture states in its caption (σ: f'(x) = f(x)(1 − f(x))),
  * ``arity`` (and ``arity_multiple``), ``param`` (a `Param`: its number
    parameter and the range tests draw it from) and ``kinks`` (points where
    it is not differentiable or its domain ends: values of its first input,
    or of ``kinked(*inputs)``, max's a − b),
  * ``checkable``: False for an op whose rule is not the derivative of its
    forward on purpose (stop_gradient), which finite differences cannot check,
  * ``stops_gradient``: True for an op whose inputs get no gradient at all
    (stop_gradient): backward goes no further, as past PyTorch's detach(),
  * ``lecture``: how micrograd's lecture names it in ``v._op`` ('+', '*',
    '**{n}', 'tanh', 'ReLU'); default its name.

An op is callable, as autograd's ``primitive``: ``SIGMOID(x)`` is its
forward on floats, records a node on a Value (``Value.apply``), writes
itself out on a named expression (``Sym.apply``, for `explain`), and runs
on whatever other kind of number an interpreter registered with
`interpret` (numpy arrays, registered by `engine.compiler`).

``local_grads`` is written with Python operators, ops called as functions
(``SIGMOID(x)``, ``LOG(x)``) and the helpers ``where`` and ``value_of``,
never with ``math`` and never with an ``if`` on a number, so the one rule
runs on floats (the eager backward), on Values (``create_graph=True``:
derivatives that can be differentiated again), on named expressions (the
derivations ``w5·y_pred·(1 − y_pred)``) and on arrays (a whole batch).
An op with a number parameter (the exponent of ``pow``, the slope of
``leaky_relu``) gets it after the inputs, in every function and call.

What only makes one interpreter fast lives with that interpreter, keyed by
op, each with a default derived from this record, so that a new op needs
none of them: the backward sweep's one-step chain rules beside the sweep
(`engine.value`), array forms beside the compiler (`engine.compiler.kernels`).

Everything that is not here (``-a``, ``a - b``, ``a / b``, the reflected
operators) is a rewrite onto these primitives in ``engine.value``.

Adding an op is one ``Op(...)`` below (``OPS`` picks it up by itself):
forward on floats, the local derivatives written with operators and ops, a
formula, a symbol. Backward, second derivatives, gradcheck, the hypothesis
strategies, ``explain``, the pictures and ``engine.compile`` then handle it
with no other edit (tests/test_new_op.py defines two in a test file and
checks each). A `Value` method that applies it, and speed-ups for an
interpreter, are optional.
"""

from __future__ import annotations

import math
import pickle
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import mul
from typing import Any, Protocol


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
    choices: tuple[Any, ...] = ()
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
    checkable: bool = True  # False: its rule is not its forward's derivative, on purpose
    stops_gradient: bool = False  # True: backward goes no further than its output
    lecture: str = ""  # micrograd's v._op ("+", "*", "**{n}" with the number); default the name

    def __post_init__(self) -> None:
        for field in ("forward", "local_grads"):
            if not callable(getattr(self, field)):
                raise TypeError(f"Op {self.name!r}: {field} must be a function, got {getattr(self, field)!r}")
        if self.arity is not None and (isinstance(self.arity, bool) or self.arity < 1):
            raise ValueError(f"Op {self.name!r}: arity must be None or an int >= 1, got {self.arity!r}")
        if not self.text:
            object.__setattr__(self, "text", f"{self.symbol}({{x}})")
        if not self.latex:
            object.__setattr__(self, "latex", rf"\operatorname{{{self.symbol}}}\left({{x}}\right)")
        if not self.lecture:
            object.__setattr__(self, "lecture", self.name)

    def __call__(self, *args: Any) -> Any:
        """The op on its inputs (then its parameter, if it has one): a float on
        floats, a recorded node on Values (or named expressions), and on any
        other kind of number what the interpreter registered for it computes."""
        inputs, arg = (args[:-1], args[-1]) if self.param is not None else (args, None)
        interpreter = _INTERPRETERS.get(type(inputs[0]))
        if interpreter is not None:  # arrays (engine.compile's rules): the common case there
            return interpreter.run(self, inputs, arg)
        kind = None
        for x in inputs:
            if hasattr(x, "apply"):  # a Value or a named expression: it records the op
                kind = _recorder(type(x))
                apply = kind.apply  # type: ignore[attr-defined]
                break
        if kind is not None:
            if not all(isinstance(x, kind) for x in inputs):
                raise TypeError(f"{self.name}: inputs must all be {kind.__name__}s, got {_kinds(inputs)}")
            return apply(self, tuple(inputs), arg)
        if all(isinstance(x, (int, float)) for x in inputs):  # numbers (numpy's float64 is a float)
            return self.forward(*args)
        return _interpreter(self, inputs).run(self, inputs, arg)

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


_RECORDERS: weakref.WeakKeyDictionary[type, type] = weakref.WeakKeyDictionary()  # (a class made for a
# training block goes with it)


def _recorder(kind: type) -> type:
    """The class that defines `apply` for a node of this type: its own, or the Value (named
    expression) it is a subclass of (tracing's and training blocks' kinds of Value are Values)."""
    found = _RECORDERS.get(kind)
    if found is None:
        found = _RECORDERS[kind] = next(k for k in kind.__mro__ if "apply" in vars(k))
    return found


def op_named(name: str) -> Op:
    """The table's op called `name` (how a pickled op is found again)."""
    try:
        return OPS[name]
    except KeyError:
        raise ValueError(f"no op named {name!r} in the table; expected one of {', '.join(OPS)}") from None


# ---------------------------------------------------------------------------
# Other kinds of number. An interpreter that runs rules on its own kind of
# number (numpy arrays: engine.compiler) registers it here; ops called on
# that kind go to it. The table itself knows none of them.


class Interpreter(Protocol):
    def run(self, op: Op, inputs: tuple[Any, ...], arg: Any) -> Any:
        """`op` on inputs of this interpreter's kind (its parameter `arg`, or None)."""

    def where(self, condition: Any, x: Any, y: Any) -> Any:
        """x where `condition` holds, else y, elementwise."""


_INTERPRETERS: dict[type, Interpreter] = {}


def interpret(kind: type, interpreter: Interpreter) -> None:
    """Let ops and rules run on numbers of type `kind` through `interpreter`."""
    _INTERPRETERS[kind] = interpreter


def _interpreter(op: Op | str, values: Iterable[Any]) -> Interpreter:
    for x in values:
        for kind in type(x).__mro__:
            if kind in _INTERPRETERS:
                return _INTERPRETERS[kind]
    name = op if isinstance(op, str) else op.name
    raise TypeError(f"{name}: expected floats, Values or named expressions, got {_kinds(values)}")


def _kinds(values: Iterable[Any]) -> str:
    return ", ".join(type(x).__name__ for x in values)


def value_of(x: Any) -> Any:
    """The number behind `x` (a Value's or a named expression's data), for the
    few rules that test a number; floats and arrays are their own."""
    return x.data if hasattr(x, "apply") else x


def where(condition: Any, x: Any, y: Any) -> Any:
    """x where `condition` holds, else y: a choice between two numbers (or
    Values), or elementwise where the condition is an array, so a rule that
    tests a number (vpow's at 0) runs on a whole batch too."""
    if isinstance(condition, bool):
        return x if condition else y
    return _interpreter("where", (condition,)).where(condition, x, y)


# ---------------------------------------------------------------------------
# The table, an op a section. Forward functions on floats raise ValueError,
# naming the op and the value, outside their domain, and overflow to ±inf
# as IEEE arithmetic does, where Python's `math` would raise OverflowError.


def domain_error(op: str, expected: str, got: float) -> ValueError:
    """The error every forward raises outside its op's domain (array forms too)."""
    return ValueError(f"{op}: expected {expected}, got {got!r}")


ADD = Op(
    "add",
    forward=lambda a, b: a + b,
    local_grads=lambda out, a, b: (1.0, 1.0),
    symbol="+",
    notation=lambda a, b: a + b,
    formula="∂(a + b)/∂a = 1, ∂(a + b)/∂b = 1",
    arity=2,
    lecture="+",
)
MUL = Op(
    "mul",
    forward=lambda a, b: a * b,
    local_grads=lambda out, a, b: (b, a),
    symbol="×",
    notation=lambda a, b: a * b,
    formula="∂(a·b)/∂a = b, ∂(a·b)/∂b = a",
    arity=2,
    lecture="*",
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
    lecture="+",
)
MUL_CONST = Op(
    "mul_const",
    forward=lambda x, c: x * c,
    local_grads=lambda out, x, c: (c,),
    symbol="×",
    notation=lambda x, c: c * x,
    formula="∂(c·x)/∂x = c",
    param=Param("c"),
    lecture="*",
)

# -- pow, vpow ----------------------------------------------------------------


def _pow(a: float, n: float) -> float:
    if a == 0.0 and n < 0:
        raise ValueError(f"pow: 0 to a negative power ({n!r}) is a division by zero")
    if a < 0.0 and not float(n).is_integer():
        raise ValueError(f"pow: a negative base ({a!r}) to a non-integer power ({n!r}) is not a real number")
    try:
        return a**n
    except OverflowError:
        return math.copysign(math.inf, a) if n % 2 == 1 else math.inf


def _pow_grads(out: Any, a: Any, n: Any) -> tuple[Any]:
    # d/da aⁿ = n·aⁿ⁻¹; for n = 0 the derivative is 0 even at a = 0 (0·1⁻¹).
    return (n * where(n == 0, 1.0, a) ** (n - 1),)


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
    lecture="**{n}",
)


def _vpow(a: float, b: float) -> float:
    if a < 0.0:
        raise ValueError(
            f"pow: a negative base ({a!r}) to a Value power is not differentiable in the "
            "exponent (∂/∂b aᵇ = aᵇ·ln a); use a number exponent"
        )
    return _pow(a, b)


def _vpow_grads(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # Only at a = 0 (the domain's edge) PyTorch's conventions replace what
    # would divide by zero: ∂/∂a = 0 when b = 0 too, and ∂/∂b = 0.
    # Each is a constant 0 there (no derivative of its own, as PyTorch's masked
    # gradient), computed at a harmless 1 in its place so that no branch divides by 0.
    at_zero = value_of(a) == 0.0
    both_zero = at_zero & (value_of(b) == 0.0)
    da = where(both_zero, 0.0, b * where(both_zero, 1.0, a) ** (b - 1))
    db = where(at_zero, 0.0, out * LOG(where(at_zero, 1.0, a)))
    return da, db


VPOW = Op(  # a ** b for a Value b
    "vpow",
    forward=_vpow,
    local_grads=_vpow_grads,
    symbol="^",
    notation=lambda a, b: a**b,
    formula="∂(aᵇ)/∂a = b·aᵇ⁻¹, ∂(aᵇ)/∂b = aᵇ·ln a",
    arity=2,
    kinks=(0.0,),
    lecture="**",
)

# -- exp, log, sqrt -------------------------------------------------------------


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


EXP = Op(
    "exp",
    forward=_exp,
    local_grads=lambda out, x: (out,),
    symbol="exp",
    latex=r"\exp\left({x}\right)",
    formula="d(eˣ)/dx = eˣ",
)


def _log(x: float) -> float:
    if not x > 0.0:
        raise domain_error("log", "an input > 0", x)
    return math.log(x)


LOG = Op(
    "log",
    forward=_log,
    local_grads=lambda out, x: (1 / x,),
    symbol="ln",
    latex=r"\ln\left({x}\right)",
    formula="d(ln x)/dx = 1/x",
    kinks=(0.0,),
)


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise domain_error("sqrt", "an input >= 0", x)
    return math.sqrt(x)


SQRT = Op(
    "sqrt",
    forward=_sqrt,
    local_grads=lambda out, x: (0.5 / out,),
    symbol="√",
    latex=r"\sqrt{{x}}",
    formula="d(√x)/dx = 1/(2√x)",
    kinks=(0.0,),
)

# -- activations ------------------------------------------------------------------

TANH = Op(
    "tanh",
    forward=math.tanh,
    local_grads=lambda out, x: (1 - out * out,),
    symbol="tanh",
    latex=r"\tanh\left({x}\right)",
    formula="f'(x) = 1 − f(x)²",
    activation=True,
)


def _sigmoid(x: float) -> float:
    # Only ever exp of a negative number: no overflow for any finite x.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


SIGMOID = Op(
    "sigmoid",
    forward=_sigmoid,
    local_grads=lambda out, x: (out * (1 - out),),
    symbol="σ",
    latex=r"\sigma\left({x}\right)",
    formula="f'(x) = f(x)(1 − f(x))",
    activation=True,
)


def _softplus(x: float) -> float:
    # log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|), stable for any finite x.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


SOFTPLUS = Op(
    "softplus",
    forward=_softplus,
    local_grads=lambda out, x: (SIGMOID(x),),
    symbol="softplus",
    formula="f'(x) = σ(x)",
    activation=True,
)
RELU = Op(
    "relu",
    forward=lambda x: 0.0 if x <= 0.0 else x,
    local_grads=lambda out, x: (STEP(x),),
    symbol="ReLU",
    formula="f'(x) = 1 if x > 0 else 0",
    activation=True,
    kinks=(0.0,),
    lecture="ReLU",
)
LEAKY_RELU = Op(
    "leaky_relu",
    forward=lambda x, slope: x if x > 0.0 else slope * x,
    local_grads=lambda out, x, slope: (slope + (1 - slope) * STEP(x),),
    symbol="LeakyReLU",
    formula="f'(x) = 1 if x > 0 else slope",
    activation=True,
    param=Param("slope", low=0.0, high=0.5, default=0.01),  # PyTorch's default slope
    kinks=(0.0,),
)
ABS = Op(
    "abs",
    forward=abs,
    local_grads=lambda out, x: (SIGN(x),),
    symbol="abs",
    text="|{x}|",
    latex=r"\left|{x}\right|",
    formula="d|x|/dx = sign(x)",
    kinks=(0.0,),
)
# step and sign are flat wherever they are differentiable; they are also the
# derivatives of relu and abs, which is what makes those twice differentiable.
STEP: Op = Op(  # annotated: the rules above call it
    "step",
    forward=lambda x: 1.0 if x > 0.0 else 0.0,
    local_grads=lambda out, x: (0.0,),
    symbol="step",
    formula="f'(x) = 0",
    activation=True,
    kinks=(0.0,),
)
SIGN: Op = Op(
    "sign",
    forward=lambda x: 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0,
    local_grads=lambda out, x: (0.0,),
    symbol="sign",
    formula="f'(x) = 0",
    activation=True,  # abs's derivative, written f'(x) as the activations' rules are
    kinks=(0.0,),
)

# -- max, stop_gradient ----------------------------------------------------------
# They make log-softmax's shift by the largest logit a part of the graph
# (computed for every example, as a compiled graph needs) rather than a
# number read off at the time the graph was built.


def _max_grads(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # 1 for the larger input, 0 for the other; a tie goes to the first, a.
    b_wins = STEP(b - a)
    return 1 - b_wins, b_wins


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
)
STOP_GRADIENT = Op(
    "stop_gradient",
    forward=lambda x: x,
    local_grads=lambda out, x: (0.0,),
    symbol="stop",
    text="stop({x})",
    formula="∂stop(x)/∂x = 0: the number passes, the gradient stops (JAX's stop_gradient)",
    checkable=False,  # finite differences see the identity
    stops_gradient=True,  # 0·∞ past it would be nan: nothing goes past it
)

# -- check: a number passes if it is in range -------------------------------------
# A loss's guard on its inputs (a probability in [0, 1], a label of ±1) as a
# node of the graph, so that it runs wherever the graph runs: on every
# example of every batch under engine.compile, not only while tracing.


@dataclass(frozen=True)
class Range:
    """What a `check` node lets through: numbers in [low, high], or only those in
    `exactly`; anything else is a ValueError that starts with `what`."""

    what: str  # "hinge_loss: labels must be -1 or +1"
    low: float = -math.inf
    high: float = math.inf
    exactly: tuple[float, ...] = ()

    def holds(self, x: float) -> bool:
        return x in self.exactly if self.exactly else self.low <= x <= self.high

    def error(self, x: float) -> ValueError:
        return ValueError(f"{self.what}, got {x!r}")

    def __str__(self) -> str:  # in a picture's op node: check [0, 1]
        if self.exactly:
            return " or ".join(f"{x:g}" for x in self.exactly)
        return f"[{self.low:g}, {self.high:g}]"


def _check(x: float, allowed: Range) -> float:
    if not allowed.holds(x):
        raise allowed.error(x)
    return x


CHECK = Op(
    "check",
    forward=_check,
    local_grads=lambda out, x, allowed: (1.0,),
    symbol="check",
    notation=lambda x, allowed: x,  # written as what it lets through
    formula="∂check(x)/∂x = 1: x passes as it is, if it is in range",
    param=Param("range", choices=(Range("check: expected a number in [-1e9, 1e9]", -1e9, 1e9),)),
)

# -- sum, dot, dot_const: one node for many terms ---------------------------------


def fsum(terms: Callable[[], Iterable[float]]) -> float:
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


def _sum_notation(*xs: Any) -> Any:
    # In halves: a chain x₁ + x₂ + … would rebuild the growing sum n times (n² for
    # 8,000 terms); halves merge each term log n times. Depth log n.
    if len(xs) == 1:
        return xs[0]
    half = len(xs) // 2
    return _sum_notation(*xs[:half]) + _sum_notation(*xs[half:])


SUM = Op(
    "sum",
    forward=lambda *xs: fsum(lambda: xs),
    local_grads=lambda out, *xs: (1.0,) * len(xs),
    symbol="Σ",
    notation=_sum_notation,
    formula="∂(Σ xᵢ)/∂xᵢ = 1",
    arity=None,
)


def _dot(*xs: float) -> float:
    n = len(xs) // 2
    return fsum(lambda: map(mul, xs[:n], xs[n:]))


def _dot_grads(out: Any, *xs: Any) -> tuple[Any, ...]:
    # ∂(Σ wᵢ·xᵢ)/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ: each operand's derivative is the other.
    n = len(xs) // 2
    return xs[n:] + xs[:n]


def _dot_notation(*xs: Any) -> Any:
    n = len(xs) // 2
    return _sum_notation(*map(mul, xs[:n], xs[n:]))


DOT = Op(  # Σ wᵢ·xᵢ over (w₁..wₙ, x₁..xₙ)
    "dot",
    forward=_dot,
    local_grads=_dot_grads,
    symbol="Σ w·x",
    notation=_dot_notation,
    formula="∂(Σ wᵢ·xᵢ)/∂wᵢ = xᵢ, ∂(Σ wᵢ·xᵢ)/∂xᵢ = wᵢ",
    arity=None,
    arity_multiple=2,
)


# A neuron fed raw numbers (a first layer's pixels): the numbers are the
# op's parameter, as in mul_const, not leaves. Backward then touches only
# the weights, about half the edges of `dot` with the numbers lifted.
def _dot_const(*ws_and_cs: Any) -> float:
    # (w₁..wₙ, (c₁..cₙ)): the constants are the op's parameter, after the inputs;
    # map stops with them, at the last weight.
    return fsum(lambda: map(mul, ws_and_cs, ws_and_cs[-1]))


def _dot_const_notation(*ws_and_cs: Any) -> Any:
    return _sum_notation(*(c * w for w, c in zip(ws_and_cs[:-1], ws_and_cs[-1], strict=True)))


DOT_CONST = Op(  # Σ wᵢ·cᵢ over (w₁..wₙ) with the numbers (c₁..cₙ)
    "dot_const",
    forward=_dot_const,
    local_grads=lambda out, *ws_and_cs: tuple(ws_and_cs[-1]),
    symbol="Σ w·c",
    notation=_dot_const_notation,
    formula="∂(Σ wᵢ·cᵢ)/∂wᵢ = cᵢ",
    arity=None,
    param=Param("cs", per_input=True),
)

# Every Op defined above, in the order defined: nothing to keep in step by hand.
OPS: dict[str, Op] = {v.name: v for v in list(globals().values()) if isinstance(v, Op)}
