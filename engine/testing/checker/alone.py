"""Probing, and each operation checked alone.

Probing finds the learner's method for each form (`a - b` runs `__sub__`).
A form is *not in the engine* only when the class defines none of its
methods; one that refuses on purpose (an `assert`, NotImplementedError,
NotImplemented) is left out with the reason; one that raises anything else,
hangs, or returns no node is an `error` finding for that form.

Then every form alone, on fresh distinct leaves at its generic points: its
value, that its inputs keep theirs, and the local derivative of each node
operand, against chainrule's. On one op over fresh leaves nothing of
backward's bookkeeping but the seed is at work, so a wrong number here is
that op's fault. As the root, an op's gradient from above is 1, so a step
that forgets to multiply by out.grad looks right: `check_upstream` checks it
again below a product that passed alone (out = F(a, b)·2.5), and blames it
only when its inputs got exactly their local derivatives, unscaled.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from engine.testing.checker.forms import FORMS, Form
from engine.testing.checker.report import Finding
from engine.testing.checker.target import Engine, Timeout, as_number, limited, listing, raised
from engine.value import Value

CALL_SECONDS = 2.0  # an op or a backward on a handful of nodes
WRAPPABLE = {"a + c", "a - c", "a * c", "a / c"}  # the same method takes a node there (a + b)


@dataclass
class Use:
    """A form as the learner's engine runs it."""

    form: Form
    method: str  # the learner's method, or "ops['name']" for one given to check_engine
    call: Callable[..., Any]  # (a[, b or c]) on the engine's nodes
    wrap: bool = False  # its number operand must be given as a node
    refused: list[tuple[float, ...]] = field(default_factory=list)  # points it refuses on purpose
    named: bool = False  # given in check_engine's ops=
    # the class's other methods it calls (a - b: __neg__ and __add__), seen while probing
    calls: set[str] = field(default_factory=set)

    @property
    def written(self) -> str:
        return self.form.written(self.method) if not self.named else self.form.text

    def args(self, engine: Engine, point: tuple[float, ...]) -> tuple[list[Any], list[Any]]:
        """The leaves made for `point` and the arguments of the call."""
        leaves = [engine.make(x) for x in point[: self.form.nodes]]
        extra = []
        if self.form.number:
            c = point[-1]
            extra = [engine.constant(c) if self.wrap else c]
        return leaves, leaves + extra


@dataclass
class Tried:
    node: Any = None
    refused: str = ""
    error: Finding | None = None
    exception: BaseException | None = None


def reference(form: Form, point: tuple[float, ...]) -> tuple[float, list[float]]:
    """chainrule's value and ∂out/∂operand for each node operand (ValueError outside the domain)."""
    leaves = [Value(x) for x in point[: form.nodes]]
    args: list[Any] = leaves + ([point[-1]] if form.number else [])
    out = form.call(form.methods[0], *args)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def one_node(engine: Engine, use: Use) -> bool:
    """Whether the learner's form, built on fresh leaves, is one node over them (its inputs
    all leaves): backward's walk then walks one node, as for the ops that passed alone, so a
    wrong gradient is the form's own. False where the engine's inputs cannot be read."""
    point = use.form.points[0]
    _, args = use.args(engine, point)
    out = attempt(engine, use, args, point).node
    inputs = None if out is None else engine.inputs(out)
    return bool(inputs) and all(engine.inputs(x) == [] for x in inputs or ())


def attempt(engine: Engine, use: Use, args: list[Any], point: tuple[float, ...]) -> Tried:
    """Call the learner's op once, and sort what happens."""
    try:
        node = limited(CALL_SECONDS, lambda: use.call(*args))
    except Timeout:
        return Tried(
            error=_error(engine, use, point, f"did not return within {CALL_SECONDS:g} s (an endless loop?)")
        )
    except RecursionError:
        return Tried(error=_error(engine, use, point, "recursed without end (RecursionError)"))
    except Exception as error:
        why = refusal(engine, error)
        if use.form.text == "a ** b" and isinstance(error, (TypeError, AttributeError)):
            why = f"your {use.method} takes number exponents only ({type(error).__name__}: {error})"
        if why and not use.named:
            return Tried(refused=why, exception=error)
        found = _error(engine, use, point, raised(error))
        where = engine.where(error)
        if where is not None:
            found.location = f"{where}: {where.text}"
        return Tried(error=found, exception=error)
    if node is None or not engine.is_node(node):
        what = "None (a missing return?)" if node is None else f"a {type(node).__name__}, not a node"
        return Tried(error=_error(engine, use, point, f"returned {what}"))
    return Tried(node=node)


