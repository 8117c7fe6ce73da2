"""`explain`: a derivative written out by the chain rule, the way the documents do it by hand.

∂output/∂wrt is the sum, over every path from `output` down to `wrt`, of
the product of the path's factors. A factor runs between two *labelled*
nodes (`output` and `wrt` count as labelled): with `L`, `y_pred`, `h1` and
`w1` labelled, ∂L/∂w1 = ∂L/∂y_pred · ∂y_pred/∂h1 · ∂h1/∂w1, and each
unlabelled node in between is folded into its factor. Label the nodes you
want to see as steps.

Each factor is written out from the op table's local-derivative rules, run
on named expressions (`engine.symbolic`) instead of floats, e.g.
``∂y_pred/∂h1 = w5·y_pred·(1 − y_pred)``: ∂(a·b)/∂a = b for the ``w5·h1``
inside, then σ's rule f'(x) = f(x)(1 − f(x)) for the sigmoid. Nothing here
knows an individual op.

The numbers are computed independently of the engine's backward (factor
by factor, path by path), and a Derivation compares its total with
`engine.gradients` and says whether they agree.
"""

from __future__ import annotations

import heapq
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from engine.autodiff import gradients
from engine.graph import topological_order
from engine.ops import Op
from engine.symbolic import Sym, latex_name, number_text
from engine.value import Value

# Sum and product over paths against the engine's gradient: relative to the
# size of the terms (Σ over every path, through unlabelled nodes too, of
# |its product|), so that terms cancelling to ~0 are judged fairly: summed
# in another order, 1 − 1 + 2⁻¹⁰²² is 0 or 2⁻¹⁰²².
TOLERANCE = 1e-12
# How many paths, definitions and factors `str()` lists one by one.
SHOWN = 24


@dataclass(frozen=True, eq=False)
class Factor:
    """One step of the chain rule: ∂top/∂bottom, between two labelled nodes.

    Attributes:
        top, bottom: the nodes it runs between (bottom is an input of top,
            possibly through unlabelled nodes, which it folds in).
        of, wrt: their names.
        expression: the factor written with labels, and its value.
        rules: the ops passed through, whose rules it was built from.
        size: Σ |product of local derivatives| over the paths it folds in
            (≥ |value|; more when they cancel).
    """

    top: Value
    bottom: Value
    of: str
    wrt: str
    expression: Sym
    rules: tuple[Op, ...]
    size: float

    @property
    def name(self) -> str:
        return f"∂{self.of}/∂{self.wrt}"

    @property
    def formula(self) -> str:
        """The factor in the documents' notation: ``x1·h1·(1 − h1)``."""
        return self.expression.text()

    @property
    def value(self) -> float:
        return float(self.expression.data)

    def latex_name(self) -> str:
        return _partial_latex(self.of, self.wrt)

    def __repr__(self) -> str:
        return f"Factor({self.name} = {self.formula} = {self.value!r})"


@dataclass(frozen=True, eq=False)
class Path:
    """One path from output down to wrt: its factors, top first, their product and its size."""

    factors: tuple[Factor, ...]
    value: float
    size: float

    def __str__(self) -> str:
        return " · ".join(f.name for f in self.factors) or "1"


