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
import math
import traceback
from typing import Any

import graphviz

import engine
from engine import Value
from engine.explaining import Derivation, number_text, walkthrough
from engine.graph import topological_order
from engine.viz import Animation, draw_derivation, draw_dot, style
from engine.viz.graph import draw_all

CELL = "<cell>"
namespace: dict[str, Any] = {}


def fresh() -> None:
    """A new namespace for the cells, with `your_turn` in it."""
    namespace.clear()
    namespace.update({"__name__": "__main__", "your_turn": your_turn})


def run_cell(code: str) -> dict[str, Any]:
    """Run `code`; its last expression, if any, is shown. Returns what the page shows:
    {"ok": True, "shown": ...} or {"ok": False, "error": the traceback, from the cell down}."""
    try:
        tree = ast.parse(code, CELL, "exec")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        assert last is None or isinstance(last, ast.Expr)
        exec(compile(tree, CELL, "exec"), namespace)
        result = None
        if last is not None:
            result = eval(compile(ast.Expression(last.value), CELL, "eval"), namespace)
            if result is not None:
                namespace["_"] = result  # as in Jupyter: the page's "Your turn" asks your_turn(_)
        return {"ok": True, "shown": shown(result)}
    except BaseException as error:  # a learner's cell may raise anything (Ctrl+C, SystemExit): show it
        return {"ok": False, "error": _traceback(error)}


def _traceback(error: BaseException) -> str:
    """Python's traceback, from the cell's own frames down (this module's are left out)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != CELL:
        tb = tb.tb_next
    if isinstance(error, SyntaxError):
        tb = None
    return "".join(traceback.format_exception(type(error), error, tb))


def svg(drawing: graphviz.Digraph) -> str:
    return str(drawing.pipe(format="svg", encoding="utf-8"))


def shown(result: Any) -> dict[str, Any] | None:
    """How the page shows a cell's last expression (None: nothing to show)."""
    if result is None:
        return None
    if isinstance(result, Exercise):
        return result.shown()
    if isinstance(result, Value):
        return {"kind": "svg", "svg": svg(draw_dot(result)), "text": repr(result)}
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
    return {"kind": "text", "text": repr(result)}


# -- your turn: the gradients, one at a time ------------------------------------------


class Exercise:
    """The learner works out `output`'s gradients, one named node at a time, in the
    order backward reaches them (down to `wrt`'s, if given).

    Each question is a backward step of `walkthrough`: its formula (``∂L/∂h1 =
    ∂L/∂y_pred · ∂y_pred/∂h1``), its numbers, and the gradient. The drawing of
    state k shows the gradients of the first k answers (and of the output, 1)
    and hides the rest in their box's colour, so the layout never moves.
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
        self.grads = dict(zip(self.order, engine.gradients(output, self.order), strict=True))

    def drawing(self, solved: int) -> graphviz.Digraph:
        """The graph with the first `solved` answers filled in (the next one's box marked)."""
        known = {self.output} | {s.node for s in self.steps[:solved]}
        for s in self.steps[:solved]:
            known.update(s.filled)  # the unlabelled nodes folded into a step are known with it
        asked = self.steps[solved].node if solved < len(self.steps) else None

        def box(node: Value, role: str) -> str:
            fill = "#fff3b0" if node is asked else ""
            hidden = fill or style.COLOURS[role]
            ink = ("", "" if node in known else hidden)
            return style.box(node, role, grad=self.grads[node], ink=ink, fill=fill)

        g = style.new_drawing("LR")
        draw_all(g, self.order, self.output, set(), box)
        return g

    def shown(self) -> dict[str, Any]:
        of = self.output.label or "output"
        return {
            "kind": "exercise",
            "questions": [
                {
                    "question": f"∂{of}/∂{s.name} = ?",
                    "name": s.name,
                    "answer": s.value,
                    "shown": number_text(s.value),
                    "tolerance": _tolerance(s.value),
                    "explanation": s.text,
                    "id": self.ids[s.node],
                }
                for s in self.steps
            ],
            "svgs": [svg(self.drawing(k)) for k in range(len(self.steps) + 1)],
        }


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


def _tolerance(value: float) -> float:
    """Half a unit of the last of 4 significant digits: an answer to the shown precision is right."""
    if value == 0.0 or not math.isfinite(value):
        return 5e-5
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - 3)


fresh()
