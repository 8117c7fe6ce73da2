"""`explain`: a derivative written out by the chain rule, the way the documents do it by hand.

∂output/∂wrt is the sum, over every path from `output` down to `wrt`, of
the product of the path's factors. A factor runs between two *labelled*
nodes (`output` and `wrt` count as labelled): with `L`, `y_pred`, `h1` and
`w1` labelled, ∂L/∂w1 = ∂L/∂y_pred · ∂y_pred/∂h1 · ∂h1/∂w1, and each
unlabelled node in between is folded into its factor. Label the nodes you
want to see as steps.

Each factor is written out from the op table's local-derivative rules, run
on named expressions (`engine.explaining.symbolic`) instead of floats, e.g.
``∂y_pred/∂h1 = w5·y_pred·(1 − y_pred)``: ∂(a·b)/∂a = b for the ``w5·h1``
inside, then σ's rule f'(x) = f(x)(1 − f(x)) for the sigmoid. Nothing here
knows an individual op.

The numbers are computed independently of the engine's backward (factor
by factor, path by path), and a Derivation compares its total with
`engine.gradients` and says whether they agree.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from engine.autodiff import gradients
from engine.explaining.paths import Factor, Writer, depending_on, factors_below, partial_latex
from engine.explaining.symbolic import Sym, latex_name, number_text
from engine.graph import topological_order
from engine.ops import Op
from engine.value import Value

# Sum and product over paths against the engine's gradient: relative to the
# size of the terms (Σ over every path, through unlabelled nodes too, of
# |its product|), so that terms cancelling to ~0 are judged fairly: summed
# in another order, 1 − 1 + 2⁻¹⁰²² is 0 or 2⁻¹⁰²².
TOLERANCE = 1e-12
# How many paths, definitions and factors `str()` lists one by one.
SHOWN = 24


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
        name = partial_latex(self.of, self.by)
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
    reaches = depending_on(wrt, order, index)
    writer = Writer(output, wrt)
    steps: dict[Value, list[Factor]] = {
        node: factors_below(node, writer, reaches, order, index)
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


def _listed(lines: list[str], what: str) -> list[str]:
    if len(lines) <= SHOWN:
        return lines
    return [*lines[:SHOWN], f"  … and {_count(len(lines) - SHOWN, 'more ' + what)}"]


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}" + ("" if n == 1 else "s")


__all__ = ["Derivation", "Factor", "Path", "explain"]
