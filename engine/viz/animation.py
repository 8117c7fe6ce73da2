"""Watch backpropagation happen: the forward and backward passes, step by step.

    from engine.viz import animate
    steps = animate(L)
    steps.save("backward.html")   # one page: open it in any browser, offline
    steps.save("backward.gif")    # the same frames as an animated GIF
    steps                         # in Jupyter: the page, inline
    print(steps)                  # the steps as numbered text

The graph is drawn once, as `draw_dot` draws it. Forward, the named nodes
fill in their values in topological order; backward, their gradients, in
the order the engine's sweep reaches them, each formed by the chain rule
from its users' (`engine.explaining.steps`). The page is one file with no
request to the network: the drawing inline, the steps as data, a few lines
of script for the buttons, the slider and the keys (← → Home End, space):
`animation.html` beside this file, the page as a template, filled here.
"""

from __future__ import annotations

import html
import importlib.resources
import io
import json
import re
import string
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import engine.viz.style as style
from engine.autodiff import gradients
from engine.explaining import Step, number_text, walkthrough
from engine.files import write_atomically
from engine.graph import topological_order
from engine.value import Value
from engine.viz.graph import draw_all
from engine.viz.style import COLOURS, FONT, PATH, Drawing
from engine.viz.xdot import Layout, tag_colours

DATA_INK, GRAD_INK = "#000001", "#000002"  # black to the eye; how the page's script finds the numbers
CURRENT = "#ffe08a"  # the box of the step's own node
tag_colours(DATA_INK, GRAD_INK)
MAX_NODES = 200


