"""The playground's Python side: run a cell as Jupyter does, and show its last expression.

The page's worker loads chainrule into Pyodide and calls `run_cell(code)`:
the cell runs in one namespace kept from cell to cell, what it prints goes to
the page as it is printed, and its last expression comes back as something
the page can show (`shown`): a `Value` as its `draw_dot` picture, a picture
as itself, `explain(...)` as its derivation, `animate(...)` as the
step-by-step page, `your_turn(L, w1)` as an exercise. Pictures are made by
the renderer the worker sets (`engine.viz.set_renderer`: viz.js there,
Graphviz's `dot` anywhere else), so this module runs the same in CPython.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import html
import linecache
import math
import re
import sys
import traceback
from collections.abc import Callable
from typing import Any

import graphviz

import engine
from engine import Value
from engine.explaining import Derivation, Step, number_text, walkthrough
from engine.graph import topological_order
from engine.testing import Report
from engine.viz import Animation, draw_derivation, draw_dot, style
from engine.viz.animation import GRAD_INK
from engine.viz.graph import draw_all
from engine.viz.style import num

CELL = "<cell>"  # every cell's file name starts so: "<cell 3>" is the third cell run
namespace: dict[str, Any] = {}
PAGE_MAX_NODES = 150  # a bigger graph is summarised in the page (draw_dot(v, max_nodes=None): all of it)
_cells = 0


def fresh() -> None:
    """A new namespace for the cells, with the page's helpers in it."""
    namespace.clear()
    namespace.update(
        {"__name__": "__main__", "your_turn": your_turn, "show": show, "plot": plot, "input": _no_input}
    )


# What `show(x)` sends to the page as the cell runs: the worker sets a function that
# posts it; here (CPython, the tests) each item is kept in `displayed`.
displayed: list[dict[str, Any]] = []
_display: Callable[[dict[str, Any]], None] = displayed.append


def set_display(send: Callable[[dict[str, Any]], None]) -> None:
    global _display
    _display = send


def run_cell(code: str) -> dict[str, Any]:
    """Run `code`; its last expression, if any, is shown. Returns what the page shows:
    {"ok": True, "shown": ...} or {"ok": False, "error": the traceback, from the cell down}.
    Whatever the cell printed is flushed before it returns, a last line without a newline too."""
    global _cells
    _cells += 1
    name = f"<cell {_cells}>"
    linecache.cache[name] = (len(code), None, code.splitlines(keepends=True), name)  # tracebacks, listings
    try:
        tree = ast.parse(code, name, "exec")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        assert last is None or isinstance(last, ast.Expr)
        exec(compile(tree, name, "exec"), namespace)
        result = None
        if last is not None:
            result = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
            if result is not None:
                namespace["_"] = result  # as in Jupyter: the page's "Your turn" asks your_turn(_)
        return {"ok": True, "shown": shown(result)}
    except BaseException as error:  # a learner's cell may raise anything (Ctrl+C, SystemExit): show it
        return {"ok": False, "error": _traceback(error)}
    finally:
        _flush()


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def _traceback(error: BaseException) -> str:
    """Python's traceback, from the cell's own frames down (this module's are left out)."""
    tb = error.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith(CELL[:-1]):
        tb = tb.tb_next
    if isinstance(error, SyntaxError):
        tb = None
    text = "".join(traceback.format_exception(type(error), error, tb))
    if isinstance(error, ImportError) and "numpy" in str(error) and sys.platform == "emscripten":
        text += NO_NUMPY
    return text


NO_NUMPY = (
    "\nnumpy is not in this build of the playground. Pyodide's npm package does not carry it and "
    "PyPI has no build of it for Pyodide, so the site ships it only when built with "
    "python playground/build.py --pyodide-packages DIR (a folder with Pyodide's numpy wheel). "
    "engine.compile and fit(compile=True) need it; everything else here runs without it.\n"
)


