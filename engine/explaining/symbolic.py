"""Named expressions: a number together with the formula that gives it.

A `Sym` is what a derivation is written with: ``w5·y_pred·(1 − y_pred)``
and its value. The op table's local-derivative rules use only Python's
operators, ops called as functions (``SIGMOID(x)``, ``STEP(x)``: on a Sym an
op writes itself out, `Sym.apply`) and `engine.ops`' helpers ``where`` and
``value_of``, so they run on Syms as they run on floats and Values, and any
op's derivative can be written out without this module knowing the op.

Syms simplify as they are built, as one does by hand: ``1·x`` is ``x``,
``x + 0`` is ``x``, numbers gather in front (``−1·2·(1 − y)`` is
``−2·(1 − y)``), like terms and like factors merge (``x + x`` is ``2·x``,
``h·h`` is ``h²``). The number is never taken from the simplified form:
each operation computes it with the same float arithmetic as the engine.

    >>> y = Sym.name("y", 0.75)
    >>> d = 2.0 * (1 - y) * -1.0
    >>> d.text(), d.data
    ('−2·(1 − y)', -0.5)
"""

from __future__ import annotations

import re
from typing import Any

from engine.ops import ABS, Op

# The kinds of expression, and what `args` holds for each:
#   NUM   ()                          a number; it is `data`
#   NAME  (text,)                     a labelled node, "…" for one too long to write
#   SUM   (term, term, ...)           two or more Syms, added
#   PROD  (coef, factor, ...)         a float coefficient, then one or more Syms, multiplied
#   POW   (base, exponent)            two Syms
#   CALL  (op, x, ...)                an `engine.ops.Op` written as a call: σ(x), max(a, b)
# `data` is the expression's number, computed as the engine computes it. It
# may be None inside an expression, on a term or factor that simplification
# rebuilt (2·x from x + x), never on the expression an operation returns.
SUM, PROD, POW, NUM, NAME, CALL = "sum", "prod", "pow", "num", "name", "call"

# How tightly each kind binds when written: an expression is put in
# parentheses inside one that binds more tightly (a sum inside a product).
LOOSEST, TIMES, POWER, ATOM = range(4)
BINDS = {SUM: LOOSEST, PROD: TIMES, POW: POWER, NUM: ATOM, NAME: ATOM, CALL: ATOM}

