"""Switches that change how the engine records: `no_grad` and `detect_anomaly`.

The switches are per thread, as PyTorch's are: a thread doing inference
under `no_grad()` leaves another thread's training alone, and threads
entering and leaving them in any interleaving never leave a switch stuck.
Value.apply reads one attribute per node for both (`usual`); `tracing`
turns it off too, so that `engine.compile`'s trace goes by the slow path,
which records.
"""

from __future__ import annotations

import gc
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
        self.usual = True  # grad_enabled, not anomaly, no trace: the one read on the hot path
        # While detect_anomaly() is on: node -> where the user's code created it.
        self.sites: dict[Any, str] = {}
        # Inside tracing(): what engine.compile's trace records.
        self.trace: Trace | None = None

    def set(self, grad_enabled: bool, anomaly: bool) -> None:
        self.grad_enabled, self.anomaly = grad_enabled, anomaly
        self.usual = grad_enabled and not anomaly and self.trace is None


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


class Trace:
    """What one run of a function under `tracing()` did, as `engine.compile` needs it.

    Attributes:
        nodes: every Value made meanwhile (in this thread), in the order made:
            leaves (`Value(2.0)`, the arguments) and results of ops. The order
            is topological: a node is made after its inputs.
        looked: where code first looked at a number computed from the
            arguments (read `.data` of one, printed one, caught an op's error
            on one), in words; None if nothing did. Then the graph cannot
            depend on the arguments' numbers: only Python code that sees a
            number can choose a node by it.
        looked_at_parameters: the same for a number of a Value that existed
            before the trace (a parameter) or computed from one: the graph may
            then depend on the parameters' numbers, which training changes.
        watched: those Values (made to record the reads while the trace runs,
            plain again after it): every one its ops read, in the order read.
        dry: the ops compute no numbers (every result is 0.0): a trace of
            the graph's shape alone. Code that reads a number in it is stopped
            (`TraceStopped`) before it is handed a made-up one.
    """

    def __init__(self, dry: bool = False) -> None:
        self.nodes: list[Any] = []
        self.made: set[int] = set()  # ids of `nodes`: a Value the trace did not make existed before
        self.looked: str | None = None
        self.looked_at_parameters: str | None = None
        self.watched: list[Any] = []
        self.dry = dry

    def record(self, node: Any) -> None:
        """A Value made while the trace runs (a leaf or an op's result), in the order made."""
        self.nodes.append(node)
        self.made.add(id(node))

    def saw(self, what: str, parameters: bool = False) -> None:
        if parameters:
            if self.looked_at_parameters is None:
                self.looked_at_parameters = f"{what} at {caller_site()}"
        elif self.looked is None:
            self.looked = f"{what} at {caller_site()}"
        if self.dry:
            raise TraceStopped(what)


class TraceStopped(BaseException):
    """A dry trace (`Trace.dry`) ended where code read a number: it has none to give.
    A BaseException, so that `except Exception` in the traced function lets it through."""


@contextmanager
def tracing(dry: bool = False) -> Iterator[Trace]:
    """Record a `Trace` of the block (in this thread): how `engine.compile` traces."""
    previous, trace = state.trace, Trace(dry)
    state.trace = trace
    state.set(state.grad_enabled, state.anomaly)
    try:
        yield trace
    finally:
        state.trace = previous
        state.set(state.grad_enabled, state.anomaly)


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
    while frame is not None and _in_library(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


def _in_library(filename: str) -> bool:
    """Whether a file is chainrule's own: in engine or nn, or a package inside them
    (engine/testing, engine/compiler, ...)."""
    path = os.path.abspath(filename)
    return any(path.startswith(d + os.sep) for d in _LIBRARY_DIRS)


def site_of(node: Any) -> str:
    return state.sites.get(node, "outside detect_anomaly()")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block (back on, as it was, at the end).
    engine.compile pauses it while compiling: a trace makes a node for every number,
    and the collector, woken by so many new objects, walks them all again and again
    (15% of compiling a 110,000-node graph), though a graph has no reference cycles to
    collect (a node holds only its inputs). A training block pauses it while it hands
    its parameters over and back."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