def _no_input(prompt: object = "") -> str:
    """input() in the page: there is no keyboard to read from, and it says so."""
    print(prompt, end="")
    raise RuntimeError(
        "input(): this page has no keyboard input. Write the value into the cell instead, "
        "e.g. n = 5 where you would type 5."
    )


def svg(drawing: graphviz.Digraph) -> str:
    return str(drawing.pipe(format="svg", encoding="utf-8"))


def shown(result: Any) -> dict[str, Any] | None:
    """How the page shows a cell's last expression (None: nothing to show)."""
    if result is None:
        return None
    if isinstance(result, Exercise):
        return result.shown()
    if isinstance(result, Plot):
        return {"kind": "svg", "svg": result.svg(), "text": result.title}
    if isinstance(result, Value):
        drawing = draw_dot(result, max_nodes=PAGE_MAX_NODES)
        return {"kind": "svg", "svg": svg(drawing), "text": repr(result), "value": True}
    if isinstance(result, Derivation):
        return {
            "kind": "derivation",
            "text": str(result),
            "latex": result.to_latex(),
            "svg": svg(draw_derivation(result.output, result.wrt, derivation=result)),
        }
    if isinstance(result, Animation):
        return {"kind": "page", "html": result.page()}
    if isinstance(result, graphviz.Digraph):
        return {"kind": "svg", "svg": svg(result), "text": ""}
    if isinstance(result, Report):
        drawing = result.draw()
        return {"kind": "report", "text": str(result), "ok": result.ok, "svg": drawing and svg(drawing)}
    return {"kind": "text", "text": repr(result)}


def show(thing: Any) -> None:
    """Show `thing` in the output now, as the last line of a cell would be shown
    (a Value's graph, plot(...), a picture), and go on running."""
    item = shown(thing)
    if item is not None:
        _flush()  # what was printed before it comes first
        _display(item)


# -- plot: a loss curve, drawn in the page without matplotlib -------------------------


class Plot:
    """A small line plot of numbers (a loss by epoch), as SVG: `plot(history)`."""

    WIDTH, HEIGHT, PAD = 420, 220, 44

    def __init__(self, values: Any, title: str = "loss") -> None:
        try:
            ys = [float(v.data if isinstance(v, Value) else v) for v in values]
        except (TypeError, ValueError) as e:
            raise TypeError(f"plot: expected a list of numbers (a loss by epoch), got {values!r:.80}") from e
        if not ys:
            raise ValueError("plot: expected at least one number, got none")
        if not all(math.isfinite(y) for y in ys):
            raise ValueError("plot: every number must be finite (a loss of nan or inf: lower the rate?)")
        self.values, self.title = ys, str(title)

    def svg(self) -> str:
        w, h, pad, ys = self.WIDTH, self.HEIGHT, self.PAD, self.values
        low, high = min(ys), max(ys)
        span = (high - low) or 1.0
        step = (w - 2 * pad) / max(1, len(ys) - 1)
        points = " ".join(
            f"{pad + i * step:.1f},{h - pad - (y - low) / span * (h - 2 * pad):.1f}" for i, y in enumerate(ys)
        )
        text = 'font-family="Arimo, Arial, sans-serif" font-size="12" fill="#333"'
        title = html.escape(self.title)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
            f'role="img" aria-label="{title}: {len(ys)} points, from {ys[0]:.4g} to {ys[-1]:.4g}">'
            f'<rect width="{w}" height="{h}" fill="#fff"/>'
            f'<path d="M{pad},{pad / 2} V{h - pad} H{w - pad / 2}" fill="none" stroke="#999"/>'
            f'<polyline points="{points}" fill="none" stroke="#1f6feb" stroke-width="2"/>'
            f'<text x="{pad - 4}" y="{pad}" text-anchor="end" {text}>{high:.4g}</text>'
            f'<text x="{pad - 4}" y="{h - pad}" text-anchor="end" {text}>{low:.4g}</text>'
            f'<text x="{pad}" y="{h - pad + 16}" {text}>1</text>'
            f'<text x="{w - pad / 2}" y="{h - pad + 16}" text-anchor="end" {text}>{len(ys)}</text>'
            f'<text x="{w / 2}" y="{h - 8}" text-anchor="middle" {text}>{title}</text>'
            "</svg>"
        )

    def __repr__(self) -> str:
        return f"Plot({self.title}: {len(self.values)} points)"


