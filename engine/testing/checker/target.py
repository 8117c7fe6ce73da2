"""The engine under test, as the checker meets it: how to make a leaf, read a
number or a gradient whatever its type, run backward (its own, a free function,
or a walk over `_prev` calling each node's `_backward` for an engine half-way
through the lecture), zero gradients its own way, time-limit a call, and find
the learner's line an exception came from."""

from __future__ import annotations

import copy
import inspect
import math
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Make = Callable[..., Any]
PARENT_NAMES = ("_prev", "_children", "prev", "children", "parents", "_parents", "inputs")
GRAD_NAMES = ("grad", "gradient", "_grad", "g", "adjoint")
DATA_NAMES = ("data", "value", "val", "_data", "x", "item")


class UsageError(ValueError):
    """The check cannot start for a reason of the caller's (a wrong attribute name): not a defect."""


class NotAnEngine(UsageError):
    """The target does not look like an engine's node class (no number in it, no backward to run)."""


class Timeout(BaseException):
    """A call that ran past its limit. A BaseException, so a learner's `except Exception:`
    does not swallow it (and the timer fires again if a bare `except:` does)."""


def raised(error: BaseException) -> str:
    """What an exception says, as a finding writes it: `raised NameError: name 'mth' is not defined`."""
    if isinstance(error, MemoryError):
        return "ran out of memory (MemoryError: over the memory cap, or an allocation without end)"
    return f"raised {type(error).__name__}" + (f": {error}" if str(error) else "")


