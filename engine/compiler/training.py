"""`with f.training(optimizer) as train:` — your own loop at `nn.fit`'s speed.

Inside the block the optimizer's parameters are one array: each
``train(X, Y)`` runs the compiled loss forward and backward on the batch
(`Compiled.gradient`) and steps that array with the optimizer's rule on
arrays (`step_arrays`), reading and writing no Value. When the block ends
(normally, on an exception, on Ctrl+C) every parameter's Value gets its
number and its gradient from the last step, as the same steps on Values
would have left them. An optimizer that steps only Values (one of yours
that overrides `step`) is stepped on its Values, a little slower.

The optimizer is duck-typed (`params`, `zero_grad`, `step`, and
`step_arrays` with `steps_arrays`): `nn`'s optimizers, or yours.
"""

from __future__ import annotations

import operator
from typing import Any, cast

import numpy as np


class Training:
    """The block `Compiled.training(optimizer)` opens: call it on batches.

    Attributes:
        steps: how many steps it has taken.
        loss: the last step's mean loss (None before the first).
    """

    def __init__(self, compiled: Any, optimizer: Any) -> None:
        params = getattr(optimizer, "params", None)
        if not isinstance(params, list) or not callable(getattr(optimizer, "step", None)):
            raise TypeError(
                "training: expected an optimizer (nn.SGD, nn.Adam, or one with .params and .step()), "
                f"got {type(optimizer).__name__}"
            )
        self.compiled, self.optimizer, self.params = compiled, optimizer, params
        self.on_arrays = bool(getattr(optimizer, "steps_arrays", False))
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

    def __call__(self, *batch: Any, reduction: str = "mean") -> float:
        """One step on the batch: its mean loss backward, the optimizer's step. Returns that loss."""
        if self.closed:
            raise RuntimeError("training: this block has ended; open another with f.training(optimizer)")
        compiled, optimizer = self.compiled, self.optimizer
        if not self.on_arrays:  # an optimizer that steps Values: zero_grad, backward, step
            optimizer.zero_grad()
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
                loss, grad = compiled.gradient(live, *batch, reduction=reduction)
                self.grad = grad[:n]
                live[:n] = optimizer.step_arrays(live[:n], self.grad)
            else:
                live[self.where_read] = self.data[self.read]
                loss, grad = compiled.gradient(live, *batch, reduction=reduction)
                self.grad = np.zeros_like(self.data)
                self.grad[self.read] = grad[self.where_read]
                self.data = optimizer.step_arrays(self.data, self.grad)
        self.steps += 1
        self.loss = result = float(loss)
        return result

    def close(self) -> None:
        """Give every parameter's Value its number and last gradient (once; `with` does it)."""
        if self.closed:
            return
        self.closed = True
        if not self.on_arrays or self.steps == 0:  # the Values are as the steps left them
            return
        data = self.live[: len(self.params)] if self.prefix else self.data
        for p, number, g in zip(self.params, data.tolist(), self.grad.tolist(), strict=True):
            p.data, p.grad = number, g

    def __enter__(self) -> Training:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "ended" if self.closed else "open"
        name = getattr(self.compiled.fn, "__name__", "fn")
        return f"Training({name}, {type(self.optimizer).__name__}, {self.steps} steps, {state})"


__all__ = ["Training"]
