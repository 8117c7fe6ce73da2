"""Pictures with Graphviz: a computation graph, the chain rule along it, and backprop step by step.

    from engine.viz import animate, draw_derivation, draw_dot
    draw_dot(L)                                        # every Value and every op
    draw_derivation(L, w1).render("dL_dw1", format="svg")
    animate(L).save("backward.html")                   # the passes, step by step

`draw_dot` and `draw_derivation` return a `graphviz.Digraph`, which Jupyter
shows inline; `.source` is its DOT text, the same bytes every time for the
same graph. Building one needs the graphviz Python package (`pip install
graphviz`, the `viz` extra); rendering needs Graphviz's `dot` program too
(apt-get install graphviz), or a renderer of your own: every picture is made
of DOT by one function, `set_renderer(render)` replaces it (the playground
puts viz.js, Graphviz compiled to WebAssembly, there).

Modules: `style` (boxes, numbers, colours, text and SVG ids, shared by
every picture), `graph` (draw_dot), `summary` (how a big graph is grouped
into boxes; needs no graphviz), `derivation` (draw_derivation),
`animation` (animate: a page, a GIF, Jupyter, text). The top layer: it
draws what the core computes and `engine.explaining` writes out.
"""

from engine.viz.animation import Animation, animate
from engine.viz.derivation import draw_derivation
from engine.viz.graph import draw_dot
from engine.viz.style import COLOURS, FONT, GREY, PATH, Drawing, GraphvizNotInstalled, renderer, set_renderer

__all__ = [
    "COLOURS",
    "FONT",
    "GREY",
    "PATH",
    "Animation",
    "Drawing",
    "GraphvizNotInstalled",
    "animate",
    "draw_derivation",
    "draw_dot",
    "renderer",
    "set_renderer",
]