def limited(seconds: float, fn: Callable[[], Any]) -> Any:
    """fn(), stopped after `seconds` where a timer can stop it (the main thread)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return fn()

    def stop(signum: int, frame: Any) -> None:
        if frame is not None and "hypothesis" in frame.f_code.co_filename:
            return  # inside hypothesis's own bookkeeping (a gc callback): raise at the next tick
        raise Timeout

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)  # and again every 50 ms until it is out
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Where:
    """A place in the learner's source: file, line, function, the line's text."""

    file: str
    line: int
    function: str
    text: str = ""

    def __str__(self) -> str:
        return f"{Path(self.file).name}:{self.line} in {self.function}"


class Engine:
    """The learner's engine through its adapters.

    Args:
        target: what makes a leaf from a float (the class).
        data, grad: the attributes holding a node's number and its gradient.
        backward: backward(root), or None for the engine's own.
        parents, node_backward: for an engine without backward(): the
            attribute listing a node's inputs and the one holding its step.
    """

    def __init__(
        self,
        target: Make,
        data: str | None,
        grad: str | None,
        backward: Callable[[Any], Any] | None,
        parents: str | None = None,
        node_backward: str = "_backward",
    ) -> None:
        self.target = target
        self.name = getattr(target, "__qualname__", repr(target))
        self.notes: list[str] = []
        self.printed = 0
        self.seed_by_hand = False
        self.broken: list[Any] = []  # the forms that raised or hung when probed (their Use)
        self.walked = False  # backward is the checker's own walk (no backward() in the engine)
        self.leaf_kwargs: dict[str, Any] = {}
        if _takes(target, "requires_grad"):
            self.leaf_kwargs = {"requires_grad": True}
        try:
            leaf = self.make(0.37)
        except Exception as error:
            raise NotAnEngine(
                f"cannot make a leaf with {self.name}(0.37): {raised(error)} (name what makes a leaf "
                "from a float: --leaf PATH.py:function, or check_engine(lambda x: ...))"
            ) from error
        self.cls = type(leaf)
        self.data_name = self._attribute(leaf, data, DATA_NAMES, "data", lambda v: _near(v, 0.37))
        self.grad_name = self._attribute(leaf, grad, GRAD_NAMES, "grad", lambda v: v is None or _near(v, 0.0))
        self.initial_grad = getattr(leaf, self.grad_name, None)
        self.precision = max(abs(self.data(self.make(x)) - x) / abs(x) for x in (0.1, 0.37, 1.3, 2.7))
        self.tolerance = 1e-6 if self.precision < 1e-12 else max(1e-6, 2_000 * self.precision)
        self.files = {_file_of(self.cls)}
        self.run_backward = self._choose_backward(leaf, backward, parents, node_backward)

    # -- leaves and numbers

    def make(self, x: float) -> Any:
        """A leaf for x (with requires_grad=True where the class takes it)."""
        return self.target(x, **self.leaf_kwargs)

    def constant(self, x: float) -> Any:
        """A node for a number the learner's op refused as a plain number."""
        return self.target(x)

    def data(self, node: Any) -> float:
        """The node's number as a float (nan, said once in the notes, where it is no number)."""
        return self._number(getattr(node, self.data_name, None), self.data_name)

    def grad(self, node: Any) -> float | None:
        """The node's gradient as a float; None where the engine keeps none."""
        g = getattr(node, self.grad_name, None)
        return None if g is None else self._number(g, self.grad_name)

    def _number(self, x: Any, attribute: str) -> float:
        try:
            return as_number(x, self.data_name)
        except TypeError as error:
            note = f"a node's .{attribute} that is no number ({error}) was read as nan"
            if note not in self.notes:
                self.notes.append(note)
            return math.nan

    def inputs(self, node: Any) -> list[Any] | None:
        """The nodes `node` was computed from, read from the first of PARENT_NAMES it has that
        holds them (a set, tuple or list: [] for a leaf); None where it has none of these."""
        for name in PARENT_NAMES:
            held = getattr(node, name, None)
            if isinstance(held, (set, frozenset, tuple, list)):
                return [x for x in held if self.is_node(x)]
        return None

    def is_node(self, x: Any) -> bool:
        return isinstance(x, self.cls) or (x is not None and hasattr(x, self.data_name))

    def close(self, expected: float, got: float | None) -> bool:
        if got is None:
            return False
        if math.isnan(expected) and math.isnan(got):
            return True
        return abs(expected - got) <= self.tolerance * max(1.0, abs(expected), abs(got))

    def zero(self, node: Any) -> None:
        """Zero a node's gradient the engine's own way: its zero_grad(), else what a new leaf holds."""
        zero_grad = getattr(node, "zero_grad", None)
        if callable(zero_grad):
            zero_grad()
        else:
            setattr(node, self.grad_name, copy.copy(self.initial_grad))

    def _attribute(self, leaf: Any, given: str | None, names: tuple[str, ...], what: str, fits: Any) -> str:
        have = sorted(k for k in _attributes(leaf) if not k.startswith("__"))
        if given is not None:
            if not hasattr(leaf, given):
                raise UsageError(
                    f"a leaf made by {self.name}(0.37) has no attribute {given!r} (given as the {what} "
                    f"name); its attributes: {', '.join(have) or 'none'}"
                )
            return given
        for name in names:
            if hasattr(leaf, name) and not callable(getattr(leaf, name)):
                try:
                    if fits(getattr(leaf, name)):
                        if name != what:
                            self.notes.append(f"a node's {what} is read from .{name}")
                        return name
                except (TypeError, ValueError):
                    continue
        raise NotAnEngine(
            f"cannot tell which attribute of {self.name}(0.37) holds its {what}: none of "
            f"{', '.join(names)} does; its attributes: {', '.join(have) or 'none'} "
            f"(name it: --{what} NAME, or {what}='NAME')"
        )

    # -- backward

    def _choose_backward(
        self, leaf: Any, given: Callable[[Any], Any] | None, parents: str | None, step: str
    ) -> Callable[[Any], Any]:
        if given is not None:
            return given
        if callable(getattr(leaf, "backward", None)):
            return lambda root: root.backward()
        namespace = _module_namespace(self.cls)
        function = namespace.get("backward")
        if callable(function) and not isinstance(function, type):
            self.notes.append(f"backward(root) is your module's function {self.cls.__module__}.backward")
            return function
        names = [parents] if parents else list(PARENT_NAMES)
        found = next((n for n in names if hasattr(leaf, n)), None)
        if found is not None and hasattr(leaf, step):
            self.notes.append(
                f"your {self.name} has no backward() yet: the checker walked the graph itself, in "
                f"reverse topological order over .{found}, set out.{self.grad_name} = 1 and called "
                f"each node's {step}()"
            )
            self.walked = True
            return lambda root: _walk(root, found, step, self.grad_name)
        raise NotAnEngine(
            f"{self.name} has no backward(), no module function backward(root), and no "
            f"{'/'.join(names)} with {step} to walk: say how to run backward (backward=, --backward)"
        )

    on_phase: Callable[[str], None] | None = None  # told "backward" and back (the grader's child sets it)

    def backward(self, root: Any) -> Any:
        if self.seed_by_hand:
            setattr(root, self.grad_name, 1.0)
        if self.on_phase is None:
            return self.run_backward(root)
        self.on_phase("backward")
        try:
            return self.run_backward(root)
        finally:
            self.on_phase("building a graph")

    def failed_backward(self, root: Any, seconds: float) -> tuple[str, BaseException | None] | None:
        """Run backward from `root` within `seconds`; None when it returned, else what happened
        (`did not return within 2 s`, `recursed without end (RecursionError)`, `raised X: ...`)
        and the exception, if one was raised."""
        try:
            limited(seconds, lambda: self.backward(root))
        except Timeout:
            return f"did not return within {seconds:g} s", None
        except RecursionError as error:
            return "recursed without end (RecursionError)", error
        except Exception as error:
            return raised(error), error
        return None

    # -- where an exception came from

    def where(self, error: BaseException) -> Where | None:
        """The innermost frame of the learner's file in the error's traceback."""
        return learners_frame(error, self.files)


