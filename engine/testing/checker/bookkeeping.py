"""Backward's bookkeeping, by targeted experiments.

Each experiment is a tiny graph with a known answer, built only from ops that
passed alone, so a wrong number can only come from how backward walks the
graph and adds up gradients. The experiment that fails names the fault:

  one leaf, two ops          out = (x + y)·x: x's two shares must add up
  one op, a node twice       x·x, x + x
  a shared inner node        y = x·c; out = f(y)·y: y's step runs once, after both users
  order                      y below a chain and beside it: y's step waits for the chain

(the seed is seed.py's; the experiments over several backward passes or sizes are
sequences.py's)
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from typing import Any

from engine.testing.checker.alone import Use
from engine.testing.checker.recipes import (
    ORDER,
    Inconsistent,
    Line,
    Recipe,
    Skip,
    build_reference,
    compare,
    inconsistent,
    never_arrived,
    picture,
    shares,
    shares_text,
)
from engine.testing.checker.report import Finding
from engine.testing.checker.target import Engine, listing, source

X, Y, W = 0.83, -1.27, 0.56  # leaves where the shares of every experiment differ


class Experiments:
    """The experiments over the ops that passed alone (`uses`)."""

    def __init__(self, engine: Engine, uses: Sequence[Use]) -> None:
        self.engine, self.uses = engine, list(uses)
        self.binary = [
            i
            for i, u in enumerate(self.uses)
            if u.form.nodes == 2 and u.form.text in ("a * b", "a + b", "a - b", "a / b")
        ]
        self.binary.sort(key=lambda i: ("a * b", "a + b", "a - b", "a / b").index(self.uses[i].form.text))
        readable = ("a * c", "-a", "a + c", "c * a", "c + a", "a.tanh()", "a.exp()", "a.sigmoid()")
        self.unary = [i for i, u in enumerate(self.uses) if u.form.nodes == 1 and u.form.text != "a ** n"]
        self.unary.sort(
            key=lambda i: readable.index(self.uses[i].form.text) if self.uses[i].form.text in readable else 99
        )
        self.sharing_broken = False  # a fault when a node has two users: the search then draws trees
        self.walk_broken = False  # a fault of the walk itself, which any graph may show
        self.blamed: set[tuple[str, str]] = set()  # (form, operand) blamed for = where += belongs

    def number(self, use: int) -> float | None:
        form = self.uses[use].form
        if not form.number:
            return None
        passed = [p for p in form.points if p not in self.uses[use].refused]
        return passed[0][-1] if passed else form.points[0][-1]

    def line(self, use: int, *args: int) -> Line:
        return Line(use, args, self.number(use))

    def apply(self, use: int, *nodes: Any) -> Any:
        """Use `use` on the engine's nodes, with its number (as a node where the op takes only nodes)."""
        u, number = self.uses[use], self.number(use)
        if number is None:
            return u.call(*nodes)
        return u.call(*nodes, self.engine.constant(number) if u.wrap else number)

    # -- running one

    def run(self, recipe: Recipe) -> tuple[Any, list[float], Any]:
        """chainrule's nodes and gradients, and the engine's outcome (replayed)."""
        nodes, grads = build_reference(recipe, self.uses)
        return nodes, grads, self.outcome(recipe)

    def all(self) -> list[Finding]:
        """The experiments on one backward over a fresh graph; after a fault of sharing, the rest
        of them are not run (they could only echo it)."""
        found: list[Finding] = []
        if not self.binary:
            return found
        for experiment in (self.leaf_two_ops, self.node_twice, self.shared_inner, self.order):
            if self.sharing_broken:
                break
            found += experiment()
        return found

    def _failure(
        self,
        recipe: Recipe,
        outcome: Any,
        cause: str,
        node: int | None = None,
        through: int | None = None,
        **extra: Any,
    ) -> Finding:
        k = outcome.node if node is None else node
        inputs = {recipe.name(i): x for i, x in enumerate(recipe.leaves)}
        expected = outcome.expected
        got = outcome.got
        if node is not None:
            _, grads = build_reference(recipe, self.uses)
            expected, got = grads[node], outcome.grads[node] if outcome.grads else None
        finding = Finding(
            outcome.kind or "gradient", None, recipe.text(self.uses), inputs, expected, got, cause, **extra
        )
        if outcome.kind == "error":
            finding.cause = f"{outcome.what}" + (f" ({cause})" if cause else "")
            if outcome.where is not None:
                finding.location = f"{outcome.where}: {outcome.where.text}"
        finding.graph = picture(self.engine, recipe, self.uses)
        if k >= 0 and outcome.kind == "gradient":
            lines = [shares_text(self.engine, recipe, self.uses, k, got)]
            if through is not None:  # the inner node first: its own gradient, then what it passed down
                mine = outcome.grads[through] if len(outcome.grads) > through else None
                lines.insert(0, shares_text(self.engine, recipe, self.uses, through, mine))
            finding.detail = "\n".join(line for line in lines if line) + (
                "\n" + finding.detail if finding.detail else ""
            )
        return finding

    def clean(self) -> list[int]:
        """The binary ops no experiment found setting a gradient with =."""
        return [i for i in self.binary if self.uses[i].form.text not in {form for form, _ in self.blamed}]

    # -- the experiments

    def leaf_two_ops(self) -> list[Finding]:
        """out = G(F(x[, y]), x) for every form F, with x as each of its operands: G's step runs
        first (it is the root's), so x's share from F arrives last; = where += belongs in F
        leaves x with F's share alone. G is an op whose share differs from F's there."""
        found: list[Finding] = []
        other_fault: Finding | None = None
        tested: set[str] = set()  # the methods an experiment ran on
        for f, use in enumerate(self.uses):
            for position in range(use.form.nodes):
                leaves = (X, 1.27) if use.form.text == "a ** b" else (X, Y)
                chosen = None
                for g in self.binary:
                    if use.form.nodes == 2:
                        inner = Line(f, (0, 1) if position == 0 else (1, 0), self.number(f))
                        recipe = Recipe(leaves, (inner, Line(g, (2, 0))))
                    else:
                        recipe = Recipe(leaves[:1], (Line(f, (0,), self.number(f)), Line(g, (1, 0))))
                    try:
                        nodes, grads = build_reference(recipe, self.uses)
                    except Skip:
                        continue
                    parts = shares(recipe, self.uses, nodes, grads, 0)
                    from_f = sum(s for user, _, s in parts if user == len(recipe.leaves))
                    from_g = sum(s for user, _, s in parts if user != len(recipe.leaves))
                    if (
                        _distinct(from_f, from_g)
                        and _distinct(from_f, from_f + from_g)
                        and _distinct(from_g, from_f + from_g)
                    ):
                        chosen = recipe, from_f, from_g
                        break
                if chosen is None:
                    continue
                tested.add(use.method)
                recipe, from_f, from_g = chosen
                outcome = self.outcome(recipe)
                if outcome.kind == "":
                    continue
                if outcome.kind == "inconsistent":
                    self.sharing_broken = self.walk_broken = True  # the later experiments would echo it
                    return [outcome.finding]
                if outcome.kind != "gradient" or outcome.node != 0:
                    cause = ""
                    if outcome.kind == "gradient" and outcome.got == 0.0:
                        cause = never_arrived(recipe.name(outcome.node))
                    other_fault = other_fault or self._failure(recipe, outcome, cause)
                    continue
                got = outcome.got
                if self.engine.close(from_f, got):
                    operand = "ab"[position]
                    self.blamed.add((use.form.text, operand))
                    found.append(self._assign(recipe, outcome, use, operand))
                elif other_fault is None:
                    inner_name = recipe.name(len(recipe.leaves))
                    cause = "x0 is used by two ops, and its gradient is not the sum of their shares"
                    if self.engine.close(from_g, got):
                        cause = (
                            f"x0 got the share from out's op but not the one through {inner_name}: "
                            f"{inner_name}'s backward step ran before {inner_name} had its gradient. " + ORDER
                        )
                    other_fault = self._failure(recipe, outcome, cause)
        if found or other_fault:
            self.sharing_broken = True
        if other_fault is not None and not found:
            self.walk_broken = True
        found = self._everywhere(found, tested)
        return found or ([other_fault] if other_fault else [])

    def _everywhere(self, found: list[Finding], tested: set[str]) -> list[Finding]:
        """When every op shows = where += belongs, it may be written once, in backward or in a
        helper every op's step calls: the ops whose own source sets a gradient with = are blamed;
        if none does, one bookkeeping finding names the lines that do."""
        failing = {u.method for u in self.uses if u.written in {f.form for f in found} and not u.named}
        if len(tested) < 2 or failing != tested:
            return found
        pattern = re.compile(rf"\.{re.escape(self.engine.grad_name)}\s*=(?!=)")
        own = [
            f
            for f in found
            if pattern.search("\n".join(source(getattr(self.engine.cls, _method(f, self.uses)))[1]))
        ]
        if own:
            return own
        first = found[0]
        first.op, first.form, first.operand, first.location = None, None, None, None
        first.cause = (
            "every op shows it: a node used by two ops keeps only the share that arrives last. A gradient "
            "is set with = where += belongs, and not in any op's own method (none sets "
            f".{self.engine.grad_name} = itself): in backward, or in a helper every op's step calls"
        )
        lines = _assigning_lines(self.engine, pattern)
        first.detail = first.detail.split("\nyour ")[0]
        if lines:
            first.detail += "\nthe lines that set a gradient with =:\n" + "\n".join(
                f"    {line}" for line in lines
            )
        return [first]

    def first_failure(self, recipes: Sequence[Recipe]) -> tuple[Recipe, list[float], Any] | None:
        """The first of `recipes` the engine gets wrong (chainrule's gradients, its outcome), which
        marks sharing and the walk as broken; None when it gets them all right."""
        for recipe in recipes:
            try:
                _, grads, outcome = self.run(recipe)
            except Skip:
                continue
            if outcome.kind != "":
                self.sharing_broken = self.walk_broken = True
                return recipe, grads, outcome
        return None

    def right_once(self, recipe: Recipe) -> bool:
        """Whether the engine gets `recipe` right, built afresh each of a few times: the control
        for an experiment of several backward passes, which can only blame what the graph
        alone gets right."""
        try:
            return self.outcome(recipe).kind == ""
        except Skip:
            return False

    def pair(self) -> tuple[int, int]:
        """Two one-node ops for a chain (the same one twice when there is only one)."""
        return self.unary[0], self.unary[1] if len(self.unary) > 1 else self.unary[0]

    def outcome(self, recipe: Recipe, replays: int = 4) -> Any:
        """The engine's outcome on `recipe`, replayed: a result that changes is a finding of its own."""
        outcomes = [compare(self.engine, recipe, self.uses) for _ in range(replays)]
        if len({o.signature for o in outcomes}) > 1:
            return Inconsistent(inconsistent(recipe, self.uses, outcomes))
        return outcomes[0]

    def _assign(self, recipe: Recipe, outcome: Any, use: Use, operand: str) -> Finding:
        method = getattr(self.engine.cls, use.method, None) if not use.named else None
        name = _parameter(method, 0 if operand == "a" else 1) or ("self" if operand == "a" else "other")
        where, shown = listing(method, use.method) if method is not None else (None, "")
        finding = self._failure(
            recipe,
            outcome,
            f"x0 is used by two ops and keeps only the share from your {use.written} (as {operand}): "
            f"its backward step sets {name}.{self.engine.grad_name} with = where += belongs, "
            f"so the share already there is lost",
        )
        finding.op, finding.form, finding.operand = use.form.op, use.written, operand
        if where is not None:
            finding.location = str(where)
            finding.detail += "\n" + shown
        return finding

    def node_twice(self) -> list[Finding]:
        """out = F(x, x): one op, one node as both operands; both shares must add up."""
        for f in self.binary:
            use = self.uses[f]
            recipe = Recipe((X,), (Line(f, (0, 0)),))
            try:
                nodes, grads, outcome = self.run(recipe)
            except Skip:
                continue
            if outcome.kind == "":
                continue
            self.sharing_broken = True
            if outcome.kind == "inconsistent":
                return [outcome.finding]
            parts = shares(recipe, self.uses, nodes, grads, 0)
            if outcome.kind == "gradient" and len(parts) == 2 and _distinct(parts[0][2], parts[1][2]):
                kept = [p for _, p, s in parts if self.engine.close(s, outcome.got)]
                if kept:
                    operand = "ab"[kept[0]]
                    if (use.form.text, operand) in self.blamed:
                        return []
                    finding = self._assign(recipe, outcome, use, operand)
                    finding.cause = (
                        f"x0 is both operands of your {use.written} and keeps only one share (as {operand}): "
                        f"its backward step sets a gradient with = where += belongs"
                    )
                    return [finding]
            return [
                self._failure(
                    recipe,
                    outcome,
                    f"x0 is both operands of your {use.written}, and its gradient is not the sum of both "
                    "shares",
                )
            ]
        return []

    def shared_inner(self) -> list[Finding]:
        """y = U(x); out = G(V(y), y), and y + y + y: y has several users; its step must run once."""
        if not self.unary:
            return []
        g, (u, v) = self.binary[0], self.pair()
        add = next((i for i in self.binary if self.uses[i].form.text == "a + b"), g)
        recipes = [
            Recipe((X,), (self.line(u, 0), self.line(v, 1), Line(g, (2, 1)))),
            Recipe((X,), (self.line(u, 0), Line(add, (1, 1)), Line(add, (2, 1)))),
        ]
        failed = self.first_failure(recipes)
        if failed is None:
            return []
        recipe, grads, outcome = failed
        if outcome.kind == "inconsistent":
            return [outcome.finding]
        return [self._failure(recipe, outcome, self._inner_cause(recipe, grads, outcome), through=1)]

    def _inner_cause(self, recipe: Recipe, grads: list[float], outcome: Any) -> str:
        """Why x0 is wrong below y1, a node with several users, when y1's own gradient is right."""
        users = len(recipe.users()[1])
        mine = outcome.grads[1] if len(outcome.grads) > 1 else None
        if (
            outcome.kind != "gradient"
            or outcome.node != 0
            or mine is None
            or not self.engine.close(grads[1], mine)
        ):
            return f"y1 has {users} users, and the gradient below it is wrong"
        ratio = outcome.got / outcome.expected if outcome.expected else 0.0
        times = (
            f" ({round(ratio)} times what it should be)"
            if ratio > 1.5 and abs(ratio - round(ratio)) < 1e-6
            else ""
        )
        return (
            f"y1 has {users} users; its own gradient is right, but what reached x0 is not y1's gradient "
            f"times its local derivative{times}: y1's backward step ran more than once, or before all its "
            "users had "
            f"given their shares. A node's step must run once, after every node that uses it (reverse "
            f"topological order, each node listed once)"
        )

    def order(self) -> list[Finding]:
        """y = U(x); z = V(V(V(y))); out = G(z, y) and G(y, z): y's step must wait for the chain."""
        if not self.unary:
            return []
        g, (u, v) = self.binary[0], self.pair()
        chain = (self.line(u, 0), self.line(v, 1), self.line(v, 2), self.line(v, 3))
        failed = self.first_failure(
            [Recipe((X,), (*chain, Line(g, (4, 1)))), Recipe((X,), (*chain, Line(g, (1, 4))))]
        )
        if failed is None:
            return []
        recipe, _, outcome = failed
        if outcome.kind == "inconsistent":
            return [outcome.finding]
        cause = "the gradient of y1 (used by the chain above it and by out) is wrong"
        if outcome.kind == "gradient" and outcome.expected and 0 <= outcome.got / outcome.expected < 1:
            cause = (
                "y1's backward step ran before the chain above it had passed its share down: backward "
                "must visit a node only after every node that uses it (reverse topological order)"
            )
        return [self._failure(recipe, outcome, cause, node=0, through=1)]


def _method(finding: Finding, uses: Sequence[Use]) -> Any:
    return next((u.method for u in uses if u.written == finding.form), "")


def _assigning_lines(engine: Engine, pattern: re.Pattern[str]) -> list[str]:
    """The lines of the learner's file that set a gradient with = (a number seeding or zeroing aside)."""
    file = next(iter(engine.files), "")
    try:
        with open(file, encoding="utf-8") as f:
            text = f.read().splitlines()
    except OSError:
        return []
    found = []
    for number, line in enumerate(text, 1):
        match = pattern.search(line)
        if match and not re.fullmatch(r"\s*[-+]?[0-9.]+\s*(#.*)?", line[match.end() :]):
            found.append(f"{file.rsplit('/', 1)[-1]}:{number}: {line.strip()}")
    return found


def _parameter(method: Any, i: int) -> str | None:
    """The name the learner gave a method's i-th parameter (self, other, rhs, ...)."""
    try:
        names = list(inspect.signature(method).parameters)
    except (TypeError, ValueError):
        return None
    return names[i] if i < len(names) else None


def _distinct(a: float, b: float) -> bool:
    return abs(a - b) > 1e-3 * max(1.0, abs(a), abs(b))


__all__ = ["Experiments"]