# Past this many names and numbers an expression is written "…" (its
# number stays exact): a million-node chain must not become a formula.
MAX_SIZE = 200
# A longer sum is written with its first terms, "…" and its last one.
MAX_TERMS = 6

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class Sym:
    """A named expression and its number (`data`). Build them with `Sym.name`,
    `Sym.number` and `Sym.apply`, then with operators."""

    __slots__ = ("_key", "_text", "args", "data", "kind", "size")

    def __init__(self, kind: str, args: tuple[Any, ...], data: Any, size: int = 1) -> None:
        self.kind, self.args, self.data, self.size = kind, args, data, size
        self._text: str | None = None
        self._key: Any = None

    def key(self) -> Any:
        """What makes two expressions the same (the text shortens long sums; this does not)."""
        if self._key is None:
            if self.kind == NUM:
                self._key = self.data
            elif self.kind == NAME:  # two nodes with one label but different numbers differ
                self._key = (self.args[0], self.data) if self.args[0] != "…" else id(self)
            else:
                keys = [a.key() if isinstance(a, Sym) else a for a in self.args]
                if self.kind in (SUM, PROD):  # a·b is b·a, a + b is b + a
                    keys.sort(key=repr)
                self._key = (self.kind, *keys)
        return self._key

    @staticmethod
    def number(c: float) -> Sym:
        return Sym(NUM, (), float(c))

    @staticmethod
    def name(text: str, data: float) -> Sym:
        return Sym(NAME, (text,), data)

    @staticmethod
    def apply(op: Op, args: tuple[Sym, ...], arg: Any = None, data: Any = None) -> Sym:
        """`op` written out over `args` (its `notation`, else a call: ``σ(x)``).

        The number is `data` when given (the node's own), else `op.forward`'s.
        """
        if data is None:
            numbers = [a.data for a in args]
            data = op.forward(*numbers) if arg is None else op.forward(*numbers, arg)
        if op.notation is None:
            expr = Sym(CALL, (op, *args), data, 1 + sum(a.size for a in args))
        else:
            expr = op.notation(*args) if arg is None else op.notation(*args, arg)
        return _sized(Sym(expr.kind, expr.args, data, expr.size))

    # -- arithmetic: the number as the engine computes it, the form simplified
    def __add__(self, other: Any) -> Sym:
        b = _sym(other)
        return _add(self, b, self.data + b.data)

    def __radd__(self, other: Any) -> Sym:
        a = _sym(other)
        return _add(a, self, a.data + self.data)

    def __sub__(self, other: Any) -> Sym:
        b = _sym(other)
        return _add(self, _mul(_MINUS_ONE, b, -b.data), self.data - b.data)

    def __rsub__(self, other: Any) -> Sym:
        a = _sym(other)
        return _add(a, _mul(_MINUS_ONE, self, -self.data), a.data - self.data)

    def __mul__(self, other: Any) -> Sym:
        b = _sym(other)
        return _mul(self, b, self.data * b.data)

    def __rmul__(self, other: Any) -> Sym:
        a = _sym(other)
        return _mul(a, self, a.data * self.data)

    def __truediv__(self, other: Any) -> Sym:
        b = _sym(other)
        return _mul(self, _pow(b, _MINUS_ONE, 1.0), self.data / b.data)

    def __rtruediv__(self, other: Any) -> Sym:
        a = _sym(other)
        return _mul(a, _pow(self, _MINUS_ONE, 1.0), a.data / self.data)

    def __pow__(self, other: Any) -> Sym:
        b = _sym(other)
        return _pow(self, b, self.data**b.data)

    def __rpow__(self, other: Any) -> Sym:
        a = _sym(other)
        return _pow(a, self, a.data**self.data)

    def __neg__(self) -> Sym:
        return _mul(_MINUS_ONE, self, -self.data)

    def __abs__(self) -> Sym:  # as Value's abs(): the op, written |x|
        return Sym.apply(ABS, (self,))

    # -- writing it down
    def text(self) -> str:
        """The expression as the documents write it: ``−2·(1 − y_pred)``."""
        if self._text is None:
            self._text = _write(self, _TEXT)
        return self._text

    def with_numbers(self) -> Sym:
        """The same expression with every name replaced by its number (a negative one
        in brackets): ``w5·y_pred·(1 − y_pred)`` becomes ``1·0.5237·(1 − 0.5237)``."""
        if self.kind == NAME:
            if self.args[0] == "…" or not isinstance(self.data, (int, float)):
                return self
            return Sym.name(number_text(float(self.data), brackets=True), self.data)
        if self.kind == NUM:
            return self
        args = tuple(a.with_numbers() if isinstance(a, Sym) else a for a in self.args)
        return Sym(self.kind, args, self.data, self.size)

    def latex(self) -> str:
        """The expression in LaTeX: ``-2 \\cdot \\left(1 - y_{\\text{pred}}\\right)``."""
        return _write(self, _LATEX)

    def __repr__(self) -> str:
        return f"Sym({self.text()} = {self.data!r})"


_MINUS_ONE = Sym.number(-1.0)


def _sym(x: Any) -> Sym:
    if isinstance(x, Sym):
        return x
    if isinstance(x, (int, float)):
        return Sym.number(x)
    raise TypeError(f"a named expression combines with numbers and Syms, not {type(x).__name__}")


def _sized(s: Sym) -> Sym:
    return s if s.size <= MAX_SIZE else Sym(NAME, ("…",), s.data)


def _with_data(s: Sym, data: Any) -> Sym:
    return s if s.data is data else Sym(s.kind, s.args, data, s.size)


def _split(term: Sym) -> tuple[float, Sym]:
    """A term as (number, the rest): ``−2·(1 − y)`` is (−2, ``1 − y``)."""
    if term.kind == PROD:
        coef, *factors = term.args
        rest = factors[0] if len(factors) == 1 else Sym(PROD, (1.0, *factors), None, term.size)
        return coef, rest
    return 1.0, term


def _scaled(coef: float, rest: Sym) -> Sym:
    if coef == 1.0:
        return rest
    factors = rest.args[1:] if rest.kind == PROD else (rest,)
    return Sym(PROD, (coef, *factors), None, rest.size + 1)