def _walk(root: Any, parents: str, step: str, grad: str) -> None:
    """micrograd's backward for an engine that has none yet: reverse topological order, iterative."""
    order: list[Any] = []
    seen: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(list(getattr(node, parents, ()) or ())))
    setattr(root, grad, 1.0)
    for node in reversed(order):
        getattr(node, step)()


def as_number(x: Any, data_name: str = "data", depth: int = 0) -> float:
    """A number whatever its type: float, int, numpy scalar or 0-d array, a tensor's .item(),
    or a node of the engine itself (its data)."""
    if isinstance(x, (int, float)):
        return float(x)
    item = getattr(x, "item", None)
    if callable(item):
        try:
            return float(item())
        except (TypeError, ValueError):
            pass
    try:
        return float(x)
    except (TypeError, ValueError):
        if depth < 3 and hasattr(x, data_name):
            return as_number(getattr(x, data_name), data_name, depth + 1)
        raise TypeError(f"cannot read {type(x).__name__} {x!r} as a number") from None


def _near(v: Any, x: float) -> bool:
    try:
        return abs(as_number(v) - x) <= 1e-6 * max(1.0, abs(x))
    except TypeError:
        return False


def _attributes(x: Any) -> list[str]:
    names = set(getattr(x, "__dict__", {}))
    for klass in type(x).__mro__:
        names.update(getattr(klass, "__slots__", ()))
    return list(names)


def _module_namespace(cls: type) -> dict[str, Any]:
    """The globals of the module that defines `cls` (also for a file loaded without sys.modules)."""
    module = sys.modules.get(cls.__module__)
    if module is not None:
        return vars(module)
    for value in vars(cls).values():
        function = getattr(value, "__func__", value)
        if inspect.isfunction(function):
            return function.__globals__
    return {}


def _takes(target: Any, name: str) -> bool:
    try:
        return name in inspect.signature(target).parameters
    except (TypeError, ValueError):
        return False


def _file_of(cls: type) -> str:
    try:
        return inspect.getsourcefile(cls) or ""
    except (TypeError, OSError):
        return ""


_OURS = str(Path(__file__).resolve().parents[2])  # engine/
_PYTHON = (str(Path(inspect.__file__).resolve().parent),)


def learners_frame(error: BaseException, files: Collection[str] = ()) -> Where | None:
    """The innermost frame of an error's traceback that is the learner's: in one of `files`
    (a class's file, also a notebook cell's), or in a file that is not chainrule's, Python's
    or an installed package's."""
    found = None
    for frame, line in traceback.walk_tb(error.__traceback__):
        file = frame.f_code.co_filename
        if file in files or _is_learners(file):
            found = Where(file, line, getattr(frame.f_code, "co_qualname", frame.f_code.co_name))
    if found is not None:
        found.text = _line(found.file, found.line)
    return found


def _is_learners(file: str) -> bool:
    if not file or file.startswith("<") or "site-packages" in file or "dist-packages" in file:
        return False  # <string>, <frozen ...>: code that names no file is only theirs by `files`
    resolved = str(Path(file).resolve())
    return not resolved.startswith(_OURS) and not resolved.startswith(_PYTHON)


def _line(file: str, line: int) -> str:
    import linecache

    return linecache.getline(file, line).strip()


def listing(function: Any, name: str) -> tuple[Where | None, str]:
    """Where a learner's method is written, and its first lines as a report shows them
    (`your __sub__:` and the source, indented four)."""
    where, lines = source(function)
    if not lines:
        return where, ""
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    shown = "\n".join(("    " + line[indent:]).rstrip() for line in lines)
    return where, f"your {name}:\n{shown}"


def source(function: Any, limit: int = 16) -> tuple[Where | None, list[str]]:
    """Where a learner's method is written, and its first lines."""
    function = inspect.unwrap(getattr(function, "__func__", function))
    try:
        lines, start = inspect.getsourcelines(function)
        file = inspect.getsourcefile(function) or "?"
    except (TypeError, OSError):
        return None, []
    name = getattr(function, "__qualname__", getattr(function, "__name__", "?"))
    shown = [line.rstrip("\n") for line in lines[:limit]]
    if len(lines) > limit:
        shown.append("    ...")
    return Where(file, start, name, lines[0].strip()), shown


__all__ = [
    "Engine",
    "NotAnEngine",
    "Timeout",
    "UsageError",
    "Where",
    "as_number",
    "learners_frame",
    "limited",
    "listing",
    "raised",
    "source",
]