def plot(values: Any, title: str = "loss") -> Plot:
    """A loss curve (or any list of numbers) drawn in the page: show(plot(history))."""
    return Plot(values, title)


# -- your turn: the gradients, one at a time ------------------------------------------


class Exercise:
    """The learner works out `output`'s gradients, one named node at a time, in the
    order backward reaches them (down to `wrt`'s, if given).

    Each question is a backward step of `walkthrough`. The page gets one picture,
    laid out once with every number in place, in which each gradient still to
    be worked out reads "?" (the number is not in the page's text until it is
    answered); the page fills them in and marks the asked box. A wrong answer
    gets three hints in turn: the chain rule with each local derivative as a
    formula in the learner's names, the same with the numbers put in, and
    the answer.
    """

    def __init__(self, output: Value, wrt: Value | None = None) -> None:
        if not isinstance(output, Value):
            raise TypeError(f"your_turn: expected a Value, got {type(output).__name__}")
        if wrt is not None and not isinstance(wrt, Value):
            raise TypeError(f"your_turn: wrt must be a Value, got {type(wrt).__name__}")
        self.output, self.order = output, topological_order(output)
        if wrt is not None and wrt not in set(self.order):
            names = wrt.label or "wrt", output.label or "the output"
            raise ValueError(f"your_turn: {names[0]} is not in {names[1]}'s graph")
        steps = [s for s in walkthrough(output) if s.phase == "backward" and s.node is not output]
        if wrt is not None:  # only the nodes on a path from wrt up to the output
            above = _depends_on(self.order, wrt)
            steps = [s for s in steps if s.node in above]
        self.steps = steps
        if not steps:
            raise ValueError("your_turn: no gradient to work out: label the nodes to ask about")
        self.ids = style.node_ids(self.order)
        self.nodes = {box: node for node, box in self.ids.items()}
        self.grads = dict(zip(self.order, engine.gradients(output, self.order), strict=True))

    def drawing(self) -> graphviz.Digraph:
        """The graph with every gradient (the true ones, not the nodes' own) in GRAD_INK,
        so the page's picture can hide and fill them in without moving anything."""

        def box(node: Value, role: str) -> str:
            return style.box(node, role, grad=self.grads[node], ink=("", GRAD_INK))

        g = style.new_drawing("LR")
        draw_all(g, self.order, self.output, set(), box)
        return g

    def picture(self) -> tuple[str, dict[str, str]]:
        """The SVG with every gradient but the output's written "?", and each hidden
        node's id → the number its box shows."""
        hidden: dict[str, str] = {}

        def hide(block: re.Match[str]) -> str:
            node = self.nodes[block[1]]
            if node is self.output:
                return block[0]
            hidden[block[1]] = num(self.grads[node])
            return _GRAD_TEXT.sub(lambda m: f"{m[1]}?{m[3]}", block[0])

        return _NODE.sub(hide, svg(self.drawing())), hidden

    def question(self, s: Step) -> dict[str, Any]:
        of = self.output.label or "output"
        shown_text = num(s.value)
        half, unit = _precision(shown_text)
        known = [f"∂{of}/∂{f.of} = {num(g) if f.top is not self.output else '1'}" for g, f in s.factors]
        return {
            "question": f"∂{of}/∂{s.name} = ?",
            "name": s.name,
            "id": self.ids[s.node],
            "answer": s.value,
            "shown": shown_text,
            "half": half,
            "unit": unit,
            "known": list(dict.fromkeys(known)),
            "hints": self.hints(s),
            "reveal": [self.ids[n] for n in s.filled if n is not self.output],
        }

    def hints(self, s: Step) -> list[str]:
        """The three hints for a wrong answer: the rule in names, with numbers, the answer."""
        of = self.output.label or "output"
        wanted = f"∂{of}/∂{s.name}"
        direct = [(g, f) for g, f in s.factors if f.top is self.output]
        chain = " + ".join(
            f.name if f.top is self.output else f"∂{of}/∂{f.of} · {f.name}" for _, f in s.factors
        )
        if len(s.factors) == 1 and direct:  # an edge from the output itself: the local rule is all
            f = s.factors[0][1]
            rule = f"{wanted} = {f.formula}"
            numbers = f"{wanted} = {f.numbers}"
        else:
            rule = f"{wanted} = {chain}, where " + "; ".join(
                f"{f.name} = {f.formula}" for _, f in _once(s.factors)
            )
            upstream = " + ".join(
                f.numbers if f.top is self.output else f"{_bracket(num(g))} · {_grouped(f.numbers)}"
                for g, f in s.factors
            )
            numbers = f"{wanted} = {upstream}"
        answer = f"{wanted} = {s.numbers}; its box shows {num(s.value)}"
        if _gives_away(numbers, s.value):  # a factor that is the answer itself (∂L/∂a = b, b's box)
            numbers = f"{rule}: put in the numbers from the boxes"
        return [f"The chain rule: {rule}.", f"With the numbers: {numbers}.", f"The answer: {answer}."]

    def key(self) -> str:
        """The same exercise (same questions, same numbers) has the same key: progress is kept by it."""
        text = "|".join(f"{s.name}={s.value!r}" for s in self.steps)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def shown(self) -> dict[str, Any]:
        picture, hidden = self.picture()
        return {
            "kind": "exercise",
            "key": self.key(),
            "svg": picture,
            "ink": GRAD_INK,
            "grads": hidden,  # kept by the page's script, written into a box when it is answered
            "questions": [self.question(s) for s in self.steps],
        }