def _add(a: Sym, b: Sym, data: Any) -> Sym:
    constant = 0.0
    terms: dict[Any, list[Any]] = {}  # like terms merge: x + x is 2·x
    for t in (a.args if a.kind == SUM else (a,)) + (b.args if b.kind == SUM else (b,)):
        if t.kind == NUM:
            constant += t.data
            continue
        coef, rest = _split(t)
        key = rest.key()
        if key in terms:
            terms[key][0] += coef
        else:
            terms[key] = [coef, rest]
    parts = [_scaled(coef, rest) for coef, rest in terms.values() if coef != 0.0]
    if constant != 0.0:
        parts.append(Sym.number(constant))
    if not parts:
        return Sym.number(data)
    if len(parts) == 1:
        return _with_data(parts[0], data)
    # Its size is what gets written: a long sum is shortened (MAX_TERMS).
    shown = parts if len(parts) <= MAX_TERMS else parts[: MAX_TERMS - 2] + parts[-1:]
    return _sized(Sym(SUM, tuple(parts), data, sum(p.size for p in shown)))


def _mul(a: Sym, b: Sym, data: Any) -> Sym:
    coef = 1.0
    powers: dict[Any, list[Any]] = {}  # like factors merge: h·h is h²
    for f in (a.args[1:] if a.kind == PROD else (a,)) + (b.args[1:] if b.kind == PROD else (b,)):
        if f.kind == NUM:
            coef *= f.data
            continue
        base, exponent = (f.args[0], f.args[1]) if f.kind == POW else (f, Sym.number(1.0))
        key = base.key() if exponent.kind == NUM else id(f)
        if key in powers and exponent.kind == NUM:
            powers[key][1] = Sym.number(powers[key][1].data + exponent.data)
        else:
            powers[key] = [base, exponent]
    for s in (a, b):
        if s.kind == PROD:
            coef *= s.args[0]
    factors = [
        base if e.data == 1.0 else Sym(POW, (base, e), None, base.size + 1) for base, e in powers.values()
    ]
    factors = [f for f in factors if not (f.kind == POW and f.args[1].kind == NUM and f.args[1].data == 0.0)]
    if coef == 0.0 or not factors:
        return Sym.number(data)
    if coef == 1.0 and len(factors) == 1:
        return _with_data(factors[0], data)
    return _sized(Sym(PROD, (coef, *factors), data, sum(f.size for f in factors) + 1))


def _pow(a: Sym, b: Sym, data: Any) -> Sym:
    if b.kind == NUM:
        if b.data == 1.0:
            return a
        if b.data == 0.0 or a.kind == NUM:
            return Sym.number(data)
    if a.kind == POW and b.kind == NUM and a.args[1].kind == NUM:  # (xᵃ)ᵇ = xᵃᵇ
        return Sym(POW, (a.args[0], Sym.number(a.args[1].data * b.data)), data, a.size)
    return _sized(Sym(POW, (a, b), data, a.size + b.size))


# ---------------------------------------------------------------------------
# Writing: one walk, two styles (plain text with Unicode, and LaTeX).


class _Style:
    def __init__(self, latex: bool) -> None:
        self.latex = latex
        self.times = r" \cdot " if latex else "·"
        self.minus = "-" if latex else "−"
        self.open, self.close = (r"\left(", r"\right)") if latex else ("(", ")")


_TEXT, _LATEX = _Style(latex=False), _Style(latex=True)


def number_text(c: float, style: _Style = _TEXT, brackets: bool = False) -> str:
    """A number the way a formula shows it: 2, −1, 0.5, 0.7216; (−0.95) with brackets."""
    text = str(int(c)) if c.is_integer() and abs(c) < 1e15 else f"{c:.4g}"
    if style.latex and "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    text = text.replace("-", style.minus)
    return f"({text})" if brackets and c < 0 else text