def _method_codes(engine: Engine) -> dict[Any, str]:
    """The code object of each method of the learner's class, by name."""
    codes = {}
    for name in dir(engine.cls):
        code = getattr(getattr(engine.cls, name, None), "__code__", None)
        if code is not None:
            codes[code] = name
    return codes


@contextlib.contextmanager
def _recording(codes: dict[Any, str]) -> Iterator[set[str]]:
    """The names of the methods (`codes`) called inside the block (sys.setprofile)."""
    called: set[str] = set()

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in codes:
            called.add(codes[frame.f_code])

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield called
    finally:
        sys.setprofile(previous)


def refusal(engine: Engine, error: BaseException) -> str:
    """Why an op refused on purpose ('' when the error is a fault): an assert,
    NotImplementedError, or Python's TypeError when the method returned NotImplemented."""
    if isinstance(error, (AssertionError, NotImplementedError)):
        return f"{type(error).__name__}" + (f": {error}" if str(error) else "")
    if isinstance(error, TypeError) and engine.where(error) is None:
        return f"TypeError: {error}"
    return ""


def _error(engine: Engine, use: Use, point: tuple[float, ...], what: str) -> Finding:
    where, _ = _method_listing(engine, use)
    return Finding(
        "error",
        use.form.op,
        f"out = {use.written}",
        _inputs(use.form, point),
        cause=f"your {use.written} {what}",
        form=use.written,
        location=str(where) if where else None,
    )


def probe(
    engine: Engine, ops: Mapping[str, Callable[..., Any]] | None
) -> tuple[list[Use], list[str], dict[str, str], dict[str, Finding]]:
    """The forms the engine has: (uses, forms it does not define, forms refused with why,
    form → the error it gave)."""
    uses: list[Use] = []
    missing: list[str] = []
    refused: dict[str, str] = {}
    errors: dict[str, Finding] = {}
    codes = _method_codes(engine)
    for form in FORMS:
        if ops is not None:
            if form.op not in ops:
                continue
            candidates = [Use(form, f"ops[{form.op!r}]", ops[form.op], named=True)]
        else:
            candidates = [
                Use(form, m, lambda *a, f=form, m=m: f.call(m, *a))
                for m in form.methods
                if getattr(engine.cls, m, None) is not None
            ][:1]
        if not candidates:
            missing.append(form.text)
            continue
        use = candidates[0]
        point = form.points[0]
        _, args = use.args(engine, point)
        with _recording(codes) as called:
            tried = attempt(engine, use, args, point)
        use.calls = called - {use.method}
        if (
            not use.named
            and isinstance(tried.exception, (TypeError, AttributeError))
            and form.number
            and form.text in WRAPPABLE
        ):
            use.wrap = True  # a + c where the engine takes only nodes: a + Value(c)
            wrapped = attempt(engine, use, use.args(engine, point)[1], point)
            if wrapped.node is not None:
                why = f"{type(tried.exception).__name__}: {tried.exception}"
                engine.notes.append(
                    f"your {use.method} takes only nodes ({why}): {form.text} checked with c as a node"
                )
                uses.append(use)
                continue
            use.wrap = False
        if tried.refused:
            refused[form.text] = tried.refused
        elif tried.error is not None:
            errors[form.text] = tried.error
            engine.broken.append(use)
        else:
            uses.append(use)
    return uses, missing, refused, errors


