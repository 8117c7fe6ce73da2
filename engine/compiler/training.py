"""`with f.training(optimizer) as train:` — your own loop at `nn.fit`'s speed.

Inside the block the optimizer's parameters are one array: each
``train(X, Y)`` runs the compiled loss forward and backward on the batch
(`Compiled.gradient`) and steps that array with the optimizer's rule on
arrays (`step_arrays`), reading and writing no Value. Meanwhile a parameter
read or written by your code (an evaluation between epochs, `nn.save`)
gives the block's current number and gradient: each is a `_Held` Value
while the block holds it, whose `data` and `grad` are its place in the
array. When the block ends (normally, on an exception, on Ctrl+C) every
parameter's Value gets its number and its gradient from the last step, as
the same steps on Values would have left them, all of them or (Ctrl+C
before the first is written) none, the block still open to close again.
A loop that reads no parameter while it runs (`nn.fit`'s) opens the block
with ``hold=False``: the Values keep their numbers from before until it
ends, and the block saves a pass over every parameter (the class swap) at
each end. An optimizer that steps only Values (one of yours that overrides
`step` or `zero_grad`) is stepped on its Values, a little slower.

The optimizer is duck-typed (`params`, `zero_grad`, `step`, and
`step_arrays` with `steps_arrays`): `nn`'s optimizers, or yours.
"""

from __future__ import annotations

import operator
from collections import deque
from itertools import repeat
from typing import Any, cast

import numpy as np

from engine.modes import collector_paused
from engine.value import Value

_GRAD_SLOT = Value.__dict__["grad"]  # a Value's own storage for its gradient
_SET_GRAD, _GET_GRAD = _GRAD_SLOT.__set__, _GRAD_SLOT.__get__
_SET_DATA = Value.__dict__["data"].__set__  # ...and for its number


class _Held(Value):
    """A parameter while a training block holds its number in an array (see above): each
    block makes a subclass of its own (`_held_by`), whose `data` and `grad` read and write
    the block's arrays at the Value's place."""

    __slots__ = ()


def _held_by(block: Training, params: list[Value]) -> type[_Held]:
    places: dict[int, int] = {}  # id of a held Value -> its place, made when first asked

    def place(node: Value) -> int:
        if not places:  # (a loop that reads no parameter, most, never pays for it)
            places.update(zip(map(id, params), range(len(params)), strict=True))
        return places[id(node)]

    def data(node: Value) -> float:
        return float(block.numbers()[place(node)])

    def set_data(node: Value, x: float) -> None:
        block.numbers()[place(node)] = x

    def grad(node: Value) -> float:
        if block.grad is None:  # no step yet: the Value's own
            return cast(float, _GET_GRAD(node))
        return float(block.grad[place(node)])

    def set_grad(node: Value, g: float) -> None:
        if block.grad is None:
            _SET_GRAD(node, g)
        else:
            block.grad[place(node)] = g

    held = type(
        "Value",
        (_Held,),
        {"__slots__": (), "data": property(data, set_data), "grad": property(grad, set_grad)},
    )
    held.__qualname__ = "Value"  # what messages that name a type say (it is one)
    return held