def latex_name(label: str) -> str:
    """A label in LaTeX: w1 → w_{1}, y_pred → y_{\\text{pred}}, anything else as text."""
    if m := re.fullmatch(r"([A-Za-z])(\d+)", label):
        return f"{m[1]}_{{{m[2]}}}"
    if m := re.fullmatch(r"([A-Za-z]+)_([A-Za-z0-9]+)", label):
        return rf"{m[1]}_{{\text{{{m[2]}}}}}"
    if re.fullmatch(r"[A-Za-z]", label):
        return label
    return r"\text{" + re.sub(r"([\\{}_^#$%&~])", r"\\\1", label).replace("\\\\", r"\textbackslash{}") + "}"


def _negative(s: Sym) -> bool:
    return (s.kind == NUM and s.data < 0) or (s.kind == PROD and s.args[0] < 0)


def _negated(s: Sym) -> Sym:
    """A negative term written without its sign (for `a − b`)."""
    return Sym.number(-s.data) if s.kind == NUM else _scaled(-s.args[0], _split(s)[1])


def _write(s: Sym, style: _Style, tightest: int = LOOSEST) -> str:
    """`s` written out, in parentheses if it binds less tightly than `tightest`."""
    binds = TIMES if s.kind == NUM and s.data < 0 else BINDS[s.kind]  # −2 is −1·2
    text = _write_bare(s, style)
    return f"{style.open}{text}{style.close}" if binds < tightest else text


def _write_bare(s: Sym, style: _Style) -> str:
    if s.kind == NUM:
        return number_text(s.data, style)
    if s.kind == NAME:
        return latex_name(s.args[0]) if style.latex and s.args[0] != "…" else s.args[0]
    if s.kind == CALL:
        op, *xs = s.args
        return op.write(", ".join(_write(x, style) for x in xs), latex=style.latex)
    if s.kind == POW and s.args[1].kind == NUM and s.args[1].data < 0:
        return _write_product(Sym(PROD, (1.0, s), s.data), style)  # x⁻¹ is 1/x
    if s.kind == POW:
        base, exponent = s.args
        written = _write(base, style, ATOM)
        if exponent.kind == NUM and exponent.data.is_integer():
            n = str(int(exponent.data))
            return f"{written}^{{{n}}}" if style.latex else written + n.translate(_SUPERSCRIPT)
        return (
            f"{written}^{{{_write(exponent, style)}}}"
            if style.latex
            else f"{written}^{_write(exponent, style, ATOM)}"
        )
    if s.kind == PROD:
        return _write_product(s, style)
    return _write_sum(s, style)


def _write_product(s: Sym, style: _Style) -> str:
    coef, *factors = s.args
    top, bottom = [], []
    for f in factors:  # a negative number power goes below the line: x⁻¹ is 1/x
        if f.kind == POW and f.args[1].kind == NUM and f.args[1].data < 0:
            inverse = (
                f.args[0]
                if f.args[1].data == -1
                else Sym(POW, (f.args[0], Sym.number(-f.args[1].data)), None)
            )
            bottom.append(_write(inverse, style, POWER))
        else:
            top.append(_write(f, style, POWER))
    sign = style.minus if coef < 0 else ""
    if abs(coef) != 1.0 or not top:
        top.insert(0, number_text(abs(coef), style))
    numerator = style.times.join(top)
    if not bottom:
        return sign + numerator
    denominator = style.times.join(bottom)
    if style.latex:
        return rf"{sign}\frac{{{numerator}}}{{{denominator}}}"
    if len(bottom) > 1:
        denominator = f"({denominator})"
    if len(top) > 1:
        numerator = f"({numerator})"
    return f"{sign}{numerator}/{denominator}"


def _write_sum(s: Sym, style: _Style) -> str:
    terms = list(s.args)
    # Start with a positive term where there is one: 1 − y, not −y + 1.
    first = next((i for i, t in enumerate(terms) if not _negative(t)), 0)
    terms = terms[first:] + terms[:first]
    if len(terms) > MAX_TERMS:
        terms = [*terms[: MAX_TERMS - 2], Sym.name("…", 0.0), terms[-1]]
    out = []
    for i, t in enumerate(terms):
        if _negative(t):
            written = _write(_negated(t), style, TIMES)
            out.append(f"{style.minus}{written}" if i == 0 else f" {style.minus} {written}")
        else:
            written = _write(t, style, TIMES)
            out.append(written if i == 0 else f" + {written}")
    return "".join(out)