def check_alone(
    engine: Engine, use: Use, points: Any = None
) -> tuple[list[Finding], list[tuple[float, ...]]]:
    """The form at each of its points (or those given) on fresh leaves: (findings, points it passed at)."""
    passed: list[tuple[float, ...]] = []
    for point in points if points is not None else use.form.points:
        try:
            value, partials = reference(use.form, point)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        if not all(math.isfinite(d) for d in (value, *partials)):
            continue  # no derivative here: outside the op's domain
        leaves, args = use.args(engine, point)
        tried = attempt(engine, use, args, point)
        if tried.refused:
            use.refused.append(point)
            continue
        if tried.error is not None:
            return [tried.error], passed
        out = tried.node
        got_value = engine.data(out)
        if not engine.close(value, got_value):
            finding = _wrong(engine, use, point, "forward", value, got_value)
            finding.cause = f"your {use.written} computes {got_value:.6g} where {use.form.math} = {value:.6g}"
            return [finding], passed
        now = [engine.data(leaf) for leaf in leaves]
        changed = [(n, x, y) for n, x, y in zip("ab", point, now, strict=False) if not engine.close(x, y)]
        if changed:
            name, before, after = changed[0]
            finding = _wrong(engine, use, point, "forward", before, after)
            finding.operand = name
            finding.cause = (
                f"your {use.written} changes its input: {name} was {before:.6g} before it and is {after:.6g} "
                "after (an op must leave its inputs as they were: every other op that uses them reads them)"
            )
            return [finding], passed
        failed = engine.failed_backward(out, CALL_SECONDS)
        if failed is not None:
            what, error = failed
            return [_backward_error(engine, use, point, error, what)], passed
        got = [_leaf_grad(engine, leaf) for leaf in leaves]
        if not all(engine.close(e, g) for e, g in zip(partials, got, strict=True)):
            return [_gradients(engine, use, point, partials, got)], passed
        passed.append(point)
    return [], passed


SCALE = 2.5  # the gradient from above in check_upstream


def check_upstream(engine: Engine, use: Use, scale: Use) -> list[Finding]:
    """The form below another op, out = scale(F(a, b)) with ∂out/∂F = 2.5: its inputs must get
    2.5 times their local derivatives. An F whose inputs get the local derivatives alone (as
    when F is the root, where the gradient from above is 1) ignores out.grad: blamed on F.
    Any other wrong number is left to the bookkeeping experiments."""
    for point in use.form.points:
        if point in use.refused:
            continue
        try:
            _, partials = reference(use.form, point)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        if not all(math.isfinite(d) for d in partials):
            continue
        leaves, args = use.args(engine, point)
        try:
            inner = limited(CALL_SECONDS, partial(use.call, *args))
            if scale.form.nodes == 2:
                out = scale.call(inner, engine.make(SCALE))
            else:
                out = scale.call(inner, engine.constant(SCALE) if scale.wrap else SCALE)
            limited(CALL_SECONDS, partial(engine.backward, out))
        except (Exception, Timeout):
            return []  # not this check's to explain
        got = [_leaf_grad(engine, leaf) for leaf in leaves]
        expected = [SCALE * d for d in partials]
        if all(engine.close(e, g) for e, g in zip(expected, got, strict=True)):
            return []
        wrong = [i for i, (e, g) in enumerate(zip(expected, got, strict=True)) if not engine.close(e, g)]
        if not all(engine.close(partials[i], got[i]) for i in wrong):
            return []
        name = "ab"[wrong[0]]
        finding = _wrong(engine, use, point, "gradient", expected[wrong[0]], got[wrong[0]])
        finding.operand = name
        above = {"c * a": f"{SCALE:g} * y", "a * b": f"y * k  (a leaf k = {SCALE:g})"}.get(
            scale.form.text, f"y * {SCALE:g}"
        )
        finding.expression = f"y = {use.written}; out = {above}"
        finding.cause = (
            f"your {use.written} ignores the gradient from above: below another op (∂out/∂y = {SCALE:g}) "
            f"{name} gets ∂y/∂{name} = {partials[wrong[0]]:.6g} alone, not ∂out/∂y · ∂y/∂{name} = "
            f"{expected[wrong[0]]:.6g}. Its backward step must multiply by out.grad (the chain rule); as the "
            "root it looked right only because out.grad is 1 there"
        )
        return [finding]
    return []


def _leaf_grad(engine: Engine, leaf: Any) -> float:
    g = engine.grad(leaf)
    return 0.0 if g is None else g  # a leaf's gradient not kept reads as 0


def _inputs(form: Form, point: tuple[float, ...]) -> dict[str, float]:
    names = ["a", "b"][: form.nodes] + ([("n" if " ** n" in form.text else "c")] if form.number else [])
    return dict(zip(names, point, strict=True))


