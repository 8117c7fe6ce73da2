"""`fit`: the training loop the documents describe, in one call.

Pick a batch of samples, compute the loss and every partial derivative,
update each weight, repeat: the loss falls step by step.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from collections.abc import Callable, Sequence
from typing import Any

import engine
from engine import Value
from nn.losses import LOSSES, Loss, as_loss, one_hot
from nn.module import Module
from nn.optim import SGD, Optimizer

LossFn = Callable[[Any, Any], Value]


def fit(
    model: Module,
    inputs: Sequence[Any],
    targets: Sequence[Any],
    loss: str | LossFn = "mse",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int = 1,
    shuffle: bool = True,
    seed: int | None = None,
    progress: bool = True,
    compile: bool = False,  # noqa: A002 - the word users know from torch.compile
) -> list[float]:
    """Train `model` on (inputs, targets) and return the mean loss of each epoch.

    Args:
        model: a Neuron, Layer or MLP (anything callable with `parameters()`).
        inputs, targets: the samples and their truths, in the same order.
        loss: a name from `nn.losses.LOSSES` ("mse", "binary_cross_entropy",
            "hinge", "cross_entropy") or a function `loss(y_true, y_pred)`
            of one example (`nn.cross_entropy` is accepted as it is, logits first).
        optimizer: default `SGD(model.parameters(), lr=0.1)`.
        epochs: passes over the data.
        batch_size: samples per step; a step's loss is their mean (1: the
            documents' stochastic gradient descent, one sample at a time).
        shuffle, seed: visit the samples in a new random order each epoch,
            reproducibly when `seed` is given.
        progress: show a tqdm progress bar with the running loss, when tqdm
            is installed (without it training is silent).
        compile: run each step on the whole batch at once with
            `engine.compile` (needs numpy): the same steps, the same history
            to rounding, many times faster on big batches. Class-index
            targets of cross_entropy are given to it one-hot.

    Returns:
        The mean per-sample loss of each epoch, a list of `epochs` floats.
    """
    if len(inputs) != len(targets):
        raise ValueError(
            f"fit: {len(inputs)} inputs but {len(targets)} targets; expected one target per input"
        )
    if len(inputs) == 0:  # not `not inputs`: a numpy array's truth is ambiguous
        raise ValueError("fit: expected at least one sample, got none")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"fit: batch_size must be an int >= 1, got {batch_size!r}")
    order, rng = list(range(len(inputs))), random.Random(seed)
    steps_per_epoch = -(-len(order) // batch_size)
    history: list[float] = []
    with steps(model, inputs, targets, loss, optimizer, compile=compile) as step:
        bar = progress_bar(epochs * steps_per_epoch) if progress else None
        try:
            for _ in range(epochs):
                if shuffle:
                    rng.shuffle(order)
                total, seen = 0.0, 0
                for start in range(0, len(order), batch_size):
                    batch = order[start : start + batch_size]
                    step_loss = step(batch)  # zero the gradients, the batch's mean loss backward, a step
                    total, seen = total + step_loss * len(batch), seen + len(batch)
                    if bar is not None:  # the epoch's running mean loss
                        bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
                        bar.update(1)
                history.append(total / seen)
        finally:
            if bar is not None:
                bar.close()
    return history


def steps(
    model: Module,
    inputs: Sequence[Any],
    targets: Sequence[Any],
    loss: str | LossFn = "mse",
    optimizer: Optimizer | None = None,
    compile: bool = False,  # noqa: A002 - as fit's
) -> Steps:
    """fit's training step, to call yourself: ``step(indices)`` trains on those
    samples (one optimizer step on their mean loss) and returns that loss.

    The arguments are fit's. Use it as a context manager (``with steps(...) as
    step:``), or call `close()` when done: with compile=True and an optimizer
    that steps arrays, the parameters live in one array while it runs, and the
    Values get their numbers (and the last gradients) when it closes.
    """
    loss_fn = as_loss(loss)
    optimizer = SGD(model.parameters(), lr=0.1) if optimizer is None else optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit: optimizer must be an nn.Optimizer (SGD, Adam, ...), got {type(optimizer).__name__}"
        )
    if not compile:
        return EagerSteps(model, inputs, targets, loss_fn, optimizer)
    if not optimizer.steps_arrays:  # an optimizer of yours: stepped on its Values
        return CompiledSteps(model, inputs, targets, loss_fn, optimizer)
    return ArraySteps(model, inputs, targets, loss_fn, optimizer)


class Steps:
    """One training step a call, on the samples at the given indices (made by `steps`)."""

    def __call__(self, batch: list[int]) -> float:
        """Zero the gradients, backpropagate the batch's mean loss, step: that mean loss."""
        raise NotImplementedError

    def close(self) -> None:
        """Leave the parameters' Values as the steps left them (nothing to do for most)."""

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EagerSteps(Steps):
    """Each example's graph built and backpropagated on Values: the documents' loop."""

    def __init__(
        self, model: Module, inputs: Sequence[Any], targets: Sequence[Any], loss: Loss, optimizer: Optimizer
    ) -> None:
        self.model, self.inputs, self.targets, self.loss, self.optimizer = (
            model,
            inputs,
            targets,
            loss,
            optimizer,
        )

    def __call__(self, batch: list[int]) -> float:
        losses = [self.loss(self.targets[i], self.model(self.inputs[i])) for i in batch]
        step_loss = losses[0] if len(losses) == 1 else engine.sum(losses) * (1.0 / len(losses))
        self.optimizer.zero_grad()
        step_loss.backward()
        self.optimizer.step()
        return step_loss.data


