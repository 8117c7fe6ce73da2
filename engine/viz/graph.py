"""The computation graph as a picture: `draw_dot`, in the style of micrograd's lecture.

A graph too big to draw node by node is summarised (`engine.viz.summary`
groups its nodes into boxes by their labels).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import engine.viz.style as style
from engine.graph import topological_order
from engine.value import Value
from engine.viz.style import COLOURS, Drawing
from engine.viz.summary import Summary, summarise

Box = Callable[[Value, str], str]  # (node, role) -> its box's label
EdgeStyle = Callable[["Value | None", Value], dict[str, str]]  # (input or None, node) -> edge attributes


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    parameters: Iterable[Value] = (),
    max_nodes: int | None = 400,
    format: str = "svg",  # noqa: A002 - micrograd's trace_graph calls it so
) -> Drawing:
    """The computation graph that `root` depends on, in the style of micrograd's lecture.

    One box per Value (its label, data and grad) and one oval per op, with an
    edge per input (``x * x`` has two). Inputs and constants are grey,
    `parameters` blue, `root` green.

    Args:
        root: the Value to draw the graph of (a loss, say).
        rankdir: "LR" (inputs on the left) or "TB", "RL", "BT".
        parameters: Values to show as parameters (e.g. ``model.parameters()``).
        format: what `.render(name)` writes ("svg", as micrograd's `draw_dot`;
            "png", "pdf"); `draw_dot(root, format="svg", rankdir="LR")` is
            micrograd's call.
        max_nodes: above this many Values the graph is summarised: nodes are
            grouped by the dotted prefix of their labels (`L1.N3.w12` and the
            neuron's own nodes are box `L1.N3`), as finely as fits; a note
            says how to draw any part in full. None draws every node.

    Returns:
        A `graphviz.Digraph`; `.render(path, format="svg")` writes a picture.
    """
    style.check_value(root, "root")
    style.check_rankdir(rankdir, "draw_dot")
    style.check_max_nodes(max_nodes, "draw_dot")
    params = set(parameters)
    order = topological_order(root)
    if not isinstance(format, str) or not format:
        raise ValueError(f"draw_dot: format must be an output format such as 'svg' or 'png', got {format!r}")
    g = style.new_drawing(rankdir, format)
    if max_nodes is None or len(order) <= max_nodes:
        draw_all(g, order, root, params)
    else:
        _draw_summary(g, order, root, params, max_nodes)
    return g


def draw_all(
    g: Drawing,
    order: list[Value],
    root: Value,
    params: set[Value],
    box: Box = lambda node, role: style.box(node, role),
    edge: EdgeStyle = lambda parent, node: {},
) -> None:
    """Every node: a box (`box(node, role)`), and for a computed one an oval for its
    op with an edge per input (`edge(parent, node)`: its attributes; parent None for
    the oval's edge into the box), each with its id in an SVG (`engine.viz.style`)."""
    ids = style.node_ids(order)
    roles = set()
    for node in order:
        role = role_of(node, root, params)
        roles.add(role)
        i = ids[node]
        g.node(i, label=box(node, role), id=i)
        if node.op is not None:
            oval = style.op_id(i)
            g.node(
                oval,
                label=style.html_label(style.op_text(node)),
                shape="ellipse",
                style="",
                margin="0.05",
                id=oval,
            )
            g.edge(oval, i, id=style.out_edge_id(i), **edge(None, node))
            for k, parent in enumerate(node.parents):  # one edge per input: x * x has two
                g.edge(ids[parent], oval, id=style.in_edge_id(ids[parent], i, k), **edge(parent, node))
    g.attr(label=_legend(roles))


def role_of(node: Value, root: Value, params: set[Value]) -> str:
    """How a node's box is coloured: "output", "parameter", "leaf" or "value" (computed)."""
    if node is root:
        return "output"
    if node in params:
        return "parameter"
    return "leaf" if node.op is None else "value"


def _legend(roles: set[str]) -> str:
    words = {"leaf": "inputs and constants", "parameter": "parameters", "output": "the output"}
    cells = "".join(
        f'<TD BGCOLOR="{COLOURS[r]}" BORDER="1">{words[r]}</TD>'
        for r in ("leaf", "parameter", "output")
        if r in roles
    )
    return f'<<TABLE BORDER="0" CELLSPACING="6" CELLPADDING="3"><TR>{cells}</TR></TABLE>>'


def _draw_summary(g: Drawing, order: list[Value], root: Value, params: set[Value], max_nodes: int) -> None:
    summary = summarise(order, root, max_nodes)
    ids = {box: f"b{i}" for i, box in enumerate(summary.members)}
    for box in summary.shown:  # Graphviz keeps this order
        nodes = summary.members[box]
        if len(nodes) == 1:
            node = nodes[0]
            g.node(ids[box], label=style.box(node, role_of(node, root, params), with_op=True))
        else:
            g.node(ids[box], label=_group_box(box, nodes, params))
    for a, b, n in summary.edges:  # in the boxes' order, as ordering=in asks
        g.edge(ids[a], ids[b], label=f"×{n:,}" if n > 1 else None)
    # ordering=in keeps each box's inputs in the order given: L1.N1 above L1.N2.
    g.attr(label=style.html_label(summary.note), labelloc="b", labeljust="l", ordering="in")


def _group_box(box: str, nodes: list[Value], params: set[Value]) -> str:
    leaves = [n for n in nodes if n.op is None]
    if Summary.is_inputs(box):
        title, detail = f"{len(leaves):,} inputs", "unlabelled leaves used alike"
    else:
        name = title = Summary.title(box)
        n_params = sum(n in params for n in leaves)
        detail = f"{len(nodes):,} nodes, " + (
            f"{n_params:,} parameters" if params else f"{len(leaves):,} leaves"
        )
        heads = [n for n in nodes if n.label == name]
        if len(heads) == 1:
            detail += f"<BR/>data {style.num(heads[0].data)} | grad {style.num(heads[0].grad)}"
        elif heads:
            detail += f"<BR/>{len(heads):,} Values labelled {style.html_text(name)}"
    return (
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{COLOURS["group"]}">'
        f"<TR><TD><B>{style.html_text(title)}</B></TD></TR><TR><TD>{detail}</TD></TR></TABLE>>"
    )


__all__ = ["draw_all", "draw_dot", "role_of"]
