"""∂output/∂wrt as a picture: the chain rule's paths through the graph, each step labelled.

`explain` (engine.explaining) writes the derivation; this draws it between
the labelled nodes, as the documents draw a network.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import engine.viz.style as style
from engine.autodiff import gradients
from engine.explaining import Derivation, explain, number_text
from engine.graph import topological_order
from engine.value import Value
from engine.viz.style import COLOURS, GREY, PATH, Drawing


def draw_derivation(
    output: Value, wrt: Value, rankdir: str = "LR", max_nodes: int = 40, derivation: Derivation | None = None
) -> Drawing:
    """∂output/∂wrt as a picture: the chain rule's path(s), each step labelled.

    The graph is drawn between labelled nodes, as the documents draw a
    network (unlabelled nodes are folded into the formulas): each box shows
    a node's name, what it is computed from (``h1 = σ(w1·x1 + w2·x2 + b1)``),
    its data and ∂output/∂node. The paths from `output` down to `wrt` are
    red, each red edge labelled with its factor's formula and value; the
    caption holds the product, the total and the engine's check. The rest
    of the graph is grey; above `max_nodes` labelled nodes, only the paths
    and a few neighbours of each are drawn.

    Args:
        output, wrt: as for `engine.explain`.
        rankdir: "LR" (inputs on the left) or "TB", "RL", "BT".
        max_nodes: how many labelled nodes to draw in full.
        derivation: an `explain(output, wrt)` already made, to reuse.
    """
    style.check_value(output, "output")
    style.check_value(wrt, "wrt")
    style.check_rankdir(rankdir, "draw_derivation")
    style.check_max_nodes(max_nodes, "draw_derivation", none_ok=False)
    d = derivation if derivation is not None else explain(output, wrt)
    if d.output is not output or d.wrt is not wrt:
        raise ValueError(
            f"draw_derivation: the derivation given is {d.name}, not of this output with respect to this wrt"
        )
    writer = d.writer  # the derivation's own names and formulas
    order = topological_order(output)
    named = [n for n in order if writer.is_named(n)]
    name = {n: writer.name(n) for n in named}
    below = {n: _named_inputs(n, name) for n in named}
    on_path = {n: None for p in d.paths for f in p.factors for n in (f.top, f.bottom)}
    if wrt is output:
        on_path[output] = None
    drawn = set(named) if len(named) <= max_nodes else _neighbourhood(on_path, below)
    # Many factors (every path through a wide network): edges show values only, boxes no formulas.
    compact = len(d.factors) > COMPACT
    ids = style.node_ids(order)
    derivatives = dict(zip(named, gradients(output, named), strict=True))
    g = style.new_drawing(rankdir)
    for n in named:
        if n not in drawn:
            continue
        definition = None if n.op is None or (compact and n is not output) else writer.definition(n)
        g.node(
            ids[n],
            label=_derivation_box(n, name[n], d.of, definition, derivatives[n], n in on_path, output, wrt),
        )
    factors = {(f.bottom, f.top): f for f in d.factors}
    hidden: Counter[Value] = Counter()
    for top in named:
        for bottom in below[top]:
            if top not in drawn or bottom not in drawn:
                for n in (top, bottom):
                    if n in drawn and n in on_path:  # count what a path node's neighbours left out
                        hidden[n] += 1
                continue
            f = factors.get((bottom, top))
            if f is None:
                g.edge(ids[bottom], ids[top], color=GREY)
            else:
                g.edge(ids[bottom], ids[top], color=PATH, penwidth="2.5", label=_factor_label(f, compact))
    for n, count in hidden.items():  # a note beside the node
        if count:
            g.node(
                f"{ids[n]}more",
                label=style.html_label(f"… {count:,} more"),
                shape="plaintext",
                fontcolor=GREY,
            )
            g.edge(f"{ids[n]}more", ids[n], style="dashed", color=GREY, arrowhead="none")
    g.attr(label=_caption(d), labelloc="b", labeljust="l")
    return g


def _named_inputs(node: Value, name: dict[Value, str]) -> list[Value]:
    """The labelled nodes `node` is computed from, through unlabelled ones, in input order."""
    found: dict[Value, None] = {}
    seen = set()
    stack = list(reversed(node.parents))
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if n in name:
            found[n] = None
        else:
            stack.extend(reversed(n.parents))
    return list(found)


NEIGHBOURS = 4  # in a big graph, how many labelled neighbours of each path node to draw
COMPACT = 24  # above this many factors, a derivation's picture shows their values only


def _neighbourhood(on_path: dict[Value, None], below: dict[Value, list[Value]]) -> set[Value]:
    """The path nodes and, unless they are many, a few of each one's neighbours."""
    drawn = set(on_path)
    if len(on_path) > NEIGHBOURS * 3:
        return drawn
    above: dict[Value, list[Value]] = {}
    for top, inputs in below.items():
        for n in inputs:
            above.setdefault(n, []).append(top)
    for n in on_path:
        for around in (below.get(n, []), above.get(n, [])):
            drawn.update([m for m in around if m not in on_path][:NEIGHBOURS])
    return drawn