class Derivation:
    """∂output/∂wrt written out by the chain rule. Made by `engine.explain`.

    Attributes:
        output, wrt: the two Values; `of` and `by` their names.
        writer: how its nodes are named and written (a `Writer`), for
            pictures to write them the same way.
        paths: every path from output to wrt, each a product of Factors.
        factors: the distinct factors, in the order the paths meet them.
        definitions: (name, expression) for each labelled node on the paths,
            as computed from the labelled nodes below it: ``h1 = σ(w1·x1 + w2·x2 + b1)``.
        value: the sum over the paths of their products.
        gradient: what `engine.gradients(output, [wrt])` gives.
        agrees: whether the two are equal to 1e-12 (relative to the terms).
    """

    def __init__(
        self,
        writer: Writer,
        paths: list[Path],
        definitions: list[tuple[str, Sym]],
    ) -> None:
        self.writer = writer
        self.output, self.wrt = writer.output, writer.wrt
        self.of, self.by = writer.name(self.output), writer.name(self.wrt)
        self.paths = paths
        self.factors = list({id(f): f for p in paths for f in p.factors}.values())
        self.definitions = definitions
        self.value = math.fsum(p.value for p in paths)
        (self.gradient,) = gradients(self.output, [self.wrt])
        scale = max(abs(self.gradient), math.fsum(p.size for p in paths))
        difference = abs(self.value - self.gradient)
        self.relative_difference = difference / scale if scale else difference
        # nan and nan, or inf and inf, are the same answer: no difference to measure.
        same = self.value == self.gradient or (math.isnan(self.value) and math.isnan(self.gradient))
        # Below the smallest normal float (2.2e-308) numbers have no relative precision left:
        # (−0.5·x)·2 and −0.5·(2·x) differ there by a whole unit, so compare absolutely.
        self.agrees = same or self.relative_difference <= TOLERANCE or difference < sys.float_info.min

    @property
    def name(self) -> str:
        return f"∂{self.of}/∂{self.by}"

    @property
    def rules(self) -> list[Op]:
        """Every op whose rule the factors use, in order of first use."""
        return list({id(op): op for f in self.factors for op in f.rules}.values())

    def chain(self) -> str:
        """The chain rule for this derivative: ``∂L/∂y_pred · ∂y_pred/∂h1 · ∂h1/∂w1``."""
        return " + ".join(map(str, self.paths)) if self.paths else "0"

    def verdict(self) -> str:
        """One line comparing the total with the engine's gradient."""
        call = f"engine.gradients({self.of}, [{self.by}])"
        if self.agrees:
            return f"{call} = {self.gradient!r}: equal to 1e-12 ✓"
        return (
            f"{call} = {self.gradient!r}: DIFFERS from the sum over paths "
            f"(relative difference {self.relative_difference:.3g}) ✗"
        )

    def __str__(self) -> str:
        if not self.paths:
            return f"{self.name} = 0: {self.of} does not depend on {self.by} (no path)\n{self.verdict()}"
        if not self.factors:
            return f"{self.name} = 1: {self.by} is {self.of} itself\n{self.verdict()}"
        paths = _count(len(self.paths), "path")
        lines = [f"{self.name} by the chain rule, over {paths} from {self.of} down to {self.by}"]
        if self.definitions:
            lines.append("")
            lines += _listed([f"  {name} = {expr.text()}" for name, expr in self.definitions], "definition")
        head = f"  {self.name} = "
        terms = [str(p) for p in self.paths]
        chain = [head + terms[0]] + [" " * (len(head) - 2) + "+ " + t for t in terms[1:]]
        lines += ["", *_listed(chain, "path"), ""]
        width = max(len(f.name) for f in self.factors)
        formula_width = max(len(f.formula) for f in self.factors)
        lines += _listed(
            [
                f"  {f.name:<{width}} = {f.formula:<{formula_width}} = {number_text(f.value)}"
                for f in self.factors
            ],
            "factor",
        )
        lines += ["", "  with the local derivatives of the op table"]
        lines += [f"    {op.symbol} ({op.name}): {op.formula}" for op in self.rules]
        lines.append("")
        for i, p in enumerate(self.paths[:SHOWN], 1):
            product = " × ".join(number_text(f.value, brackets=True) for f in p.factors) or "1"
            prefix = f"  path {i}: " if len(self.paths) > 1 else f"  {self.name} = "
            lines.append(f"{prefix}{product} = {number_text(p.value)}")
        if len(self.paths) > SHOWN:
            lines.append(f"  … and {_count(len(self.paths) - SHOWN, 'more path')}")
        if len(self.paths) > 1:
            lines.append(f"  {self.name} = sum over the paths = {self.value!r}")
        else:
            lines[-1] += f" ({self.value!r})"
        lines.append(f"  {self.verdict()}")
        return "\n".join(lines)

    def to_latex(self) -> str:
        """The derivation as a LaTeX ``aligned`` block (for notebooks and papers)."""
        name = _partial_latex(self.of, self.by)
        if not self.paths:
            return rf"\begin{{aligned}}{name} &= 0\end{{aligned}}"
        chain = " + ".join(
            r" \cdot ".join(f.latex_name() for f in p.factors) or "1" for p in self.paths[:SHOWN]
        )
        if len(self.paths) > SHOWN:
            chain += r" + \dots"
        rows = [f"{name} &= {chain}"]
        rows += [f"{latex_name(n)} &= {expr.latex()}" for n, expr in self.definitions]
        for f in self.factors:
            rows.append(f"{f.latex_name()} &= {f.expression.latex()} = {Sym.number(f.value).latex()}")
        rows.append(f"{name} &= {Sym.number(self.value).latex()}")
        return r"\begin{aligned}" + " \\\\\n".join(rows) + r"\end{aligned}"

    def _repr_latex_(self) -> str:  # Jupyter shows the LaTeX
        return f"$${self.to_latex()}$$"

    def __float__(self) -> float:
        return self.value

    def __repr__(self) -> str:
        check = "agrees with" if self.agrees else "DIFFERS from"
        return (
            f"Derivation({self.name} = {number_text(self.value)} over {_count(len(self.paths), 'path')}, "
            f"{check} engine.gradients)"
        )


