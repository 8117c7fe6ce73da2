"""Backward's bookkeeping over several backward passes and sizes, by experiments over the
ops that passed alone (as bookkeeping.py's):

  reuse after zeroing   a node of an old graph in a new one, every gradient zeroed: visited
                        marks never cleared, totals that zeroing does not clear
  two graphs            no zeroing in between: the leaves' gradients add up
  backward twice        a convention: noted only where it is neither PyTorch's nor chainrule's
  depth and paths       a long chain (recursion's limit); y = y + y thirty times (a walk per path)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from engine.testing.checker.alone import CALL_SECONDS
from engine.testing.checker.bookkeeping import Experiments, W, X
from engine.testing.checker.recipes import Line, Recipe, Skip, build_reference
from engine.testing.checker.report import Finding
from engine.testing.checker.target import Timeout, limited, raised


def run(ex: Experiments) -> list[Finding]:
    if not ex.binary:
        return []
    if ex.walk_broken:  # a fault of the walk shows on any graph: several passes would only echo it
        return depth(ex) + paths(ex)
    return reuse_after_zeroing(ex) + two_graphs(ex) + backward_twice(ex) + depth(ex) + paths(ex)


def _zero(ex: Experiments, nodes: Sequence[Any]) -> None:
    for node in nodes:
        if hasattr(node, ex.engine.grad_name):
            ex.engine.zero(node)


def _sequence(
    ex: Experiments, expected: float, text: str, cause: Callable[[float], str], run: Callable[[], Any]
) -> list[Finding]:
    try:
        x = limited(4 * CALL_SECONDS, run)
    except (Exception, Timeout) as error:
        what = "did not return" if isinstance(error, Timeout) else raised(error)
        where = ex.engine.where(error) if isinstance(error, Exception) else None
        return [
            Finding(
                "error",
                None,
                text,
                {"x0": X, "w": W},
                cause=f"backward {what}",
                location=f"{where}: {where.text}" if where else None,
            )
        ]
    got = ex.engine.grad(x)
    got = 0.0 if got is None else got
    if ex.engine.close(expected, got):
        return []
    return [Finding("gradient", None, text, {"x0": X, "w": W}, expected, got, cause(got))]


def reuse_after_zeroing(ex: Experiments) -> list[Finding]:
    """y = U(x); backward of G(y, w); every gradient zeroed; backward of V(y): x gets V's share only."""
    if not ex.unary or not ex.clean():
        return []
    g, (u, v) = ex.clean()[0], ex.pair()
    recipe = Recipe((X,), (ex.line(u, 0), ex.line(v, 1)))
    try:
        _, grads = build_reference(recipe, ex.uses)
        first = Recipe((X, W), (ex.line(u, 0), Line(g, (2, 1))))
        _, first_grads = build_reference(first, ex.uses)
    except Skip:
        return []
    if not (ex.right_once(recipe) and ex.right_once(first)):
        return []  # wrong on a fresh graph already: the walk's fault, reported by an experiment
    engine = ex.engine

    def run() -> Any:
        x, w = engine.make(X), engine.make(W)
        y = ex.apply(u, x)
        out1 = ex.apply(g, y, w)
        engine.backward(out1)
        _zero(ex, [x, w, y, out1])
        out2 = ex.apply(v, y)
        engine.backward(out2)
        return x

    text = "; ".join(
        [
            recipe.text(ex.uses).split("; ")[0],
            f"backward of {first.written(ex.uses, first.lines[1]).replace('x1', 'w')}",
            "every gradient zeroed",
            f"backward of {recipe.written(ex.uses, recipe.lines[1])}",
        ]
    )

    def cause(got: float) -> str:
        if got == 0.0:
            return (
                "a node of an earlier graph is skipped when a new graph uses it: backward keeps a mark "
                "on the nodes it visited (a visited flag never cleared, or a cached order)"
            )
        if engine.close(grads[0] + first_grads[0], got):
            return (
                "stale gradients: after every gradient was zeroed, the first backward's share came back "
                "(the engine keeps a total that zeroing the gradient does not clear)"
            )
        return (
            "after every gradient was zeroed, a new graph over an old node does not get exactly "
            "its own gradients"
        )

    return _sequence(ex, grads[0], text, cause, run)


