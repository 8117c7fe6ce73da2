"""An expression as a recipe both engines build: leaves, then lines of the learner's
forms over earlier nodes. One recipe is built in chainrule and in the learner's
engine, and every value and gradient compared."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from engine.autodiff import gradients
from engine.testing.checker.alone import CALL_SECONDS, Use, reference
from engine.testing.checker.report import Finding
from engine.testing.checker.target import Engine, Timeout, Where, limited, raised
from engine.value import Value


@dataclass(frozen=True)
class Line:
    """out_k = uses[use](nodes[args...][, number])."""

    use: int
    args: tuple[int, ...]
    number: float | None = None


@dataclass(frozen=True)
class Recipe:
    leaves: tuple[float, ...]
    lines: tuple[Line, ...]

    def name(self, k: int) -> str:
        n = len(self.leaves)
        return f"x{k}" if k < n else ("out" if k == n + len(self.lines) - 1 else f"y{k - n + 1}")

    def text(self, uses: Sequence[Use]) -> str:
        lines = []
        for k, line in enumerate(self.lines):
            lines.append(f"{self.name(len(self.leaves) + k)} = {self.written(uses, line)}")
        return "; ".join(lines)

    def written(self, uses: Sequence[Use], line: Line) -> str:
        use = uses[line.use]
        names = {"a": self.name(line.args[0]), "b": self.name(line.args[1]) if len(line.args) > 1 else ""}
        if line.number is not None:
            names["c"] = names["n"] = _number(line.number)
        text = use.written
        for letter in ("a", "b", "c", "n"):
            if letter in names:
                text = _replace(text, letter, names[letter])
        return text

    def users(self) -> dict[int, list[tuple[int, int]]]:
        """node → [(the node using it, at which operand)]."""
        found: dict[int, list[tuple[int, int]]] = {}
        for k, line in enumerate(self.lines):
            for p, a in enumerate(line.args):
                found.setdefault(a, []).append((len(self.leaves) + k, p))
        return found

    def reaching(self) -> Recipe:
        """The recipe without the lines that do not reach the output."""
        n = len(self.leaves)
        needed = {n + len(self.lines) - 1}
        for k in range(len(self.lines) - 1, -1, -1):
            if n + k in needed:
                needed.update(self.lines[k].args)
        keep = [k for k in range(len(self.lines)) if n + k in needed]
        renumber = {i: i for i in range(n)}
        kept = []
        for new, k in enumerate(keep):
            line = self.lines[k]
            kept.append(Line(line.use, tuple(renumber[a] for a in line.args), line.number))
            renumber[n + k] = n + new
        return Recipe(self.leaves, tuple(kept))

    def size(self) -> tuple[int, int]:
        return (len(self.lines), len(self.leaves))


def _replace(text: str, letter: str, name: str) -> str:
    """Put `name` for the single letter `letter` in a form's text (not inside method names)."""
    out = []
    for i, ch in enumerate(text):
        alone = (
            ch == letter
            and (i == 0 or (not text[i - 1].isalnum() and text[i - 1] != "."))
            and (i + 1 == len(text) or not text[i + 1].isalnum())
        )
        out.append(name if alone else ch)
    return "".join(out)


def _number(c: float) -> str:
    text = str(int(c)) if float(c).is_integer() else repr(c)
    return f"({text})" if c < 0 else text


SATURATING = {"exp", "tanh", "sigmoid"}  # inputs kept within ±30, where textbook formulas hold in floats


class Skip(Exception):
    """chainrule itself has no number here (outside a domain, at a kink, overflowing)."""


