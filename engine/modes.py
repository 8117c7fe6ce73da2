"""Switches that change how the engine records: `no_grad` and `detect_anomaly`.

The switches are process-wide (not per thread): this is a teaching engine
with one thread of control, and one attribute read on the hot path is all
they cost.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class _State:
    __slots__ = ("anomaly", "grad_enabled", "sites")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        # While detect_anomaly() is on: node -> where the user's code created it.
        self.sites: dict[Any, str] = {}


state = _State()


@contextmanager
def no_grad() -> Iterator[None]:
    """Build no graph inside the block: every result is a constant leaf.

    Works as a decorator too (``@no_grad()``), as in PyTorch.
    """
    previous = state.grad_enabled
    state.grad_enabled = False
    try:
        yield
    finally:
        state.grad_enabled = previous


def is_grad_enabled() -> bool:
    return state.grad_enabled


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise FloatingPointError at the first nan or inf an op produces.

    Checks every forward result and every gradient contribution made inside
    the block; the error names the op and the line of your code that created
    the node. Nodes made inside the block are remembered (with that line)
    until the block ends, so use it for debugging, not for training.
    """
    previous = state.anomaly
    state.anomaly = True
    try:
        yield
    finally:
        state.anomaly = previous
        if not previous:
            state.sites.clear()


_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))
# chainrule's own packages: a site inside them (a neuron's dot, a loss) says
# less than the line of the learner's code that called them.
_LIBRARY_DIRS = frozenset({_ENGINE_DIR, os.path.join(os.path.dirname(_ENGINE_DIR), "nn")})


def caller_site() -> str:
    """`file:line in function` of the nearest frame outside chainrule's packages (engine, nn)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) in _LIBRARY_DIRS:
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


def site_of(node: Any) -> str:
    return state.sites.get(node, "outside detect_anomaly()")