def explain(output: Value, wrt: Value, max_paths: int = 10_000) -> Derivation:
    """∂output/∂wrt written out by the chain rule, factor by factor.

    Args:
        output: the Value to differentiate (a loss, say).
        wrt: the Value to differentiate with respect to.
        max_paths: the most paths to list; a graph with more raises
            ValueError (label fewer nodes, or explain a smaller part).

    Returns:
        A `Derivation`: print it, or `.to_latex()`; `engine.viz.draw_derivation`
        draws it.
    """
    for what, v in (("output", output), ("wrt", wrt)):
        if not isinstance(v, Value):
            raise TypeError(f"explain: {what} must be a Value, got {type(v).__name__}")
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1:
        raise ValueError(f"explain: max_paths must be a positive int, got {max_paths!r}")
    order = topological_order(output)
    index = {node: i for i, node in enumerate(order)}
    reaches = _depending_on(wrt, order, index)
    writer = Writer(output, wrt)
    steps: dict[Value, list[Factor]] = {
        node: _factors_below(node, writer, reaches, order, index)
        for node in order
        if node in reaches and node is not wrt and writer.is_named(node)
    }
    counts = {wrt: 1}
    for node in order:
        if node in steps:
            counts[node] = sum(counts[f.bottom] for f in steps[node])
    n_paths = counts.get(output, 0)
    if n_paths > max_paths:
        raise ValueError(
            f"explain: ∂{writer.name(output)}/∂{writer.name(wrt)} runs over {n_paths:,} paths, more than "
            f"max_paths={max_paths:,}; raise max_paths, or label fewer nodes in between "
            "(each labelled node is a step of its own)"
        )
    paths = list(_paths(output, wrt, steps)) if output in counts else []
    on_paths = {f.top: None for p in paths for f in p.factors}  # in the order the paths meet them
    definitions = [(writer.name(n), writer.definition(n)) for n in on_paths]
    return Derivation(writer, paths, definitions)


class Writer:
    """Names and expressions of nodes: a labelled node is its label, an
    unlabelled leaf its number, any other node its op written over its inputs."""

    def __init__(self, output: Value, wrt: Value) -> None:
        self.output, self.wrt = output, wrt
        self.syms: dict[Value, Sym] = {}

    def is_named(self, node: Value) -> bool:
        return bool(node.label) or node is self.output or node is self.wrt

    def name(self, node: Value) -> str:
        return node.label or ("output" if node is self.output else "input")

    def sym(self, node: Value) -> Sym:
        stack = [node]  # iterative: a long unlabelled chain must not overflow the stack
        while stack:
            n = stack[-1]
            if n in self.syms:
                stack.pop()
            elif self.is_named(n):
                self.syms[n] = Sym.name(self.name(n), n.data)
            elif n._op is None:
                self.syms[n] = Sym.number(n.data)
            else:
                missing = [p for p in n._parents if p not in self.syms]
                if missing:
                    stack.extend(missing)
                else:
                    self.syms[n] = self.definition(n)
        return self.syms[node]

    def definition(self, node: Value) -> Sym:
        """The node's op written over its inputs' names or expressions."""
        if node._op is None:
            return Sym.number(node.data)
        args = tuple(self.sym(p) for p in node._parents)
        return Sym.apply(node._op, args, node._arg, data=node.data)


