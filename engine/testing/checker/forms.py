"""Every operation the way learners write it: `a - b`, `a - c`, `c - a`, `a ** n`, `a.exp()`.

A form is one record: how it is written, the methods of a learner's class that
run it (the first one the class defines is used), how to call it, the rule
for each node operand in the form's own letters (never chainrule's internal
decomposition: `a - b` is ∂/∂b = −1, not add and mul_const), and the points
to check it at. The points are generic, inside the domain and away from 0,
±1 and 2, where wrong rules coincide with right ones (n·aⁿ and n·aⁿ⁻¹ agree
at a = 1; x and 1/x at 1).

a and b are nodes, c a plain number on either side, n a number exponent.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Form:
    """One way to write an operation.

    Attributes:
        op: Python's name for the operation (add, radd, sub, rsub, ..., tanh),
            what a finding names.
        text: how it is written, over a, b (nodes) and c or n (numbers).
        math: the operation in formulas (`a − b`), for its rules.
        nodes: how many operands are nodes (1 or 2); a number operand, if
            any, is the second argument of `call`.
        methods: the learner's methods that run it, by preference.
        rules: ∂/∂a (and ∂/∂b) in the form's letters.
        points: the operands to check it at (a, b) or (a, c).
    """

    op: str
    text: str
    math: str
    nodes: int
    methods: tuple[str, ...]
    rules: tuple[str, ...]
    points: tuple[tuple[float, ...], ...]
    number: bool = False  # a number operand (c or n) besides the nodes

    @property
    def key(self) -> str:
        return self.text

    def call(self, method: str, *args: Any) -> Any:
        """The form applied to `args` through `method` (an operator, or the learner's method by name)."""
        if method.startswith("__"):
            return _OPERATORS[self.text](*args)
        return getattr(args[0], method)(*args[1:])

    def written(self, method: str) -> str:
        """How the learner's engine writes this form: `a - b`, or `a.sub(b)` for a method."""
        if method.startswith("__"):
            return self.text
        rest = ", ".join(x for x in ("b" if self.nodes == 2 else "", "c" if self.number else "") if x)
        if self.text.startswith("a ** "):
            rest = self.text.split(" ** ")[1]
        return f"a.{method}({rest})"


_OPERATORS: dict[str, Callable[..., Any]] = {
    "a + b": operator.add,
    "a + c": operator.add,
    "c + a": lambda a, c: c + a,
    "a - b": operator.sub,
    "a - c": operator.sub,
    "c - a": lambda a, c: c - a,
    "a * b": operator.mul,
    "a * c": operator.mul,
    "c * a": lambda a, c: c * a,
    "a / b": operator.truediv,
    "a / c": operator.truediv,
    "c / a": lambda a, c: c / a,
    "-a": operator.neg,
    "a ** n": operator.pow,
    "c ** a": lambda a, c: c**a,
    "a ** b": operator.pow,
}

# Generic points: two nodes, a node and a number, positive bases, exponents of each kind.
TWO = ((0.37, -1.3), (-1.7, 0.61), (1.45, 2.3))
NUMBER = ((0.37, 3.0), (-1.3, 2.5), (1.7, -0.75))  # floats: an engine may take only floats
POWERS = ((0.37, 2), (-1.3, 3), (1.7, -1), (0.63, 0.5), (1.45, -2), (2.3, 1.5))  # ints as written: x ** 2
BASES = ((0.37, 2.5), (-1.3, 0.8), (1.7, 3.0))
POSITIVE = ((1.37, -0.6), (0.71, 1.9), (2.3, 0.45))
ONE = ((0.37,), (-1.3,), (1.7,))


def _function(name: str, methods: tuple[str, ...], rule: str, points: Any = ONE) -> Form:
    return Form(name, f"a.{name}()", f"{name}(a)", 1, methods, (rule,), points)


FORMS: tuple[Form, ...] = (
    # one node of the learner's graph each, in most engines: checked first
    Form("add", "a + b", "a + b", 2, ("__add__", "add"), ("1", "1"), TWO),
    Form("mul", "a * b", "a·b", 2, ("__mul__", "mul"), ("b", "a"), TWO),
    Form("pow", "a ** n", "aⁿ", 1, ("__pow__", "pow"), ("n·aⁿ⁻¹",), POWERS, number=True),
    _function("exp", ("exp",), "exp(a)"),
    _function("log", ("log", "ln"), "1/a", ((0.37,), (1.3,), (2.7,))),
    _function("tanh", ("tanh",), "1 − tanh(a)²", ((0.37,), (-1.3,), (0.9,))),
    _function("sigmoid", ("sigmoid",), "σ(a)(1 − σ(a))"),
    _function("relu", ("relu",), "1 if a > 0, else 0"),
    Form("neg", "-a", "−a", 1, ("__neg__", "neg"), ("−1",), ONE),
    Form("mul", "a * c", "a·c", 1, ("__mul__", "mul"), ("c",), NUMBER, number=True),
    Form("rmul", "c * a", "c·a", 1, ("__rmul__",), ("c",), NUMBER, number=True),
    Form("add", "a + c", "a + c", 1, ("__add__", "add"), ("1",), NUMBER, number=True),
    Form("radd", "c + a", "c + a", 1, ("__radd__",), ("1",), NUMBER, number=True),
    # often built from the ones above (a - b as a + (-b), a / b as a·b⁻¹)
    Form("sub", "a - b", "a − b", 2, ("__sub__", "sub"), ("1", "−1"), TWO),
    Form("sub", "a - c", "a − c", 1, ("__sub__", "sub"), ("1",), NUMBER, number=True),
    Form("rsub", "c - a", "c − a", 1, ("__rsub__",), ("−1",), NUMBER, number=True),
    Form("truediv", "a / b", "a / b", 2, ("__truediv__", "div", "truediv"), ("1/b", "−a/b²"), TWO),
    Form("truediv", "a / c", "a / c", 1, ("__truediv__", "div", "truediv"), ("1/c",), NUMBER, number=True),
    Form("rtruediv", "c / a", "c / a", 1, ("__rtruediv__",), ("−c/a²",), NUMBER, number=True),
    Form("rpow", "c ** a", "cᵃ", 1, ("__rpow__",), ("cᵃ·ln c",), BASES, number=True),
    Form("pow", "a ** b", "aᵇ", 2, ("__pow__", "pow"), ("b·aᵇ⁻¹", "aᵇ·ln a"), POSITIVE),
)
# The forms that are one node in most engines: checked alone first, and the only ones the
# bookkeeping experiments are built from. A composite form (a - b as a + (-b)) checked
# alone also exercises backward's walk, so its wrong gradient is only blamed on it when
# the walk passed the experiments.
PRIMITIVE = {form.text for form in FORMS[:13]}