class Training:
    """The block `Compiled.training(optimizer, hold)` opens: call it on batches.

    Attributes:
        steps: how many steps it has taken.
        loss: the last step's mean loss (None before the first).
    """

    def __init__(self, compiled: Any, optimizer: Any, hold: bool = True) -> None:
        params = getattr(optimizer, "params", None)
        if not isinstance(params, list) or not callable(getattr(optimizer, "step", None)):
            raise TypeError(
                "training: expected an optimizer (nn.SGD, nn.Adam, or one with .params and .step()), "
                f"got {type(optimizer).__name__}"
            )
        if compiled.reads_parameters is not None:
            raise ValueError(
                f"training: {compiled.reads_parameters}. The block steps the parameters, which may change "
                "the graph the function builds, and would go on training the graph chosen when it was "
                "traced. Train it on Values, or make the choice with Value ops (relu, step, Value.max)"
            )
        self.compiled, self.optimizer, self.params = compiled, optimizer, params
        self.on_arrays = bool(getattr(optimizer, "steps_arrays", False))
        self.hold = hold and self.on_arrays
        self.steps, self.loss = 0, cast(float | None, None)
        self.closed = False
        leaves = compiled.leaves
        n = len(params)
        # The usual case: the optimizer's parameters are the first Values the graph reads, in
        # the same order (model.parameters() of nn's modules): their numbers are a slice of
        # the array the compiled step reads. Else they are gathered and put back each step.
        self.prefix = n <= len(leaves) and all(map(operator.is_, params, leaves))
        self.live = compiled.read_leaves()
        self.others = leaves[n:] if self.prefix else []  # Values read on each call, not stepped
        if not self.prefix:
            position = dict(zip(leaves, range(len(leaves)), strict=True))
            where = np.array([position.get(p, -1) for p in params], dtype=np.intp)
            self.read = np.flatnonzero(where >= 0)  # the parameters the graph reads...
            self.where_read = where[self.read]  # ...and where it reads them
            self.data = np.array([p.data for p in params], dtype=self.live.dtype)
            stepped = set(params)
            self.others = [v for v in leaves if v not in stepped]
            self.other_at = np.array([position[v] for v in self.others], dtype=np.intp)
        self.grad: Any = None
        if self.on_arrays:  # the parameters' readers see the array while the block holds it
            kinds = set(map(type, params))  # (one pass over them, in C)
            if kinds != {Value}:
                other = next(k for k in kinds if k is not Value)
                raise ValueError(
                    "training: a parameter is held by another open training block"
                    + ("" if issubclass(other, _Held) else f" (or is not a plain Value: {other.__name__})")
                    + "; close that block first"
                )
            if self.hold:
                held = _held_by(self, params)
                with collector_paused():  # (a hundred thousand Values and more: no cycle among them)
                    for p in params:
                        p.__class__ = held

    def numbers(self) -> Any:
        """The parameters' numbers now, in the order of the optimizer's `params`."""
        return self.live[: len(self.params)] if self.prefix else self.data

    def __call__(self, *batch: Any, reduction: str = "mean", rows: Any = None) -> float:
        """One step on the batch: its mean loss backward, the optimizer's step. Returns that loss.
        With `rows`, the arguments are the whole data and the batch its rows `rows`
        (`Compiled.gradient`: the program gathers them, a first layer's in chunks)."""
        if self.closed:
            raise RuntimeError("training: this block has ended; open another with f.training(optimizer)")
        compiled, optimizer = self.compiled, self.optimizer
        if not self.on_arrays:  # an optimizer that steps Values: zero_grad, backward, step
            optimizer.zero_grad()
            if rows is not None:
                batch = tuple(np.take(np.asarray(data), rows, axis=0) for data in batch)
            loss = compiled.backward(*batch, reduction=reduction)
            optimizer.step()
        else:
            live, n = self.live, len(self.params)
            if self.others:  # the Values fn reads that are not stepped (constants, frozen ones): live
                numbers = [v.data for v in self.others]
                if self.prefix:
                    live[n:] = numbers
                else:
                    live[self.other_at] = numbers
            if self.prefix:
                loss, grad = compiled.gradient(live, *batch, reduction=reduction, rows=rows)
                self.grad = grad[:n]
                stepped = optimizer.step_arrays(live[:n], self.grad)
                if n == len(live) and getattr(stepped, "dtype", None) == live.dtype:
                    self.live = stepped  # the parameters are the whole array: the new one is it
                else:
                    live[:n] = stepped
            else:
                live[self.where_read] = self.data[self.read]
                loss, grad = compiled.gradient(live, *batch, reduction=reduction, rows=rows)
                self.grad = np.zeros_like(self.data)
                self.grad[self.read] = grad[self.where_read]
                self.data = optimizer.step_arrays(self.data, self.grad)
        self.steps += 1
        self.loss = result = float(loss)
        return result

    def close(self) -> None:
        """Give every parameter's Value its number and last gradient (once; `with` does it).
        All or nothing under Ctrl+C: one that lands while they are written back waits until
        every one is; one that lands before leaves the block open (close it again)."""
        if self.closed:
            return
        if not self.on_arrays:  # the Values are as the steps left them
            self.closed = True
            return
        with collector_paused():  # the numbers made here hold no cycle: no collection meanwhile
            self._write_back()
        self.closed = True

    def _write_back(self) -> None:
        numbers = self.numbers().tolist()
        grads = None if self.grad is None else self.grad.tolist()
        params = self.params

        def release() -> None:
            # Each pass is one C loop (map over a slot's setter, consumed by a deque): no Python
            # code runs inside it, so Ctrl+C cannot land in the middle of one, only between them.
            if self.hold:
                deque(map(setattr, params, repeat("__class__"), repeat(Value)), maxlen=0)
            deque(map(_SET_DATA, params, numbers), maxlen=0)
            if grads is not None:
                deque(map(_SET_GRAD, params, grads), maxlen=0)

        try:
            release()
        except KeyboardInterrupt:  # (between two passes: all of them again, whole)
            release()
            self.closed = True
            raise

    def __enter__(self) -> Training:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "ended" if self.closed else "open"
        name = getattr(self.compiled.fn, "__name__", "fn")
        return f"Training({name}, {type(self.optimizer).__name__}, {self.steps} steps, {state})"


__all__ = ["Training"]