def _depending_on(wrt: Value, order: list[Value], index: dict[Value, int]) -> set[Value]:
    """The nodes of `order` that depend on `wrt` (itself included)."""
    if wrt not in index:
        return set()
    reaches = {wrt}
    for node in order[index[wrt] + 1 :]:
        if any(p in reaches for p in node._parents):
            reaches.add(node)
    return reaches


def _factors_below(
    top: Value, writer: Writer, reaches: set[Value], order: list[Value], index: dict[Value, int]
) -> list[Factor]:
    """The factors from `top` down to the nearest labelled nodes towards wrt.

    A backward sweep like `engine.graph.backprop`, on named expressions,
    through unlabelled nodes only: each node is visited once all its uses
    inside the region have passed their share down.
    """
    grads: dict[Value, Sym] = {top: Sym.number(1.0)}
    sizes: dict[Value, float] = {top: 1.0}  # Σ |product| over the paths down to each node
    via: dict[Value, tuple[Op, ...]] = {top: ()}
    heap = [-index[top]]  # the latest node first: its uses are all done
    bottoms: list[Value] = []
    while heap:
        node = order[-heapq.heappop(heap)]
        if node is not top and writer.is_named(node):
            continue  # a factor ends here
        op = node._op
        if op is None:
            continue
        out, args = writer.sym(node), [writer.sym(p) for p in node._parents]
        try:
            local = op.local_grads(out, *args) if node._arg is None else op.local_grads(out, *args, node._arg)
        except (ZeroDivisionError, OverflowError):
            raise ValueError(
                f"explain: the derivative of {op.name} at {[a.data for a in args]} "
                f"is not finite ({op.formula})"
            ) from None
        g = grads[node]
        for parent, d in zip(node._parents, local, strict=True):
            if parent not in reaches:
                continue
            contribution = d * g  # local first: w5·y_pred·(1 − y_pred) reads bottom-up
            sizes[parent] = sizes.get(parent, 0.0) + abs(d.data if isinstance(d, Sym) else d) * sizes[node]
            if not isinstance(contribution, Sym):
                contribution = Sym.number(contribution)
            if parent in grads:
                grads[parent] = grads[parent] + contribution
            else:
                grads[parent] = contribution
                heapq.heappush(heap, -index[parent])
                if writer.is_named(parent):
                    bottoms.append(parent)
            via[parent] = tuple({id(o): o for o in (*via.get(parent, ()), *via[node], op)}.values())
    first_met = _preorder(top, grads, writer)  # factors in the order the inputs are read
    bottoms.sort(key=first_met.__getitem__)
    return [Factor(top, b, writer.name(top), writer.name(b), grads[b], via[b], sizes[b]) for b in bottoms]


def _preorder(top: Value, region: dict[Value, Sym], writer: Writer) -> dict[Value, int]:
    """Each node of `region` numbered by when a depth-first walk from top, inputs in order, meets it."""
    seen: dict[Value, int] = {}
    stack = [top]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen[node] = len(seen)
        if node is top or not writer.is_named(node):
            stack.extend(p for p in reversed(node._parents) if p in region and p not in seen)
    return seen


def _paths(output: Value, wrt: Value, steps: dict[Value, list[Factor]]) -> Iterator[Path]:
    """Every path from output down to wrt, depth first, in the graph's order."""
    stack: list[tuple[Value, tuple[Factor, ...]]] = [(output, ())]
    while stack:
        node, factors = stack.pop()
        if node is wrt:
            value = size = 1.0
            for f in factors:
                value *= f.value
                size *= f.size
            yield Path(factors, value, size)
            continue
        for f in reversed(steps.get(node, [])):
            stack.append((f.bottom, (*factors, f)))


def _partial_latex(of: str, wrt: str) -> str:
    return rf"\frac{{\partial {latex_name(of)}}}{{\partial {latex_name(wrt)}}}"


def _listed(lines: list[str], what: str) -> list[str]:
    if len(lines) <= SHOWN:
        return lines
    return [*lines[:SHOWN], f"  … and {_count(len(lines) - SHOWN, 'more ' + what)}"]


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}" + ("" if n == 1 else "s")


__all__ = ["Derivation", "Factor", "Path", "explain"]
