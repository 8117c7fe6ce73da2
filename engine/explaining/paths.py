"""The walks `explain` and the walkthrough share: nodes named and written out,
and the chain rule's factors between named nodes.

A node is *named* when it is labelled (the output and the input asked about
count as named too); a `Writer` names nodes and writes any other node as its
op over its inputs. A `Factor` is ∂top/∂bottom between two named nodes, the
unnamed nodes in between folded into it, written out from the op table's
rules run on named expressions (`engine.explaining.symbolic`): each node's
op says its local derivatives, and nothing here knows an op by name.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

from engine.explaining.symbolic import Sym, latex_name
from engine.ops import Op
from engine.value import Value


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
    def numbers(self) -> str:
        """The factor with the numbers put in: ``1·0.5237·(1 − 0.5237)``."""
        return self.expression.with_numbers().text()

    @property
    def value(self) -> float:
        return float(self.expression.data)

    def latex_name(self) -> str:
        return partial_latex(self.of, self.wrt)

    def __repr__(self) -> str:
        return f"Factor({self.name} = {self.formula} = {self.value!r})"


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
            elif n.op is None:
                self.syms[n] = Sym.number(n.data)
            else:
                missing = [p for p in n.parents if p not in self.syms]
                if missing:
                    stack.extend(missing)
                else:
                    self.syms[n] = self.definition(n)
        return self.syms[node]

    def definition(self, node: Value) -> Sym:
        """The node's op written over its inputs' names or expressions."""
        if node.op is None:
            return Sym.number(node.data)
        args = tuple(self.sym(p) for p in node.parents)
        return Sym.apply(node.op, args, node.arg, data=node.data)


def depending_on(wrt: Value, order: list[Value], index: dict[Value, int]) -> set[Value]:
    """The nodes of `order` that depend on `wrt` (itself included)."""
    if wrt not in index:
        return set()
    reaches = {wrt}
    for node in order[index[wrt] + 1 :]:
        if any(p in reaches for p in node.parents):
            reaches.add(node)
    return reaches


def factors_below(
    top: Value, writer: Writer, reaches: set[Value], order: list[Value], index: dict[Value, int]
) -> list[Factor]:
    """The factors from `top` down to the nearest labelled nodes towards wrt.

    A backward sweep like `engine.backward.backprop`, on named expressions,
    through unlabelled nodes only: each node is visited once all its uses
    inside the region have passed their share down, and its shares are summed
    then, once (in halves: a node used by n others costs n log n term merges).
    """
    shares: dict[Value, list[Sym]] = {top: [Sym.number(1.0)]}
    grads: dict[Value, Sym] = {}
    sizes: dict[Value, float] = {top: 1.0}  # Σ |product| over the paths down to each node
    via: dict[Value, tuple[Op, ...]] = {top: ()}
    heap = [-index[top]]  # the latest node first: its uses are all done
    bottoms: list[Value] = []
    while heap:
        node = order[-heapq.heappop(heap)]
        if node is not top and writer.is_named(node):
            continue  # a factor ends here
        op = node.op
        if op is None:
            continue
        out, args = writer.sym(node), [writer.sym(p) for p in node.parents]
        try:
            local = op.local_grads(out, *args) if node.arg is None else op.local_grads(out, *args, node.arg)
        except (ZeroDivisionError, OverflowError):
            raise ValueError(
                f"explain: the derivative of {op.name} at {[a.data for a in args]} "
                f"is not finite ({op.formula})"
            ) from None
        g = grads[node] = _total(shares[node])
        for parent, d in zip(node.parents, local, strict=True):
            if parent not in reaches:
                continue
            contribution = d * g  # local first: w5·y_pred·(1 − y_pred) reads bottom-up
            sizes[parent] = sizes.get(parent, 0.0) + abs(d.data if isinstance(d, Sym) else d) * sizes[node]
            if not isinstance(contribution, Sym):
                contribution = Sym.number(contribution)
            if parent in shares:
                shares[parent].append(contribution)
            else:
                shares[parent] = [contribution]
                heapq.heappush(heap, -index[parent])
                if writer.is_named(parent):
                    bottoms.append(parent)
            via[parent] = tuple({id(o): o for o in (*via.get(parent, ()), *via[node], op)}.values())
    first_met = preorder_in(top, shares, writer)  # factors in the order the inputs are read
    bottoms.sort(key=first_met.__getitem__)
    return [
        Factor(top, b, writer.name(top), writer.name(b), _total(shares[b]), via[b], sizes[b]) for b in bottoms
    ]


def _total(terms: list[Sym]) -> Sym:
    """Σ terms, added in halves: each term is merged log n times, not n times."""
    if len(terms) == 1:
        return terms[0]
    half = len(terms) // 2
    return _total(terms[:half]) + _total(terms[half:])


def preorder_in(top: Value, region: dict[Value, Any], writer: Writer) -> dict[Value, int]:
    """Each node of `region` numbered by when a depth-first walk from top, inputs in order, meets it."""
    seen: dict[Value, int] = {}
    stack = [top]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen[node] = len(seen)
        if node is top or not writer.is_named(node):
            stack.extend(p for p in reversed(node.parents) if p in region and p not in seen)
    return seen


def partial_latex(of: str, wrt: str) -> str:
    return rf"\frac{{\partial {latex_name(of)}}}{{\partial {latex_name(wrt)}}}"


__all__ = ["Factor", "Writer", "depending_on", "factors_below", "partial_latex"]
