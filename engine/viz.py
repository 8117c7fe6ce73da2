"""Pictures with Graphviz: a computation graph, and the chain rule along it.

    from engine.viz import draw_dot, draw_derivation
    draw_dot(L)                                        # every Value and every op
    draw_derivation(L, w1).render("dL_dw1", format="svg")

Both return a `graphviz.Digraph`, which Jupyter shows inline; `.source`
is its DOT text, the same bytes every time for the same graph. Building
one needs the graphviz Python package (`pip install graphviz`, the `viz` extra); rendering needs
Graphviz's `dot` program too (apt-get install graphviz).

Every label is written into an HTML-like Graphviz label with its special
characters escaped, so any text (quotes, ``<>``, braces, ``|``,
backslashes, newlines, CJK) shows as itself and can never change the DOT.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

try:
    import graphviz
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError(
        "engine.viz draws with the graphviz Python package: pip install graphviz (from a clone of "
        "chainrule: pip install -e '.[viz]'), plus Graphviz's dot program to render "
        "(apt-get install graphviz)"
    ) from e

from engine.autodiff import gradients
from engine.derivation import Derivation, explain
from engine.graph import topological_order
from engine.summary import Summary, summarise
from engine.symbolic import number_text
from engine.value import Value

FONT = "Helvetica,Arial,sans-serif"
COLOURS = {  # fill of a Value's box, by its role
    "leaf": "#eeeeee",  # an input or a constant
    "parameter": "#d6e6ff",
    "output": "#d4f4d4",
    "value": "#ffffff",  # computed by an op
    "group": "#fff6dc",  # a summary of many nodes
}
PATH = "#c0392b"  # the chain rule's path in a derivation
GREY = "#b0b0b0"


class GraphvizNotInstalled(graphviz.ExecutableNotFound):
    """Rendering needs Graphviz's `dot` program, which pip does not install."""

    _msg = (
        "failed to execute {!r}: rendering needs Graphviz's dot program, which is not installed or "
        "not on PATH (pip's graphviz package is only its Python interface). Install Graphviz: "
        "apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), "
        "conda install -c conda-forge graphviz. Building the graph and its .source work without it."
    )