def _derivation_box(
    n: Value, name: str, of: str, definition: Any, derivative: float, on_path: bool, output: Value, wrt: Value
) -> str:
    role = "output" if n is output else "parameter" if n is wrt else "value" if n.op is not None else "leaf"
    colour = COLOURS[role] if on_path else "#ffffff"
    font = "#000000" if on_path else GREY
    rows = [f"<B>{style.html_text(name)}</B>"]
    if definition is not None:
        rows.append(f"= {style.html_text(definition.text())}")
    rows.append(f"data {style.num(n.data)}")
    rows.append(f"∂{style.html_text(of)}/∂{style.html_text(name)} = {style.num(derivative)}")
    cells = "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
    border = PATH if on_path else GREY
    inner = f'<FONT COLOR="{font}"><TABLE BORDER="0" CELLSPACING="0">{cells}</TABLE></FONT>'
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" BGCOLOR="{colour}" '
        f'COLOR="{border}"><TR><TD>{inner}</TD></TR></TABLE>>'
    )


def _factor_label(f: Any, compact: bool) -> str:
    if compact:
        return f'<<FONT COLOR="{PATH}">{style.html_text(number_text(f.value))}</FONT>>'
    return (
        f'<<FONT COLOR="{PATH}">{style.html_text(f.name)} = {style.html_text(f.formula)}'
        f"<BR/>= {style.html_text(number_text(f.value))}</FONT>>"
    )


def _caption(d: Derivation) -> str:
    left = '<BR ALIGN="LEFT"/>'
    lines = []
    if not d.paths:
        lines.append(f"{d.name} = 0: {d.of} does not depend on {d.by}")
    else:
        shown = d.paths[:3]  # the chain rule, path by path
        lines.append(f"{d.name} = {shown[0]}")
        lines += [f"{' ' * 4}+ {p}" for p in shown[1:]]
        if len(d.paths) > len(shown):
            lines.append(f"{' ' * 4}+ … ({len(d.paths) - len(shown):,} more paths)")
        if len(d.paths) == 1:
            product = " × ".join(number_text(f.value, brackets=True) for f in d.paths[0].factors) or "1"
            lines.append(f"{' ' * 4}= {product} = {number_text(d.value)}")
        else:
            lines.append(f"{' ' * 4}= sum over {len(d.paths):,} paths = {number_text(d.value)}")
        lines += [f"{op.symbol}: {op.formula}" for op in d.rules if op.activation]
        if len(d.factors) > COMPACT:
            lines.append(
                f"{len(d.factors):,} factors: their formulas are in print(engine.explain({d.of}, {d.by}))"
            )
    lines.append(d.verdict())
    return "<" + left.join(style.html_text(line) for line in lines) + left + ">"


__all__ = ["draw_derivation"]