def _method_listing(engine: Engine, use: Use) -> tuple[Any, str]:
    return listing(use.call if use.named else getattr(engine.cls, use.method, None), use.method)


def _wrong(engine: Engine, use: Use, point: tuple[float, ...], kind: str, expected: Any, got: Any) -> Finding:
    where, detail = _method_listing(engine, use)
    return Finding(
        kind,
        use.form.op,
        f"out = {use.written}",
        _inputs(use.form, point),
        expected,
        got,
        form=use.written,
        location=str(where) if where else None,
        detail=detail,
    )


def _gradients(
    engine: Engine, use: Use, point: tuple[float, ...], expected: list[float], got: list[float]
) -> Finding:
    """The per-operand table: `your a - b: ∂/∂a = 1 ✓, ∂/∂b = 1 ✗ (should be −1), at a = 0.37, b = −1.3`."""
    names = ["a", "b"]
    cells, wrong = [], []
    for name, e, g in zip(names, expected, got, strict=False):
        if engine.close(e, g):
            cells.append(f"∂/∂{name} = {_num(g)} ✓")
        else:
            cells.append(f"∂/∂{name} = {_num(g)} ✗ (should be {_num(e)})")
            wrong.append(name)
    at = ", ".join(f"{k} = {_num(v)}" for k, v in _inputs(use.form, point).items())
    i = names.index(wrong[0])
    finding = _wrong(engine, use, point, "gradient", expected[i], got[i])
    finding.operand = wrong[0]
    rules = "; ".join(
        f"∂({use.form.math})/∂{n} = {r}" for n, r in zip(names, use.form.rules, strict=False) if n in wrong
    )
    finding.cause = f"the local derivative for {' and '.join(wrong)} is wrong: the rule is {rules}"
    table = f"your {use.written}: {', '.join(cells)}, at {at}"
    finding.detail = table + ("\n" + finding.detail if finding.detail else "")
    finding.expected, finding.got = (expected[i], got[i])
    finding.graph = _lone_graph(use, point, got)
    return finding


def _lone_graph(use: Use, point: tuple[float, ...], got: list[float]) -> list[tuple[Value, float | None]]:
    """The op alone in chainrule (its operands labelled a, b), beside the engine's gradients:
    what Report.draw() shows. The output's own gradient is the seed, 1 in both."""
    form = use.form
    leaves = [Value(x, label=name) for x, name in zip(point[: form.nodes], ("a", "b"), strict=False)]
    args: list[Any] = [*leaves, *point[form.nodes :]]
    out = form.call(form.methods[0], *args)
    out.label = "out"
    out.backward()
    return [*zip(leaves, got, strict=False), (out, 1.0)]


def _backward_error(
    engine: Engine, use: Use, point: tuple[float, ...], error: BaseException | None, what: str
) -> Finding:
    finding = _wrong(engine, use, point, "error", None, None)
    finding.detail = ""
    where = engine.where(error) if error is not None else None
    methods = [part for part in (where.function.split(".") if where else []) if _is_method(engine, part)]
    if methods and where is not None and methods[-1] == use.method:
        finding.cause = f"the backward step of your {use.written} {what}"
        finding.location = f"{where}: {where.text}"
    elif methods and where is not None:  # a step of another op this form is built from
        finding.cause = f"the backward step of your {methods[-1]} (reached through {use.written}) {what}"
        finding.location = f"{where}: {where.text}"
    else:  # in backward itself: check_engine says so when every op shows it
        finding.op, finding.form = None, None
        finding.cause = f"backward {what} on out = {use.written}, a graph of {use.form.nodes + 1} nodes"
        finding.location = f"{where}: {where.text}" if where is not None else None
    return finding


def _is_method(engine: Engine, name: str) -> bool:
    """An op method of the learner's class (not backward, which walks the graph)."""
    return name not in ("backward", "<locals>") and callable(getattr(engine.cls, name, None))


def _num(x: float) -> str:
    return f"{as_number(x):.4g}".replace("-", "−")


__all__ = [
    "CALL_SECONDS",
    "Tried",
    "Use",
    "attempt",
    "check_alone",
    "check_upstream",
    "probe",
    "reference",
    "refusal",
]