def build_reference(recipe: Recipe, uses: Sequence[Use]) -> tuple[list[Value], list[float]]:
    """The recipe in chainrule, labelled as the expression names its nodes, and ∂out/∂node for each."""
    nodes = [Value(x, label=recipe.name(i)) for i, x in enumerate(recipe.leaves)]
    try:
        for line in recipe.lines:
            form = uses[line.use].form
            args: list[Any] = [nodes[a] for a in line.args]
            if line.number is not None:
                args.append(line.number)
            if form.op == "relu" and abs(args[0].data) < 1e-6:
                raise Skip  # a kink: any subgradient is right
            if form.text == "a ** b" and args[0].data < 1e-6:
                raise Skip  # aᵇ·ln a has no number at a base of 0 (or below)
            if form.op in SATURATING and abs(args[0].data) > 30.0:
                raise Skip  # the lecture's tanh, (e²ˣ − 1)/(e²ˣ + 1), overflows out there
            node = form.call(form.methods[0], *args)
            point = tuple(a.data for a in args[: form.nodes]) + (
                (line.number,) if line.number is not None else ()
            )
            if not all(math.isfinite(d) for d in reference(form, point)[1]):
                raise Skip  # the op has no derivative here (0 ** 0.5): outside its domain, used or not
            node.label = recipe.name(len(nodes))
            nodes.append(node)
            if not abs(node.data) < 1e6:
                raise Skip
    except (ValueError, ZeroDivisionError, OverflowError):
        raise Skip from None
    grads = gradients(nodes[-1], nodes)
    if not all(math.isfinite(g) for g in grads):
        raise Skip
    return nodes, grads


@dataclass
class Outcome:
    """One recipe compared: kind "" when it agrees, else forward, gradient, error."""

    kind: str
    line: int = -1  # the line whose value or call is wrong
    node: int = -1  # the node whose gradient is first wrong, in backward order
    expected: Any = None
    got: Any = None
    what: str = ""  # for an error: what happened
    where: Where | None = None
    in_backward: bool = False
    grads: list[float | None] = field(default_factory=list)  # the engine's, per node (None: not kept)

    @property
    def signature(self) -> tuple[Any, ...]:
        return (self.kind, self.line, self.node, _round(self.got), self.what)


def _round(x: Any) -> Any:
    return round(x, 9) if isinstance(x, float) else x


def build(engine: Engine, recipe: Recipe, uses: Sequence[Use]) -> list[Any]:
    """The recipe's nodes in the learner's engine."""
    nodes = [engine.make(x) for x in recipe.leaves]
    for line in recipe.lines:
        use = uses[line.use]
        args = [nodes[a] for a in line.args]
        if line.number is not None:
            args.append(engine.constant(line.number) if use.wrap else line.number)
        nodes.append(limited(CALL_SECONDS, partial(use.call, *args)))
    return nodes


def compare(engine: Engine, recipe: Recipe, uses: Sequence[Use], seconds: float = CALL_SECONDS) -> Outcome:
    """Build the recipe in both engines; the first value, then the gradient, that differs."""
    nodes, grads = build_reference(recipe, uses)
    n = len(recipe.leaves)
    built = [engine.make(x) for x in recipe.leaves]
    for k, line in enumerate(recipe.lines):
        use = uses[line.use]
        args = [built[a] for a in line.args]
        if line.number is not None:
            args.append(engine.constant(line.number) if use.wrap else line.number)
        try:
            node = limited(seconds, partial(use.call, *args))
            got = engine.data(node)
        except Timeout:
            return Outcome("error", k, what=f"did not return within {seconds:g} s")
        except Exception as error:
            return Outcome("error", k, what=raised(error), where=engine.where(error))
        built.append(node)
        if not engine.close(nodes[n + k].data, got):
            return Outcome("forward", k, n + k, nodes[n + k].data, got)
    failed = engine.failed_backward(built[-1], seconds)
    if failed is not None:
        what, raised_in_backward = failed
        where = engine.where(raised_in_backward) if raised_in_backward is not None else None
        return Outcome("error", what="backward " + what, where=where, in_backward=True)
    got_grads: list[float | None] = []
    for i, node in enumerate(built):
        g = engine.grad(node)
        got_grads.append(0.0 if g is None and i < n else g)  # a leaf's gradient not kept reads as 0
    wrong = [
        i
        for i, (e, g) in enumerate(zip(grads, got_grads, strict=True))
        if g is not None and not engine.close(e, g)
    ]
    if not wrong:
        return Outcome("", grads=got_grads)
    first = max(wrong)  # backward order: the latest node first
    return Outcome("gradient", node=first, expected=grads[first], got=got_grads[first], grads=got_grads)


