"""What every picture shares: one place for boxes, numbers, colours, text and ids.

`engine.viz.graph` (draw_dot), `engine.viz.derivation` (draw_derivation) and
`engine.viz.animation` (animate) draw with these, so a Value's box, a number
and an element's id in an SVG are written one way everywhere.

Every label is written into an HTML-like Graphviz label with its special
characters escaped, so any text (quotes, ``<>``, braces, ``|``,
backslashes, newlines, CJK) shows as itself and can never change the DOT.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
from collections.abc import Callable, Iterator
from typing import Any, cast

try:
    import graphviz
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError(
        "engine.viz draws with the graphviz Python package: pip install graphviz (from a clone of "
        "chainrule: pip install -e '.[viz]'), plus Graphviz's dot program to render "
        "(apt-get install graphviz)"
    ) from e

from engine.explaining import number_text
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


# The rendering seam: every picture is made of DOT by one function. By default
# Graphviz's `dot` program (through the graphviz package); a page that runs
# chainrule in the browser puts Graphviz compiled to WebAssembly (viz.js) here,
# so draw_dot, draw_derivation and animate work with no `dot` on the machine.
Renderer = Callable[[str, str], "bytes | str"]  # (DOT source, format such as "svg") -> the output
_renderer: Renderer | None = None


def set_renderer(render: Renderer | None) -> Renderer | None:
    """Make every picture with `render(dot_source, format)` (bytes or text); None puts
    Graphviz's `dot` program back. Returns the renderer it replaces."""
    global _renderer
    if render is not None and not callable(render):
        raise TypeError(f"set_renderer: expected a function render(source, format) or None, got {render!r}")
    previous, _renderer = _renderer, render
    return previous


def renderer() -> Renderer | None:
    """The renderer set with `set_renderer` (None: Graphviz's `dot`)."""
    return _renderer


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` made into pictures by the renderer (`set_renderer`), else by
    Graphviz's `dot`, naming what to install when it is missing."""

    def render(self, *args: Any, **kwargs: Any) -> Any:
        render = _renderer
        if render is None:
            with _dot_needed():
                return super().render(*args, **kwargs)
        filename = args[0] if args else kwargs.get("filename")
        directory = args[1] if len(args) > 1 else kwargs.get("directory")
        fmt = kwargs.get("format") or self.format
        base = os.path.join(directory or self.directory or "", filename or self.filename)
        target = kwargs.get("outfile") or f"{base}.{fmt}"
        picture = self.pipe(format=fmt)
        with open(target, "wb") as f:
            f.write(picture)
        return os.fspath(target)

    def pipe(self, format: str | None = None, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 - graphviz's
        render = _renderer
        if render is None:
            with _dot_needed():
                return super().pipe(format, *args, **kwargs)
        out = render(self.source, format or self.format)
        encoding = kwargs.get("encoding")
        if encoding is not None:
            return out if isinstance(out, str) else out.decode(encoding)
        return out.encode("utf-8") if isinstance(out, str) else out


# ---------------------------------------------------------------------------
# Checks every drawing function makes of its arguments.

RANKDIRS = ("LR", "TB", "RL", "BT")


def check_value(v: Any, what: str) -> None:
    if not isinstance(v, Value):
        raise TypeError(f"{what} must be a Value, got {type(v).__name__}")


def check_rankdir(rankdir: Any, caller: str) -> None:
    if rankdir not in RANKDIRS:
        raise ValueError(f"{caller}: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")


def check_max_nodes(max_nodes: Any, caller: str, none_ok: bool = True) -> None:
    """A positive int (or None, where that means "no limit")."""
    if max_nodes is None and none_ok:
        return
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        expected = "a positive int or None" if none_ok else "a positive int"
        raise ValueError(f"{caller}: max_nodes must be {expected}, got {max_nodes!r}")


# ---------------------------------------------------------------------------
# Ids of a graph's elements in an SVG: a Value's box `v3`, its op's oval
# `v3op`, the edge from the oval into the box `o-v3`, and input k's edge into
# the oval `e-v1-v3-0`. The step-by-step page finds its elements by them.


def node_ids(order: list[Value]) -> dict[Value, str]:
    """Each node's box id, numbered in `order` (a topological order)."""
    return {node: f"v{i}" for i, node in enumerate(order)}


def op_id(box: str) -> str:
    return f"{box}op"


def out_edge_id(box: str) -> str:
    return f"o-{box}"


def in_edge_id(parent_box: str, box: str, k: int) -> str:
    return f"e-{parent_box}-{box}-{k}"


# ---------------------------------------------------------------------------
# Boxes, numbers and text.


def new_drawing(rankdir: str, format: str = "svg") -> Drawing:  # noqa: A002 - graphviz's own name
    """An empty drawing in the house style; `.render(name)` writes `format` (SVG, as micrograd's does)."""
    return Drawing(
        format=format,
        graph_attr={"rankdir": rankdir, "fontname": FONT, "fontsize": "12"},
        node_attr={"shape": "none", "margin": "0", "fontname": FONT, "fontsize": "11"},
        edge_attr={"fontname": FONT, "fontsize": "10", "arrowsize": "0.7"},
    )


def box(
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
        cells.append(f"<B>{html_text(node.label)}</B>")
    if with_op and node.op is not None:
        cells.append(html_text(op_text(node)))
    numbers = (node.data, node.grad if grad is None else grad)
    for word, number, colour in zip(("data", "grad"), numbers, ink, strict=True):
        cells.append(
            f'{word} <FONT COLOR="{colour}">{num(number)}</FONT>' if colour else f"{word} {num(number)}"
        )
    border = "2" if role == "output" else "0"
    row = "".join(f"<TD>{c}</TD>" for c in cells)
    return (
        f'<<TABLE BORDER="{border}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
        f'BGCOLOR="{fill or COLOURS[role]}"><TR>{row}</TR></TABLE>>'
    )


def op_text(node: Value) -> str:
    op, arg = node.op, node.arg
    assert op is not None
    if op.param is None:
        return op.symbol
    if op.param.per_input:  # dot_const's numbers: far too many to print
        return f"{op.symbol} ({len(cast(tuple, arg)):,} numbers)"
    return f"{op.symbol} {number_text(arg) if isinstance(arg, float) else arg}"


def num(x: float) -> str:
    """Four decimals as micrograd's pictures, or four digits for the very small and large."""
    text = f"{x:.4f}" if x == 0 or 1e-3 <= abs(x) < 1e5 else f"{x:.3e}"
    return text.replace("-", "−")


MAX_TEXT = 2_000  # characters of any one text in a picture; escaped, still well under dot's limit
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def html_text(text: str) -> str:
    r"""`text` safe inside an HTML-like label: markup escaped, newlines as line breaks.

    Backslashes are doubled: dot reads `\\` as one backslash even in HTML-like
    labels, and `\N`, `\G` there as the node's and the graph's names.
    """
    text = printable(text)
    if len(text) > MAX_TEXT:  # dot fails on a label of about 16k characters
        text = text[: MAX_TEXT - 1] + "…"
    text = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text).replace("\\", "\\\\")
    # "]" right after a tag is a syntax error to dot's HTML-label parser ("<B>]</B>"): an entity is not.
    text = html.escape(text, quote=True).replace("]", "&#93;")
    return text.replace("\t", " ").replace("\n", "<BR/>")


def printable(text: str) -> str:
    """`text` as UTF-8 can hold it: a lone surrogate (half of an emoji, say) is
    written as its escape, \\udc80, where encoding would fail."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def html_label(text: str) -> str:
    return f"<{html_text(text)}>"
