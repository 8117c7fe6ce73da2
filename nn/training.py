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
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss, one_hot
from nn.module import Module
from nn.optim import SGD, Optimizer

LossFn = Callable[[Any, Any], Value]
Step = Callable[[list[int]], float]  # one training step on these samples: its mean loss

# By name, each called as loss(y_true, y_pred) for one example.
LOSSES: dict[str, LossFn] = {
    "mse": mse_loss,
    "binary_cross_entropy": binary_cross_entropy,
    "hinge": hinge_loss,
    "cross_entropy": lambda target, logits: cross_entropy(logits, target),
}


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
        loss: a name from `nn.training.LOSSES` ("mse", "binary_cross_entropy",
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
    loss_fn = _loss_function(loss)
    optimizer = SGD(model.parameters(), lr=0.1) if optimizer is None else optimizer
    order, rng = list(range(len(inputs))), random.Random(seed)
    steps_per_epoch = -(-len(order) // batch_size)
    bar = progress_bar(epochs * steps_per_epoch) if progress else None

    if not compile:
        run = _eager_steps(model, inputs, targets, loss_fn, optimizer)
    elif type(optimizer).step_arrays is Optimizer.step_arrays:  # an optimizer of yours: on its Values
        run = _compiled_steps(model, inputs, targets, loss_fn, optimizer)
    else:
        run = _array_steps(model, inputs, targets, loss_fn, optimizer)

    history: list[float] = []
    try:
        for _ in range(epochs):
            if shuffle:
                rng.shuffle(order)
            total, seen = 0.0, 0
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
                step_loss = run(batch)  # zero the gradients, the batch's mean loss backward, a step
                total, seen = total + step_loss * len(batch), seen + len(batch)
                if bar is not None:  # the epoch's running mean loss
                    bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
                    bar.update(1)
            history.append(total / seen)
    finally:
        if bar is not None:
            bar.close()
        done = getattr(run, "done", None)
        if done is not None:
            done()
    return history


def _eager_steps(
    model: Module, inputs: Sequence[Any], targets: Sequence[Any], loss_fn: LossFn, optimizer: Optimizer
) -> Step:
    def run(batch: list[int]) -> float:
        losses = [loss_fn(targets[i], model(inputs[i])) for i in batch]
        step_loss = losses[0] if len(losses) == 1 else engine.sum(losses) * (1.0 / len(losses))
        optimizer.zero_grad()
        step_loss.backward()
        optimizer.step()
        return step_loss.data

    return run


def _compiled(
    model: Module, inputs: Sequence[Any], targets: Sequence[Any], loss_fn: LossFn
) -> tuple[Any, ...]:
    """The step's loss traced once (`engine.compile`), and the data as arrays."""
    try:
        import numpy as np
    except ImportError:
        raise ImportError("fit(compile=True) needs numpy: pip install numpy") from None
    x = np.asarray(inputs, dtype=float)
    y = np.asarray(targets)
    if loss_fn is LOSSES["cross_entropy"] and y.ndim == 1 and y.dtype.kind in "iu":  # class indices
        outputs = model(inputs[0])
        n = len(outputs) if isinstance(outputs, list) else 1
        y = np.array([one_hot(int(t), n) for t in y])
    y = y.astype(float)
    return engine.compile(lambda x, y: loss_fn(y, model(x)), x[0], y[0]), x, y


def _compiled_steps(
    model: Module, inputs: Sequence[Any], targets: Sequence[Any], loss_fn: LossFn, optimizer: Optimizer
) -> Step:
    """Each step on the whole batch at once, the optimizer on the Values."""
    compiled, x, y = _compiled(model, inputs, targets, loss_fn)

    def run(batch: list[int]) -> float:
        optimizer.zero_grad()
        step_loss = compiled.backward(x[batch], y[batch])
        optimizer.step()
        return float(step_loss)

    return run


def _array_steps(
    model: Module, inputs: Sequence[Any], targets: Sequence[Any], loss_fn: LossFn, optimizer: Optimizer
) -> Step:
    """Each step on the whole batch at once, and the parameters held in one array
    while fit runs (the optimizer's `step_arrays`): the same numbers as the
    steps on Values, without reading and writing every Value every step. The
    Values get their numbers, and the last step's gradients, when fit ends."""
    import numpy as np

    compiled, x, y = _compiled(model, inputs, targets, loss_fn)
    position = {leaf: i for i, leaf in enumerate(compiled.leaves)}
    params = optimizer.params
    where = np.array([position.get(p, -1) for p in params])  # -1: a parameter the loss does not read
    read = np.flatnonzero(where >= 0)
    where_read = where[read]
    leaves = compiled.read_leaves()
    data = np.array([p.data for p in params])
    grad = np.zeros(len(params))

    every = len(read) == len(params)  # the usual case: the loss reads every parameter

    def run(batch: list[int]) -> float:
        nonlocal data, grad
        leaves[where_read] = data if every else data[read]
        step_loss, grads = compiled.gradient(leaves, x[batch], y[batch])
        if every:
            grad = grads[where_read]
        else:
            grad = np.zeros(len(params))
            grad[read] = grads[where_read]
        data = optimizer.step_arrays(data, grad)
        return float(step_loss)

    def done() -> None:  # fit ends (or is interrupted): the Values as eager steps would leave them
        for p, number, g in zip(params, data.tolist(), grad.tolist(), strict=True):
            p.data, p.grad = number, g

    run.done = done  # type: ignore[attr-defined]
    return run


def _loss_function(loss: str | LossFn) -> LossFn:
    if loss is cross_entropy:  # logits first, as PyTorch's
        return LOSSES["cross_entropy"]
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; expected one of {', '.join(LOSSES)} or a function")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(
            f"fit: loss must be a name or a function loss(y_true, y_pred), got {type(loss).__name__}"
        )
    return loss


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


__all__ = ["LOSSES", "fit", "progress_bar"]
