"""Switches that change how the engine records: `no_grad` and `detect_anomaly`.

The switches are per thread, as PyTorch's are: a thread doing inference
under `no_grad()` leaves another thread's training alone, and threads
entering and leaving them in any interleaving never leave a switch stuck.
Value.apply reads one attribute per node for both (`usual`).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class _State(threading.local):
    """This thread's switches (each thread starts with gradients on and anomaly off)."""

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.usual = True  # grad_enabled and not anomaly: the one read on the hot path
        # While detect_anomaly() is on: node -> where the user's code created it.
        self.sites: dict[Any, str] = {}
        # Inside new_leaves(): every leaf Value made in this thread meanwhile.
        self.new_leaves: set[Any] | None = None

    def set(self, grad_enabled: bool, anomaly: bool) -> None:
        self.grad_enabled, self.anomaly = grad_enabled, anomaly
        self.usual = grad_enabled and not anomaly


state = _State()


@contextmanager
def no_grad() -> Iterator[None]:
    """Build no graph inside the block (in this thread): every result is a constant leaf.

    Works as a decorator too (``@no_grad()``), as in PyTorch.
    """
    with _grad_mode(False):
        yield


@contextmanager
def enable_grad() -> Iterator[None]:
    """Build the graph inside the block even under `no_grad()` (PyTorch's enable_grad):
    `engine.compile` traces with it."""
    with _grad_mode(True):
        yield


@contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    previous = state.grad_enabled
    state.set(enabled, state.anomaly)
    try:
        yield
    finally:
        state.set(previous, state.anomaly)


@contextmanager
def new_leaves() -> Iterator[set[Any]]:
    """The leaf Values made (in this thread) inside the block, as a set filled as
    they are made: how `engine.compile` tells the constants a traced function
    makes anew from the Values it reads, which exist before it runs."""
    previous, made = state.new_leaves, set[Any]()
    state.new_leaves = made
    try:
        yield made
    finally:
        state.new_leaves = previous


def is_grad_enabled() -> bool:
    return state.grad_enabled


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise FloatingPointError at the first nan or inf an op produces (in this thread).

    Checks every forward result and every gradient contribution made inside
    the block; the error names the op and the line of your code that created
    the node. Nodes made inside the block are remembered (with that line)
    until the block ends, so use it for debugging, not for training.
    """
    previous = state.anomaly
    state.set(state.grad_enabled, True)
    try:
        yield
    finally:
        state.set(state.grad_enabled, previous)
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