_NODE = re.compile(r'<g id="(v\d+)" class="node">.*?</g>', re.DOTALL)
_GRAD_TEXT = re.compile(rf'(<text[^>]*fill="{GRAD_INK}"[^>]*>)([^<]*)(</text>)')


def _precision(shown_text: str) -> tuple[float, float]:
    """Half a unit of the last digit a box shows, and the unit: 0.0215 → (5e-05, 1e-4)."""
    mantissa, _, exponent = shown_text.replace("−", "-").partition("e")
    decimals = len(mantissa.partition(".")[2])
    unit = 10.0 ** (-decimals + (int(exponent) if exponent else 0))
    return unit / 2, unit


def _bracket(text: str) -> str:
    return text if not text.startswith("−") else f"({text})"


def _grouped(text: str) -> str:
    """`text` in brackets when a sum is at its top level (1 − y, not 2·(1 − y))."""
    depth = 0
    for i, c in enumerate(text):
        depth += c == "("
        depth -= c == ")"
        if depth == 0 and text[i : i + 3] in (" + ", " − "):
            return f"({text})"
    return text


def _once(factors: Any) -> list[Any]:
    seen, out = set(), []
    for g, f in factors:
        if f.name not in seen:
            seen.add(f.name)
            out.append((g, f))
    return out


def _gives_away(text: str, value: float) -> bool:
    """Whether `text` holds the answer, as a box or a formula writes it."""
    written = (num(value), number_text(value))
    return any(re.search(rf"(?<![\d.]){re.escape(w)}(?!\d)", text) for w in written)


def your_turn(output: Value, wrt: Value | None = None) -> Exercise:
    """An exercise: work out `output`'s gradients yourself (down to `wrt`'s)."""
    return Exercise(output, wrt)


def _depends_on(order: list[Value], wrt: Value) -> set[Value]:
    """The nodes of `order` (topological) that depend on `wrt`, `wrt` included."""
    above = {wrt}
    for node in order:
        if any(p in above for p in node.parents):
            above.add(node)
    return above


fresh()