@contextlib.contextmanager
def _dot_needed() -> Iterator[None]:
    try:
        yield
    except graphviz.ExecutableNotFound as e:
        if isinstance(e, GraphvizNotInstalled):
            raise
        raise GraphvizNotInstalled(["dot"]) from None


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose rendering names what to install when `dot` is missing."""

    def render(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_needed():
            return super().render(*args, **kwargs)

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_needed():
            return super().pipe(*args, **kwargs)


# ---------------------------------------------------------------------------
# Computation graphs.


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    parameters: Iterable[Value] = (),
    max_nodes: int | None = 400,
) -> Drawing:
    """The computation graph that `root` depends on, in the style of micrograd's lecture.

    One box per Value (its label, data and grad) and one oval per op, with an
    edge per input (``x * x`` has two). Inputs and constants are grey,
    `parameters` blue, `root` green.

    Args:
        root: the Value to draw the graph of (a loss, say).
        rankdir: "LR" (inputs on the left) or "TB", "RL", "BT".
        parameters: Values to show as parameters (e.g. ``model.parameters()``).
        max_nodes: above this many Values the graph is summarised: nodes are
            grouped by the dotted prefix of their labels (`L1.N3.w12` and the
            neuron's own nodes are box `L1.N3`), as finely as fits; a note
            says how to draw any part in full. None draws every node.

    Returns:
        A `graphviz.Digraph`; `.render(path, format="svg")` writes a picture.
    """
    _check(root, "root")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise ValueError(f"draw_dot: max_nodes must be a positive int or None, got {max_nodes!r}")
    params = set(parameters)
    order = topological_order(root)
    g = _new_drawing(rankdir)
    if max_nodes is None or len(order) <= max_nodes:
        _draw_all(g, order, root, params)
    else:
        _draw_summary(g, order, root, params, max_nodes)
    return g


def _draw_all(
    g: Drawing,
    order: list[Value],
    root: Value,
    params: set[Value],
    box: Callable[[Value, str], str] = lambda node, role: _box(node, role),
    edge: Callable[[Value | None, Value], dict[str, str]] = lambda parent, node: {},
) -> None:
    """Every node: a box (`box(node, role)`), and for a computed one an oval for its
    op with an edge per input (`edge(parent, node)`: its attributes; parent None for
    the oval's edge into the box). Ids name them in an SVG: box `v3`, oval `v3op`,
    edges `o-v3` (oval to box) and `e-v1-v3-0` (input 0 to the oval)."""
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    roles = set()
    for node in order:
        role = _role(node, root, params)
        roles.add(role)
        i = ids[node]
        g.node(i, label=box(node, role), id=i)
        if node._op is not None:
            g.node(
                f"{i}op", label=_html(_op_text(node)), shape="ellipse", style="", margin="0.05", id=f"{i}op"
            )
            g.edge(f"{i}op", i, id=f"o-{i}", **edge(None, node))
            for k, parent in enumerate(node._parents):  # one edge per input: x * x has two
                g.edge(ids[parent], f"{i}op", id=f"e-{ids[parent]}-{i}-{k}", **edge(parent, node))
    g.attr(label=_legend(roles))


def _role(node: Value, root: Value, params: set[Value]) -> str:
    if node is root:
        return "output"
    if node in params:
        return "parameter"
    return "leaf" if node._op is None else "value"


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
            g.node(ids[box], label=_box(node, _role(node, root, params), with_op=True))
        else:
            g.node(ids[box], label=_group_box(box, nodes, params))
    for a, b, n in summary.edges:  # in the boxes' order, as ordering=in asks
        g.edge(ids[a], ids[b], label=f"×{n:,}" if n > 1 else None)
    # ordering=in keeps each box's inputs in the order given: L1.N1 above L1.N2.
    g.attr(label=_html(summary.note), labelloc="b", labeljust="l", ordering="in")


def _group_box(box: str, nodes: list[Value], params: set[Value]) -> str:
    leaves = [n for n in nodes if n._op is None]
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
            detail += f"<BR/>data {_num(heads[0].data)} | grad {_num(heads[0].grad)}"
        elif heads:
            detail += f"<BR/>{len(heads):,} Values labelled {_html_text(name)}"
    return (
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{COLOURS["group"]}">'
        f"<TR><TD><B>{_html_text(title)}</B></TD></TR><TR><TD>{detail}</TD></TR></TABLE>>"
    )


# ---------------------------------------------------------------------------
# Derivations.


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
    _check(output, "output")
    _check(wrt, "wrt")
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
    ids = {n: f"v{i}" for i, n in enumerate(order) if n in name}
    derivatives = dict(zip(named, gradients(output, named), strict=True))
    g = _new_drawing(rankdir)
    for n in named:
        if n not in drawn:
            continue
        definition = None if n._op is None or (compact and n is not output) else writer.definition(n)
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
            g.node(f"{ids[n]}more", label=_html(f"… {count:,} more"), shape="plaintext", fontcolor=GREY)
            g.edge(f"{ids[n]}more", ids[n], style="dashed", color=GREY, arrowhead="none")
    g.attr(label=_caption(d), labelloc="b", labeljust="l")
    return g


def _named_inputs(node: Value, name: dict[Value, str]) -> list[Value]:
    """The labelled nodes `node` is computed from, through unlabelled ones, in input order."""
    found: dict[Value, None] = {}
    seen = set()
    stack = list(reversed(node._parents))
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if n in name:
            found[n] = None
        else:
            stack.extend(reversed(n._parents))
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
    role = "output" if n is output else "parameter" if n is wrt else "value" if n._op is not None else "leaf"
    colour = COLOURS[role] if on_path else "#ffffff"
    font = "#000000" if on_path else GREY
    rows = [f"<B>{_html_text(name)}</B>"]
    if definition is not None:
        rows.append(f"= {_html_text(definition.text())}")
    rows.append(f"data {_num(n.data)}")
    rows.append(f"∂{_html_text(of)}/∂{_html_text(name)} = {_num(derivative)}")
    cells = "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
    border = PATH if on_path else GREY
    inner = f'<FONT COLOR="{font}"><TABLE BORDER="0" CELLSPACING="0">{cells}</TABLE></FONT>'
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" BGCOLOR="{colour}" '
        f'COLOR="{border}"><TR><TD>{inner}</TD></TR></TABLE>>'
    )


def _factor_label(f: Any, compact: bool) -> str:
    if compact:
        return f'<<FONT COLOR="{PATH}">{_html_text(number_text(f.value))}</FONT>>'
    return (
        f'<<FONT COLOR="{PATH}">{_html_text(f.name)} = {_html_text(f.formula)}'
        f"<BR/>= {_html_text(number_text(f.value))}</FONT>>"
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
    return "<" + left.join(_html_text(line) for line in lines) + left + ">"


# ---------------------------------------------------------------------------
# Shared pieces.


def _check(v: Any, what: str) -> None:
    if not isinstance(v, Value):
        raise TypeError(f"{what} must be a Value, got {type(v).__name__}")


def _new_drawing(rankdir: str) -> Drawing:
    return Drawing(
        graph_attr={"rankdir": rankdir, "fontname": FONT, "fontsize": "12"},
        node_attr={"shape": "none", "margin": "0", "fontname": FONT, "fontsize": "11"},
        edge_attr={"fontname": FONT, "fontsize": "10", "arrowsize": "0.7"},
    )


def _box(
    node: Value,
    role: str,
    with_op: bool = False,
    grad: float | None = None,
    ink: tuple[str, str] = ("", ""),
    fill: str = "",
) -> str:
    """A Value's box: label | data | grad (and its op, in a summary).

    `grad` replaces `node.grad`; `ink` colours the data's and the grad's
    numbers (a step-by-step frame shows a number not reached yet in the
    box's own colour, so every frame has the same layout); `fill` replaces
    the box's colour (the step's own node).
    """
    cells = []
    if node.label:
        cells.append(f"<B>{_html_text(node.label)}</B>")
    if with_op and node._op is not None:
        cells.append(_html_text(_op_text(node)))
    numbers = (node.data, node.grad if grad is None else grad)
    for word, number, colour in zip(("data", "grad"), numbers, ink, strict=True):
        cells.append(
            f'{word} <FONT COLOR="{colour}">{_num(number)}</FONT>' if colour else f"{word} {_num(number)}"
        )
    border = "2" if role == "output" else "0"
    row = "".join(f"<TD>{c}</TD>" for c in cells)
    return (
        f'<<TABLE BORDER="{border}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
        f'BGCOLOR="{fill or COLOURS[role]}"><TR>{row}</TR></TABLE>>'
    )


def _op_text(node: Value) -> str:
    op, arg = node._op, node._arg
    assert op is not None
    if op.param is None:
        return op.symbol
    if op.param.per_input:  # dot_const's numbers: far too many to print
        return f"{op.symbol} ({len(cast(tuple, arg)):,} numbers)"
    return f"{op.symbol} {number_text(cast(float, arg))}"


def _num(x: float) -> str:
    """Four decimals as micrograd's pictures, or four digits for the very small and large."""
    text = f"{x:.4f}" if x == 0 or 1e-3 <= abs(x) < 1e5 else f"{x:.3e}"
    return text.replace("-", "−")


MAX_TEXT = 2_000  # characters of any one text in a picture; escaped, still well under dot's limit
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _html_text(text: str) -> str:
    r"""`text` safe inside an HTML-like label: markup escaped, newlines as line breaks.

    Backslashes are doubled: dot reads `\\` as one backslash even in HTML-like
    labels, and `\N`, `\G` there as the node's and the graph's names.
    """
    if len(text) > MAX_TEXT:  # dot fails on a label of about 16k characters
        text = text[: MAX_TEXT - 1] + "…"
    text = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text).replace("\\", "\\\\")
    # "]" right after a tag is a syntax error to dot's HTML-label parser ("<B>]</B>"): an entity is not.
    text = html.escape(text, quote=True).replace("]", "&#93;")
    return text.replace("\t", " ").replace("\n", "<BR/>")


def _html(text: str) -> str:
    return f"<{_html_text(text)}>"


def animate(
    output: Value, parameters: Iterable[Value] = (), max_nodes: int = 200, rankdir: str = "LR"
) -> Any:
    """The forward and backward passes of `output`, step by step: an `engine.animation.Animation`
    to save as a page or a GIF, to show in Jupyter, or to print (see that module)."""
    from engine.animation import animate as _animate  # here: engine.animation draws with this module

    return _animate(output, parameters, max_nodes, rankdir)


__all__ = ["Drawing", "GraphvizNotInstalled", "animate", "draw_derivation", "draw_dot"]