def two_graphs(ex: Experiments) -> list[Finding]:
    """Two graphs over the same leaves, no zeroing: the leaves' gradients add up (PyTorch, micrograd)."""
    if not ex.clean():
        return []
    g = ex.clean()[0]
    recipe = Recipe((X, W), (Line(g, (0, 1)),))
    try:
        _, grads = build_reference(recipe, ex.uses)
    except Skip:
        return []
    if not ex.right_once(recipe):
        return []
    engine = ex.engine

    def run() -> Any:
        x, w = engine.make(X), engine.make(W)
        engine.backward(ex.uses[g].call(x, w))
        engine.backward(ex.uses[g].call(x, w))
        return x

    def cause(got: float) -> str:
        if engine.close(grads[0], got):
            return "gradients over two graphs do not add up: backward resets the leaves' gradients"
        return "gradients over two graphs without zeroing do not add up, as they do in PyTorch and micrograd"

    written = recipe.written(ex.uses, recipe.lines[0]).replace("x1", "w")
    text = f"out = {written}, built and back-propagated twice"
    return _sequence(ex, 2 * grads[0], text, cause, run)


def backward_twice(ex: Experiments) -> list[Finding]:
    """backward twice on one graph, y = G(x, w); out = G(y, x): chainrule accumulates, as PyTorch
    does with retain_graph=True; PyTorch raises without it. Noted only when the engine does neither."""
    if ex.engine.walked or not ex.clean():
        return []  # the walk is the checker's, so is what a second one does
    g = ex.clean()[0]
    recipe = Recipe((X, W), (Line(g, (0, 1)), Line(g, (2, 0))))
    try:
        _, grads = build_reference(recipe, ex.uses)
    except Skip:
        return []
    if not ex.right_once(recipe):
        return []
    engine = ex.engine
    try:
        x, w = engine.make(X), engine.make(W)
        out = ex.uses[g].call(ex.uses[g].call(x, w), x)
        limited(CALL_SECONDS, lambda: engine.backward(out))
        limited(CALL_SECONDS, lambda: engine.backward(out))
    except Timeout:
        return []
    except Exception:
        return []  # PyTorch's convention: a second backward through a freed graph raises
    got = engine.grad(x) or 0.0
    if engine.close(2 * grads[0], got):
        return []
    what = (
        "gives the same gradients again"
        if engine.close(grads[0], got)
        else f"leaves x0's gradient at {got:.6g}"
    )
    return [
        Finding(
            "semantics",
            None,
            recipe.text(ex.uses).replace("x1", "w") + "; out.backward(); out.backward()",
            {"x0": X, "w": W},
            2 * grads[0],
            got,
            f"backward twice on one graph {what}, where adding up gives {2 * grads[0]:.6g}; PyTorch "
            f"raises (or, with retain_graph=True, adds the gradients up, as chainrule does)",
        )
    ]


def depth(ex: Experiments) -> list[Finding]:
    """A long chain: the depth at which backward fails, if it does (micrograd's recursion stops
    near 1,000). Failing at 100 is no size limit: a recursion without end."""
    g, engine = ex.binary[0], ex.engine
    works = 0
    for depth in (100, 1_000, 10_000):
        try:
            x = engine.make(1.0)
            y = x
            for _ in range(depth):
                y = ex.uses[g].call(y, engine.make(1.0))
            limited(10.0, partial(engine.backward, y))
        except (RecursionError, Timeout) as error:
            why = "hits Python's recursion limit" if isinstance(error, RecursionError) else "takes over 10 s"
            if works == 0 and depth == 100:
                return [
                    Finding(
                        "error",
                        None,
                        f"a chain of {depth} ops",
                        {},
                        cause=f"backward {why} on a chain only {depth} deep",
                    )
                ]
            at = f"between {works:,} and {depth:,}" if works else f"at {depth:,} or less"
            return [
                Finding(
                    "limit",
                    None,
                    f"a chain of {depth:,} ops",
                    {},
                    cause=f"backward {why} on a chain {at} deep",
                )
            ]
        except Exception:
            return []
        works = depth
    return []


def paths(ex: Experiments, rungs: int = 30, seconds: float = 3.0) -> list[Finding]:
    """y = y + y, 30 times: 30 nodes but 2³⁰ paths. A backward that walks every path never ends."""
    add = next((i for i in ex.binary if ex.uses[i].form.text == "a + b"), None)
    if add is None:
        return []
    x = ex.engine.make(0.5)
    y = x
    for _ in range(rungs):
        y = ex.uses[add].call(y, y)
    try:
        limited(seconds, lambda: ex.engine.backward(y))
    except Timeout:
        cause = (
            f"backward takes over {seconds:g} s on {rungs} nodes of y = y + y: it walks every path "
            f"(2^{rungs} of them), not every node once (a topological order visits each node once)"
        )
        return [Finding("limit", None, f"y = x; y = y + y  ({rungs} times)", {"x": 0.5}, cause=cause)]
    except Exception:
        return []
    return []


__all__ = ["run"]