class CompiledSteps(Steps):
    """Each step on the whole batch at once (`engine.compile`), the optimizer on the Values."""

    def __init__(
        self, model: Module, inputs: Sequence[Any], targets: Sequence[Any], loss: Loss, optimizer: Optimizer
    ) -> None:
        self.compiled, self.x, self.y = _compiled(model, inputs, targets, loss)
        self.optimizer = optimizer

    def __call__(self, batch: list[int]) -> float:
        self.optimizer.zero_grad()
        step_loss = self.compiled.backward(self.x[batch], self.y[batch])
        self.optimizer.step()
        return float(step_loss)


class ArraySteps(Steps):
    """Each step on the whole batch at once, and the parameters held in one array
    while it runs (the optimizer's `step_arrays`): the same numbers as the steps
    on Values, without reading and writing every Value every step. The Values
    get their numbers, and the last step's gradients, when it closes."""

    def __init__(
        self, model: Module, inputs: Sequence[Any], targets: Sequence[Any], loss: Loss, optimizer: Optimizer
    ) -> None:
        import numpy as np

        self.compiled, self.x, self.y = _compiled(model, inputs, targets, loss)
        self.optimizer = optimizer
        position = {leaf: i for i, leaf in enumerate(self.compiled.leaves)}
        self.params = optimizer.params
        where = np.array([position.get(p, -1) for p in self.params])  # -1: a parameter the loss does not read
        self.read = np.flatnonzero(where >= 0)
        self.where_read = where[self.read]
        self.leaves = self.compiled.read_leaves()
        self.data = np.array([p.data for p in self.params])
        self.grad = np.zeros(len(self.params))
        self.every = len(self.read) == len(self.params)  # the usual case: the loss reads every parameter
        self.stepped = False

    def __call__(self, batch: list[int]) -> float:
        self.leaves[self.where_read] = self.data if self.every else self.data[self.read]
        step_loss, grads = self.compiled.gradient(self.leaves, self.x[batch], self.y[batch])
        if self.every:
            self.grad = grads[self.where_read]
        else:
            self.grad = self.data * 0.0  # zeros, one per parameter
            self.grad[self.read] = grads[self.where_read]
        self.data = self.optimizer.step_arrays(self.data, self.grad)
        self.stepped = True
        return float(step_loss)

    def close(self) -> None:  # (or interrupted): the Values as eager steps would leave them
        if not self.stepped:  # no step: the Values are as they were, gradients too
            return
        for p, number, g in zip(self.params, self.data.tolist(), self.grad.tolist(), strict=True):
            p.data, p.grad = number, g


def _compiled(model: Module, inputs: Sequence[Any], targets: Sequence[Any], loss: Loss) -> tuple[Any, ...]:
    """The step's loss traced once (`engine.compile`), and the data as arrays."""
    try:
        import numpy as np
    except ImportError:
        raise ImportError("fit(compile=True) needs numpy: pip install numpy") from None
    x = np.asarray(inputs, dtype=float)
    y = np.asarray(targets)
    if loss.class_targets and y.ndim == 1 and y.dtype.kind in "iu":  # class indices
        outputs = model(inputs[0])
        n = len(outputs) if isinstance(outputs, list) else 1
        y = np.array([one_hot(int(t), n) for t in y])
    y = y.astype(float)
    return engine.compile(lambda x, y: loss(y, model(x)), x[0], y[0]), x, y


def progress_bar(total: int, desc: str = "training") -> Any:
    """A tqdm bar of `total` steps, or None when tqdm is not installed (train silently).

    In a terminal, tqdm's text bar. In Jupyter, its widget when ipywidgets is
    installed (the `jupyter` extra), else the same text bar, written to the
    cell's output: no "IProgress not found" warning, and a notebook saved
    with its outputs shows the finished bar, not a frozen widget at 0%.
    """
    try:
        from tqdm import std
    except ImportError:
        return None
    if not _in_notebook():
        return std.tqdm(total=total, desc=desc, unit="step", leave=True)
    if importlib.util.find_spec("ipywidgets") is None:
        return std.tqdm(total=total, desc=desc, unit="step", leave=True, file=sys.stdout)
    from tqdm.notebook import tqdm as widget

    return widget(total=total, desc=desc, unit="step", leave=True)


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython's ZMQ shell), as tqdm.auto decides."""
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    return get_ipython is not None and type(get_ipython()).__name__ == "ZMQInteractiveShell"


__all__ = ["LOSSES", "ArraySteps", "CompiledSteps", "EagerSteps", "Steps", "fit", "progress_bar", "steps"]