class Animation:
    """The steps of `output`'s forward and backward passes (made by `animate`).

    Attributes:
        output: the Value animated.
        steps: the steps as data (`engine.explaining.Step`: phase, node,
            name, formula, numbers, value, ...).
    """

    def __init__(self, output: Value, parameters: Iterable[Value] = (), rankdir: str = "LR") -> None:
        self.output, self.rankdir = output, rankdir
        self.steps: list[Step] = walkthrough(output)
        self._order = topological_order(output)
        self._params = set(parameters)
        self._ids = style.node_ids(self._order)  # as draw_all names them
        # the frame from which a node shows its data (0: a leaf, from the start), and its gradient
        self._data_at: dict[Value, int] = {}
        self._grad_at: dict[Value, int] = {}
        for frame, step in enumerate(self.steps, 1):
            for node in step.filled:
                (self._data_at if step.phase == "forward" else self._grad_at)[node] = frame
        for node in self._order:
            self._data_at.setdefault(node, 0)
            self._grad_at.setdefault(node, len(self.steps))  # past a stop_gradient: no step reaches it
        # what L.backward() gives, every node
        self._backward = dict(zip(self._order, gradients(output, self._order), strict=True))

    # -- as text -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.steps)

    def __str__(self) -> str:
        lines = []
        for i, step in enumerate(self.steps, 1):
            lines.append(f"{i:>3}. {step}")
            lines += [
                f"       {factor.name} = {factor.formula}"
                for _, factor in step.factors
                if factor.of != factor.wrt
            ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        forward = sum(s.phase == "forward" for s in self.steps)
        return f"Animation({self.output!r}: {forward} forward steps, {len(self.steps) - forward} backward)"

    def node_id(self, node: Value) -> str:
        """The id of `node`'s box in the page (`v3`); its numbers are `v3-data` and `v3-grad`."""
        return self._ids[node]

    # -- frames ----------------------------------------------------------------------

    def _drawing(self, frame: int | None) -> Drawing:
        """The graph at `frame` (0: before any step); None: for the page, every number tagged."""
        step = self.steps[frame - 1] if frame else None
        hot = set() if step is None else set(step.edges)

        def box(node: Value, role: str) -> str:
            fill = CURRENT if step is not None and node is step.node else ""
            if frame is None:
                ink = (DATA_INK, GRAD_INK)
            else:
                hidden = fill or COLOURS[role]  # a number not reached yet: the box's own colour
                ink = (
                    "" if self._data_at[node] <= frame else hidden,
                    "" if self._grad_at[node] <= frame else hidden,
                )
            return style.box(node, role, grad=self._backward[node], ink=ink, fill=fill)

        def edge(parent: Value | None, node: Value) -> dict[str, str]:
            on = any(m is node for _, m in hot) if parent is None else (parent, node) in hot
            return {"color": PATH, "penwidth": "2.5"} if on else {}

        g = style.new_drawing(self.rankdir)
        draw_all(g, self._order, self.output, self._params, box, edge)
        return g

    def _state(self) -> dict[str, Any]:
        """What the page's script needs: each node's numbers and when they show, each step's text."""
        nodes = [
            {
                "id": self._ids[n],
                "data": style.num(n.data),
                "grad": style.num(self._backward[n]),
                "dataAt": self._data_at[n],
                "gradAt": self._grad_at[n],
            }
            for n in self._order
        ]
        steps = [
            {
                "text": f"{i}. {'Forward' if s.phase == 'forward' else 'Backward'}: {s.text}",
                "detail": [
                    f"{f.name} = {f.formula} = {number_text(f.value)}" for _, f in s.factors if f.of != f.wrt
                ],
                "node": self._ids[s.node],
                "edges": self._edge_ids(s.edges),
            }
            for i, s in enumerate(self.steps, 1)
        ]
        start = (
            "0. Before: the inputs and parameters hold their numbers. Press → (or next) to compute forward."
        )
        return {"nodes": nodes, "steps": [{"text": start, "detail": [], "node": "", "edges": []}, *steps]}

    def _edge_ids(self, edges: tuple[tuple[Value, Value], ...]) -> list[str]:
        """The SVG ids of the drawn edges a step goes through: each input's edge
        into its user's oval, and the oval's edge into the user's box."""
        ids = set()
        for parent, user in edges:
            box = self._ids[user]
            ids.add(style.out_edge_id(box))
            ids.update(
                style.in_edge_id(self._ids[parent], box, k) for k, p in enumerate(user.parents) if p is parent
            )
        return sorted(ids)

    def page(self) -> str:
        """The whole page, one self-contained HTML file."""
        svg = self._drawing(None).pipe(format="svg").decode("utf-8")
        svg = re.sub(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->", "", svg, flags=re.DOTALL).strip()
        state = json.dumps(self._state(), ensure_ascii=True)  # \u escapes only: no "</script>" inside
        state = state.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        title = html.escape(
            style.printable(f"Backpropagation step by step: {self.output.label or 'the output'}")
        )
        return _PAGE.substitute(
            title=title,
            svg=svg,
            state=state,
            font=FONT,
            path=PATH,
            current=CURRENT,
            data_ink=DATA_INK,
            grad_ink=GRAD_INK,
        )

    def frames(self, dpi: int = 72) -> list[bytes]:
        """Each frame as a PNG, the step's text above the graph, all of one size (needs Pillow)."""
        pngs = []
        for image in self._images(dpi):
            out = io.BytesIO()
            image.save(out, format="PNG")
            pngs.append(out.getvalue())
        return pngs

    def _images(self, dpi: int = 72) -> Iterator[Any]:
        """The frames as RGB images, made one at a time (only one is held at once),
        all drawn from one layout of the graph (`engine.viz.xdot`)."""
        from PIL import Image, ImageDraw

        font, small = _font(16), _font(13)
        states = self._state()["steps"]
        layout = Layout(self._drawing(None), dpi)  # every number in place, tagged by its ink
        width, height = layout.size
        captions = []
        for state in states:  # the text above the graph: every frame's, to size the canvas once
            lines = [(line, font, "black") for line in _wrap(state["text"], font, width - 20)]
            for detail in state["detail"]:
                lines += [(line, small, "#555555") for line in _wrap(detail, small, width - 20)]
            captions.append(lines)
        top = 14 + max(sum(f.size + 6 for _, f, _ in lines) for lines in captions)
        for frame, lines in enumerate(captions):
            step = self.steps[frame - 1] if frame else None
            hide = {}
            for node in self._order:
                inks = {DATA_INK} if self._data_at[node] > frame else set()
                if self._grad_at[node] > frame:
                    inks.add(GRAD_INK)
                hide[self._ids[node]] = inks
            fill = {} if step is None else {self._ids[step.node]: CURRENT}
            hot = set() if step is None else set(self._edge_ids(step.edges))
            canvas = Image.new("RGB", (width, height + top), "white")
            canvas.paste(layout.image(hide, fill, hot, PATH), (0, top))
            draw = ImageDraw.Draw(canvas)
            y = 8
            for line, f, colour in lines:
                draw.text((10, y), line, fill=colour, font=f)
                y += f.size + 6
            yield canvas

    def gif(self) -> bytes:
        """The frames as one animated GIF (needs Pillow), written frame by frame:
        each frame is held only while it is encoded, and only what changed from
        the frame before is stored (as Pillow's own GIF writer does)."""
        try:
            from PIL import GifImagePlugin, Image, ImageChops
        except ImportError:
            raise ImportError("a GIF needs Pillow: pip install pillow (the demos extra has it)") from None
        n = len(self.steps) + 1
        durations = [2500] + [1600] * (n - 2) + [5000]  # the last, every gradient, for a while
        out = io.BytesIO()
        previous = None
        for image, duration in zip(self._images(), durations, strict=True):
            box = (
                (0, 0, *image.size) if previous is None else ImageChops.difference(previous, image).getbbox()
            )
            box = box or (0, 0, 1, 1)  # nothing changed: one pixel, for the frame's time
            part = image.crop(box).convert("P", palette=Image.Palette.ADAPTIVE)
            if previous is None:
                header, _ = GifImagePlugin.getheader(part, info={"loop": 0, "duration": duration})
                out.write(b"".join(header))
            for chunk in GifImagePlugin.getdata(
                part, offset=box[:2], duration=duration, disposal=1, include_color_table=True
            ):
                out.write(chunk)
            previous = image
        out.write(b";")  # the GIF's trailer
        return out.getvalue()

    def save(self, path: str | Path) -> Path:
        """Write the page (``.html``) or the animated GIF (``.gif``), atomically as
        `nn.save` writes (`engine.files.write_atomically`); returns the path."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            data = self.page().encode("utf-8")
        elif suffix == ".gif":
            data = self.gif()
        else:
            raise ValueError(f"save: expected a path ending in .html or .gif, got {str(path)!r}")
        write_atomically(path, data)
        return path

    def _repr_html_(self) -> str:
        return (
            f'<iframe sandbox="allow-scripts" srcdoc="{html.escape(self.page(), quote=True)}" '
            'style="width: 100%; height: 640px; border: 1px solid #ddd"></iframe>'
        )


def animate(
    output: Value, parameters: Iterable[Value] = (), max_nodes: int | None = MAX_NODES, rankdir: str = "LR"
) -> Animation:
    """The forward and backward passes of `output`'s graph, step by step (see the module's docstring).

    Args:
        output: the Value to animate (a loss, say).
        parameters: Values to draw as parameters (blue), as `draw_dot` does.
        max_nodes: a graph of more Values is refused: animate an inner Value
            (None: no limit).
        rankdir: "LR" (inputs on the left, as `draw_dot`) or "TB", "RL", "BT".
    """
    if not isinstance(output, Value):
        raise TypeError(f"animate: expected a Value, got {type(output).__name__}")
    style.check_rankdir(rankdir, "animate")
    style.check_max_nodes(max_nodes, "animate")
    size = len(topological_order(output))
    if max_nodes is not None and size > max_nodes:
        raise ValueError(
            f"animate: the graph has {size:,} Values, more than max_nodes={max_nodes:,} that a page steps "
            "through one by one; animate a part of it, animate(v) for an inner Value (a neuron's output), "
            "or pass a larger max_nodes"
        )
    return Animation(output, parameters, rankdir)


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:  # DejaVu Sans has ∂, σ and ·; matplotlib ships it
        from matplotlib import font_manager

        return ImageFont.truetype(font_manager.findfont("DejaVu Sans"), size)
    except (ImportError, OSError):
        return ImageFont.load_default(size)


def _wrap(text: str, font: Any, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        trial = f"{line} {word}".strip()
        if line and font.getlength(trial) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line]


# The step-by-step page: animation.html beside this file, a string.Template (${title},
# ${svg}, ${state}, ...) that Animation.page() fills.
_PAGE = string.Template(
    (importlib.resources.files("engine.viz") / "animation.html").read_text(encoding="utf-8")
)


__all__ = ["Animation", "animate"]