def shares(
    recipe: Recipe, uses: Sequence[Use], nodes: list[Value], grads: list[float], node: int
) -> list[tuple[int, int, float]]:
    """What each use of `node` passes down to it, by chainrule (the recipe's `nodes` and `grads`
    from build_reference): (user, operand, share)."""
    found = []
    for user, position in recipe.users().get(node, []):
        line = recipe.lines[user - len(recipe.leaves)]
        form = uses[line.use].form
        point = tuple(nodes[a].data for a in line.args) + ((line.number,) if line.number is not None else ())
        _, partials = reference(form, point)
        found.append((user, position, grads[user] * partials[position]))
    return found


def picture(engine: Engine, recipe: Recipe, uses: Sequence[Use]) -> list[tuple[Any, float | None]]:
    """The recipe in chainrule with its gradients, beside the engine's gradient of each node (for draw())."""
    nodes, _ = build_reference(recipe, uses)
    nodes[-1].backward()
    try:
        theirs = build(engine, recipe, uses)
        limited(CALL_SECONDS, lambda: engine.backward(theirs[-1]))
        got = [engine.grad(n) for n in theirs]
    except (Exception, Timeout):
        got = [None] * len(nodes)
    return list(zip(nodes, got, strict=True))


def shares_text(engine: Engine, recipe: Recipe, uses: Sequence[Use], k: int, got: Any) -> str:
    """∂out/∂node as the sum of what each user passes down, by chainrule, beside the engine's."""
    nodes, grads = build_reference(recipe, uses)
    parts = shares(recipe, uses, nodes, grads, k)
    if not parts:
        return ""
    terms = " ".join(
        ("" if i == 0 else ("− " if s < 0 else "+ ")) + f"{abs(s) if i else s:.6g} (from {recipe.name(user)})"
        for i, (user, _, s) in enumerate(parts)
    )
    mine = (
        "; yours is not kept"
        if got is None
        else f"; yours is {got:.6g}" + (" ✓" if engine.close(grads[k], got) else " ✗")
    )
    return f"∂out/∂{recipe.name(k)} = {terms} = {grads[k]:.6g}{mine}"


class Inconsistent:
    """An outcome that changed from one replay to the next, with its finding."""

    kind = "inconsistent"

    def __init__(self, finding: Finding) -> None:
        self.finding = finding


def inconsistent(recipe: Recipe, uses: Sequence[Use], outcomes: list[Any]) -> Finding:
    """The same expression, built afresh, gave different numbers: two runs shown."""
    seen: dict[Any, Any] = {}
    for o in outcomes:
        seen.setdefault(o.signature, o)
    runs = list(seen.values())[:2]

    def described(o: Any) -> str:
        if o.kind == "":
            return "every gradient right"
        at = recipe.name(o.node) if o.node >= 0 else ""
        got = "" if o.got is None else f" = {o.got:.6g}"
        expected = "" if o.expected is None else f" (should be {o.expected:.6g})"
        return f"{o.kind} of {at}{got}{expected}" if at else o.what or o.kind

    return Finding(
        "gradient",
        None,
        recipe.text(uses),
        {recipe.name(i): x for i, x in enumerate(recipe.leaves)},
        cause=(
            f"results change from run to run: the same expression, built afresh, gave {described(runs[0])} "
            f"in one run and {described(runs[-1])} in another. Something in backward depends on more than "
            "the graph (an order that follows memory addresses, such as a loop over a set of nodes, or state "
            "kept between calls), and some runs give wrong gradients"
        ),
    )


ORDER = (
    "Backward must go from out down, visiting a node only after every node that uses it "
    "(reverse topological order)"
)


def never_arrived(name: str) -> str:
    return (
        f"{name}'s gradient never arrived (it is 0): a backward step ran before its node had "
        "received its gradient. " + ORDER
    )


__all__ = [
    "ORDER",
    "Inconsistent",
    "Line",
    "Outcome",
    "Recipe",
    "Skip",
    "build",
    "build_reference",
    "compare",
    "inconsistent",
    "never_arrived",
    "picture",
    "shares",
    "shares_text",
]
