"""A graph laid out once by Graphviz, drawn again with Pillow as often as wanted.

Graphviz's JSON output (``-Tjson``) gives every node's and edge's drawing as
xdot operations: polygons, ellipses, Bézier curves, text at a position. The
animation lays its graph out once and draws each frame from those
operations, restyling a few elements per frame (numbers shown or not, the
step's box, the step's edges), instead of asking Graphviz to lay out and
render the whole graph again for every frame.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from engine.viz.style import Drawing

PAD = 4.0  # points around the graph, as Graphviz pads a rendered image


class Layout:
    """A drawing laid out by `dot`: its bounding box and each element's operations.

    Args:
        drawing: the graph to lay out (once).
        dpi: pixels per inch of the images drawn (72: a point is a pixel).
    """

    def __init__(self, drawing: Drawing, dpi: float = 72.0) -> None:
        laid_out = json.loads(drawing.pipe(format="json"))
        self.scale = dpi / 72.0
        _, _, width, height = (float(v) for v in laid_out["bb"].split(","))
        self.height = height
        self.size = (round((width + 2 * PAD) * self.scale), round((height + 2 * PAD) * self.scale))
        self.graph = _ops(laid_out, "_draw_", "_ldraw_")
        self.nodes = [
            (o.get("id", o["name"]), _ops(o, "_draw_", "_ldraw_")) for o in laid_out.get("objects", [])
        ]
        self.edges = [
            (e.get("id", ""), _ops(e, "_draw_", "_hdraw_", "_tdraw_", "_ldraw_"))
            for e in laid_out.get("edges", [])
        ]

    def image(
        self,
        hide: dict[str, set[str]],
        fill: dict[str, str],
        hot: set[str],
        hot_colour: str,
        hot_width: float = 2.5,
    ) -> Any:
        """The graph as an RGB image, restyled: text inked in a colour of
        ``hide[node id]`` left out, the first filled polygon of ``fill``'s nodes
        (a box's background) in its colour, the edges in `hot` in `hot_colour`."""
        from PIL import Image, ImageDraw

        image = Image.new("RGB", self.size, "white")
        pen = _Pen(ImageDraw.Draw(image), self)
        pen.run(self.graph)
        for name, ops in self.edges:
            if name in hot:
                pen.run(ops, colour=hot_colour, width=hot_width)
            else:
                pen.run(ops)
        for name, ops in self.nodes:
            pen.run(ops, hide=hide.get(name, set()), background=fill.get(name))
        return image


def _ops(element: dict[str, Any], *keys: str) -> list[dict[str, Any]]:
    return [op for key in keys for op in element.get(key, [])]


class _Pen:
    """Runs xdot operations on a Pillow ImageDraw (points to pixels, y upward to downward)."""

    def __init__(self, draw: Any, layout: Layout) -> None:
        self.draw, self.layout = draw, layout

    def xy(self, point: Iterable[float]) -> tuple[float, float]:
        x, y = point
        s = self.layout.scale
        return ((x + PAD) * s, (self.layout.height - y + PAD) * s)

    def run(
        self,
        ops: list[dict[str, Any]],
        colour: str | None = None,
        width: float = 1.0,
        hide: set[str] = frozenset(),  # type: ignore[assignment]
        background: str | None = None,
    ) -> None:
        pen, brush, size, face, bold = "#000000", "#000000", 14.0, "", False
        for op in ops:
            kind = op["op"]
            if kind == "c":
                pen = op["color"]
            elif kind == "C":
                brush = op["color"]
            elif kind == "F":
                size, face = float(op["size"]), op["face"]
            elif kind == "t":
                bold = bool(int(op["fontchar"]) & 1)
            elif kind in ("P", "p", "L"):
                points = [self.xy(p) for p in op["points"]]
                if kind == "P":
                    if background is not None:  # the box's own background: this frame's colour
                        brush, background = background, None
                    self.draw.polygon(points, fill=_rgb(colour or brush), outline=_rgb(colour or pen))
                elif kind == "p":
                    self.draw.polygon(points, outline=_rgb(colour or pen), width=self._width(width))
                else:
                    self.draw.line(points, fill=_rgb(colour or pen), width=self._width(width))
            elif kind in ("E", "e"):
                (cx, cy), (rx, ry) = self.xy(op["rect"][:2]), op["rect"][2:]
                s = self.layout.scale
                box = (cx - rx * s, cy - ry * s, cx + rx * s, cy + ry * s)
                filled = _rgb(brush) if kind == "E" else None
                self.draw.ellipse(box, fill=filled, outline=_rgb(colour or pen), width=self._width(width))
            elif kind in ("b", "B"):
                curve = _bezier([self.xy(p) for p in op["points"]])
                if kind == "B":
                    self.draw.polygon(curve, fill=_rgb(colour or brush), outline=_rgb(colour or pen))
                else:
                    self.draw.line(curve, fill=_rgb(colour or pen), width=self._width(width), joint="curve")
            elif kind == "T":
                if pen.lower() in hide:
                    continue
                anchor = {"l": "ls", "c": "ms", "r": "rs"}[op["align"]]
                ink = "#000000" if pen.lower() in _INKS else pen  # a tagged number, when shown, is black
                font = _fitted(
                    op["text"], face, round(size * self.layout.scale), bold, op["width"] * self.layout.scale
                )
                self.draw.text(self.xy(op["pt"]), op["text"], fill=_rgb(ink), font=font, anchor=anchor)

    def _width(self, width: float) -> int:
        return max(1, int(width * self.layout.scale + 0.5))


_INKS: set[str] = set()  # the colours numbers are tagged with (the animation registers its own)


def tag_colours(*colours: str) -> None:
    """Text in these colours is a tagged number: drawn black when shown."""
    _INKS.update(c.lower() for c in colours)


def _rgb(colour: str | None) -> Any:
    """An xdot colour for Pillow: '#rrggbb', and None for a transparent one ('#rrggbb00')."""
    if colour is None or colour == "none" or (len(colour) == 9 and colour.endswith("00")):
        return None
    return colour[:7] if colour.startswith("#") else colour


def _bezier(points: list[tuple[float, float]], steps: int = 12) -> list[tuple[float, float]]:
    """A piecewise cubic Bézier curve (xdot's b: p0, then c1 c2 p3 per piece) as a polyline."""
    curve = [points[0]]
    for i in range(0, len(points) - 3, 3):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points[i : i + 4]
        for k in range(1, steps + 1):
            t = k / steps
            u = 1 - t
            a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
            curve.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return curve


def _fitted(text: str, face: str, size: int, bold: bool, width: float) -> Any:
    """The font Graphviz wrote `text` in, made smaller if this machine's glyphs
    are wider than the `width` Graphviz measured (so text stays in its box)."""
    font = _font(face, size, bold)
    length = font.getlength(text)
    if length > width + 1 and size > 4:
        font = _font(face, max(4, int(size * width / length)), bold)
    return font


@lru_cache(maxsize=64)
def _font(face: str, size: int, bold: bool) -> Any:
    from PIL import ImageFont

    path = _font_file(face, bold)
    if path is not None:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size)


@lru_cache(maxsize=8)
def _font_file(face: str, bold: bool) -> str | None:
    """The file fontconfig picks for the face, as Graphviz's renderer does (Liberation
    Sans for Helvetica here); else DejaVu Sans, which matplotlib ships; else None."""
    pattern = face.split(",")[0] + (":bold" if bold else "")
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if found:
        return found
    try:
        from matplotlib import font_manager

        return str(
            font_manager.findfont(
                font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")
            )
        )
    except ImportError:
        return None


__all__ = ["Layout", "tag_colours"]
