"""What a demo leaves behind: the files it wrote under --out and its key numbers.

Every demo module has a `main(report)` that prints its story, writes its
pictures through `report` (so every path is recorded) and keeps the numbers
a test or a reader may want in `report.results`.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DPI = 110
GREEN, RED, GREY = "#1e8449", "#c0392b", "#7f8c8d"


def _render(drawing: Any, fmt: str) -> bytes:
    """A PNG at the pictures' DPI; an SVG at its natural size (a DPI there only scales it up)."""
    drawing.attr(dpi=str(DPI) if fmt == "png" else "72")
    return bytes(drawing.pipe(format=fmt))


class MissingExtra(RuntimeError):
    """A demo needs a package that is not installed; the message says how to install it."""


def pyplot() -> Any:
    """matplotlib.pyplot drawing to files only (the Agg backend: no screen needed)."""
    try:
        import matplotlib
    except ImportError:
        raise MissingExtra(
            "this demo plots with matplotlib, which is not installed: pip install matplotlib "
            "(from a clone: pip install -e '.[demos]', or make demo)"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def viz() -> Any:
    """engine.viz (draw_dot, draw_derivation), which needs the graphviz package."""
    try:
        import engine.viz
    except ImportError as error:  # its message names the install
        raise MissingExtra(str(error)) from None
    return engine.viz


@dataclass
class Report:
    """Where a demo writes (`out`), whether it was asked to be quick, and what it wrote and found."""

    out: Path
    quick: bool = False
    files: list[Path] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    not_drawn: list[str] = field(default_factory=list)  # Graphviz pictures skipped for want of `dot`
    why_not_drawn: str = ""

    def figure(self, fig: Any, name: str) -> Path:
        """Save a matplotlib figure as `out/name` and close it."""
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / name
        try:
            # without matplotlib's version in the file, the same picture is the same bytes
            fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
        finally:
            pyplot().close(fig)
        self.files.append(path)
        return path

    def drawing(self, drawing: Any, name: str, formats: tuple[str, ...] = ("svg", "png")) -> list[Path]:
        """Render a Graphviz drawing (engine.viz) as `out/name.svg` and `out/name.png`.

        Without Graphviz's `dot` the demo goes on: the picture is listed in
        `not_drawn` and the command line says at the end how to get `dot`.
        """
        return self._graphviz(name, {fmt: lambda fmt=fmt: _render(drawing, fmt) for fmt in formats})

    def animation(self, animation: Any, name: str) -> list[Path]:
        """An `engine.viz.animate` result as `out/name.html` (the page) and `out/name.gif`."""
        return self._graphviz(name, {"html": lambda: animation.page().encode("utf-8"), "gif": animation.gif})

    def _graphviz(self, name: str, makers: dict[str, Any]) -> list[Path]:
        """Write `out/name.fmt` from each maker, each whole (a temporary file, then renamed)."""
        self.out.mkdir(parents=True, exist_ok=True)
        paths = []
        for fmt, make in makers.items():
            try:
                picture = make()  # no DOT file beside it for two runs to share
            except viz().GraphvizNotInstalled as error:
                self.not_drawn.append(f"{name}.{fmt}")
                self.why_not_drawn = str(error)  # says how to install it
                continue
            rendered = self.out / f"{name}.{fmt}"
            temporary = rendered.with_name(f".{rendered.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            temporary.write_bytes(picture)
            os.replace(temporary, rendered)  # whole, even with another run writing the same name
            self.files.append(rendered)
            paths.append(rendered)
        return paths
